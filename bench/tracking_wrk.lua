-- wrk script for bench/tracking.py: random valid tracking paths, then for the tail a click path
-- with a malformed token (an async 404 that records nothing, so wrk may abort it harmlessly).
-- Args: <paths file> <seconds before switching to the tail> [<ms pause per connection between
-- requests>, 0 = closed loop at full speed]. Counts 2xx/3xx tracking answers (a GIF or a
-- redirect) per thread; done() prints the sum as tracking_answered=<n>.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id * 7919)
  reqs = {}
  for line in io.lines(args[1]) do
    reqs[#reqs + 1] = wrk.format("GET", line, {["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"})
  end
  tail = wrk.format("GET", "/t/c/end-of-run")
  switch_at = os.time() + tonumber(args[2])
  pause_ms = tonumber(args[3] or "0")
  answered = 0
end

function delay()
  return pause_ms
end

function request()
  if os.time() >= switch_at then
    return tail
  end
  return reqs[math.random(#reqs)]
end

function response(status, headers, body)
  if status >= 200 and status < 400 then
    local ct = headers["content-type"] or headers["Content-Type"]
    if status == 302 or ct == "image/gif" then
      answered = answered + 1
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("answered")
  end
  print("tracking_answered=" .. total)
end
