-- The ingest bench's wrk script (bench/ingest-wrk.ts runs it): tracking requests as
-- src/web/tracker/verity.js sends them, made in wrk's LuaJIT so that the load generator costs
-- little CPU on the two cores it shares with the server. The same shape as
-- bench/ingest-events.ts: VISITORS visitors who come back for several visits, about 3
-- pageviews a visit, a quarter of the visits from a campaign, a third from a referrer, 4% with
-- an identify event and 2% with a captured form; a thousand visits under way at once.
--
-- Event ids are PREFIX and a counter, unique across runs that use different prefixes. One
-- thread (-t1): done() reads the counters of the single thread. Environment: SITE, SEED,
-- PREFIX, VISITORS, BATCH (events a request).

local site = os.getenv("SITE")
local seed = tonumber(os.getenv("SEED") or "1")
local prefix = os.getenv("PREFIX") or "a"
local visitorCount = tonumber(os.getenv("VISITORS") or "20000")
local batch = tonumber(os.getenv("BATCH") or "1")
local origin = "https://www.bench-example.com"

wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
wrk.headers["Origin"] = origin

local paths = { "/", "/pricing", "/product", "/product/metrics", "/product/tracking", "/customers",
  "/customers/acme", "/blog", "/blog/vanity-metrics", "/blog/funnel-velocity", "/blog/b2b-attribution",
  "/blog/newsletter-roi", "/docs", "/docs/getting-started", "/docs/import", "/about", "/careers",
  "/contact", "/demo", "/webinar/q2" }
local referrers = { "https://www.google.com/", "https://www.google.com/", "https://www.google.com/",
  "https://www.bing.com/", "https://www.linkedin.com/", "https://www.linkedin.com/feed/",
  "https://news.ycombinator.com/", "https://duckduckgo.com/" }
local campaigns = {
  '{"source":"linkedin","medium":"social","campaign":"spring-launch"}',
  '{"source":"newsletter","medium":"email","campaign":"issue-42","content":"header-link"}',
  '{"source":"google","medium":"cpc","campaign":"brand","term":"b2b metrics"}',
  '{"source":"twitter","medium":"social","campaign":"webinar-q2"}',
  '{"source":"partner","medium":"referral","campaign":"acme-co-marketing"}',
}
local campaignQueries = {
  "?utm_source=linkedin&utm_medium=social&utm_campaign=spring-launch",
  "?utm_source=newsletter&utm_medium=email&utm_campaign=issue-42&utm_content=header-link",
  "?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=b2b%20metrics",
  "?utm_source=twitter&utm_medium=social&utm_campaign=webinar-q2",
  "?utm_source=partner&utm_medium=referral&utm_campaign=acme-co-marketing",
}

local active = {}
local visitCounter = 0
local eventCounter = 0
-- Read by done() through the thread.
sent = 0
acked = 0
ackedEvents = 0
statuses = {}

local function pick(list) return list[math.random(1, #list)] end

local function newVisit()
  visitCounter = visitCounter + 1
  local r = math.random()
  local campaign = r < 0.25 and math.random(1, #campaigns) or nil
  local pageviews = 1
  while math.random() < 2 / 3 and pageviews < 40 do pageviews = pageviews + 1 end
  local e = math.random()
  return {
    visitor = string.format("v%s%020d", prefix, math.random(1, visitorCount)),
    id = string.format("s%s%020d", prefix, visitCounter),
    campaign = campaign,
    referrer = (r >= 0.25 and r < 0.6) and pick(referrers) or "",
    pageviews = pageviews,
    sent = 0,
    extra = e < 0.04 and "identify" or (e < 0.06 and "form" or nil),
  }
end

init = function(args)
  math.randomseed(seed)
  for i = 1, 1000 do active[i] = newVisit() end
end

local function nextEvent()
  local slot = math.random(1, #active)
  local visit = active[slot]
  local landing = visit.sent == 0
  local path = (landing and math.random() < 0.5) and "/" or pick(paths)
  local url = origin .. path .. ((landing and visit.campaign) and campaignQueries[visit.campaign] or "")
  eventCounter = eventCounter + 1
  local head = '{"id":"' .. string.format("e%s%020d", prefix, eventCounter) .. '","type":"'
  local rest = '","visitor":"' .. visit.visitor .. '","visit":"' .. visit.id .. '","url":"' .. url
    .. '","referrer":"' .. visit.referrer .. '","utm":' .. (visit.campaign and campaigns[visit.campaign] or "{}")
  local event
  if visit.sent == 1 and visit.extra then
    local email = '"email":"contact' .. visit.visitor .. '@company.example.com"'
    local form = visit.extra == "form" and ',"form":"demo-request"' or ""
    event = head .. visit.extra .. rest .. "," .. email .. form .. "}"
    visit.extra = nil
  else
    event = head .. "pageview" .. rest .. "}"
    visit.pageviews = visit.pageviews - 1
  end
  visit.sent = visit.sent + 1
  if visit.pageviews == 0 and visit.extra == nil then active[slot] = newVisit() end
  return event
end

request = function()
  local events = {}
  for i = 1, batch do events[i] = nextEvent() end
  sent = sent + 1
  return wrk.format(nil, nil, nil, '{"site":"' .. site .. '","events":[' .. table.concat(events, ",") .. "]}")
end

response = function(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 202 then
    acked = acked + 1
    ackedEvents = ackedEvents + batch
  end
end

local threads = {}
setup = function(thread) table.insert(threads, thread) end

done = function(summary, latency, requests)
  local t = threads[1]
  local parts = {}
  for k, v in pairs(t:get("statuses")) do table.insert(parts, '"' .. k .. '":' .. v) end
  io.write(string.format(
    '{"sent":%d,"acked":%d,"ackedEvents":%d,"completed":%d,"durationUs":%d,"statuses":{%s},'
      .. '"socketErrors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},'
      .. '"latencyUs":{"p50":%d,"p95":%d,"p99":%d,"max":%d}}\n',
    t:get("sent"), t:get("acked"), t:get("ackedEvents"), summary.requests, summary.duration,
    table.concat(parts, ","), summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
