-- Registration POSTs: every request uses its own prepared session (cookie + CSRF token,
-- fetched from the registration form beforehand) and a unique email address.
-- Arguments: sessions file (cookie TAB token per line), body template, thread count,
-- path, tag.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  sessions = {}
  local nthreads = tonumber(args[3])
  local i = 0
  for line in io.lines(args[1]) do
    if i % nthreads == id then table.insert(sessions, line) end
    i = i + 1
  end
  local f = io.open(args[2])
  template = f:read("*a")
  f:close()
  path = args[4]
  tag = args[5]
  n = 0
  registered = 0
  reused = 0
end

function request()
  n = n + 1
  if n > #sessions then reused = reused + 1 end
  local line = sessions[((n - 1) % #sessions) + 1]
  local cookie, token = line:match("([^\t]*)\t(.*)")
  local email = tag .. "-" .. id .. "-" .. n .. "%40example.org"
  local body = template:gsub("{TOKEN}", function() return token end)
  body = body:gsub("{EMAIL}", function() return email end)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end

function response(status, headers, body)
  if status == 302 or status == 303 then registered = registered + 1 end
end

done = function(summary, latency, requests)
  local total_registered, total_reused = 0, 0
  for _, thread in ipairs(threads) do
    total_registered = total_registered + thread:get("registered")
    total_reused = total_reused + thread:get("reused")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"errors": %d, "status_errors": %d, "registered": %d, "reused_sessions": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, total_registered, total_reused))
end
