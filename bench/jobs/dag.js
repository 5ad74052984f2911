// Item 1 and 2 of bench/jobs/RESULTS.md: DAGs of condition tasks (a wide layer of 1,000, a
// chain of 1,000, a chain of 100), each run REPEAT times on one server.
//   node bench/jobs/dag.js [REPEAT=3] [SYNC=normal]
// Per run it prints one JSON line:
//   poll      how TERMINATED is seen: 'get' = runs/get?run_id (what a client does; for a
//             1,000-task run each call renders every task and costs tens of ms, so the poll
//             both competes for the 2 cores and sees the end late), 'list' =
//             runs/list?job_id&limit=1 (no tasks, ~1 ms). Both are run, interleaved.
//   wall_ms   run-now sent -> first poll answer showing TERMINATED (polled back to back on
//             one keep-alive connection)
//   reply_ms  run-now sent -> its answer; after_reply_ms: answer -> TERMINATED seen
//   run_ms    the run's own end_time - start_time (admission -> last state change)
//   tasks_ms  last task end_time - first task start_time
//   chain: gaps (each task's start_time - its upstream's end_time, ms resolution): p50,
//          p99, max, and per_task_us = chain tasks_ms * 1000 / n (ms resolution is too coarse
//          for one dispatch).
'use strict';
const { startServer, runWithTasks, median, pct, uptime, J, TERMINAL } = require('./lib');

const REPEAT = Number(process.argv[2] || 3);
const SYNC = process.argv[3] || 'normal';
const cond = { left: '1', op: 'EQUAL_TO', right: '1' };
// ONLY=chain1000 runs one shape; POLL_MS waits between polls (profiling: keep the poll's own
// CPU out of the server's profile).
const ONLY = process.env.ONLY;
const POLL_MS = Number(process.env.POLL_MS || 0);
const POLLS = (process.env.POLLS || 'list,get').split(',');

function wide(n) {
  const tasks = [{ task_key: 'root', condition_task: cond }];
  for (let i = 0; i < n - 2; i++) tasks.push({ task_key: `c${i}`, depends_on: [{ task_key: 'root' }], condition_task: cond });
  tasks.push({ task_key: 'join', depends_on: tasks.slice(1).map((t) => ({ task_key: t.task_key })), condition_task: cond });
  return tasks;
}
function chain(n) {
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push({ task_key: `t${i}`, ...(i ? { depends_on: [{ task_key: `t${i - 1}` }] } : {}), condition_task: cond });
  return tasks;
}

async function once(srv, jobId, shape, n, poll) {
  const t0 = process.hrtime.bigint();
  const { run_id: runId } = await srv.ok('POST', `${J}/run-now`, { job_id: jobId });
  const t1 = process.hrtime.bigint();
  let polls = 0;
  for (;;) {
    polls++;
    let st;
    if (poll === 'get') {
      st = (await srv.ok('GET', `${J}/runs/get?run_id=${runId}`)).state;
    } else {
      const l = await srv.ok('GET', `${J}/runs/list?job_id=${jobId}&limit=1`);
      if (l.runs[0].run_id !== runId) throw new Error('runs/list: not the newest run');
      st = l.runs[0].state;
    }
    if (TERMINAL.has(st.life_cycle_state)) break;
    if (POLL_MS) await new Promise((res) => setTimeout(res, POLL_MS));
  }
  const t2 = process.hrtime.bigint();
  const run = await runWithTasks(srv, runId);
  if (run.state.result_state !== 'SUCCESS' || run.tasks.length !== n) throw new Error(`run ${runId}: ${JSON.stringify(run.state)} ${run.tasks.length} tasks`);
  const starts = run.tasks.map((t) => t.start_time);
  const ends = run.tasks.map((t) => t.end_time);
  const out = {
    shape, n, sync: SYNC, poll, run_id: runId,
    wall_ms: Number(t2 - t0) / 1e6, reply_ms: Number(t1 - t0) / 1e6, after_reply_ms: Number(t2 - t1) / 1e6, polls,
    run_ms: run.end_time - run.start_time,
    tasks_ms: Math.max(...ends) - Math.min(...starts),
  };
  if (shape.startsWith('chain')) {
    const byKey = new Map(run.tasks.map((t) => [t.task_key, t]));
    const gaps = [];
    for (let i = 1; i < n; i++) gaps.push(byKey.get(`t${i}`).start_time - byKey.get(`t${i - 1}`).end_time);
    out.gap_p50_ms = pct(gaps, 50); out.gap_p99_ms = pct(gaps, 99); out.gap_max_ms = Math.max(...gaps);
    out.per_task_us = (out.tasks_ms * 1000) / n;
  }
  return out;
}

(async () => {
  const srv = await startServer({ sync: SYNC });
  try {
    const shapes = [['wide1000', wide(1000)], ['chain1000', chain(1000)], ['chain100', chain(100)]].filter(([n]) => !ONLY || n === ONLY);
    if (process.env.PIDFILE) require('node:fs').writeFileSync(process.env.PIDFILE, String(srv.pid));
    const jobs = [];
    for (const [name, tasks] of shapes) {
      const { job_id: jobId } = await srv.ok('POST', `${J}/create`, { name, max_concurrent_runs: 1, tasks });
      jobs.push([name, jobId, tasks.length]);
    }
    // one warm-up run per shape (statement caches, page cache), not reported
    for (const [name, jobId, n] of jobs) await once(srv, jobId, name, n, 'list');
    const res = {};
    for (let k = 0; k < REPEAT; k++) {
      for (const [name, jobId, n] of jobs) { // interleaved
        for (const poll of POLLS) {
          const o = await once(srv, jobId, name, n, poll);
          o.load = uptime();
          console.log(JSON.stringify(o));
          (res[`${name} ${poll}`] = res[`${name} ${poll}`] || []).push(o);
        }
      }
    }
    for (const [key, rs] of Object.entries(res)) {
      const [name, poll] = key.split(' ');
      const m = (k) => median(rs.map((r) => r[k]));
      const s = { summary: name, poll, sync: SYNC, repeats: rs.length, reply_ms: m('reply_ms'), wall_ms: m('wall_ms'), after_reply_ms: m('after_reply_ms'), run_ms: m('run_ms'), tasks_ms: m('tasks_ms') };
      if (name.startsWith('chain')) Object.assign(s, { gap_p99_ms: m('gap_p99_ms'), gap_max_ms: m('gap_max_ms'), per_task_us: m('per_task_us') });
      console.log(JSON.stringify(s));
    }
  } finally {
    await srv.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
