-- GET wrk.path with the bearer token from the environment.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WEIR_TOKEN")
dofile(os.getenv("WEIR_BENCH_DIR") .. "/lua/report.lua")
