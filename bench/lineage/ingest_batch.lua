-- wrk script: POST /api/v1/lineage/batch with 100 distinct RunEvents per request (same event
-- shape as ingest.lua). events/s = requests/s x 100. Set WEIR_TOKEN.
local counter = 0
local thread_id = 0
local token = os.getenv("WEIR_TOKEN") or ""
local per = tonumber(os.getenv("BATCH") or "100")
function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end
local function event(n)
  local rid = string.format("0190c5f5-0000-7000-8000-%012d", n)
  local a, b, o = "t" .. (n % 5000), "t" .. ((n * 7 + 1) % 5000), "t" .. ((n + 1) % 5000)
  local fields = {}
  for f = 0, 2 do
    fields[#fields + 1] = string.format('"c%d":{"inputFields":[{"namespace":"pg://db","name":"%s","field":"c%d","transformations":[{"type":"DIRECT","subtype":"IDENTITY"}]}]}', f, a, f)
  end
  return string.format('{"eventType":"COMPLETE","eventTime":"2026-05-01T12:00:00.000Z","run":{"runId":"%s"},' ..
    '"job":{"namespace":"bench","name":"%s"},"inputs":[{"namespace":"pg://db","name":"%s"},{"namespace":"pg://db","name":"%s"}],' ..
    '"outputs":[{"namespace":"pg://db","name":"%s","facets":{"columnLineage":{"_producer":"https://x","_schemaURL":"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json","fields":{%s}}}}],' ..
    '"producer":"https://github.com/weir/bench","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}',
    rid, a, a, b, o, table.concat(fields, ","))
end
function request()
  local evs = {}
  for i = 1, per do
    counter = counter + 1
    evs[i] = event(thread_id * 100000000 + counter)
  end
  return wrk.format("POST", "/api/v1/lineage/batch", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token},
    "[" .. table.concat(evs, ",") .. "]")
end
function done(summary, latency, requests)
  io.write(string.format("batches=%d events=%d errors(status)=%d p50=%.2fms p99=%.2fms events/s=%.0f\n",
    summary.requests, summary.requests * per, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.requests * per / (summary.duration / 1e6)))
end
