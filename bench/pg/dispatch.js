// Task dispatch latency across replicas: a run-now submitted through replica B while the
// engine runs on replica A, timed from the request until the task run shows RUNNING through
// the API (runs/get on B, polled every 2 ms). The task is a command task (python3 sleeping
// 0.2 s), so RUNNING is observable; the run is waited for before the next one. Also timed:
// until the task's process started (it writes the time it started to a file), which with
// leases (PostgreSQL store) may be on another replica than the one that recorded RUNNING.
//   node bench/pg/dispatch.js URL_A URL_B TOKEN [N=40]   (URL_A holds the engine's role)
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const [A, B, TOKEN, N = '40'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
function req(base, method, p, body) {
  const u = new URL(base);
  const text = body === undefined ? null : JSON.stringify(body);
  const headers = { authorization: `Bearer ${TOKEN}` };
  if (text !== null) { headers['content-type'] = 'application/json'; headers['content-length'] = Buffer.byteLength(text); }
  return new Promise((resolve, reject) => {
    const rq = http.request({ host: u.hostname, port: u.port, method, path: p, headers, agent }, (res) => {
      let d = '';
      res.on('data', (c) => { d += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(d)) : reject(new Error(`${method} ${p}: ${res.statusCode} ${d}`))));
    });
    rq.on('error', reject);
    if (text !== null) rq.write(text);
    rq.end();
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const J = '/api/2.2/jobs';

(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-dispatch-'));
  const py = path.join(dir, 'sleep.py');
  fs.writeFileSync(py, `import os, time\nopen(os.path.join(${JSON.stringify(dir)}, os.environ["WEIR_RUN_ID"]), "w").write(repr(time.time()))\ntime.sleep(0.2)\n`);
  const started = [];
  const job = await req(A, 'POST', `${J}/create`, { name: 'dispatch', max_concurrent_runs: 5, tasks: [{ task_key: 't', spark_python_task: { python_file: py } }] });
  const lat = [];
  for (let i = 0; i < Number(N); i++) {
    await sleep(50 + Math.random() * 1000); // submissions fall anywhere in the engine's 1-s poll period
    const t0 = process.hrtime.bigint();
    const wall0 = Date.now();
    const { run_id: runId } = await req(B, 'POST', `${J}/run-now`, { job_id: job.job_id });
    for (;;) {
      const run = await req(B, 'GET', `${J}/runs/get?run_id=${runId}`);
      const lc = run.tasks && run.tasks[0] ? run.tasks[0].state.life_cycle_state : '';
      if (lc === 'RUNNING' || lc === 'TERMINATED' || lc === 'INTERNAL_ERROR') {
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
        break;
      }
      await sleep(2);
    }
    for (;;) { // the run ends before the next one (one at a time)
      const run = await req(B, 'GET', `${J}/runs/get?run_id=${runId}`);
      if (['TERMINATED', 'INTERNAL_ERROR', 'SKIPPED'].includes(run.state.life_cycle_state)) break;
      await sleep(20);
    }
    const f = path.join(dir, String(runId));
    if (fs.existsSync(f)) started.push(Number(fs.readFileSync(f, 'utf8')) * 1000 - wall0);
  }
  const line = (what, xs) => {
    xs.sort((a, b) => a - b);
    const pct = (p) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    console.log(`dispatch, ${A === B ? 'submitted on the engine\'s replica A' : 'submitted on B, engine on A'}, ${what} (n=${xs.length}): ` +
      `p50 ${pct(50).toFixed(1)} ms  p90 ${pct(90).toFixed(1)} ms  max ${pct(100).toFixed(1)} ms  mean ${mean.toFixed(1)} ms`);
  };
  line('until RUNNING', lat);
  line('until the process started', started);
})().catch((e) => { console.error(e); process.exit(1); });
