#!/usr/bin/env node
// MLflow bench driver: loads the data set through the HTTP API and records per-request
// latencies (process.hrtime around each request on a keep-alive connection).
// Usage: node driver.js MODE PORT TOKEN [args...]   (prints one JSON line per measurement)
//   load-registry MODELS VERSIONS_PER_MODEL CONC
//   make-run NAME                    -> {"run_id": ...}
//   load-metrics RUN_ID POINTS PER_CALL CONC   (key "loss", steps 0..POINTS-1)
//   logbatch-lat RUN_ID CALLS KEYS   sequential log-batch of 1,000 metrics over KEYS keys
//                                    (1000/KEYS steps each), 1 connection
//   logbatch-tput RUN_ID CONNS SECONDS   1,000 distinct keys per call
//   history RUN_ID PAGE SAMPLES      walk every page once, then sample first/middle/last
'use strict';
const http = require('node:http');

const [mode, PORT, TOKEN, ...args] = process.argv.slice(2);
const API = '/api/2.0/mlflow';
const T_END = Date.now() + 15 * 60 * 1000; // hard bound on any loop

function agent(n) { return new http.Agent({ keepAlive: true, maxSockets: n }); }

function request(ag, method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = { authorization: `Bearer ${TOKEN}` };
    if (data) { headers['content-type'] = 'application/json'; headers['content-length'] = data.length; }
    const t0 = process.hrtime.bigint();
    const req = http.request({ host: '127.0.0.1', port: Number(PORT), method, path, agent: ag, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const us = Number(process.hrtime.bigint() - t0) / 1000;
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`${method} ${path} -> ${res.statusCode}: ${text.slice(0, 300)}`));
        resolve({ us, json: text ? JSON.parse(text) : {}, bytes: text.length });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

function stats(us) {
  const s = [...us].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  const r = (x) => Math.round(x);
  return { n: s.length, p50_us: r(q(50)), p90_us: r(q(90)), p99_us: r(q(99)), max_us: r(s[s.length - 1]),
           min_us: r(s[0]), mean_us: r(s.reduce((a, b) => a + b, 0) / s.length) };
}

// Runs `count` tasks (index -> promise) with `conc` workers.
async function pool(count, conc, task) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      if (Date.now() > T_END) throw new Error('time bound reached');
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
}

const modelName = (i) => 'm' + String(i).padStart(5, '0');

function batch(runId, keyFn, stepFn, n, t) {
  const metrics = [];
  for (let j = 0; j < n; j++) metrics.push({ key: keyFn(j), value: Math.sin(stepFn(j)) + j * 1e-3, timestamp: t + j, step: stepFn(j) });
  return { run_id: runId, metrics };
}

