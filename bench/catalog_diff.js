// Differential check of the Unity Catalog read paths (GET and list of every securable type):
// loads the same objects into a fresh server and prints every answer with ids and times
// replaced. Run it with two binaries and diff the outputs:
//   node bench/catalog_diff.js OLD/weir > old.txt; node bench/catalog_diff.js NEW/weir > new.txt; diff old.txt new.txt
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs'); const os = require('node:os'); const path = require('node:path');

async function start(bin) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cd-'));
  const pf = path.join(dir, 'port');
  const p = spawn(bin, ['serve', '--data', path.join(dir, 'data'), '--listen', '127.0.0.1:0', '--port-file', pf, '--quiet'], { stdio: 'ignore' });
  for (let i = 0; i < 500 && !(fs.existsSync(pf) && fs.readFileSync(pf, 'utf8').trim()); i++) await new Promise((r) => setTimeout(r, 20));
  const base = 'http://127.0.0.1:' + Number(fs.readFileSync(pf, 'utf8'));
  const token = fs.readFileSync(path.join(dir, 'data', 'admin.token'), 'utf8').trim();
  return { p, base, token, dir };
}

async function main() {
  const s = await start(process.argv[2]);
  const req = async (method, p, body) => {
    const r = await fetch(s.base + '/api/2.1/unity-catalog' + p, {
      method, headers: { authorization: 'Bearer ' + s.token }, body: body ? JSON.stringify(body) : undefined,
    });
    return { status: r.status, text: await r.text() };
  };
  const ids = new Map();
  const norm = (t) => t.split(s.dir).join('DIR')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => { if (!ids.has(u)) ids.set(u, 'ID' + ids.size); return ids.get(u); })
    .replace(/"(created_at|updated_at)":\d+/g, '"$1":T');
  const out = async (label, method, p, body) => { const r = await req(method, p, body); console.log(label, r.status, norm(r.text)); };
  await out('cat', 'POST', '/catalogs', { name: 'c1', comment: 'a "quoted" \\ comment\n', properties: { k: 'v', z: 'é/✓' }, storage_root: '/tmp/x' });
  await out('cat2', 'POST', '/catalogs', { name: 'c2' });
  await out('sch', 'POST', '/schemas', { catalog_name: 'c1', name: 's1', properties: {} });
  await out('sch2', 'POST', '/schemas', { catalog_name: 'c1', name: 's2', comment: 'second' });
  await out('tbl', 'POST', '/tables', {
    catalog_name: 'c1', schema_name: 's1', name: 't1', table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: 's3://b/t1',
    properties: { a: '1' }, comment: 'tbl',
    columns: [
      { name: 'id', type_name: 'LONG', type_text: 'bigint', position: 0, nullable: false, comment: 'pk' },
      { name: 'amt', type_name: 'DECIMAL', type_text: 'decimal(10,2)', type_precision: 10, type_scale: 2, position: 1, partition_index: 0 },
      { name: 'iv', type_name: 'INTERVAL', type_text: 'interval day', type_interval_type: 'DAY', position: 2 },
    ],
  });
  await out('view', 'POST', '/tables', {
    catalog_name: 'c1', schema_name: 's1', name: 'v1', table_type: 'VIEW', view_definition: 'select * from c1.s1.t1',
    view_dependencies: { dependencies: [{ table: { table_full_name: 'c1.s1.t1' } }] },
  });
  await out('vol', 'POST', '/volumes', { catalog_name: 'c1', schema_name: 's1', name: 'vo', volume_type: 'EXTERNAL', storage_location: 's3://b/vo', comment: 'v' });
  await out('fn', 'POST', '/functions', { function_info: {
    catalog_name: 'c1', schema_name: 's1', name: 'f1', data_type: 'INT', full_data_type: 'int', routine_body: 'SQL', routine_definition: 'x + 1',
    parameter_style: 'S', is_deterministic: true, sql_data_access: 'CONTAINS_SQL', is_null_call: false, security_type: 'DEFINER', specific_name: 'f1',
    input_params: { parameters: [{ name: 'x', type_text: 'int', type_name: 'INT', type_json: '{}', position: 0 }] }, properties: '{"p":"q"}', comment: 'fn',
  } });
  await out('mdl', 'POST', '/models', { catalog_name: 'c1', schema_name: 's1', name: 'm1', comment: 'model' });
  for (const p of ['/catalogs/c1', '/catalogs/c2', '/schemas/c1.s1', '/schemas/c1.s2', '/tables/c1.s1.t1', '/tables/c1.s1.v1',
    '/tables/c1.s1.t1?omit_columns=true', '/tables/c1.s1.t1?omit_properties=true', '/volumes/c1.s1.vo', '/functions/c1.s1.f1',
    '/models/c1.s1.m1', '/catalogs', '/catalogs?max_results=1', '/schemas?catalog_name=c1', '/schemas?catalog_name=c1&max_results=1',
    '/tables?catalog_name=c1&schema_name=s1', '/tables?catalog_name=c1&schema_name=s1&max_results=1&omit_columns=true',
    '/tables?catalog_name=c1&schema_name=s2', '/volumes?catalog_name=c1&schema_name=s1', '/functions?catalog_name=c1&schema_name=s1',
    '/models?catalog_name=c1&schema_name=s1', '/tables/c1.s1.nope', '/catalogs/nope']) await out('GET ' + p, 'GET', p);
  await out('upd', 'PATCH', '/tables/c1.s1.t1', { comment: 'new' });
  await out('upd-cat', 'PATCH', '/catalogs/c1', { new_name: 'c9' });
  await out('after', 'GET', '/tables/c9.s1.t1');
  s.p.kill();
  fs.rmSync(s.dir, { recursive: true, force: true });
}
main().catch((e) => { console.error(e); process.exit(1); });
