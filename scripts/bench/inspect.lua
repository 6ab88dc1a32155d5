-- POST quality results to /api/v1/lots/{lot}/inspect, each thread (run one
-- connection per thread) on its own lot, so that no two requests contend for
-- one lot's chain. Arguments: the file of lot ids (line n for thread n), the
-- API key, and the file that gets each thread's count of 2xx answers.
--   wrk -t64 -c64 -s inspect.lua URL -- lots.txt KEY acked.txt
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "report.lua")

local req

function init(args)
  local lots = {}
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(lots, line) end
  end
  per_thread = args[3]
  req = wrk.format("POST", "/api/v1/lots/" .. lots[(id - 1) % #lots + 1] .. "/inspect", {
    ["Authorization"] = "Bearer " .. args[2],
    ["Content-Type"] = "application/json",
  }, '{"results":{"moisture":7.1,"oilContent":41.2},"note":"bench"}')
end

function request()
  return req
end

function response(status, headers, body)
  count(status, 1)
end
