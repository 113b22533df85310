-- wrk script for bench/tracking.py: random valid tracking paths, then /healthz for the tail.
-- Args: <paths file> <seconds before switching to /healthz>. Counts 2xx/3xx tracking answers
-- (a GIF or a redirect) per thread; done() prints the sum as tracking_answered=<n>.
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
  health = wrk.format("GET", "/healthz")
  switch_at = os.time() + tonumber(args[2])
  answered = 0
end

function request()
  if os.time() >= switch_at then
    return health
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
