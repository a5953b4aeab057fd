-- wrk script of bench/ingest_bench.sh: POSTs the body files given after `--`
-- (args: PATH FILE...) in turn, as application/json; counts the answers by
-- status in response() and prints them in done(), one machine-readable line:
--   wrk_result requests=N duration_us=D s202=N other=N errors=N p50_us=N p99_us=N statuses=S:N,...
-- Every thread starts at a different body so connections do not move in step.
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
  statuses = {}
end

function request()
  next_request = next_request % #prepared + 1
  return prepared[next_request]
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
