// The warehouses API and the Statement Execution API's completeness over HTTP: warehouses
// (create/get/list/edit/delete/start/stop in Databricks' shapes, admins only to create,
// CAN_USE / CAN_MANAGE through /api/2.0/permissions/warehouses, hidden ones missing), a
// warehouse's concurrency limit and queue, a statement starting a STOPPED warehouse, waits
// that hold no server thread (the server runs with 2 threads), on_wait_timeout CANCEL, named
// parameters with types, row_limit and byte_limit, EXTERNAL_LINKS (JSON_ARRAY and CSV) on
// signed links that need no Authorization, chunk paging, statements visible to their owner only.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, warehouseRefusedWithPg } = require('./lib');
if (warehouseRefusedWithPg(test)) return;

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const ST = '/api/2.0/sql/statements';
const WHS = '/api/2.0/sql/warehouses';
const PERMS = '/api/2.0/permissions/warehouses';
const DEF = 'weir0000default0';
const LONG = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n';
let srv;
const who = {};

async function sql(statement, extra = {}, token) {
  return ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: DEF, catalog: 'wa', schema: 's', wait_timeout: '30s', ...extra } }));
}
async function good(statement, extra, token) {
  const r = await sql(statement, extra, token);
  assert.equal(r.status.state, 'SUCCEEDED', JSON.stringify(r.status));
  return r;
}
async function principal(name) {
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: name } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
  return { app: sp.applicationId, id: sp.id, token: t.token_value };
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await sleep(50);
  }
}

before(async () => {
  srv = await startServer(['--threads', '2']);
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'wa' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 's', catalog_name: 'wa' } }));
  for (const n of ['bot', 'other']) who[n] = await principal(n);
});
after(async () => { await srv.stop(); });

