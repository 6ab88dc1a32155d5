-- POST /api/v1/batch: each request carries a collection center's intake,
-- half commissions of new seed lots and half inspections of those same lots,
-- numbered per thread so that no two requests touch one lot. Arguments: the
-- API key, the seed GTIN, events per request (even), the run's lot number
-- prefix, and the file that gets each thread's count of accepted events.
--   wrk -s batch.lua URL -- KEY GTIN 1000 BKx7 accepted.txt
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "report.lua")

local headers, gtin, size, prefix, n = nil, nil, 0, nil, 0

function init(args)
  headers = { ["Authorization"] = "Bearer " .. args[1], ["Content-Type"] = "application/json" }
  gtin, size, prefix, per_thread = args[2], tonumber(args[3]), args[4], args[5]
end

function request()
  local parts = {}
  for _ = 1, size / 2 do
    n = n + 1
    local lot = string.format("%s%d-%d", prefix, id, n)
    table.insert(parts, string.format(
      '{"op":"commission","body":{"gtin":"%s","lot":"%s","quantity":2500000,' ..
      '"origin":{"region":"420526101201","village":"桃园村","harvestDate":"2026-05-12"}}}', gtin, lot))
    table.insert(parts, string.format(
      '{"op":"inspect","lot":"%s.%s","body":{"results":{"moisture":7.4,"oilContent":40.9}}}', gtin, lot))
  end
  return wrk.format("POST", "/api/v1/batch", headers, '{"events":[' .. table.concat(parts, ",") .. ']}')
end

function response(status, headers, body)
  local accepted = tonumber(body:match('"accepted"%s*:%s*(%d+)')) or 0
  count(status, accepted)
end
