-- wrk script: sends METHOD with the body from BODY_FILE and the headers of one block of HEADERS_FILE
-- (blocks separated by blank lines: `sigcar sign --count N` output), block after block.
--   wrk ... -s pool.lua URL -- METHOD BODY_FILE|- HEADERS_FILE|-
-- A pool of single-use nonces must not run dry: when it wraps, the requests replay (the proxy
-- answers 401) and done() prints the wrap count so the caller can tell why.
local method, body, fixed
local blocks = {}
local i = 0
wraps = 0

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  method = args[1] or "GET"
  if args[2] and args[2] ~= "-" then
    body = read(args[2])
    if #body == 0 then body = nil end
  end
  if args[3] and args[3] ~= "-" then
    local cur = nil
    for line in (read(args[3]) .. "\n\n"):gmatch("([^\n]*)\n") do
      line = line:gsub("\r$", "")
      if line == "" then
        if cur then table.insert(blocks, cur); cur = nil end
      else
        local k, v = line:match("^([^:]+):%s*(.*)$")
        cur = cur or {}
        cur[k] = v
      end
    end
  end
  if #blocks <= 1 then
    local h = blocks[1] or {}
    if body then h["Content-Type"] = "application/octet-stream" end
    fixed = wrk.format(method, nil, h, body)
  end
end

function request()
  if fixed then return fixed end
  i = i + 1
  if i > #blocks then i = 1; wraps = wraps + 1 end
  local h = {}
  for k, v in pairs(blocks[i]) do h[k] = v end
  if body then h["Content-Type"] = "application/octet-stream" end
  return wrk.format(method, nil, h, body)
end

local threads = {}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local w = 0
  for _, t in ipairs(threads) do w = w + (t:get("wraps") or 0) end
  io.write(string.format("pool-wraps %d\n", w))
end
