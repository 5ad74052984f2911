-- GET wrk.path (given on the command line) with the bearer token; for fixed-query probes.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WEIR_TOKEN")
dofile(os.getenv("WEIR_BENCH_DIR") .. "/lua/report.lua")
