// Item 4 of bench/jobs/RESULTS.md: the scheduler with 10,000 cron schedules that fire once a
// year ("0 0 0 1 1 ?", UTC), on a fresh --sync normal server.
//   node bench/jobs/idle.js [REPEAT=3] [JOBS=10000] [IDLE_S=60]
// Per repeat (a fresh server each):
//   create_s      10,000 jobs/create (8 in flight), each with the schedule and one condition task
//   create_cpu_s  server CPU (utime+stime, /proc/PID/stat) during the creation; the busiest
//                 thread's share (per-thread /proc/PID/task/TID/stat) says who spent it
//   idle          after 5 s of settling, server CPU over IDLE_S seconds, as % of one core
//   rss_mb        VmRSS after the idle period; hwm_mb VmHWM
//   reload_cpu_ms server CPU in the 3 s after one jobs/update (the engine re-reads every
//                 schedule when any job changes), minus the idle rate
'use strict';
const fs = require('node:fs');
const { startServer, median, uptime, J } = require('./lib');

const REPEAT = Number(process.argv[2] || 3);
const JOBS = Number(process.argv[3] || 10000);
const IDLE_S = Number(process.argv[4] || 60);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Number(process.hrtime.bigint()) / 1e9;

function threads(pid) {
  const out = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const f = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out[tid] = { comm, cpu: (Number(rest[11]) + Number(rest[12])) / 100 };
    } catch { /* gone */ }
  }
  return out;
}
function busiest(before, after) {
  let best = null;
  let total = 0;
  for (const [tid, t] of Object.entries(after)) {
    const d = t.cpu - (before[tid] ? before[tid].cpu : 0);
    total += d;
    if (!best || d > best.cpu_s) best = { tid, comm: t.comm, cpu_s: d };
  }
  return { ...best, share: total > 0 ? best.cpu_s / total : 0 };
}

async function once() {
  const srv = await startServer({});
  try {
    const settings = (i) => ({
      name: `cron-${i}`, max_concurrent_runs: 1,
      schedule: { quartz_cron_expression: '0 0 0 1 1 ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
      tasks: [{ task_key: 'c', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }],
    });
    const cpu0 = srv.cpu();
    const th0 = threads(srv.pid);
    const t0 = now();
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < JOBS) { const i = next++; await srv.ok('POST', `${J}/create`, settings(i)); }
    }));
    const createS = now() - t0;
    const createCpu = srv.cpu() - cpu0;
    const who = busiest(th0, threads(srv.pid));
    await sleep(5000);
    const loadIdle = uptime();
    const c1 = srv.cpu();
    const t1 = now();
    await sleep(IDLE_S * 1000);
    const idleCpu = srv.cpu() - c1;
    const idleS = now() - t1;
    const rss = srv.rssKb() / 1024;
    const hwm = srv.hwmKb() / 1024;
    // one job changes: the engine re-reads all schedules
    const jobs = await srv.ok('GET', `${J}/list?limit=1`);
    const c2 = srv.cpu();
    await srv.ok('POST', `${J}/update`, { job_id: jobs.jobs[0].job_id, new_settings: { name: 'renamed' } });
    await sleep(3000);
    const reloadMs = (srv.cpu() - c2 - (idleCpu / idleS) * 3) * 1000;
    return {
      jobs: JOBS, create_s: createS, creates_per_s: JOBS / createS, create_cpu_s: createCpu,
      create_busiest_thread: who, idle_s: idleS, idle_cpu_s: idleCpu, idle_pct_core: (100 * idleCpu) / idleS,
      rss_mb: rss, hwm_mb: hwm, reload_cpu_ms: reloadMs, load_idle: loadIdle,
    };
  } finally { await srv.stop(); }
}

(async () => {
  const rs = [];
  for (let k = 0; k < REPEAT; k++) {
    const o = await once();
    o.repeat = k; o.at = new Date().toISOString();
    console.log(JSON.stringify(o));
    rs.push(o);
  }
  const m = (k) => median(rs.map((r) => r[k]));
  console.log(JSON.stringify({ summary: 'idle', repeats: rs.length, create_s: m('create_s'), creates_per_s: m('creates_per_s'),
    create_cpu_s: m('create_cpu_s'), idle_pct_core: m('idle_pct_core'), rss_mb: m('rss_mb'), hwm_mb: m('hwm_mb'), reload_cpu_ms: m('reload_cpu_ms') }));
})().catch((e) => { console.error(e); process.exit(1); });