test('warehouses: create, get, list, edit, stop, a statement starts it, delete; bad settings change nothing', async () => {
  for (const [body, field] of [[{}, 'name'],
    [{ name: 'x', cluster_size: 'Huge' }, 'cluster_size'],
    [{ name: 'x', max_num_clusters: 31 }, 'max_num_clusters'],
    [{ name: 'x', min_num_clusters: 3, max_num_clusters: 2 }, 'min_num_clusters'],
    [{ name: 'x', auto_stop_mins: 5 }, 'auto_stop_mins'],
    [{ name: 'x', warehouse_type: 'FAST' }, 'warehouse_type'],
    [{ name: 'x', channel: { name: 'CHANNEL_NAME_NIGHTLY' } }, 'channel'],
    [{ name: 'x', tags: { custom_tags: [{ value: 'no key' }] } }, 'tags'],
    [{ name: 'x', enable_photon: 'yes' }, 'enable_photon'],
    [{ name: 'x', surprise: 1 }, 'surprise']]) {
    const res = await srv.req('POST', WHS, { body });
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, field, JSON.stringify(body));
  }
  assert.equal((await ok(await srv.req('GET', WHS))).warehouses.length, 1, 'nothing was created');

  const { id } = await ok(await srv.req('POST', WHS, { body: { name: 'etl', cluster_size: 'Small', max_num_clusters: 2, auto_stop_mins: 0, tags: { custom_tags: [{ key: 'team', value: 'data' }] } } }));
  assert.match(id, /^[0-9a-f]{16}$/);
  const g = await ok(await srv.req('GET', `${WHS}/${id}`));
  assert.equal(g.id, id);
  assert.equal(g.name, 'etl');
  assert.equal(g.state, 'RUNNING');
  assert.equal(g.cluster_size, 'Small');
  assert.equal(g.min_num_clusters, 1);
  assert.equal(g.max_num_clusters, 2);
  assert.equal(g.auto_stop_mins, 0);
  assert.equal(g.creator_name, 'admin');
  assert.equal(g.warehouse_type, 'CLASSIC');
  assert.equal(g.channel.name, 'CHANNEL_NAME_CURRENT');
  assert.deepEqual(g.tags.custom_tags, [{ key: 'team', value: 'data' }]);
  assert.equal(g.odbc_params.path, `/sql/1.0/warehouses/${id}`);
  assert.equal(g.odbc_params.hostname, '127.0.0.1');
  assert.equal(g.odbc_params.port, srv.port);
  assert.equal(g.num_active_sessions, 0);
  assert.equal(g.health.status, 'HEALTHY');
  assertError(await srv.req('POST', WHS, { body: { name: 'etl' } }), 400, 'RESOURCE_ALREADY_EXISTS');

  const list = (await ok(await srv.req('GET', WHS))).warehouses;
  assert.deepEqual(list.map((w) => w.name).sort(), ['Weir default warehouse', 'etl']);
  const def = list.find((w) => w.id === DEF);
  assert.equal(def.state, 'RUNNING');

  // edit: settings merge, a bad one changes nothing, the name stays unique
  await ok(await srv.req('POST', `${WHS}/${id}/edit`, { body: { id, name: 'etl2', max_num_clusters: 3 } }));
  assertError(await srv.req('POST', `${WHS}/${id}/edit`, { body: { max_num_clusters: 0 } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('POST', `${WHS}/${id}/edit`, { body: { name: 'Weir default warehouse' } }), 400, 'RESOURCE_ALREADY_EXISTS');
  assertError(await srv.req('POST', `${WHS}/${id}/edit`, { body: { id: DEF } }), 400, 'INVALID_PARAMETER_VALUE');
  const e = await ok(await srv.req('GET', `${WHS}/${id}`));
  assert.equal(e.name, 'etl2');
  assert.equal(e.max_num_clusters, 3);
  assert.equal(e.cluster_size, 'Small');

  // stop; a statement on the STOPPED warehouse starts it
  await ok(await srv.req('POST', `${WHS}/${id}/stop`));
  assert.equal((await ok(await srv.req('GET', `${WHS}/${id}`))).state, 'STOPPED');
  const r = await good('SELECT 41 + 1 AS x', { warehouse_id: id });
  assert.deepEqual(r.result.data_array, [['42']]);
  assert.equal((await ok(await srv.req('GET', `${WHS}/${id}`))).state, 'RUNNING');
  await ok(await srv.req('POST', `${WHS}/${id}/stop`));
  await ok(await srv.req('POST', `${WHS}/${id}/start`));
  assert.equal((await ok(await srv.req('GET', `${WHS}/${id}`))).state, 'RUNNING');

  // delete; the default one cannot go
  await ok(await srv.req('DELETE', `${WHS}/${id}`));
  assertError(await srv.req('GET', `${WHS}/${id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', ST, { body: { statement: 'SELECT 1', warehouse_id: id } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('DELETE', `${WHS}/${DEF}`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WHS}/nope`), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('warehouse permissions: admins create; CAN_USE runs statements; CAN_MANAGE edits; without, the warehouse is missing', async () => {
  const bot = who.bot.token;
  assertError(await srv.req('POST', WHS, { token: bot, body: { name: 'mine' } }), 403, 'PERMISSION_DENIED');
  const { id } = await ok(await srv.req('POST', WHS, { body: { name: 'private' } }));
  // hidden from a principal without CAN_USE: get, list, statements, edit, permissions
  assertError(await srv.req('GET', `${WHS}/${id}`, { token: bot }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.deepEqual((await ok(await srv.req('GET', WHS, { token: bot }))).warehouses.map((w) => w.id), [DEF]);
  assertError(await srv.req('POST', ST, { token: bot, body: { statement: 'SELECT 1', warehouse_id: id } }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('POST', `${WHS}/${id}/stop`, { token: bot }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('GET', `${PERMS}/${id}`, { token: bot }), 404, 'RESOURCE_DOES_NOT_EXIST');
  // everyone uses the default warehouse, nobody but admins manages it
  assert.equal((await sql('SELECT 1', { catalog: undefined, schema: undefined }, bot)).status.state, 'SUCCEEDED');
  assertError(await srv.req('POST', `${WHS}/${DEF}/stop`, { token: bot }), 403, 'PERMISSION_DENIED');

  // bad ACLs change nothing
  assertError(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ service_principal_name: who.bot.app, permission_level: 'CAN_FLY' }] } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ user_name: 'ghost@example.com', permission_level: 'CAN_USE' }] } }), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${WHS}/${id}`, { token: bot }), 404, 'RESOURCE_DOES_NOT_EXIST');

  const p = await ok(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ service_principal_name: who.bot.app, permission_level: 'CAN_USE' }] } }));
  assert.equal(p.object_id, `/sql/warehouses/${id}`);
  assert.equal(p.object_type, 'warehouses');
  assert.ok(p.access_control_list.some((a) => a.service_principal_name === who.bot.app && a.all_permissions[0].permission_level === 'CAN_USE'));
  assert.equal((await ok(await srv.req('GET', `${WHS}/${id}`, { token: bot }))).id, id);
  assert.equal((await sql('SELECT 2', { warehouse_id: id }, bot)).status.state, 'SUCCEEDED');
  assertError(await srv.req('POST', `${WHS}/${id}/edit`, { token: bot, body: { name: 'renamed' } }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('DELETE', `${WHS}/${id}`, { token: bot }), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('GET', `${PERMS}/${id}`, { token: bot }), 403, 'PERMISSION_DENIED');
  // another principal still sees nothing
  assertError(await srv.req('GET', `${WHS}/${id}`, { token: who.other.token }), 404, 'RESOURCE_DOES_NOT_EXIST');

  await ok(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ service_principal_name: who.bot.app, permission_level: 'CAN_MANAGE' }] } }));
  await ok(await srv.req('POST', `${WHS}/${id}/edit`, { token: bot, body: { name: 'renamed' } }));
  await ok(await srv.req('POST', `${WHS}/${id}/stop`, { token: bot }));
  assert.equal((await ok(await srv.req('GET', `${WHS}/${id}`))).name, 'renamed');
  // PUT replaces the list: the bot's permission is gone
  await ok(await srv.req('PUT', `${PERMS}/${id}`, { body: { access_control_list: [] } }));
  assertError(await srv.req('GET', `${WHS}/${id}`, { token: bot }), 404, 'RESOURCE_DOES_NOT_EXIST');
  await ok(await srv.req('DELETE', `${WHS}/${id}`));
});

test("a warehouse runs max_num_clusters x 4 statements at once; the rest queue; stop cancels them", async () => {
  const { id } = await ok(await srv.req('POST', WHS, { body: { name: 'small', max_num_clusters: 1 } }));
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await sql(LONG, { warehouse_id: id, wait_timeout: '0s' })).statement_id);
  const g = await until(async () => {
    const w = await ok(await srv.req('GET', `${WHS}/${id}`));
    return w.num_active_sessions === 4 ? w : null;
  }, '4 running statements');
  assert.equal(g.num_queued_queries, 1);
  const states = await Promise.all(ids.map(async (s) => (await ok(await srv.req('GET', `${ST}/${s}`))).status.state));
  assert.deepEqual(states.sort(), ['PENDING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING']);
  // growing the warehouse lets the queued one run
  await ok(await srv.req('POST', `${WHS}/${id}/edit`, { body: { max_num_clusters: 2 } }));
  await until(async () => (await ok(await srv.req('GET', `${WHS}/${id}`))).num_active_sessions === 5, '5 running');
  await ok(await srv.req('POST', `${WHS}/${id}/stop`));
  for (const s of ids) {
    const st = await until(async () => {
      const r = await ok(await srv.req('GET', `${ST}/${s}`));
      return r.status.state !== 'RUNNING' ? r.status.state : null;
    }, 'the end of ' + s);
    assert.equal(st, 'CANCELED');
  }
  await ok(await srv.req('DELETE', `${WHS}/${id}`));
});

test('waiting statements hold no server thread; on_wait_timeout CONTINUE answers RUNNING, CANCEL cancels', async () => {
  // the server has 2 threads: 4 calls waiting 5 s at once must not stop other requests
  const t0 = Date.now();
  const waits = [0, 1, 2].map(() => srv.req('POST', ST, { body: { statement: LONG, warehouse_id: DEF, wait_timeout: '5s' } }));
  const cancelWait = srv.req('POST', ST, { body: { statement: LONG, warehouse_id: DEF, wait_timeout: '5s', on_wait_timeout: 'CANCEL' } });
  await sleep(300);
  const t1 = Date.now();
  assert.equal((await ok(await srv.req('GET', WHS))).warehouses.length >= 1, true);
  assert.ok(Date.now() - t1 < 2000, 'a request while 4 calls wait answered at once');
  const rs = await Promise.all(waits);
  for (const r of rs) {
    assert.equal(r.status, 200, r.text);
    assert.ok(['RUNNING', 'PENDING'].includes(r.json.status.state), r.text);
  }
  assert.ok(Date.now() - t0 >= 4500, 'the calls waited for wait_timeout');
  const c = await ok(await cancelWait);
  assert.equal(c.status.state, 'CANCELED');
  for (const r of rs) await ok(await srv.req('POST', `${ST}/${r.json.statement_id}/cancel`));
  for (const r of rs) {
    await until(async () => (await ok(await srv.req('GET', `${ST}/${r.json.statement_id}`))).status.state === 'CANCELED', 'cancel');
  }
  // a short statement's wait ends as soon as it does
  const t2 = Date.now();
  assert.equal((await sql('SELECT 1', { wait_timeout: '50s' })).status.state, 'SUCCEEDED');
  assert.ok(Date.now() - t2 < 3000);
});

test('named parameters: typed values bound to :name markers; missing or bad ones are clear errors', async () => {
  await good('CREATE TABLE p (id BIGINT, name STRING, amount DOUBLE, ok BOOLEAN, day DATE)');
  const params = [{ name: 'id', value: '7', type: 'BIGINT' }, { name: 'name', value: "x'); DROP TABLE p; --" },
    { name: 'amount', value: '2.5', type: 'DOUBLE' }, { name: 'ok', value: 'true', type: 'BOOLEAN' },
    { name: 'day', value: '2024-05-01', type: 'DATE' }];
  await good('INSERT INTO p VALUES (:id, :name, :amount, :ok, :day)', { parameters: params });
  await good('INSERT INTO p VALUES (:id, :name, NULL, NULL, NULL)', { parameters: [{ name: 'id', value: '8', type: 'INT' }, { name: 'name', type: 'STRING' }] });
  const q = await good('SELECT id, name, amount, ok, day FROM p WHERE id >= :min ORDER BY id', { parameters: [{ name: 'min', value: '7', type: 'INT' }] });
  assert.deepEqual(q.result.data_array, [['7', "x'); DROP TABLE p; --", '2.5', 'true', '2024-05-01'], ['8', null, null, null, null]]);
  // a typed integer compares as a number
  assert.deepEqual((await good('SELECT count(*) FROM p WHERE id = :id', { parameters: [{ name: 'id', value: '7', type: 'INT' }] })).result.data_array, [['1']]);

  const missing = await sql('SELECT * FROM p WHERE id = :nope');
  assert.equal(missing.status.state, 'FAILED');
  assert.match(missing.status.error.message, /UNBOUND_SQL_PARAMETER.*nope/);
  const positional = await sql('SELECT * FROM p WHERE id = ?', { parameters: [{ name: 'id', value: '1' }] });
  assert.equal(positional.status.state, 'FAILED');
  assert.match(positional.status.error.message, /named parameter markers/);
  for (const parameters of [[{ name: 'id', value: 'seven', type: 'INT' }], [{ name: 'd', value: '2024-13-45', type: 'DATE' }],
    [{ name: 'b', value: 'yes', type: 'BOOLEAN' }], [{ name: 'x', value: '1', type: 'GEOMETRY' }], [{ name: '1bad', value: '1' }],
    [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], [{ name: 'a', value: 1 }], { name: 'a' }]) {
    const res = await srv.req('POST', ST, { body: { statement: 'SELECT 1', warehouse_id: DEF, parameters } });
    assertError(res, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(res.json.details[0].metadata.field, 'parameters');
  }
  assert.equal((await good('SELECT count(*) FROM p')).result.data_array[0][0], '2', 'the injection-like value was data');
});

test('row_limit and byte_limit truncate; EXTERNAL_LINKS serve JSON_ARRAY and CSV chunks on signed links', async () => {
  await good('CREATE TABLE big AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) SELECT i, \'row \' || i AS label FROM n');
  const bl = await good('SELECT label FROM big ORDER BY i', { byte_limit: 100 });
  assert.equal(bl.manifest.truncated, true);
  assert.ok(bl.manifest.total_row_count > 0 && bl.manifest.total_row_count < 20, String(bl.manifest.total_row_count));
  assert.equal((await good('SELECT label FROM big', { byte_limit: 10000000 })).manifest.truncated, false);
  assertError(await srv.req('POST', ST, { body: { statement: 'SELECT 1', warehouse_id: DEF, byte_limit: -1 } }), 400, 'INVALID_PARAMETER_VALUE');

  // INLINE paging: next_chunk_index and next_chunk_internal_link
  const inl = await good('SELECT i FROM big ORDER BY i');
  assert.equal(inl.manifest.total_chunk_count, 2);
  assert.equal(inl.result.next_chunk_index, 1);
  const c1 = await ok(await srv.req('GET', inl.result.next_chunk_internal_link));
  assert.equal(c1.row_offset, 2000);
  assert.deepEqual(c1.data_array[0], ['2001']);
  assert.equal(c1.next_chunk_index, undefined);

  // EXTERNAL_LINKS + JSON_ARRAY
  const ej = await good('SELECT i, label FROM big ORDER BY i', { disposition: 'EXTERNAL_LINKS' });
  assert.equal(ej.manifest.format, 'JSON_ARRAY');
  assert.equal(ej.result.data_array, undefined);
  const l0 = ej.result.external_links[0];
  assert.equal(l0.chunk_index, 0);
  assert.equal(l0.row_count, 2000);
  assert.equal(l0.next_chunk_index, 1);
  assert.ok(Date.parse(l0.expiration) > Date.now());
  const u = new URL(l0.external_link);
  assert.equal(u.host, `127.0.0.1:${srv.port}`);
  const body0 = await fetch(l0.external_link); // no Authorization header
  assert.equal(body0.status, 200);
  const rows0 = await body0.json();
  assert.equal(rows0.length, 2000);
  assert.deepEqual(rows0[0], ['1', 'row 1']);
  assert.equal(Number(l0.byte_count), Buffer.byteLength(JSON.stringify(rows0)));
  const n1 = await ok(await srv.req('GET', `${ST}/${ej.statement_id}/result/chunks/1`));
  const rows1 = await (await fetch(n1.external_links[0].external_link)).json();
  assert.deepEqual(rows1[0], ['2001', 'row 2001']);
  // a tampered, another chunk's or a missing token is refused
  const bad = l0.external_link.replace(/token=(\d+)\.(.)/, (m, e, c) => `token=${e}.${c === 'a' ? 'b' : 'a'}`);
  assert.equal((await fetch(bad)).status, 404);
  assert.equal((await fetch(l0.external_link.replace('/chunks/0/', '/chunks/1/'))).status, 404);
  assert.equal((await fetch(l0.external_link.replace(/\?token=.*/, ''))).status, 404);

  // EXTERNAL_LINKS + CSV (with a header row, quoting per RFC 4180)
  await good("CREATE TABLE q AS SELECT 1 AS id, 'a,\"b\"' AS txt UNION ALL SELECT 2, NULL");
  const ec = await good('SELECT id, txt FROM q ORDER BY id', { disposition: 'EXTERNAL_LINKS', format: 'CSV' });
  assert.equal(ec.manifest.format, 'CSV');
  const csv = await fetch(ec.result.external_links[0].external_link);
  assert.equal(csv.headers.get('content-type'), 'text/csv');
  assert.equal(await csv.text(), 'id,txt\r\n1,"a,""b"""\r\n2,\r\n');
  const inlineCsv = await srv.req('POST', ST, { body: { statement: 'SELECT 1', warehouse_id: DEF, format: 'CSV', disposition: 'INLINE' } });
  assertError(inlineCsv, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(inlineCsv.json.details[0].metadata.field, 'format');
});

test('statements are their owner\'s only: get, chunks, cancel and the list', async () => {
  const mine = await good('SELECT 1', { catalog: undefined, schema: undefined }, who.other.token);
  const list = await ok(await srv.req('GET', ST, { token: who.other.token }));
  assert.equal(list.statements[0].statement_id, mine.statement_id);
  assert.equal(list.statements[0].status.state, 'SUCCEEDED');
  assert.equal(list.statements[0].statement, 'SELECT 1');
  assert.ok(list.statements.every((s) => s.statement_id !== undefined));
  // admins do not see another principal's statements either
  assert.ok(!(await ok(await srv.req('GET', ST))).statements.some((s) => s.statement_id === mine.statement_id));
  for (const token of [srv.token, who.bot.token]) {
    assertError(await srv.req('GET', `${ST}/${mine.statement_id}`, { token }), 404, 'RESOURCE_DOES_NOT_EXIST');
    assertError(await srv.req('GET', `${ST}/${mine.statement_id}/result/chunks/0`, { token }), 404, 'RESOURCE_DOES_NOT_EXIST');
    assertError(await srv.req('POST', `${ST}/${mine.statement_id}/cancel`, { token }), 404, 'RESOURCE_DOES_NOT_EXIST');
  }
});

test('COPY INTO loads CSV and JSON files of a volume once, with counts; bad rows by mode; FAILFAST loads nothing', async () => {
  await ok(await srv.req('POST', `${UC}/volumes`, { body: { name: 'land', catalog_name: 'wa', schema_name: 's', volume_type: 'MANAGED' } }));
  const up = async (p, text) => ok(await srv.req('PUT', `/api/2.0/fs/files/Volumes/wa/s/land/${p}`, { raw: Buffer.from(text), headers: { 'content-type': 'application/octet-stream' } }));
  await up('csv/a.csv', 'id,name,amount\n1,one,1.5\n2,"t,w""o",2\n');
  await up('csv/b.csv', 'name,id,amount\r\nthree,3,3.25\r\nfour,4,\r\n');
  await up('csv/_ignored.csv', 'id,name,amount\n99,hidden,0\n');
  await good('CREATE TABLE ld (id INT NOT NULL, name STRING, amount DOUBLE)');
  const cols = (r) => Object.fromEntries(r.manifest.schema.columns.map((c, i) => [c.name, Number(r.result.data_array[0][i])]));

  const first = cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')"));
  assert.deepEqual(first, { num_affected_rows: 4, num_inserted_rows: 4, num_skipped_corrupt_files: 0, num_skipped_corrupt_rows: 0, num_loaded_files: 2, num_skipped_loaded_files: 0 });
  assert.deepEqual((await good('SELECT id, name, amount FROM ld ORDER BY id')).result.data_array,
    [['1', 'one', '1.5'], ['2', 't,w"o', '2.0'], ['3', 'three', '3.25'], ['4', 'four', null]]);
  // again: each file is loaded once; a new file is; force loads again
  const again = cols(await good("COPY INTO wa.s.ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')"));
  assert.equal(again.num_inserted_rows, 0);
  assert.equal(again.num_skipped_loaded_files, 2);
  await up('csv/c.csv', 'id,name,amount\n5,five,5\n');
  assert.equal(cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')")).num_inserted_rows, 1);
  const forced = cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FILES = ('c.csv') FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('force' = 'true')"));
  assert.equal(forced.num_inserted_rows, 1);
  assert.equal((await good('SELECT count(*) FROM ld WHERE id = 5')).result.data_array[0][0], '2');
  // a comment or any white space before COPY: still COPY INTO (the tokenizer's reading of
  // what precedes the first word, not a second one)
  for (const lead of ['-- load again\n', '/* forced */ ', '\v\f\t\r\n']) {
    const c = cols(await good(`${lead}COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FILES = ('c.csv') FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('force' = 'true')`));
    assert.equal(c.num_inserted_rows, 1, JSON.stringify(lead));
  }
  assert.equal((await good('SELECT count(*) FROM ld WHERE id = 5')).result.data_array[0][0], '5');

  // bad rows: PERMISSIVE nulls a bad value, DROPMALFORMED skips the row, a wrong field count or
  // a NULL id (NOT NULL) is skipped either way; FAILFAST fails and loads nothing
  await up('bad/x.csv', '10;ten;oops\n11;eleven\n12;twelve;12\n;null-id;1\n');
  const perm = cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/bad' FILEFORMAT = CSV FORMAT_OPTIONS ('delimiter' = ';')"));
  assert.equal(perm.num_inserted_rows, 2);
  assert.equal(perm.num_skipped_corrupt_rows, 2);
  assert.deepEqual((await good('SELECT id, amount FROM ld WHERE id >= 10 ORDER BY id')).result.data_array, [['10', null], ['12', '12.0']]);
  const before = (await good('SELECT count(*) FROM ld')).result.data_array[0][0];
  await up('bad/y.csv', '20;twenty;20\n21;x;notanumber\n');
  const ff = await sql("COPY INTO ld FROM '/Volumes/wa/s/land/bad/y.csv' FILEFORMAT = CSV FORMAT_OPTIONS ('delimiter' = ';', 'mode' = 'FAILFAST')");
  assert.equal(ff.status.state, 'FAILED');
  assert.match(ff.status.error.message, /FAILFAST.*line 2/);
  assert.equal((await good('SELECT count(*) FROM ld')).result.data_array[0][0], before, 'a failed COPY loads nothing');
  const dm = cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/bad/y.csv' FILEFORMAT = CSV FORMAT_OPTIONS ('delimiter' = ';', 'mode' = 'DROPMALFORMED')"));
  assert.equal(dm.num_inserted_rows, 1);
  assert.equal(dm.num_skipped_corrupt_rows, 1);

  // JSON lines and multiLine, PATTERN; a corrupt multiLine file is counted and skipped
  await up('js/one.json', '{"id": 30, "name": "thirty", "amount": 30.5}\n\n{"id": 31, "name": {"nested": true}}\n');
  await up('js/two.json', '[{"id": 32, "amount": 1}, {"id": 33, "name": null}]');
  await up('js/broken.json', '[{"id": 34,');
  const jl = cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/js' FILEFORMAT = JSON PATTERN = 'one.*'"));
  assert.equal(jl.num_inserted_rows, 2);
  assert.equal((await good('SELECT name FROM ld WHERE id = 31')).result.data_array[0][0], '{"nested":true}');
  const ml = cols(await good("COPY INTO ld FROM '/Volumes/wa/s/land/js' FILEFORMAT = JSON PATTERN = '[tb]*.json' FORMAT_OPTIONS ('multiLine' = 'true')"));
  assert.equal(ml.num_inserted_rows, 2);
  assert.equal(ml.num_skipped_corrupt_files, 1);

  // schema mismatch, missing files, bad syntax
  await up('mis/m.csv', 'id,color\n1,red\n');
  const mis = await sql("COPY INTO ld FROM '/Volumes/wa/s/land/mis' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')");
  assert.equal(mis.status.state, 'FAILED');
  assert.match(mis.status.error.message, /column 'color'/);
  const nof = await sql("COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FILES = ('nope.csv')");
  assert.equal(nof.status.state, 'FAILED');
  for (const bad of ["COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = PARQUET",
    "COPY INTO ld FROM '/Volumes/wa/s/land/csv'",
    "COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FORMAT_OPTIONS ('colour' = 'red')",
    "COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV FILES = ('a.csv') PATTERN = '*'",
    "COPY INTO ld FROM '/Volumes/wa/s/land/../x' FILEFORMAT = CSV",
    "COPY INTO ld FROM '/Volumes/wa/s/land/csv' FILEFORMAT = CSV COPY_OPTIONS ('mergeSchema' = 'maybe')"]) {
    const r = await sql(bad);
    assert.equal(r.status.state, 'FAILED', bad);
    assert.equal(r.status.error.error_code, 'INVALID_PARAMETER_VALUE', bad + ': ' + r.status.error.message);
  }

  // lineage: the volume feeds the table
  const lin = await ok(await srv.req('GET', '/api/2.0/lineage-tracking/table-lineage?table_name=wa.s.ld'));
  assert.ok(JSON.stringify(lin.upstreams).includes('land'), JSON.stringify(lin));
});

test('COPY INTO with mergeSchema adds the columns the files name (STRING, nullable) with the rows, by the ALTER rule; a failed COPY adds none', async () => {
  const up = async (p, text) => ok(await srv.req('PUT', `/api/2.0/fs/files/Volumes/wa/s/land/${p}`, { raw: Buffer.from(text), headers: { 'content-type': 'application/octet-stream' } }));
  const cols = async (t) => (await ok(await srv.req('GET', `${UC}/tables/wa.s.${t}`))).columns.map((c) => [c.name, c.type_name, c.nullable, c.position]);
  await good('CREATE TABLE ms (id INT, name STRING)');
  await up('ms/a.csv', 'id,name,color\n1,one,red\n');
  await up('ms/b.csv', 'ID,Size,name\n2,XL,two\n');
  const r = await good("COPY INTO ms FROM '/Volumes/wa/s/land/ms' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('mergeSchema' = 'true')");
  assert.deepEqual(r.result.data_array[0].slice(0, 2), ['2', '2']);
  assert.deepEqual(await cols('ms'), [['id', 'INT', true, 0], ['name', 'STRING', true, 1], ['color', 'STRING', true, 2], ['Size', 'STRING', true, 3]]);
  assert.deepEqual((await good('SELECT id, name, color, Size FROM ms ORDER BY id')).result.data_array, [['1', 'one', 'red', null], ['2', 'two', null, 'XL']]);
  // JSON keys, nested values kept as their text
  await good('CREATE TABLE msj (id INT)');
  await up('msj/1.json', '{"id": 1, "tags": ["a"], "ok": true}\n{"id": 2, "note": "n"}\n');
  await good("COPY INTO msj FROM '/Volumes/wa/s/land/msj' FILEFORMAT = JSON COPY_OPTIONS ('mergeSchema' = 'true')");
  assert.deepEqual((await cols('msj')).map((c) => c[0]), ['id', 'tags', 'ok', 'note']);
  assert.deepEqual((await good('SELECT id, tags, ok, note FROM msj ORDER BY id')).result.data_array, [['1', '["a"]', 'true', null], ['2', null, null, 'n']]);
  // without mergeSchema a new name still fails the COPY, naming the option
  await up('ms2/c.csv', 'id,shape\n3,round\n');
  const no = await sql("COPY INTO ms FROM '/Volumes/wa/s/land/ms2' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')");
  assert.equal(no.status.state, 'FAILED');
  assert.match(no.status.error.message, /'shape'.*mergeSchema/);
  // a COPY that fails (FAILFAST on a bad row) adds no column and loads nothing
  await up('ms3/d.csv', 'id,weight\n4,heavy\nnot-a-number,light\n');
  const ff = await sql("COPY INTO ms FROM '/Volumes/wa/s/land/ms3' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true', 'mode' = 'FAILFAST') COPY_OPTIONS ('mergeSchema' = 'true')");
  assert.equal(ff.status.state, 'FAILED');
  assert.equal((await cols('ms')).length, 4);
  assert.equal((await good('SELECT count(*) FROM ms')).result.data_array[0][0], '2');
  // MODIFY alone loads rows but does not add columns (the ALTER rule: owner or MANAGE)
  const merger = await principal('merger');
  const grant = async (type, name, privs) => ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: merger.app, add: privs }] } }));
  await grant('catalog', 'wa', ['USE_CATALOG']);
  await grant('schema', 'wa.s', ['USE_SCHEMA']);
  await grant('table', 'wa.s.ms', ['SELECT', 'MODIFY']);
  await grant('volume', 'wa.s.land', ['READ_VOLUME']);
  const denied = await sql("COPY INTO wa.s.ms FROM '/Volumes/wa/s/land/ms2' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('mergeSchema' = 'true')", {}, merger.token);
  assert.equal(denied.status.error?.error_code, 'PERMISSION_DENIED', JSON.stringify(denied.status));
  assert.match(denied.status.error.message, /owner or MANAGE/);
  assert.equal((await cols('ms')).length, 4);
  await up('ms4/e.csv', 'name,id\nfive,5\n');
  const same = await good("COPY INTO wa.s.ms FROM '/Volumes/wa/s/land/ms4' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true') COPY_OPTIONS ('mergeSchema' = 'true')", {}, merger.token);
  assert.equal(same.result.data_array[0][0], '1', 'no new column: MODIFY is enough');
});

test('COPY INTO reads as the caller (READ VOLUME) and writes as the caller (MODIFY)', async () => {
  const bot = who.bot.token;
  await good('CREATE TABLE ld2 (id INT, name STRING, amount DOUBLE)');
  const cp = "COPY INTO wa.s.ld2 FROM '/Volumes/wa/s/land/csv/a.csv' FILEFORMAT = CSV FORMAT_OPTIONS ('header' = 'true')";
  const none = await sql(cp, {}, bot);
  assert.equal(none.status.state, 'FAILED');
  assert.match(none.status.error.error_code, /NOT_FOUND/, 'a table the bot cannot see is missing');
  const grant = async (type, name, privs) => ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: who.bot.app, add: privs }] } }));
  await grant('catalog', 'wa', ['USE_CATALOG']);
  await grant('schema', 'wa.s', ['USE_SCHEMA']);
  await grant('table', 'wa.s.ld2', ['SELECT']);
  await grant('volume', 'wa.s.land', ['READ_VOLUME']);
  const noModify = await sql(cp, {}, bot);
  assert.equal(noModify.status.error.error_code, 'PERMISSION_DENIED');
  assert.match(noModify.status.error.message, /MODIFY/);
  await ok(await srv.req('PATCH', `${UC}/permissions/volume/wa.s.land`, { body: { changes: [{ principal: who.bot.app, remove: ['READ_VOLUME'] }] } }));
  await grant('table', 'wa.s.ld2', ['MODIFY']);
  const noRead = await sql(cp, {}, bot);
  assert.equal(noRead.status.state, 'FAILED');
  assert.ok(['PERMISSION_DENIED', 'NOT_FOUND'].includes(noRead.status.error.error_code), noRead.status.error.error_code);
  assert.equal((await good('SELECT count(*) FROM ld2')).result.data_array[0][0], '0');
  await grant('volume', 'wa.s.land', ['READ_VOLUME']);
  const r = await good(cp, {}, bot);
  assert.deepEqual(r.result.data_array[0].slice(0, 2), ['2', '2']);
});

test('read_files: CSV and JSON files of a volume as a table in SELECT, INSERT ... SELECT and CTAS, read as the caller', async () => {
  const q = await good("SELECT id, name, CAST(amount AS DOUBLE) AS amount FROM read_files('/Volumes/wa/s/land/csv', format => 'csv', header => true) ORDER BY CAST(id AS INT)");
  assert.deepEqual(q.manifest.schema.columns.map((c) => c.name), ['id', 'name', 'amount']);
  assert.deepEqual(q.result.data_array.slice(0, 3), [['1', 'one', '1.5'], ['2', 't,w"o', '2.0'], ['3', 'three', '3.25']]);
  const nh = await good("SELECT _c0, _c2 FROM read_files('/Volumes/wa/s/land/bad/x.csv', format => 'csv', delimiter => ';') WHERE _c0 = '12'");
  assert.deepEqual(nh.result.data_array, [['12', '12']]);
  const js = await good("SELECT id, name FROM read_files('/Volumes/wa/s/land/js/one.json', format => 'json') ORDER BY id");
  assert.deepEqual(js.result.data_array, [['30', 'thirty'], ['31', '{"nested":true}']]);
  await good('CREATE TABLE rf (id INT, name STRING)');
  const ins = await good("INSERT INTO rf SELECT CAST(id AS INT), name FROM read_files('/Volumes/wa/s/land/csv/a.csv', format => 'csv', header => true)");
  assert.deepEqual(ins.result.data_array, [['2', '2']]);
  await good("CREATE TABLE rf2 AS SELECT * FROM read_files('/Volumes/wa/s/land/js', format => 'json', multiLine => true)");
  assert.equal((await good('SELECT count(*) FROM rf2')).result.data_array[0][0], '2');
  // lineage: the volume read feeds the table written, as COPY INTO records it
  for (const t of ['wa.s.rf', 'wa.s.rf2']) {
    const lin = await ok(await srv.req('GET', `/api/2.0/lineage-tracking/table-lineage?table_name=${t}`));
    const vols = (lin.upstreams ?? []).filter((u) => u.tableInfo?.table_type === 'VOLUME').map((u) => u.tableInfo.name);
    assert.deepEqual(vols, ['land'], `${t}: ${JSON.stringify(lin)}`);
  }
  // bad calls, a missing path, a caller without READ VOLUME
  for (const bad of ["SELECT * FROM read_files('/Volumes/wa/s/land/csv')", "SELECT * FROM read_files('/Volumes/wa/s/land/csv', format => 'xml')",
    "SELECT * FROM read_files('/Volumes/wa/s/land/csv', format => 'csv', colour => 'red')", "SELECT * FROM read_files(42, format => 'csv')"]) {
    const r = await sql(bad);
    assert.equal(r.status.state, 'FAILED', bad);
    assert.equal(r.status.error.error_code, 'INVALID_PARAMETER_VALUE', bad);
  }
  assert.match((await sql("SELECT * FROM read_files('/Volumes/wa/s/land/nope', format => 'csv')")).status.error.error_code, /NOT_FOUND/);
  const other = await sql("SELECT * FROM read_files('/Volumes/wa/s/land/csv', format => 'csv')", { catalog: undefined, schema: undefined }, who.other.token);
  assert.equal(other.status.state, 'FAILED');
  assert.match(other.status.error.error_code, /NOT_FOUND|PERMISSION_DENIED/);
  // the temp table is the statement's: another statement cannot name it
  assert.equal((await sql('SELECT * FROM temp.weir_rf1')).status.state, 'FAILED');
});

test('a stopping server answers its waiting calls at once and exits cleanly', async () => {
  const s2 = await startServer(['--threads', '2']);
  const t0 = Date.now();
  const waiting = s2.req('POST', ST, { body: { statement: LONG, warehouse_id: DEF, wait_timeout: '50s' } });
  await sleep(500);
  const stopped = s2.stop(); // asserts exit code 0
  const r = await waiting;
  assert.equal(r.status, 200, r.text);
  assert.ok(['RUNNING', 'PENDING', 'CANCELED'].includes(r.json.status.state), r.text);
  await stopped;
  assert.ok(Date.now() - t0 < 20000, 'the wait did not hold the stop for its 50 s');
});
