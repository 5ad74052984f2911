// Item 3 of bench/jobs/RESULTS.md: 1,000 one-second command tasks (python3 sleep1.py) with
// 100 at a time, against a bare launcher doing the same work (launcher.c), interleaved.
//   node bench/jobs/command.js LAUNCHER_BIN [REPEAT=3] [MODES=launcher,runnow,foreach] [TOTAL=1000]
// Modes (a fresh server, --sync normal --allow-command-tasks, for each measurement):
//   launcher  LAUNCHER_BIN sleep1.py TOTAL 100
//   runnow    one job (max_concurrent_runs 100, queue on, one spark_python_task); TOTAL
//             run-now calls (8 in flight); wall = first run-now sent -> runs/list shows no
//             active run (polled every 50 ms); span = last run end_time - first start_time
//   foreach   one run of a for_each_task (TOTAL inputs, concurrency 100) around the same task;
//             wall = run-now sent -> TERMINATED seen (polled every 50 ms); span = the run's
//             end_time - start_time
// Also: server CPU (utime+stime of the server process, children not included) per mode.
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { startServer, median, uptime, J, TERMINAL } = require('./lib');

const LAUNCHER = process.argv[2];
const REPEAT = Number(process.argv[3] || 3);
const MODES = (process.argv[4] || 'launcher,runnow,foreach').split(',');
const TOTAL = Number(process.argv[5] || 1000);
const PAR = 100;
const FILE = path.join(__dirname, 'sleep1.py');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function allRuns(srv, jobId) {
  const runs = [];
  let tok = '';
  for (;;) {
    const l = await srv.ok('GET', `${J}/runs/list?job_id=${jobId}&limit=25${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`);
    runs.push(...(l.runs || []));
    if (!l.next_page_token) return runs;
    tok = l.next_page_token;
  }
}

async function runnow() {
  const srv = await startServer({ args: ['--allow-command-tasks'] });
  try {
    const { job_id: jobId } = await srv.ok('POST', `${J}/create`, {
      name: 'cmd', max_concurrent_runs: PAR, queue: { enabled: true },
      tasks: [{ task_key: 's', spark_python_task: { python_file: FILE } }],
    });
    const cpu0 = srv.cpu();
    const t0 = now();
    let next = 0;
    const submitAt = [];
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < TOTAL) { next++; await srv.ok('POST', `${J}/run-now`, { job_id: jobId }); }
    }));
    const tSubmitted = now();
    let peakRss = 0;
    for (;;) {
      peakRss = Math.max(peakRss, srv.rssKb());
      const l = await srv.ok('GET', `${J}/runs/list?job_id=${jobId}&active_only=true&limit=1`);
      if (!l.runs || l.runs.length === 0) break;
      await sleep(50);
    }
    const wall = now() - t0;
    const cpu = srv.cpu() - cpu0;
    const runs = await allRuns(srv, jobId);
    const ok = runs.filter((r) => r.state.result_state === 'SUCCESS').length;
    if (runs.length !== TOTAL || ok !== TOTAL) throw new Error(`runnow: ${runs.length} runs, ${ok} SUCCESS`);
    const span = (Math.max(...runs.map((r) => r.end_time)) - Math.min(...runs.map((r) => r.start_time))) / 1000;
    return { submit_s: tSubmitted - t0, wall_s: wall, span_s: span, server_cpu_s: cpu, rss_mb: peakRss / 1024 };
  } finally { await srv.stop(); }
}

async function foreach() {
  const srv = await startServer({ args: ['--allow-command-tasks'] });
  try {
    const { job_id: jobId } = await srv.ok('POST', `${J}/create`, {
      name: 'fe', max_concurrent_runs: 1,
      tasks: [{ task_key: 'fe', for_each_task: { inputs: JSON.stringify(Array.from({ length: TOTAL }, (_, i) => i)), concurrency: PAR,
        task: { task_key: 'each', spark_python_task: { python_file: FILE } } } }],
    });
    const cpu0 = srv.cpu();
    const t0 = now();
    const { run_id: runId } = await srv.ok('POST', `${J}/run-now`, { job_id: jobId });
    let r;
    let peakRss = 0;
    for (;;) {
      peakRss = Math.max(peakRss, srv.rssKb());
      const l = await srv.ok('GET', `${J}/runs/list?job_id=${jobId}&limit=1`);
      r = l.runs[0];
      if (TERMINAL.has(r.state.life_cycle_state)) break;
      await sleep(50);
    }
    const wall = now() - t0;
    const cpu = srv.cpu() - cpu0;
    if (r.state.result_state !== 'SUCCESS') throw new Error('foreach: ' + JSON.stringify(r.state));
    const g = await srv.ok('GET', `${J}/runs/get?run_id=${runId}`);
    const st = g.tasks[0].for_each_task.stats.task_run_stats;
    if (st.succeeded_iterations !== TOTAL) throw new Error('foreach: ' + JSON.stringify(st));
    return { wall_s: wall, span_s: (r.end_time - r.start_time) / 1000, server_cpu_s: cpu, rss_mb: peakRss / 1024 };
  } finally { await srv.stop(); }
}

function launcher() {
  const t0 = now();
  const out = execFileSync(LAUNCHER, [FILE, String(TOTAL), String(PAR)], { encoding: 'utf8' });
  const m = /: ([\d.]+) s/.exec(out);
  return { wall_s: now() - t0, span_s: Number(m[1]) };
}

(async () => {
  const res = {};
  for (let k = 0; k < REPEAT; k++) {
    for (const mode of MODES) {
      const load0 = uptime();
      const o = mode === 'launcher' ? launcher() : mode === 'runnow' ? await runnow() : await foreach();
      Object.assign(o, { mode, repeat: k, load_before: load0, load_after: uptime(), at: new Date().toISOString() });
      console.log(JSON.stringify(o));
      (res[mode] = res[mode] || []).push(o);
    }
  }
  const base = res.launcher ? median(res.launcher.map((o) => o.span_s)) : NaN;
  for (const [mode, os] of Object.entries(res)) {
    const s = { summary: mode, repeats: os.length, wall_s: median(os.map((o) => o.wall_s)), span_s: median(os.map((o) => o.span_s)) };
    if (os[0].server_cpu_s !== undefined) s.server_cpu_s = median(os.map((o) => o.server_cpu_s));
    // ratio per repeat against the launcher run just before it, then the median
    if (res.launcher && mode !== 'launcher') {
      s.ratio_wall_vs_launcher = median(os.map((o, i) => o.wall_s / res.launcher[i].span_s));
      s.ratio_median_vs_median = s.wall_s / base;
    }
    console.log(JSON.stringify(s));
  }
})().catch((e) => { console.error(e); process.exit(1); });
