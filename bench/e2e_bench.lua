-- wrk script of bench/e2e_bench.sh: POSTs /runs/batch bodies at a constant
-- rate, every run with a run id never sent before.
--   args (after `--`): PATH RATE EPOCH FILE...
--     RATE   requests per second for this wrk thread (0: as fast as answered)
--     EPOCH  0..15, distinct per wrk invocation against one table
--     FILE   body files (bench_body's batch_<i>.json), sent in turn
-- Distinct ids: every UUID in a body (id, trace_id, parent_run_id, and inside
-- dotted_order) has its first 8 hex digits replaced, per request, by
-- EPOCH (1 hex) . thread (1 hex) . request counter (6 hex). The rest of each
-- UUID is the body's own, distinct within a body, so every run id of the whole
-- benchmark is distinct and ReplacingMergeTree never collapses two rows; the
-- same substitution everywhere keeps each run's dotted_order, trace_id and
-- parent_run_id consistent.
-- Rate: a schedule of send slots RATE⁻¹ apart, per thread; a connection asks
-- delay() for the next free slot before each request. A schedule that falls
-- behind (every connection busy) is not made up by bursts beyond the open
-- connections: the achieved rate is then below RATE, which the caller checks.
-- done() prints one machine-readable line:
--   wrk_result requests=N duration_us=D s202=N other=N errors=N p50_us=N p99_us=N statuses=S:N,...
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } e2e_timespec;
  int clock_gettime(int clk, e2e_timespec *tp);
]]
local ts = ffi.new("e2e_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

local uuid = "%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x"

-- The pieces of a body between the first 8 hex digits of its UUIDs.
local function split(body)
  local pieces, from = {}, 1
  while true do
    local s = body:find(uuid, from)
    if not s then break end
    pieces[#pieces + 1] = body:sub(from, s - 1)
    from = s + 8
  end
  pieces[#pieces + 1] = body:sub(from)
  assert(#pieces > 1, "no UUID in a body")
  return pieces
end

function init(args)
  path = args[1]
  local rate = tonumber(args[2])
  epoch = tonumber(args[3])
  assert(rate and epoch and epoch >= 0 and epoch < 16 and id < 16, "bad RATE or EPOCH, or more than 16 threads")
  interval_ms = rate > 0 and 1000 / rate or 0
  headers = { ["Content-Type"] = "application/json" }
  templates = {}
  for i = 4, #args do
    local f = assert(io.open(args[i], "rb"))
    templates[#templates + 1] = split(f:read("*a"))
    f:close()
  end
  assert(#templates > 0, "no body files given")
  sent = 0
  next_slot = nil
  statuses = {}
end

function delay()
  if interval_ms == 0 then return 0 end
  local now = now_ms()
  if not next_slot then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval_ms
  return slot > now and math.floor(slot - now) or 0
end

function request()
  local pieces = templates[sent % #templates + 1]
  local prefix = string.format("%x%x%06x", epoch, id, sent % 0x1000000)
  sent = sent + 1
  return wrk.format("POST", path, headers, table.concat(pieces, prefix))
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local ok, other, detail = 0, 0, {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("statuses")) do
      if status == 202 then ok = ok + n else other = other + n end
      detail[#detail + 1] = status .. ":" .. n
    end
  end
  local e = summary.errors
  io.write(string.format(
    "wrk_result requests=%d duration_us=%d s202=%d other=%d errors=%d p50_us=%d p99_us=%d statuses=%s\n",
    summary.requests, summary.duration, ok, other, e.connect + e.read + e.write + e.timeout, latency:percentile(50),
    latency:percentile(99), table.concat(detail, ",")))
end
