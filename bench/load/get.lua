-- GETs random tiles or inclusion proofs of a log. Arguments: tile <full level-0 tiles> |
-- proof <tree size>.
dofile("report.lua")

local mode = "tile"
local max = 1

function init(args)
  mode = args[1] or "tile"
  max = tonumber(args[2] or "1")
  math.randomseed(os.time() + math.random(1, 1e6))
end

local function tile_index(n)
  local s = string.format("%d", n)
  local pad = (3 - #s % 3) % 3
  s = string.rep("0", pad) .. s
  local groups = {}
  for i = 1, #s, 3 do
    groups[#groups + 1] = s:sub(i, i + 2)
  end
  for i = 1, #groups - 1 do
    groups[i] = "x" .. groups[i]
  end
  return table.concat(groups, "/")
end

request = function()
  if mode == "proof" then
    return wrk.format("GET", "/proof/inclusion?index=" .. math.random(0, max - 1))
  end
  return wrk.format("GET", "/tile/0/" .. tile_index(math.random(0, max - 1)))
end
