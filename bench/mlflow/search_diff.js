// Differential check of registry search: loads the same small data set into a fresh server
// and prints every search / get / get-latest-versions answer (timestamps and storage
// locations removed). Run it with two binaries and diff the outputs:
//   node bench/mlflow/search_diff.js OLD/weir > old.txt; node bench/mlflow/search_diff.js NEW/weir > new.txt
//   diff old.txt new.txt
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');
const http = require('node:http');
async function start(bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-'));
  const pf = path.join(dir, 'port');
  const p = spawn(bin, ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--port-file', pf, '--quiet'], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !(fs.existsSync(pf) && fs.readFileSync(pf, 'utf8').trim()); i++) await new Promise(r => setTimeout(r, 20));
  const port = Number(fs.readFileSync(pf, 'utf8'));
  for (let i = 0; i < 500 && !fs.existsSync(path.join(dir, 'data', 'admin.token')); i++) await new Promise(r => setTimeout(r, 20));
  await new Promise(r => setTimeout(r, 200));
  const token = fs.readFileSync(path.join(dir, 'data', 'admin.token'), 'utf8').trim();
  return { p, port, token };
}
function req(s, method, p, body) {
  return new Promise((res, rej) => {
    const data = body ? Buffer.from(JSON.stringify(body)) : null;
    const h = { authorization: 'Bearer ' + s.token };
    if (data) { h['content-type'] = 'application/json'; h['content-length'] = data.length; }
    const r = http.request({ host: '127.0.0.1', port: s.port, method, path: p, headers: h }, (resp) => {
      const c = []; resp.on('data', d => c.push(d)); resp.on('end', () => res({ status: resp.statusCode, body: Buffer.concat(c).toString() }));
    });
    r.on('error', rej); if (data) r.write(data); r.end();
  });
}
const names = ['a', 'ab', 'abc', 'abd', 'Abc', 'ABC', 'ab_c', 'abc_d', 'b-1', 'b@2', 'zz', 'm0001', 'm00010', 'm0002', 'M0001x', 'p1', '_x', 'x_', 'aB'];
async function load(s) {
  const out = [];
  out.push(await req(s, 'POST', '/api/2.1/unity-catalog/catalogs', { name: 'cat1' }));
  out.push(await req(s, 'POST', '/api/2.1/unity-catalog/schemas', { name: 'sch1', catalog_name: 'cat1' }));
  out.push(await req(s, 'POST', '/api/2.1/unity-catalog/catalogs', { name: 'ab' }));
  out.push(await req(s, 'POST', '/api/2.1/unity-catalog/schemas', { name: 'cd', catalog_name: 'ab' }));
  const all = [...names, 'cat1.sch1.abc', 'cat1.sch1.zz', 'ab.cd.ef', 'ab.cd.abq'];
  for (const n of all) {
    out.push(await req(s, 'POST', '/api/2.0/mlflow/registered-models/create', { name: n, ...(n.length % 2 ? { description: 'd ' + n } : {}), tags: n === 'p1' ? [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] : [{ key: 't', value: n.toLowerCase() }] }));
    for (let v = 0; v < 3; v++)
      out.push(await req(s, 'POST', '/api/2.0/mlflow/model-versions/create', { name: n, source: 's3://b/' + n + '/' + v, run_id: 'r' + v, tags: [{ key: 'vt', value: 'V' + v }] }));
    out.push(await req(s, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name: n, version: '2', stage: n.length % 2 ? 'Production' : 'Staging', archive_existing_versions: false }));
    if (n.length % 3 === 0) out.push(await req(s, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name: n, version: '1', stage: 'Archived', archive_existing_versions: false }));
  }
  return out.map(r => r.status);
}
const filters = ["", "name LIKE 'ab%'", "name LIKE 'ab'", "name LIKE 'ab_%'", "name LIKE 'Ab%'", "name ILIKE 'ab%'", "name ILIKE 'AB%'",
  "name ILIKE 'ab'", "name LIKE '%'", "name ILIKE '%'", "name LIKE '%b%'", "name LIKE 'a%c'", "name LIKE '_b%'", "name LIKE 'm0001%'",
  "name ILIKE 'm0001%'", "name LIKE 'b-%'", "name LIKE 'b@%'", "name LIKE '%_'", "name LIKE 'cat1.%'", "name LIKE 'cat1.sch1.a%'",
  "name ILIKE 'CAT1.%'", "name LIKE 'ab.%'", "name LIKE 'ab%' AND tag.t LIKE 'ab%'", "name LIKE 'ab%' AND tag.t ILIKE 'AB%'",
  "name = 'abc'", "name != 'abc'", "name LIKE 'zz%'", "name LIKE 'zzz%'", "name LIKE '~%'", "name LIKE '\u00e9%'", "name LIKE 'a*%'",
  "name LIKE 'a[%'", "name LIKE 'a?%'", "tag.mlflow.prompt.is_prompt = 'true'", "name LIKE 'p%'", "name LIKE '_x%'", "name LIKE 'x\\_%'"];
const mvfilters = ["name LIKE 'ab%'", "name ILIKE 'AB%'", "name LIKE 'ab%' AND version_number > 1", "source_path LIKE 's3://b/ab%'",
  "source_path ILIKE 'S3://B/AB%'", "run_id IN ('r1','r2') AND name LIKE 'a%'", "tag.vt LIKE 'V%'", "tag.vt ILIKE 'v1'", "name LIKE '%'"];
function norm(b) { return JSON.stringify(JSON.parse(b), (k, v) => /timestamp|storage_location/.test(k) ? undefined : v); }
async function queries(s) {
  const res = [];
  for (const f of filters) for (const order of ['', '&order_by=name+DESC', '&order_by=last_updated_timestamp+DESC']) for (const mr of [3, 100]) {
    let tok = ''; let pages = 0;
    do {
      const r = await req(s, 'GET', `/api/2.0/mlflow/registered-models/search?filter=${encodeURIComponent(f)}&max_results=${mr}${order}${tok ? '&page_token=' + encodeURIComponent(tok) : ''}`);
      res.push(`RM ${f} ${order} ${mr} ${r.status} ${r.status === 200 ? norm(r.body) : r.body}`);
      tok = r.status === 200 ? JSON.parse(r.body).next_page_token : null; pages++;
    } while (tok && pages < 20);
  }
  for (const f of mvfilters) for (const mr of [4, 1000]) {
    let tok = ''; let pages = 0;
    do {
      const r = await req(s, 'GET', `/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(f)}&max_results=${mr}&order_by=name&order_by=version_number+DESC${tok ? '&page_token=' + encodeURIComponent(tok) : ''}`);
      res.push(`MV ${f} ${mr} ${r.status} ${r.status === 200 ? norm(r.body) : r.body}`);
      tok = r.status === 200 ? JSON.parse(r.body).next_page_token : null; pages++;
    } while (tok && pages < 40);
  }
  for (const n of names) {
    const r = await req(s, 'GET', `/api/2.0/mlflow/registered-models/get?name=${encodeURIComponent(n)}`);
    res.push(`GET ${n} ${r.status} ${norm(r.body)}`);
    const r2 = await req(s, 'POST', `/api/2.0/mlflow/registered-models/get-latest-versions`, { name: n });
    res.push(`LATEST ${n} ${r2.status} ${norm(r2.body)}`);
  }
  return res;
}
(async () => {
  const s = await start(process.argv[2]);
  try {
    const st = await load(s);
    console.log('LOAD ' + JSON.stringify(st));
    for (const l of await queries(s)) console.log(l);
  } finally { s.p.kill('SIGTERM'); }
})();
