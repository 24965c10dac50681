-- Replays pre-signed webhook requests from a file, one per line: "<signature>\t<form body>".
-- Prints a JSON summary when done. Usage: wrk -s wrk_requests.lua URL -- FILE
local requests = {}
local index = 0

init = function(args)
  local path = wrk.path
  for line in io.lines(args[1]) do
    local signature, body = line:match("([^\t]*)\t(.*)")
    requests[#requests + 1] = wrk.format("POST", path, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature,
    }, body)
  end
end

request = function()
  index = index + 1
  if index > #requests then index = 1 end
  return requests[index]
end

done = function(summary, latency, requests_)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
