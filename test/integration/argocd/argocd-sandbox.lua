-- Runs an Argo CD health script under the limits Argo CD gives custom checks from argocd-cm
-- (util/lua/lua.go: SkipOpenLibs, then only package, base, table and a safe os with time/date).
--
-- Usage: lua5.1 argocd-sandbox.lua <script.lua>   (the resource as JSON on stdin)
-- Prints one JSON line: {"ok":true,"status":...,"message":...} or {"ok":false,"error":...}.
--
-- Real Lua 5.1 opens every library in _G, so the script runs in a separate environment
-- (setfenv) that holds only what gopher-lua would have opened. Strings lose their metatable,
-- as in gopher-lua without the string library, so ("x"):upper() fails here as it fails there.
local cjson = require("cjson")

local function fail(msg)
  io.write(cjson.encode({ ok = false, error = tostring(msg) }), "\n")
  os.exit(0)
end

local script_path = arg[1]
if script_path == nil then
  fail("usage: lua5.1 argocd-sandbox.lua <script.lua>")
end

-- Argo CD decodes the object with its own decodeValue: JSON null becomes Lua nil, which drops
-- the key from objects and the element from arrays (LTable.Append skips nil). cjson instead
-- decodes null to the cjson.null sentinel, so strip it the same way. JSON object keys are
-- always strings after cjson.decode; a table with number keys came from a JSON array.
local function strip_nulls(v)
  if v == cjson.null then
    return nil
  end
  if type(v) ~= "table" then
    return v
  end
  local is_array = false
  for k in pairs(v) do
    if type(k) == "number" then
      is_array = true
      break
    end
  end
  local out = {}
  if is_array then
    local n = 0
    for k in pairs(v) do
      if type(k) == "number" and k > n then
        n = k
      end
    end
    for i = 1, n do
      local item = strip_nulls(v[i])
      if item ~= nil then
        out[#out + 1] = item
      end
    end
  else
    for k, item in pairs(v) do
      out[k] = strip_nulls(item)
    end
  end
  return out
end

local ok_decode, decoded = pcall(cjson.decode, io.read("*a"))
if not ok_decode then
  fail("input is not JSON: " .. tostring(decoded))
end

local env = {}

-- Base library (gopher-lua's OpenBase). Functions that compile or look up environments are
-- wrapped so that nothing they return reaches the real _G, which holds io, string, debug...
local base_names = {
  "assert", "collectgarbage", "error", "getmetatable", "ipairs", "next", "pairs", "pcall",
  "print", "rawequal", "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring",
  "type", "unpack", "xpcall", "newproxy", "setfenv", "_VERSION",
}
for _, name in ipairs(base_names) do
  env[name] = _G[name]
end
env._G = env

local function bind(chunk, err)
  if chunk == nil then
    return nil, err
  end
  setfenv(chunk, env)
  return chunk
end
env.loadstring = function(s, name) return bind(loadstring(s, name)) end
env.load = function(f, name) return bind(load(f, name)) end
env.loadfile = function(path) return bind(loadfile(path)) end
env.dofile = function(path)
  local chunk = assert(env.loadfile(path))
  return chunk()
end
env.getfenv = function(f)
  if f == nil then
    f = 1
  end
  if type(f) == "number" and f > 0 then
    f = f + 1 -- skip this wrapper's own frame
  end
  local e = getfenv(f)
  if e == _G then
    return env
  end
  return e
end

-- Table library.
local tbl = {}
for k, fn in pairs(table) do
  tbl[k] = fn
end
env.table = tbl

-- Argo CD's "safe" os: time and date only (util/lua/oslib_safe.go).
local safe_os = { time = os.time, date = os.date }
env.os = safe_os

-- Package library: require resolves only what is loaded or preloaded in the sandbox; nothing
-- from package.path or package.cpath (which would hand out io through C modules).
local pkg = { loaded = {}, preload = {}, path = "", cpath = "" }
pkg.loaded._G = env
pkg.loaded.package = pkg
pkg.loaded.table = tbl
pkg.loaded.os = safe_os
pkg.preload.os = function() return { time = os.time, date = os.date } end
env.package = pkg
env.require = function(name)
  local loaded = pkg.loaded[name]
  if loaded ~= nil then
    return loaded
  end
  local loader = pkg.preload[name]
  if loader == nil then
    error("module '" .. tostring(name) .. "' not found", 2)
  end
  local mod = loader(name)
  if mod == nil then
    mod = true
  end
  pkg.loaded[name] = mod
  return mod
end
env.module = function() error("module() is not supported in this sandbox", 2) end

env.obj = strip_nulls(decoded)

local chunk, load_err = loadfile(script_path)
if chunk == nil then
  fail(load_err)
end
setfenv(chunk, env)

-- gopher-lua only gives strings a metatable when the string library is opened.
local string_mt = getmetatable("")
debug.setmetatable("", nil)

-- Argo CD cancels a script after 1 s; an instruction budget stands in for that clock.
debug.sethook(function() error("script exceeded its instruction budget (Argo CD stops at 1 s)") end, "", 50000000)
local ran, result = pcall(chunk)
debug.sethook()
debug.setmetatable("", string_mt)

if not ran then
  fail(result)
end
if type(result) ~= "table" then
  fail("expect table output from Lua script, not " .. type(result))
end
local out = { ok = true }
if result.status ~= nil then
  out.status = result.status
end
if result.message ~= nil then
  out.message = result.message
end
io.write(cjson.encode(out), "\n")
