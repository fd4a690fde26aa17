-- The REST API under wrk for `manage.py bench_api` (issue 19's bench): in mode "payments"
-- POST /api/v1/accounts/<number>/payments/ (each with its own Idempotency-Key), in mode "account"
-- GET /api/v1/accounts/<number>/.
-- Arguments (after `--`): mode accounts_file key nonce threads max_requests amount
--   mode:          payments or account
--   accounts_file: account numbers that take payments, one a line
--   key:           a service API key with the payments scope
--   nonce:         makes this run's Idempotency-Keys unique (a rerun never replays one)
--   threads:       wrk's -t (each thread has its own Lua state and cannot count the others)
--   max_requests:  stop after about this many answers in all (0: run for wrk's -d only)
--   amount:        each payment's amount, e.g. 1.00
-- Thread t of n takes accounts t, t+n, t+2n, … so no two requests share an account until the
-- list wraps around; every request has its own Idempotency-Key (<nonce>-<t>-<i>).
-- done() prints one line the command parses: answers, non-2xx answers, socket errors and
-- p50/p95/p99 latency in ms.

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  numbers = {}
  mode = args[1]
  for line in io.lines(args[2]) do
    if line ~= "" then table.insert(numbers, line) end
  end
  key, nonce, total = args[3], args[4], tonumber(args[5])
  local max_requests = tonumber(args[6]) or 0
  per_thread = max_requests > 0 and math.ceil(max_requests / total) or 0
  body = '{"amount": "' .. (args[7] or "1.00") .. '", "description": "Bench payment"}'
  sent, answered, non2xx = 0, 0, 0
end

function request()
  local index = ((id - 1) + sent * total) % #numbers + 1
  sent = sent + 1
  local path = "/api/v1/accounts/" .. numbers[index] .. "/"
  if mode == "account" then
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. key })
  end
  local headers = {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", nonce, id, sent),
  }
  return wrk.format("POST", path .. "payments/", headers, body)
end

function response(status, headers, body)
  answered = answered + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then io.stderr:write(string.format("HTTP %d %s\n", status, body)) end
  end
  if per_thread > 0 and answered >= per_thread then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non2xx") end
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %.3f %.3f %.3f\n", summary.requests,
    summary.duration, bad, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
