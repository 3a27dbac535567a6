-- POST /add with a unique 64-byte entry per request. Arguments: "json" to ask for the
-- inclusion proof (Accept: application/json); "bearer=<JWT>" to send it as the credentials;
-- "size=<bytes>" for entries of that size instead of 64; "tag=<text>" to keep the entries of
-- several wrk processes started in the same second apart.
dofile("report.lua")

local thread_ids = 0
function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("tid", thread_ids)
end

local n = 0
local headers = {}
local size = 64
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))

function init(args)
  for _, a in ipairs(args) do
    if a == "json" then
      headers["Accept"] = "application/json"
    elseif a:sub(1, 4) == "tag=" then
      run = run .. "-" .. a:sub(5)
    elseif a:sub(1, 5) == "size=" then
      size = tonumber(a:sub(6))
    elseif a:sub(1, 7) == "bearer=" then
      headers["Authorization"] = "Bearer " .. a:sub(8)
    end
  end
end

request = function()
  n = n + 1
  local label = run .. "-" .. tid .. "-" .. n
  local body = label .. string.rep(" ", size - #label)
  return wrk.format("POST", "/add", headers, body)
end
