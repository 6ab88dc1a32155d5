-- Shared by the wrk scripts of scripts/bench.sh: numbers each thread, counts
-- answers by class in every thread, and prints one RESULT line that bench.sh
-- parses. Scripts that need the answers (writes) call count() from their
-- response(); reads leave response() undefined, since defining it makes wrk
-- parse every body and costs the load generator CPU the server then gets.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

ok, client_errors, server_errors, events = 0, 0, 0, 0

-- count tallies one answer; accepted is how many events it carried.
function count(status, accepted)
  if status >= 200 and status < 300 then
    ok = ok + 1
    events = events + accepted
  elseif status >= 500 then
    server_errors = server_errors + 1
  else
    client_errors = client_errors + 1
  end
end

-- per_thread, when set by a script, names a file that gets one line per
-- thread: its id, its answers in the 2xx class and the events they carried.
per_thread = nil

function done(summary, latency, requests)
  local sum = { ok = 0, client_errors = 0, server_errors = 0, events = 0 }
  local lines = {}
  for _, t in ipairs(threads) do
    for k in pairs(sum) do
      sum[k] = sum[k] + (t:get(k) or 0)
    end
    table.insert(lines, string.format("%d %d %d", t:get("id"), t:get("ok") or 0, t:get("events") or 0))
  end
  local out = threads[1] and threads[1]:get("per_thread")
  if out then
    local f = assert(io.open(out, "w"))
    f:write(table.concat(lines, "\n"), "\n")
    f:close()
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "non2xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d " ..
    "ok=%d client_errors=%d server_errors=%d events=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect, e.read, e.write, e.timeout,
    sum.ok, sum.client_errors, sum.server_errors, sum.events))
end