async function main() {
  if (mode === 'load-registry') {
    const [models, vpm, conc] = args.map(Number);
    const ag = agent(conc);
    const t0 = Date.now();
    await pool(models, conc, (i) => request(ag, 'POST', `${API}/registered-models/create`,
      { name: modelName(i), description: 'bench model ' + i, tags: [{ key: 'team', value: 't' + (i % 7) }] }));
    const t1 = Date.now();
    // one task per model, its versions created in order
    await pool(models, conc, async (i) => {
      for (let v = 1; v <= vpm; v++)
        await request(ag, 'POST', `${API}/model-versions/create`,
          { name: modelName(i), source: `s3://bench-models/${modelName(i)}/v${v}`, run_id: 'r' + String(i * vpm + v).padStart(31, '0'),
            description: 'v' + v });
    });
    const t2 = Date.now();
    console.log(JSON.stringify({ mode, models, versions: models * vpm, models_s: (t1 - t0) / 1000,
      versions_s: (t2 - t1) / 1000, writes_per_s: Math.round((models + models * vpm) / ((t2 - t0) / 1000)) }));
  } else if (mode === 'make-run') {
    const ag = agent(1);
    const exp = await request(ag, 'POST', `${API}/experiments/create`, { name: 'bench-' + args[0] });
    const run = await request(ag, 'POST', `${API}/runs/create`,
      { experiment_id: exp.json.experiment_id, run_name: args[0], start_time: Date.now(), user_id: 'bench' });
    console.log(JSON.stringify({ run_id: run.json.run.info.run_id }));
  } else if (mode === 'load-metrics') {
    const [runId, points, per, conc] = [args[0], ...args.slice(1).map(Number)];
    const ag = agent(conc);
    const calls = Math.ceil(points / per);
    const t0 = Date.now();
    const base = 1.7e12;
    await pool(calls, conc, (c) => request(ag, 'POST', `${API}/runs/log-batch`,
      batch(runId, () => 'loss', (j) => c * per + j, per, base + c * per)));
    const s = (Date.now() - t0) / 1000;
    console.log(JSON.stringify({ mode, points: calls * per, calls, seconds: s, points_per_s: Math.round(calls * per / s) }));
  } else if (mode === 'logbatch-lat') {
    const [runId, calls, keys] = [args[0], Number(args[1]), Number(args[2] || 1000)];
    const ag = agent(1);
    const us = [];
    const spk = Math.ceil(1000 / keys); // steps per key per call
    for (let c = 0; c < calls && Date.now() < T_END; c++) {
      // KEYS=1000: 1,000 distinct keys at one step (1,000 latest-metric upserts per call);
      // KEYS=10: 10 keys x 100 consecutive steps
      const r = await request(ag, 'POST', `${API}/runs/log-batch`,
        batch(runId, (j) => 'k' + (j % keys), (j) => c * spk + Math.floor(j / keys), 1000, Date.now()));
      us.push(r.us);
    }
    const w = us.slice(5);
    const third = Math.floor(w.length / 3);
    console.log(JSON.stringify({ mode, metrics_per_call: 1000, keys, ...stats(w), warmup_dropped: 5,
      first_third_p50_us: stats(w.slice(0, third)).p50_us, last_third_p50_us: stats(w.slice(-third)).p50_us }));
  } else if (mode === 'logbatch-tput') {
    const [runId, conns, secs] = [args[0], Number(args[1]), Number(args[2])];
    const ag = agent(conns);
    const us = [];
    let step = 1e6;
    const stop = Date.now() + secs * 1000;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: conns }, async () => {
      while (Date.now() < stop) {
        const s = step++;
        const r = await request(ag, 'POST', `${API}/runs/log-batch`, batch(runId, (j) => 'k' + j, () => s, 1000, Date.now()));
        us.push(r.us);
      }
    }));
    const el = (Date.now() - t0) / 1000;
    console.log(JSON.stringify({ mode, conns, calls_per_s: +(us.length / el).toFixed(1),
      metrics_per_s: Math.round(us.length * 1000 / el), ...stats(us) }));
  } else if (mode === 'history') {
    const [runId, page, samples] = [args[0], Number(args[1]), Number(args[2])];
    const ag = agent(1);
    const q = (tok) => `${API}/metrics/get-history?run_id=${runId}&metric_key=loss&max_results=${page}` +
      (tok ? `&page_token=${encodeURIComponent(tok)}` : '');
    const tokens = [null]; // tokens[i] fetches page i (0-based)
    const walk = [];
    let points = 0, lastStep = -1, ordered = true;
    for (let i = 0; i < 100000 && Date.now() < T_END; i++) {
      const r = await request(ag, 'GET', q(tokens[i]));
      walk.push(r.us);
      for (const m of r.json.metrics || []) { if (m.step <= lastStep) ordered = false; lastStep = m.step; points++; }
      if (!r.json.next_page_token) break;
      tokens.push(r.json.next_page_token);
    }
    const pages = tokens.length;
    const pick = { first: 0, middle: Math.floor(pages / 2) - 1, last: pages - 1 };
    const out = { mode, page_size: page, pages, points, ordered_by_step: ordered, full_walk: { seconds: +(walk.reduce((a, b) => a + b, 0) / 1e6).toFixed(2), ...stats(walk) } };
    const lat = { first: [], middle: [], last: [] };
    for (let s = 0; s < samples; s++) // interleaved
      for (const k of Object.keys(pick)) lat[k].push((await request(ag, 'GET', q(tokens[pick[k]]))).us);
    for (const k of Object.keys(pick)) out[k] = { page_index: pick[k] + 1, ...stats(lat[k]) };
    console.log(JSON.stringify(out));
  } else {
    throw new Error('unknown mode ' + mode);
  }
}

main().catch((e) => { console.error(e.message); process.exit(1); });
