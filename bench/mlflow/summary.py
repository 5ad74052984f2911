#!/usr/bin/env python3
"""Summarises a bench/mlflow/run.sh output directory (default bench/out/mlflow): median (min-max) over the repeats; ratios to the noop ceiling."""
import json, statistics, sys, os
out, rep = sys.argv[1], int(sys.argv[2])
def load(name):
    r = []
    for i in range(1, rep + 1):
        p = os.path.join(out, f"{name}.{i}.json")
        if os.path.exists(p) and os.path.getsize(p):
            r.append(json.load(open(p)))
    return r
def med(rows, key, scale=1.0):
    v = [r[key] * scale for r in rows]
    return statistics.median(v), min(v), max(v)
def fmt(t, d=2):
    return f"{t[0]:.{d}f} ({t[1]:.{d}f}-{t[2]:.{d}f})"
print(f"{'name':<16} {'req/s median (min-max)':>28} {'p50 ms':>20} {'p99 ms median (min-max)':>26} {'max ms':>8} err")
res = {}
for n in ["ceiling", "search_c32", "search_c1", "search_post_c32"]:
    rows = load(n)
    if not rows: continue
    res[n] = rows
    print(f"{n:<16} {fmt(med(rows,'rps'),0):>28} {fmt(med(rows,'p50_us',1e-3)):>20} {fmt(med(rows,'p99_us',1e-3)):>26} "
          f"{med(rows,'max_us',1e-3)[0]:8.2f} {sum(r['errors'] for r in rows)}")
for n in ["ceiling", "search_c32", "search_c1"]:
    c, r = load(n + "_cpu"), res.get(n)
    if c and r:
        us = [cc["server_cpu_ticks"] * 1e4 / rr["requests"] for cc, rr in zip(c, r)]
        print(f"{n} server CPU us/req: {statistics.median(us):.1f} ({min(us):.1f}-{max(us):.1f})")
if "ceiling" in res:
    cr = med(res["ceiling"], "rps")[0]
    cp = med(res["ceiling"], "p99_us")[0]
    for n in ["search_c32", "search_post_c32"]:
        if n in res:
            print(f"ratio {n}/ceiling req/s: {med(res[n],'rps')[0]/cr:.3f}; p99 ratio: {med(res[n],'p99_us')[0]/cp:.1f}x")
    if "search_c1" in res:
        print(f"search_c1 req/s = {med(res['search_c1'],'rps')[0]:.0f} (1 connection, 1 wrk thread)")
for name in ["logbatch_c1", "logbatch10_c1"]:
    lb = load(name)
    if lb:
        print(f"log-batch 1000 metrics over {lb[0]['keys']} keys, 1 conn, sequential, fresh run: n={lb[0]['n']}/repeat  p50 {fmt(med(lb,'p50_us',1e-3))} ms  "
              f"p90 {fmt(med(lb,'p90_us',1e-3))} ms  p99 {fmt(med(lb,'p99_us',1e-3))} ms  max {fmt(med(lb,'max_us',1e-3))} ms; "
              f"p50 first third {fmt(med(lb,'first_third_p50_us',1e-3))} ms, last third {fmt(med(lb,'last_third_p50_us',1e-3))} ms")
lt = load("logbatch_c8")
if lt:
    print(f"log-batch 1000 metrics, 8 conns: {fmt(med(lt,'calls_per_s'),1)} calls/s = {fmt(med(lt,'metrics_per_s'),0)} metrics/s; "
          f"p50 {fmt(med(lt,'p50_us',1e-3))} ms p99 {fmt(med(lt,'p99_us',1e-3))} ms")
    if "ceiling" in res:
        print(f"ratio log-batch c8 calls/s / ceiling req/s: {med(lt,'calls_per_s')[0]/cr:.4f}; metrics/s / ceiling req/s: {med(lt,'metrics_per_s')[0]/cr:.2f}")
h = load("history")
if h:
    print(f"get-history: {h[0]['points']} points, {h[0]['pages']} pages of {h[0]['page_size']}, ordered={h[0]['ordered_by_step']}; "
          f"full walk {fmt(med([x['full_walk'] for x in h],'seconds'))} s, per page p50 {fmt(med([x['full_walk'] for x in h],'p50_us',1e-3))} ms "
          f"p99 {fmt(med([x['full_walk'] for x in h],'p99_us',1e-3))} ms")
    for k in ["first", "middle", "last"]:
        rows = [x[k] for x in h]
        print(f"  {k:<6} page {rows[0]['page_index']:>5}: p50 {fmt(med(rows,'p50_us',1e-3))} ms  max {fmt(med(rows,'max_us',1e-3))} ms  ({rows[0]['n']} samples/repeat)")
