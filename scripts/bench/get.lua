-- GET the paths listed in a file in turn, one per request; each thread
-- starts at its own place in the list. Arguments: the file, the Accept
-- header ("json" or "html"), and optionally an API key.
--   wrk -s get.lua URL -- paths.txt json [KEY]
dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "report.lua")

local paths, headers, i = {}, {}, 0

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then table.insert(paths, line) end
  end
  headers["Accept"] = args[2] == "html" and "text/html" or "application/json"
  if args[3] and args[3] ~= "" then
    headers["Authorization"] = "Bearer " .. args[3]
  end
  i = (id * 37) % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end
