-- GET /api/2.0/mlflow/registered-models/search?filter=name LIKE 'mNNNN%'  (NNNN random in
-- 0000..0999, so each query matches 10 of the 10,000 models m00000..m09999), admin token.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WEIR_TOKEN")
init = function(args) math.randomseed(os.time() + math.floor(os.clock() * 1e6)) end
request = function()
  local p = string.format("m%04d", math.random(0, 999))
  return wrk.format("GET", "/api/2.0/mlflow/registered-models/search?filter=name+LIKE+%27" .. p .. "%25%27")
end
dofile(os.getenv("WEIR_BENCH_DIR") .. "/lua/report.lua")
