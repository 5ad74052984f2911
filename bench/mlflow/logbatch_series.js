// Per-call log-batch latencies (ms), one line, for spotting the calls that pay core's inline
// checkpoint: CALLS sequential calls of 1,000 metrics over KEYS keys on one keep-alive connection
// (the shapes of driver.js logbatch-lat). Usage: node logbatch_series.js PORT TOKEN RUN_ID CALLS KEYS
'use strict';
const http = require('node:http');
const [PORT, TOKEN, RUN, CALLS, KEYS] = process.argv.slice(2);
const ag = new http.Agent({ keepAlive: true, maxSockets: 1 });
function req(body) { return new Promise((res, rej) => { const d = Buffer.from(JSON.stringify(body)); const t0 = process.hrtime.bigint();
  const r = http.request({ host: '127.0.0.1', port: +PORT, method: 'POST', path: '/api/2.0/mlflow/runs/log-batch', agent: ag,
    headers: { authorization: 'Bearer ' + TOKEN, 'content-type': 'application/json', 'content-length': d.length } }, (s) => { s.resume(); s.on('end', () => res(Number(process.hrtime.bigint() - t0) / 1e6)); });
  r.on('error', rej); r.end(d); }); }
(async () => { const keys = +KEYS, spk = Math.ceil(1000 / keys); const out = [];
  for (let c = 0; c < +CALLS; c++) { const ms = []; for (let j = 0; j < 1000; j++) ms.push({ key: 'k' + (j % keys), value: j * 0.5 + c, timestamp: Date.now(), step: c * spk + Math.floor(j / keys) });
    out.push((await req({ run_id: RUN, metrics: ms })).toFixed(1)); }
  console.log(out.join(' ')); })();
