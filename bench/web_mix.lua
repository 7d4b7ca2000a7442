-- wrk script for `make scale` (bench/scaleout.py): a mix of pages, one after the other on
-- every connection, and the answers counted by status class. Signed-in pages carry the
-- cookie given in WRK_COOKIE (a client's session, made by signing in before the run).
-- done() prints one JSON line that the benchmark reads.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  cookie = os.getenv("WRK_COOKIE") or ""
  pages = {
    { path = "/", signed = false },
    { path = "/portal/", signed = true },
    { path = "/newsletter/subscribe", signed = false },
    { path = "/portal/sessions", signed = true },
    { path = "/login", signed = false },
    { path = "/newsletter/archive/", signed = false },
    { path = "/portal/recommendations", signed = true },
    { path = "/healthz", signed = false },
  }
  counter = 0
  s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0
end

function request()
  counter = counter + 1
  local page = pages[(counter % #pages) + 1]
  local headers = {}
  if page.signed then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", page.path, headers)
end

function response(status, headers, body)
  if status >= 500 then
    s5xx = s5xx + 1
  elseif status >= 400 then
    s4xx = s4xx + 1
  elseif status >= 300 then
    s3xx = s3xx + 1
  else
    s2xx = s2xx + 1
  end
end

function done(summary, latency, requests)
  local totals = { s2xx = 0, s3xx = 0, s4xx = 0, s5xx = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "s2xx": %d, "s3xx": %d, "s4xx": %d, "s5xx": %d, '
      .. '"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, totals.s2xx, totals.s3xx, totals.s4xx, totals.s5xx,
    errors.connect, errors.read, errors.write, errors.timeout
  ))
end
