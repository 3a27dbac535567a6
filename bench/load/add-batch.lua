-- POST /add-batch with N unique 64-byte entries per request (uint16 length prefixes).
-- Arguments: N (default 1000), then the entry size in bytes (default 64, at most 65535), then
-- a tag keeping several wrk processes' entries apart.
dofile("report.lua")

local thread_ids = 0
function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("tid", thread_ids)
end

local n = 0
local per = 1000
local size = 64
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))

function init(args)
  if args[1] then
    per = tonumber(args[1])
  end
  if args[2] then
    size = tonumber(args[2])
  end
  if args[3] then
    run = run .. "-" .. args[3]
  end
end

request = function()
  local parts = {}
  for i = 1, per do
    n = n + 1
    local label = run .. "-b" .. tid .. "-" .. n
    local e = label .. string.rep(" ", size - #label)
    parts[#parts + 1] = string.char(math.floor(#e / 256), #e % 256) .. e
  end
  return wrk.format("POST", "/add-batch", nil, table.concat(parts))
end
