-- wrk script: many drivers, each with their own session, a weighted mix of requests, paced so the
-- whole run approximates an open-loop rate. Files come from bench/run.py through environment variables.
local tokens, paths = {}, {}

local function read_lines(name)
  local lines = {}
  for line in io.lines(name) do lines[#lines + 1] = line end
  return lines
end

local pace_ms = tonumber(os.getenv("BENCH_PACE_MS") or "0")
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  tokens = read_lines(os.getenv("BENCH_TOKENS"))
  paths = read_lines(os.getenv("BENCH_PATHS"))
  math.randomseed(os.time() + (id or 0) * 7919)
end

function request()
  local token = tokens[math.random(#tokens)]
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function delay()
  if pace_ms <= 0 then return 0 end
  return math.random(math.floor(pace_ms * 0.5), math.floor(pace_ms * 1.5))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
