// Saved SQL queries (/api/2.0/sql/queries) and the workflows' sql_task, which runs one on the
// warehouse as the job's run_as principal: CRUD and its errors, visibility (owner and admins
// only), a job that builds a table from a query, the same job as a principal without SELECT
// (FAILED, the table it may not read looks missing, nothing written), and lineage edges that name the job run.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, assertError, ok, warehouseRefusedWithPg } = require('./lib');
if (warehouseRefusedWithPg(test)) return;

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const ST = '/api/2.0/sql/statements';
const Q = '/api/2.0/sql/queries';
const J = '/api/2.2/jobs';
const WH = 'weir0000default0';
let srv;
let bob;

async function sql(statement, token) {
  const r = await ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: WH, catalog: 'shop', schema: 's', wait_timeout: '50s' } }));
  assert.equal(r.status.state, 'SUCCEEDED', statement + ': ' + JSON.stringify(r.status));
  return r;
}
async function waitRun(runId) {
  const end = Date.now() + 20000;
  for (;;) {
    const r = await ok(await srv.req('GET', `${J}/runs/get?run_id=${runId}`));
    if (['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(r.state.life_cycle_state)) return r;
    if (Date.now() > end) assert.fail('run not done: ' + JSON.stringify(r.state));
    await new Promise((res) => setTimeout(res, 50));
  }
}

before(async () => {
  srv = await startServer(['--allow-command-tasks']);
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'shop' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: 'shop' } }));
  await sql('CREATE TABLE orders (id BIGINT, amount DOUBLE, region STRING)');
  await sql("INSERT INTO orders VALUES (1, 10.5, 'eu'), (2, 20, 'us'), (3, 4.5, 'eu')");
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'bob-sp' } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
  bob = { app: sp.applicationId, token: t.token_value };
});
after(async () => { await srv.stop(); });

