-- wrk script of bench/load_bench.sh: POSTs the body files given after `--`
-- (args: PATH FILE...) in turn, as application/json, as fast as answered.
-- No response() callback: with one, wrk hands every answer's headers to Lua,
-- which costs it throughput, and the baseline should be wrk at its best.
-- wrk itself counts answers that are not 2xx/3xx (errors.status).
-- done() prints one machine-readable line:
--   wrk_result requests=N duration_us=D errors=N non2xx=N p50_us=N p99_us=N
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  local headers = { ["Content-Type"] = "application/json" }
  prepared = {}
  for i = 2, #args do
    local f = assert(io.open(args[i], "rb"))
    local body = f:read("*a")
    f:close()
    prepared[#prepared + 1] = wrk.format("POST", path, headers, body)
  end
  assert(#prepared > 0, "no body files given")
  next_request = id % #prepared
end

function request()
  next_request = next_request % #prepared + 1
  return prepared[next_request]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk_result requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
