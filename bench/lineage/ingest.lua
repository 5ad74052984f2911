-- wrk script: POST /api/v1/lineage with a distinct RunEvent per request (2 inputs, 1 output,
-- a 3-field columnLineage facet). Set WEIR_TOKEN in the environment.
--   WEIR_TOKEN=$(cat DATA/admin.token) wrk -t2 -c16 -d10s -s bench/lineage/ingest.lua http://127.0.0.1:PORT
local counter = 0
local thread_id = 0
local token = os.getenv("WEIR_TOKEN") or ""
function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end
function request()
  counter = counter + 1
  local n = thread_id * 100000000 + counter
  local rid = string.format("0190c5f5-0000-7000-8000-%012d", n)
  local a, b, o = "t" .. (n % 5000), "t" .. ((n * 7 + 1) % 5000), "t" .. ((n + 1) % 5000)
  local fields = {}
  for f = 0, 2 do
    fields[#fields + 1] = string.format('"c%d":{"inputFields":[{"namespace":"pg://db","name":"%s","field":"c%d","transformations":[{"type":"DIRECT","subtype":"IDENTITY"}]}]}', f, a, f)
  end
  local body = string.format('{"eventType":"COMPLETE","eventTime":"2026-05-01T12:00:00.000Z","run":{"runId":"%s"},' ..
    '"job":{"namespace":"bench","name":"%s"},"inputs":[{"namespace":"pg://db","name":"%s"},{"namespace":"pg://db","name":"%s"}],' ..
    '"outputs":[{"namespace":"pg://db","name":"%s","facets":{"columnLineage":{"_producer":"https://x","_schemaURL":"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json","fields":{%s}}}}],' ..
    '"producer":"https://github.com/weir/bench","schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"}',
    rid, a, a, b, o, table.concat(fields, ","))
  return wrk.format("POST", "/api/v1/lineage", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
local statuses = {}
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  io.write(string.format("requests=%d errors(status)=%d non2xx? see server log; p50=%.2fms p99=%.2fms rate=%.0f/s\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
