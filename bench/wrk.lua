-- wrk script for `make bench-http`: one request shape per run, every response's
-- status checked, and one machine-readable WRKRESULT line at the end
-- (latencies in microseconds).
--
-- Environment:
--   WRK_METHOD     POST (default) or GET
--   BODY_FILE      the request body for POST (e.g. the peers' body256.json)
--   CONTENT_TYPE   default application/json
--   EXPECT_STATUS  the only status counted as a success (default 201 for POST, 200 for GET)
--   STRICT=0       do not look at each response (no per-response Lua call);
--                  then only wrk's own non-2xx/3xx count is reported
wrk.method = os.getenv("WRK_METHOD") or "POST"
if wrk.method == "POST" then
  local f = assert(io.open(assert(os.getenv("BODY_FILE"), "BODY_FILE not set"), "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/json"
end

local expect = tonumber(os.getenv("EXPECT_STATUS") or (wrk.method == "POST" and "201" or "200"))
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  unexpected = 0      -- responses whose status is not `expect` (per thread)
  first_status = 0    -- the first such status
end

if os.getenv("STRICT") ~= "0" then
  function response(status, headers, body)
    if status ~= expect then
      unexpected = unexpected + 1
      if first_status == 0 then first_status = status end
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + (t:get("unexpected") or 0)
    local s = t:get("first_status") or 0
    if first == 0 and s ~= 0 then first = s end
  end
  local e = summary.errors
  io.write(string.format(
    "WRKRESULT requests=%d duration_us=%d rps=%.1f mean_us=%.0f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d non2xx=%d unexpected=%d first_unexpected=%d sockerr=%d timeouts=%d strict=%s\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6), latency.mean,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.status, bad, first, e.connect + e.read + e.write, e.timeout,
    os.getenv("STRICT") == "0" and "no" or "yes"))
end