test('saved queries: create, get, list, update by mask, delete; errors name the field; others see nothing', async () => {
  const q = await ok(await srv.req('POST', Q, { body: { query: { display_name: 'eu total', query_text: "SELECT sum(amount) AS total FROM orders WHERE region = 'eu'", warehouse_id: WH, catalog: 'shop', schema: 's' } } }));
  assert.match(q.id, /^[0-9a-f-]{36}$/);
  assert.equal(q.owner_user_name, 'admin');
  assert.equal(q.lifecycle_state, 'ACTIVE');
  assert.match(q.create_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(await ok(await srv.req('GET', `${Q}/${q.id}`)), q);
  const upd = await ok(await srv.req('PATCH', `${Q}/${q.id}`, { body: { update_mask: 'display_name', query: { display_name: 'EU total', query_text: 'ignored' } } }));
  assert.equal(upd.display_name, 'EU total');
  assert.equal(upd.query_text, q.query_text, 'a field outside the mask is kept');
  const list = await ok(await srv.req('GET', `${Q}?page_size=1`));
  assert.equal(list.results.length, 1);
  // errors
  assertError(await srv.req('POST', Q, { body: {} }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', Q, { body: { query: { display_name: 'x' } } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', Q, { body: { query: { display_name: 'x', query_text: 'SELECT 1', warehouse_id: 'nope' } } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('PATCH', `${Q}/${q.id}`, { body: { query: {} } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('PATCH', `${Q}/${q.id}`, { body: { update_mask: 'query_text', query: { query_text: null } } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${Q}?page_size=500`), 400, 'INVALID_PARAMETER_VALUE');
  // another principal: the query does not exist for it, and its list is empty
  const hidden = await srv.req('GET', `${Q}/${q.id}`, { token: bob.token });
  const missing = await srv.req('GET', `${Q}/00000000-0000-0000-0000-000000000000`, { token: bob.token });
  assert.equal(hidden.status, 404);
  assert.equal(hidden.json.error_code, missing.json.error_code);
  assert.deepEqual((await ok(await srv.req('GET', Q, { token: bob.token }))).results, []);
  assertError(await srv.req('DELETE', `${Q}/${q.id}`, { token: bob.token }), 404, 'NOT_FOUND');
  await ok(await srv.req('DELETE', `${Q}/${q.id}`));
  assertError(await srv.req('GET', `${Q}/${q.id}`), 404, 'NOT_FOUND');
});

test('sql_task runs a saved query as the run_as principal: a CTAS as admin; without SELECT the source looks missing', async () => {
  const q = await ok(await srv.req('POST', Q, { body: { query: { display_name: 'by region', query_text: 'CREATE TABLE by_region AS SELECT region, sum(amount) AS total FROM orders GROUP BY region', warehouse_id: WH, catalog: 'shop', schema: 's' } } }));
  const job = await ok(await srv.req('POST', `${J}/create`, { body: { name: 'refresh', tasks: [
    { task_key: 'build', sql_task: { warehouse_id: WH, query: { query_id: q.id } } },
    { task_key: 'check', depends_on: [{ task_key: 'build' }], condition_task: { left: '{{tasks.build.values.row_count}}', op: 'EQUAL_TO', right: '0' } },
  ] } }));
  const run = await waitRun((await ok(await srv.req('POST', `${J}/run-now`, { body: { job_id: job.job_id } }))).run_id);
  assert.equal(run.state.result_state, 'SUCCESS', JSON.stringify(run.tasks.map((t) => [t.task_key, t.state])));
  const rows = (await sql('SELECT region, total FROM by_region ORDER BY region')).result.data_array;
  assert.deepEqual(rows, [['eu', '15.0'], ['us', '20.0']]);
  const meta = await ok(await srv.req('GET', `${UC}/tables/shop.s.by_region`));
  assert.equal(meta.table_type, 'MANAGED');
  // lineage: orders -> by_region, produced by the job's task run
  const lin = await ok(await srv.req('GET', `/api/2.0/lineage-tracking/table-lineage?table_name=shop.s.by_region&include_entity_lineage=true`));
  assert.ok(JSON.stringify(lin.upstreams || []).includes('orders'), JSON.stringify(lin));
  const up = lin.upstreams.find((u) => u.tableInfo && u.tableInfo.name === 'orders');
  assert.deepEqual(up.jobInfos.map((j) => [j.entity_type, j.job_id]), [['job_run', String(run.run_id)]], JSON.stringify(up));

  // the same kind of job as a principal that may not read orders: FAILED, nothing written
  await ok(await srv.req('PATCH', `${UC}/permissions/catalog/shop`, { body: { changes: [{ principal: bob.app, add: ['USE_CATALOG', 'USE_SCHEMA', 'CREATE_TABLE'] } ] } }));
  const q2 = await ok(await srv.req('POST', Q, { token: bob.token, body: { query: { display_name: 'copy', query_text: 'CREATE TABLE stolen AS SELECT * FROM orders', catalog: 'shop', schema: 's' } } }));
  const job2 = await ok(await srv.req('POST', `${J}/create`, { token: bob.token, body: { name: 'bob-copy', tasks: [{ task_key: 'copy', sql_task: { warehouse_id: WH, query: { query_id: q2.id } } }] } }));
  const run2 = await waitRun((await ok(await srv.req('POST', `${J}/run-now`, { token: bob.token, body: { job_id: job2.job_id } }))).run_id);
  assert.equal(run2.state.result_state, 'FAILED');
  // orders is hidden from bob (no SELECT, no BROWSE): exactly as if it did not exist
  assert.match(run2.tasks[0].state.state_message, /^TABLE_NOT_FOUND: Table 'shop.s.orders' does not exist/);
  assert.equal((await srv.req('GET', `${UC}/tables/shop.s.stolen`)).status, 404, 'the CTAS left no table');
  // a query the run_as principal cannot see fails the task, naming nothing about it
  const job3 = await ok(await srv.req('POST', `${J}/create`, { token: bob.token, body: { name: 'bob-other', tasks: [{ task_key: 't', sql_task: { warehouse_id: WH, query: { query_id: q.id } } }] } }));
  const run3 = await waitRun((await ok(await srv.req('POST', `${J}/run-now`, { token: bob.token, body: { job_id: job3.job_id } }))).run_id);
  assert.equal(run3.state.result_state, 'FAILED');
  assert.match(run3.tasks[0].state.state_message, /does not exist/);
  assert.doesNotMatch(run3.tasks[0].state.state_message, /by_region|CREATE/);
});

test('trigger.table_update fires when the warehouse writes the tables (ANY_UPDATED, ALL_UPDATED)', async () => {
  await sql('CREATE TABLE returns (id BIGINT)');
  const task = [{ task_key: 't', condition_task: { left: '{{job.trigger.type}}', op: 'EQUAL_TO', right: 'TABLE' } }];
  const any = (await ok(await srv.req('POST', `${J}/create`, { body: { name: 'on-any', trigger: { table_update: { table_names: ['shop.s.orders', 'shop.s.returns'], condition: 'ANY_UPDATED' } }, tasks: task } }))).job_id;
  const all = (await ok(await srv.req('POST', `${J}/create`, { body: { name: 'on-all', trigger: { table_update: { table_names: ['shop.s.orders', 'shop.s.returns'], condition: 'ALL_UPDATED' } }, tasks: task } }))).job_id;
  const runsOf = async (jobId) => (await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}`))).runs || [];
  const until = async (jobId, n) => {
    const end = Date.now() + 6000;
    let r = [];
    while (r.length < n && Date.now() < end) { r = await runsOf(jobId); await new Promise((res) => setTimeout(res, 100)); }
    return r;
  };
  await new Promise((r) => setTimeout(r, 1500)); // the first look: earlier writes do not fire
  assert.equal((await runsOf(any)).length, 0);
  await sql('INSERT INTO orders VALUES (9, 1, \'eu\')');
  const r1 = await until(any, 1);
  assert.equal(r1.length, 1);
  assert.equal(r1[0].trigger, 'TABLE');
  const done = await waitRun(r1[0].run_id);
  assert.equal(done.state.result_state, 'SUCCESS');
  assert.equal((await runsOf(all)).length, 0, 'ALL_UPDATED waits for the other table');
  await sql('INSERT INTO returns VALUES (1)');
  assert.equal((await until(all, 1)).length, 1);
  // refused: a table the creator cannot see, an unknown condition
  let res = await srv.req('POST', `${J}/create`, { body: { name: 'x', trigger: { table_update: { table_names: ['shop.s.nope'] } }, tasks: task } });
  assertError(res, 400, 'INVALID_PARAMETER_VALUE');
  assert.match(res.json.message, /table_names/);
  res = await srv.req('POST', `${J}/create`, { body: { name: 'x', trigger: { table_update: { table_names: ['shop.s.orders'], condition: 'SOMETIMES' } }, tasks: task } });
  assertError(res, 400, 'INVALID_PARAMETER_VALUE');
});

test('trigger.file_arrival fires when a file lands in the volume directory', async () => {
  await ok(await srv.req('POST', `${UC}/volumes`, { body: { name: 'landing', catalog_name: 'shop', schema_name: 's', volume_type: 'MANAGED' } }));
  const put = (p, body) => fetch(`${srv.base}/api/2.0/fs/files/Volumes/shop/s/landing/${p}`, { method: 'PUT', headers: { authorization: `Bearer ${srv.token}` }, body });
  assert.ok((await put('in/old.csv', 'a,b\n')).ok);
  const task = [{ task_key: 't', condition_task: { left: '{{job.trigger.type}}', op: 'EQUAL_TO', right: 'FILE_ARRIVAL' } }];
  const jobId = (await ok(await srv.req('POST', `${J}/create`, { body: { name: 'on-file', trigger: { file_arrival: { url: '/Volumes/shop/s/landing/in/' } }, tasks: task } }))).job_id;
  const runsOf = async () => (await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}`))).runs || [];
  await new Promise((r) => setTimeout(r, 1500)); // the first look: files already there do not fire
  assert.equal((await runsOf()).length, 0);
  assert.ok((await put('other/x.csv', 'x\n')).ok); // another directory: nothing
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await runsOf()).length, 0);
  assert.ok((await put('in/new.csv', 'c,d\n')).ok);
  const end = Date.now() + 6000;
  let runs = [];
  while (runs.length === 0 && Date.now() < end) { runs = await runsOf(); await new Promise((r) => setTimeout(r, 100)); }
  assert.equal(runs.length, 1);
  assert.equal(runs[0].trigger, 'FILE_ARRIVAL');
  assert.equal((await waitRun(runs[0].run_id)).state.result_state, 'SUCCESS');
  // a path outside volumes, and a volume the creator may not read, are refused naming the field
  for (const url of ['/tmp/in/', '/Volumes/shop/s/nope/']) {
    const res = await srv.req('POST', `${J}/create`, { body: { name: 'x', trigger: { file_arrival: { url } }, tasks: task } });
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.match(res.json.message, /file_arrival.url/);
  }
});

test('sql_task.file runs a .sql file from a volume as the run_as principal', async () => {
  const put = (p, body) => fetch(`${srv.base}/api/2.0/fs/files/Volumes/shop/s/landing/${p}`, { method: 'PUT', headers: { authorization: `Bearer ${srv.token}` }, body });
  assert.ok((await put('sql/add.sql', 'INSERT INTO shop.s.returns VALUES (42)')).ok);
  const mk = async (path, token) => (await ok(await srv.req('POST', `${J}/create`, { token, body: { name: 'file-' + path, tasks: [{ task_key: 'f', sql_task: { warehouse_id: WH, file: { path } } }] } }))).job_id;
  const runOf = async (jobId, token) => waitRun((await ok(await srv.req('POST', `${J}/run-now`, { token, body: { job_id: jobId } }))).run_id);
  let run = await runOf(await mk('/Volumes/shop/s/landing/sql/add.sql'));
  assert.equal(run.state.result_state, 'SUCCESS', JSON.stringify(run.tasks[0].state));
  assert.deepEqual((await sql('SELECT count(*) FROM returns WHERE id = 42')).result.data_array, [['1']]);
  run = await runOf(await mk('/Volumes/shop/s/landing/sql/missing.sql'));
  assert.match(run.tasks[0].state.state_message, /not a readable file/);
  run = await runOf(await mk('/etc/passwd'));
  assert.match(run.tasks[0].state.state_message, /must name a file in a volume/);
  // bob may not read the volume: the file is not his to run
  run = await runOf(await mk('/Volumes/shop/s/landing/sql/add.sql', bob.token), bob.token);
  assert.equal(run.state.result_state, 'FAILED');
  assert.doesNotMatch(run.tasks[0].state.state_message, /INSERT/);
});

test('a command task that runs SQL through the statement API with its token: the edges carry its job run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-whj-'));
  const script = path.join(dir, 'etl.py');
  fs.writeFileSync(script, `
import json, os, urllib.request
body = json.dumps({"statement": "INSERT INTO shop.s.audit_copy SELECT id FROM shop.s.orders", "warehouse_id": "${WH}", "wait_timeout": "30s"}).encode()
req = urllib.request.Request(os.environ["DATABRICKS_HOST"] + "/api/2.0/sql/statements", data=body, method="POST",
                             headers={"Authorization": "Bearer " + os.environ["DATABRICKS_TOKEN"], "Content-Type": "application/json"})
with urllib.request.urlopen(req) as r:
    print(json.load(r)["status"]["state"])
`);
  await sql('CREATE TABLE audit_copy (id BIGINT)');
  const job = await ok(await srv.req('POST', `${J}/create`, { body: { name: 'etl', tasks: [{ task_key: 'etl', spark_python_task: { python_file: script } }] } }));
  const run = await waitRun((await ok(await srv.req('POST', `${J}/run-now`, { body: { job_id: job.job_id } }))).run_id);
  assert.equal(run.state.result_state, 'SUCCESS', JSON.stringify(run.tasks[0].state));
  const out = await ok(await srv.req('GET', `${J}/runs/get-output?run_id=${run.tasks[0].run_id}`));
  assert.match(out.logs, /SUCCEEDED/);
  const lin = await ok(await srv.req('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=shop.s.audit_copy&include_entity_lineage=true'));
  const up = lin.upstreams.find((u) => u.tableInfo && u.tableInfo.name === 'orders');
  assert.deepEqual(up.jobInfos.map((j) => [j.entity_type, j.job_id]), [['job_run', String(run.run_id)]], JSON.stringify(up));
  // the same statement from a person's own token is an ordinary statement
  await sql('INSERT INTO audit_copy SELECT id FROM orders WHERE id = 1');
  fs.rmSync(dir, { recursive: true, force: true });
});
