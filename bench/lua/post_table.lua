-- POST /api/2.1/unity-catalog/tables with a unique name per request (thread id + counter).
local counter = 0

local threads = {}
setup = function(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
init = function(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("WEIR_TOKEN")
  wrk.headers["Content-Type"] = "application/json"
  wrk.method = "POST"
end
request = function()
  local tid = tid or 0
  counter = counter + 1
  local body = string.format('{"name":"t_%s_%d_%d","catalog_name":"bench","schema_name":"w","table_type":"EXTERNAL","storage_location":"s3://bench/t/%s/%d/%d","columns":[{"name":"id","type_name":"LONG","type_text":"bigint"},{"name":"v","type_name":"STRING","type_text":"string"}]}',
    os.getenv("WEIR_RUN") or "r", tid, counter, os.getenv("WEIR_RUN") or "r", tid, counter)
  return wrk.format(nil, "/api/2.1/unity-catalog/tables", nil, body)
end
dofile(os.getenv("WEIR_BENCH_DIR") .. "/lua/report.lua")
