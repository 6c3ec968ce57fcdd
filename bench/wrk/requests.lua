-- wrk script of bench/run.sh: sends the requests of a file written by
-- `benchtool requests`, one per line (tab-separated method, path, body, then
-- header names and values). Thread t of n takes lines t, t+n, t+2n, … so
-- single-use requests (pre-signed mixi nonces, pre-minted Assist codes) are
-- never sent twice by two threads; a thread that runs out starts over and
-- counts it in "wrapped" (against the emulator that shows up as non-2xx).
--
--   wrk -t2 -c32 -d5s -s requests.lua http://127.0.0.1:PORT -- FILE THREADS

local threads = {}
local created = 0

function setup(thread)
   thread:set("tid", created)
   created = created + 1
   table.insert(threads, thread)
end

function init(args)
   local file, n = args[1], tonumber(args[2])
   local lines = {}
   for line in io.lines(file) do
      lines[#lines + 1] = line
   end
   pool = #lines > 1 -- one line: a repeatable request, sent by every thread
   if #lines < n then
      n, tid = 1, 0
   end
   reqs = {}
   for i = tid + 1, #lines, n do
      local f = {}
      for field in (lines[i] .. "\t"):gmatch("([^\t]*)\t") do
         f[#f + 1] = field
      end
      local h = {}
      for k = 4, #f - 1, 2 do
         h[f[k]] = f[k + 1]
      end
      local body = nil
      if f[3] ~= "" then body = f[3] end
      reqs[#reqs + 1] = wrk.format(f[1], f[2], h, body)
   end
   if #reqs == 0 then
      error("no requests for thread " .. tid .. " in " .. file)
   end
   idx = 0
   wrapped = 0
end

function request()
   idx = idx + 1
   if idx > #reqs then
      idx = 1
      if pool then wrapped = wrapped + 1 end
   end
   return reqs[idx]
end

function done(summary, latency, requests)
   local w = 0
   for _, t in ipairs(threads) do
      w = w + (t:get("wrapped") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      'RESULT {"requests":%d,"durationUs":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d,"non2xx":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"wrapped":%d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
      e.status, e.connect, e.read, e.write, e.timeout, w))
end
