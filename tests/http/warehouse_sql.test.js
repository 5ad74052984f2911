// The warehouse's SQL surface answered from the catalog, over HTTP: schemas, views (run
// with their owner's rights), ALTER TABLE, COMMENT ON, GRANT/REVOKE, SHOW and DESCRIBE in
// Databricks' column names, each through the governance rules of the REST API (same
// privileges, same audit rows, hidden objects missing); column lineage of INSERT ... SELECT,
// CTAS and views down to the Marquez graph; a permission matrix over these statements
// (owner, reader, writer, nobody, nested-group member); malformed statements FAILED and
// changing nothing.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, warehouseRefusedWithPg } = require('./lib');
if (warehouseRefusedWithPg(test)) return;

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const ST = '/api/2.0/sql/statements';
const LT = '/api/2.0/lineage-tracking';
const WH = 'weir0000default0';
let srv;
const who = {};

async function sql(statement, token, extra = {}) {
  return ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: WH, catalog: 'cat', schema: 'sch', wait_timeout: '50s', ...extra } }));
}
async function good(statement, token, extra) {
  const r = await sql(statement, token, extra);
  assert.equal(r.status.state, 'SUCCEEDED', statement + ': ' + JSON.stringify(r.status));
  return r;
}
async function rows(statement, token, extra) {
  return (await good(statement, token, extra)).result.data_array ?? [];
}
async function failed(statement, token, code) {
  const r = await sql(statement, token);
  assert.equal(r.status.state, 'FAILED', statement + ': ' + JSON.stringify(r.status));
  assert.equal(r.status.error.error_code, code, statement + ': ' + r.status.error.message);
  return r;
}
async function principal(name) {
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: name } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
  return { app: sp.applicationId, id: sp.id, token: t.token_value };
}
async function grant(type, name, principalName, privs) {
  await ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: principalName, add: privs }] } }));
}
async function auditRows(action) {
  const a = await ok(await srv.req('GET', `/api/2.0/weir/audit?action_name=${action}&max_results=1000`));
  return a.events;
}

before(async () => {
  srv = await startServer();
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'cat' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 'sch', catalog_name: 'cat' } }));
  for (const n of ['reader', 'writer', 'nobody', 'member']) who[n] = await principal(n);
  // member is in `inner`, which is in `outer`: grants to `outer` reach it
  const inner = await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'inner', members: [{ value: who.member.id }] } }), 201);
  await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'outer', members: [{ value: inner.id }] } }), 201);
  await good('CREATE TABLE src (id INT NOT NULL, name STRING, amount DOUBLE, secret STRING)');
  await good("INSERT INTO src VALUES (1, 'a', 10, 's1'), (2, 'b', 20, 's2'), (3, 'a', 5, 's3')");
});
after(async () => { await srv.stop(); });

test('CREATE SCHEMA / DROP SCHEMA through the catalog, audited as the REST API does', async () => {
  await good("CREATE SCHEMA s2 COMMENT 'made with SQL'");
  const s = await ok(await srv.req('GET', `${UC}/schemas/cat.s2`));
  assert.equal(s.comment, 'made with SQL');
  await failed('CREATE SCHEMA cat.s2', undefined, 'SCHEMA_ALREADY_EXISTS');
  await good('CREATE SCHEMA IF NOT EXISTS cat.s2');
  await good('CREATE TABLE cat.s2.t (a INT)');
  await failed('DROP SCHEMA cat.s2', undefined, 'FAILED_PRECONDITION');
  await good('DROP SCHEMA cat.s2 CASCADE');
  assertError(await srv.req('GET', `${UC}/schemas/cat.s2`), 404, 'SCHEMA_NOT_FOUND');
  await good('DROP SCHEMA IF EXISTS cat.s2');
  await failed('DROP SCHEMA cat.s2', undefined, 'SCHEMA_NOT_FOUND');
  await failed('CREATE SCHEMA nowhere.s', undefined, 'CATALOG_NOT_FOUND');
  // the REST routes' audit rows, with the statement id
  const created = (await auditRows('createSchema')).filter((e) => JSON.stringify(e).includes('cat.s2'));
  assert.ok(created.some((e) => e.service_name === 'unityCatalog' && e.response.status_code === 200), JSON.stringify(created[0]));
  assert.ok(created.some((e) => e.response.status_code !== 200));
  const deleted = (await auditRows('deleteSchema')).filter((e) => JSON.stringify(e).includes('cat.s2'));
  assert.ok(deleted.some((e) => e.response.status_code === 200));
  // a principal without CREATE SCHEMA: refused, audited, nothing made
  await grant('catalog', 'cat', who.writer.app, ['USE_CATALOG']);
  await failed('CREATE SCHEMA cat.w', who.writer.token, 'PERMISSION_DENIED');
  assertError(await srv.req('GET', `${UC}/schemas/cat.w`), 404, 'SCHEMA_NOT_FOUND');
  // nobody does not even see the catalog
  const r = await failed('CREATE SCHEMA cat.n', who.nobody.token, 'CATALOG_NOT_FOUND');
  assert.doesNotMatch(r.status.error.message, /\bn\b/);
});

test('CREATE TABLE, CREATE TABLE ... AS and CREATE VIEW register through the catalog with their comments', async () => {
  await good("CREATE TABLE reg_t (id INT NOT NULL, v DECIMAL(10,2)) COMMENT 'a table'");
  const t = await ok(await srv.req('GET', `${UC}/tables/cat.sch.reg_t`));
  assert.equal(t.table_type, 'MANAGED');
  assert.equal(t.data_source_format, 'DELTA');
  assert.equal(t.comment, 'a table');
  assert.deepEqual(t.columns.map((c) => [c.name, c.type_name, c.nullable, c.position]), [['id', 'INT', false, 0], ['v', 'DECIMAL', true, 1]]);
  assert.equal(t.columns[1].type_precision, 10);
  await good("CREATE TABLE reg_c COMMENT 'from a query' AS SELECT id, name FROM src");
  const c = await ok(await srv.req('GET', `${UC}/tables/cat.sch.reg_c`));
  assert.equal(c.comment, 'from a query');
  assert.deepEqual(c.columns.map((x) => x.name), ['id', 'name']);
  await good("CREATE VIEW reg_v COMMENT 'a view' AS SELECT name FROM src");
  const v = await ok(await srv.req('GET', `${UC}/tables/cat.sch.reg_v`));
  assert.equal(v.table_type, 'VIEW');
  assert.equal(v.comment, 'a view');
  assert.deepEqual(v.view_dependencies, { dependencies: [{ table: { table_full_name: 'cat.sch.src' } }] });
  await failed('CREATE TABLE reg_t (a INT)', undefined, 'TABLE_ALREADY_EXISTS');
  await good('CREATE TABLE IF NOT EXISTS reg_t (a INT)');
  for (const n of ['reg_t', 'reg_c']) await good(`DROP TABLE ${n}`);
  await good('DROP VIEW reg_v');
});

test('ALTER TABLE, COMMENT ON, SHOW and DESCRIBE', async () => {
  await good('CREATE TABLE alt (k INT, v STRING)');
  await good("INSERT INTO alt VALUES (1, 'x')");
  await good("ALTER TABLE alt ADD COLUMNS (extra DOUBLE COMMENT 'added', flag BOOLEAN)");
  await good("INSERT INTO alt VALUES (2, 'y', 1.5, true)");
  assert.deepEqual(await rows('SELECT k, v, extra, flag FROM alt ORDER BY k'), [['1', 'x', null, null], ['2', 'y', '1.5', 'true']]);
  await good("ALTER TABLE alt ALTER COLUMN v COMMENT 'the value'");
  await good("ALTER TABLE alt SET TBLPROPERTIES ('quality' = 'gold', 'owner_team' = 'data')");
  await good("COMMENT ON TABLE alt IS 'a table'");
  const t = await ok(await srv.req('GET', `${UC}/tables/cat.sch.alt`));
  assert.deepEqual(t.columns.map((c) => [c.name, c.type_name, c.position, c.comment ?? null]),
    [['k', 'INT', 0, null], ['v', 'STRING', 1, 'the value'], ['extra', 'DOUBLE', 2, 'added'], ['flag', 'BOOLEAN', 3, null]]);
  assert.equal(t.properties.quality, 'gold');
  assert.equal(t.comment, 'a table');
  await good('ALTER TABLE alt RENAME TO alt2');
  assertError(await srv.req('GET', `${UC}/tables/cat.sch.alt`), 404, 'TABLE_NOT_FOUND');
  assert.deepEqual(await rows('SELECT count(*) FROM cat.sch.alt2'), [['2']]); // the data stays (file named by id)
  await failed('ALTER TABLE alt2 RENAME TO other.alt3', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('ALTER TABLE alt2 ADD COLUMN k INT', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('ALTER TABLE alt2 ADD COLUMN z INT NOT NULL', undefined, 'INVALID_PARAMETER_VALUE');
  await failed("ALTER TABLE alt2 ALTER COLUMN nope COMMENT 'x'", undefined, 'INVALID_PARAMETER_VALUE');
  await failed('ALTER TABLE nope ADD COLUMN z INT', undefined, 'TABLE_OR_VIEW_NOT_FOUND');

  // SHOW and DESCRIBE in Databricks' column names
  const cats = await good('SHOW CATALOGS');
  assert.deepEqual(cats.manifest.schema.columns.map((c) => c.name), ['catalog']);
  assert.ok(cats.result.data_array.some((r) => r[0] === 'cat'));
  const sch = await good('SHOW SCHEMAS IN cat');
  assert.deepEqual(sch.manifest.schema.columns.map((c) => c.name), ['databaseName']);
  assert.ok(sch.result.data_array.some((r) => r[0] === 'sch'));
  const tabs = await good('SHOW TABLES IN cat.sch');
  assert.deepEqual(tabs.manifest.schema.columns.map((c) => [c.name, c.type_name]), [['database', 'STRING'], ['tableName', 'STRING'], ['isTemporary', 'BOOLEAN']]);
  assert.ok(tabs.result.data_array.some((r) => r[0] === 'sch' && r[1] === 'alt2' && r[2] === 'false'));
  assert.deepEqual(await rows('SHOW COLUMNS IN alt2'), [['k'], ['v'], ['extra'], ['flag']]);
  const d = await good('DESCRIBE TABLE alt2');
  assert.deepEqual(d.manifest.schema.columns.map((c) => c.name), ['col_name', 'data_type', 'comment']);
  assert.deepEqual(d.result.data_array, [['k', 'int', null], ['v', 'string', 'the value'], ['extra', 'double', 'added'], ['flag', 'boolean', null]]);
  const dx = await rows('DESCRIBE TABLE EXTENDED cat.sch.alt2');
  assert.ok(dx.some((r) => r[0] === 'Type' && r[1] === 'MANAGED'));
  assert.ok(dx.some((r) => r[0] === 'Comment' && r[1] === 'a table'));
  assert.ok(dx.some((r) => r[0] === 'Table Properties' && r[1].includes('"quality":"gold"')));
  await failed('DESCRIBE nope', undefined, 'TABLE_OR_VIEW_NOT_FOUND');

  // what the caller may not browse does not appear, or looks missing
  await grant('catalog', 'cat', who.reader.app, ['USE_CATALOG']);
  await grant('schema', 'cat.sch', who.reader.app, ['USE_SCHEMA']);
  await grant('table', 'cat.sch.src', who.reader.app, ['SELECT']);
  assert.deepEqual(await rows('SHOW TABLES IN cat.sch', who.reader.token), [['sch', 'src', 'false']]);
  assert.deepEqual(await rows('SHOW CATALOGS', who.reader.token), [['cat']]);
  assert.deepEqual(await rows('SHOW CATALOGS', who.nobody.token), []);
  const hidden = await failed('DESCRIBE alt2', who.reader.token, 'TABLE_OR_VIEW_NOT_FOUND');
  const missing = await failed('DESCRIBE nothing_here', who.reader.token, 'TABLE_OR_VIEW_NOT_FOUND');
  assert.equal(hidden.status.error.message.replace('alt2', 'X'), missing.status.error.message.replace('nothing_here', 'X'));
  await failed('ALTER TABLE alt2 ADD COLUMN q INT', who.reader.token, 'TABLE_OR_VIEW_NOT_FOUND');
  await failed('ALTER TABLE src ADD COLUMN q INT', who.reader.token, 'PERMISSION_DENIED');
  await failed('SHOW TABLES IN cat.sch', who.nobody.token, 'CATALOG_NOT_FOUND');
  // audit rows of ALTER, as PATCH tables writes them
  const upd = (await auditRows('updateTable')).filter((e) => JSON.stringify(e).includes('cat.sch.alt'));
  assert.ok(upd.length >= 4, JSON.stringify(upd[0]));
});

test('GRANT / REVOKE / SHOW GRANTS: the permissions API\'s rules', async () => {
  await good('CREATE TABLE g (a INT)');
  await good("INSERT INTO g VALUES (7)");
  await good('GRANT USE CATALOG ON CATALOG cat TO `outer`');
  await good('GRANT USE SCHEMA ON SCHEMA cat.sch TO `outer`');
  await good('GRANT SELECT ON TABLE g TO `outer`');
  // the nested-group member reads through `outer`
  assert.deepEqual(await rows('SELECT a FROM g', who.member.token), [['7']]);
  const perms = await ok(await srv.req('GET', `${UC}/permissions/table/cat.sch.g`));
  assert.deepEqual(perms.privilege_assignments, [{ principal: 'outer', privileges: ['SELECT'] }]);
  const sg = await good('SHOW GRANTS ON TABLE cat.sch.g');
  assert.deepEqual(sg.manifest.schema.columns.map((c) => c.name), ['principal', 'actionType', 'objectType', 'objectKey']);
  const sgr = sg.result.data_array.map((r) => r.join('|')).sort();
  assert.ok(sgr.includes('outer|SELECT|TABLE|cat.sch.g'), sgr.join());
  assert.ok(sgr.includes('outer|USE CATALOG|CATALOG|cat'), sgr.join());
  assert.ok(sgr.includes('outer|USE SCHEMA|SCHEMA|cat.sch'), sgr.join());
  assert.deepEqual((await rows('SHOW GRANTS `outer` ON SCHEMA cat.sch')).sort(), [['outer', 'USE CATALOG', 'CATALOG', 'cat'], ['outer', 'USE SCHEMA', 'SCHEMA', 'cat.sch']]);
  // a member may not grant, nor see others' grants
  await failed(`GRANT SELECT ON TABLE g TO \`${who.nobody.app}\``, who.member.token, 'PERMISSION_DENIED');
  await failed(`SHOW GRANTS \`${who.writer.app}\` ON TABLE g`, who.member.token, 'PERMISSION_DENIED');
  // bad privileges and principals change nothing
  await failed('GRANT FLY ON TABLE g TO `outer`', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('GRANT CREATE SCHEMA ON TABLE g TO `outer`', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('GRANT SELECT ON TABLE g TO `no such principal`', undefined, 'NOT_FOUND');
  await failed('GRANT SELECT ON TABLE nope TO `outer`', undefined, 'TABLE_OR_VIEW_NOT_FOUND');
  assert.deepEqual((await ok(await srv.req('GET', `${UC}/permissions/table/cat.sch.g`))).privilege_assignments, [{ principal: 'outer', privileges: ['SELECT'] }]);
  await good('REVOKE SELECT ON TABLE g FROM `outer`');
  await failed('SELECT a FROM g', who.member.token, 'TABLE_NOT_FOUND'); // no privilege on it: not even visible
  // the storage securables, named by one name
  ok(await srv.req('POST', `${UC}/storage-credentials`, { body: { name: 'wh_cred', aws_iam_role: { role_arn: 'arn:r' } } }));
  ok(await srv.req('POST', `${UC}/external-locations`, { body: { name: 'wh_loc', url: 'file:///srv/wh_loc', credential_name: 'wh_cred' } }));
  await good('GRANT READ FILES, CREATE EXTERNAL TABLE ON EXTERNAL LOCATION wh_loc TO `outer`');
  await good('GRANT CREATE EXTERNAL LOCATION ON STORAGE CREDENTIAL wh_cred TO `outer`');
  const elp = (await ok(await srv.req('GET', `${UC}/permissions/external_location/wh_loc`))).privilege_assignments;
  assert.deepEqual(elp.map((a) => [a.principal, a.privileges.sort()]), [['outer', ['CREATE_EXTERNAL_TABLE', 'READ_FILES']]]);
  assert.deepEqual((await rows('SHOW GRANTS ON EXTERNAL LOCATION wh_loc')).sort(),
    [['outer', 'CREATE EXTERNAL TABLE', 'EXTERNAL LOCATION', 'wh_loc'], ['outer', 'READ FILES', 'EXTERNAL LOCATION', 'wh_loc']]);
  assert.deepEqual(await rows('SHOW GRANTS ON STORAGE CREDENTIAL wh_cred'), [['outer', 'CREATE EXTERNAL LOCATION', 'STORAGE CREDENTIAL', 'wh_cred']]);
  await failed('GRANT SELECT ON EXTERNAL LOCATION wh_loc TO `outer`', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('GRANT READ FILES ON EXTERNAL LOCATION nope TO `outer`', undefined, 'NOT_FOUND');
  await failed('GRANT READ FILES ON EXTERNAL LOCATION a.b TO `outer`', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('SHOW GRANTS ON EXTERNAL LOCATION wh_loc', who.nobody.token, 'NOT_FOUND'); // hidden from it
  await good('REVOKE READ FILES ON EXTERNAL LOCATION wh_loc FROM `outer`');
  assert.deepEqual((await ok(await srv.req('GET', `${UC}/permissions/external_location/wh_loc`))).privilege_assignments,
    [{ principal: 'outer', privileges: ['CREATE_EXTERNAL_TABLE'] }]);
  const audit = (await auditRows('updatePermissions')).filter((e) => JSON.stringify(e).includes('cat.sch.g'));
  assert.ok(audit.some((e) => e.response.status_code === 200) && audit.some((e) => e.response.status_code === 403), JSON.stringify(audit.map((e) => e.response)));
});

test('views: made from a query, read with the owner\'s rights, lineage to columns', async () => {
  await good("CREATE VIEW v_sum COMMENT 'sums' AS SELECT name, sum(amount) AS total, upper(name) || id AS tag FROM src GROUP BY name");
  const info = await ok(await srv.req('GET', `${UC}/tables/cat.sch.v_sum`));
  assert.equal(info.table_type, 'VIEW');
  assert.equal(info.comment, 'sums');
  assert.match(info.view_definition, /`cat`\.`sch`\.`src`/);
  assert.deepEqual(info.columns.map((c) => c.name), ['name', 'total', 'tag']);
  assert.deepEqual(await rows('SELECT name, total FROM v_sum ORDER BY name'), [['a', '15.0'], ['b', '20.0']]);
  // a reader with SELECT on the view only (not on src's secret) reads it
  await grant('catalog', 'cat', who.reader.app, ['USE_CATALOG']);
  await grant('schema', 'cat.sch', who.reader.app, ['USE_SCHEMA']);
  await grant('table', 'cat.sch.v_sum', who.reader.app, ['SELECT']);
  await ok(await srv.req('PATCH', `${UC}/permissions/table/cat.sch.src`, { body: { changes: [{ principal: who.reader.app, remove: ['SELECT'] }] } }));
  await failed('SELECT * FROM src', who.reader.token, 'TABLE_NOT_FOUND');
  assert.deepEqual(await rows('SELECT name FROM v_sum ORDER BY name', who.reader.token), [['a'], ['b']]);
  // nobody with no grant: the view looks missing
  await failed('SELECT * FROM cat.sch.v_sum', who.nobody.token, 'CATALOG_NOT_FOUND');
  // views are not written, and DROP TABLE is not DROP VIEW
  await failed("INSERT INTO v_sum VALUES ('x', 1, 'y')", undefined, 'INVALID_PARAMETER_VALUE');
  await failed('DROP VIEW src', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('DROP TABLE v_sum', undefined, 'INVALID_PARAMETER_VALUE');
  // CREATE OR REPLACE replaces a view in place (its grants stay), never a table
  await good('CREATE OR REPLACE VIEW v_sum AS SELECT name FROM src');
  const replaced = await ok(await srv.req('GET', `${UC}/tables/cat.sch.v_sum`));
  assert.deepEqual(replaced.columns.map((c) => c.name), ['name']);
  assert.equal(replaced.table_id, info.table_id);
  assert.deepEqual(await rows('SELECT count(*) FROM v_sum', who.reader.token), [['3']]);
  await failed('CREATE OR REPLACE VIEW src AS SELECT 1 AS one', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('CREATE VIEW v_sum AS SELECT 1 AS one', undefined, 'TABLE_ALREADY_EXISTS');
  await good('CREATE VIEW IF NOT EXISTS v_sum AS SELECT 1 AS one');
  // the creator needs SELECT on what the view reads
  await grant('schema', 'cat.sch', who.reader.app, ['CREATE_TABLE']);
  await failed('CREATE VIEW v_r AS SELECT secret FROM src', who.reader.token, 'TABLE_NOT_FOUND');
  await grant('table', 'cat.sch.src', who.reader.app, ['MODIFY']); // visible, still no SELECT
  await failed('CREATE VIEW v_r AS SELECT secret FROM src', who.reader.token, 'PERMISSION_DENIED');
  assertError(await srv.req('GET', `${UC}/tables/cat.sch.v_r`), 404, 'TABLE_NOT_FOUND');
  // a view's owner who loses SELECT takes its readers with it (owner's rights)
  await good('CREATE VIEW v_own AS SELECT name FROM v_sum', who.reader.token);
  assert.deepEqual(await rows('SELECT count(*) FROM v_own', who.reader.token), [['3']]);
  await ok(await srv.req('PATCH', `${UC}/permissions/table/cat.sch.v_sum`, { body: { changes: [{ principal: who.reader.app, remove: ['SELECT'] }] } }));
  const denied = await failed('SELECT count(*) FROM v_own', undefined, 'PERMISSION_DENIED');
  assert.match(denied.status.error.message, /owner of View 'cat\.sch\.v_own'/);
  await good('DROP VIEW v_own');
  await good('DROP VIEW IF EXISTS v_own');
  assertError(await srv.req('GET', `${UC}/tables/cat.sch.v_own`), 404, 'TABLE_NOT_FOUND');
});

test('column lineage: INSERT ... SELECT, CTAS and views, down to the Marquez graph', async () => {
  await good('CREATE TABLE silver AS SELECT id, name AS who, amount * 2 AS doubled FROM src WHERE amount > 1');
  await good('CREATE TABLE gold (who STRING, total DOUBLE, n BIGINT)');
  await good('INSERT INTO gold SELECT s.who, sum(s.doubled) + max(r.amount), count(*) FROM silver s JOIN src r ON r.id = s.id GROUP BY s.who');
  await good('INSERT INTO gold (total, who) SELECT amount, name FROM src');
  await good('CREATE VIEW gold_v AS SELECT who, total / 2 AS half FROM gold');
  const up = async (table, column) => {
    const r = await ok(await srv.req('GET', `${LT}/column-lineage?table_name=${table}&column_name=${column}`));
    return [...new Set(r.upstream_cols.map((c) => `${c.table_name}.${c.name}`))].sort();
  };
  assert.deepEqual(await up('cat.sch.silver', 'id'), ['src.id']);
  assert.deepEqual(await up('cat.sch.silver', 'who'), ['src.name']);
  assert.deepEqual(await up('cat.sch.silver', 'doubled'), ['src.amount']); // not src.amount in the WHERE twice
  assert.deepEqual(await up('cat.sch.gold', 'who'), ['silver.who', 'src.name']);
  assert.deepEqual(await up('cat.sch.gold', 'total'), ['silver.doubled', 'src.amount']);
  assert.deepEqual(await up('cat.sch.gold', 'n'), []); // count(*) reads no column
  assert.deepEqual(await up('cat.sch.gold_v', 'half'), ['gold.total']);
  assert.deepEqual(await up('cat.sch.gold_v', 'who'), ['gold.who']);
  const down = await ok(await srv.req('GET', `${LT}/column-lineage?table_name=cat.sch.src&column_name=amount`));
  const downs = down.downstream_cols.map((c) => `${c.table_name}.${c.name}`);
  for (const d of ['gold.total', 'silver.doubled']) assert.ok(downs.includes(d), downs.join());
  assert.ok(!downs.includes('silver.id') && !downs.includes('gold.who'), downs.join());
  // table lineage: the view's source is gold
  const tl = await ok(await srv.req('GET', `${LT}/table-lineage?table_name=cat.sch.gold_v`));
  assert.deepEqual(tl.upstreams.map((u) => u.tableInfo.name), ['gold']);
  // the Marquez column graph walks from the view's column back to src
  const g = await ok(await srv.req('GET', `/api/v1/column-lineage?nodeId=${encodeURIComponent('datasetField:weir:cat.sch.gold_v:half')}&depth=5`));
  const ids = g.graph.map((n) => n.id);
  for (const id of ['datasetField:weir:cat.sch.gold:total', 'datasetField:weir:cat.sch.silver:doubled', 'datasetField:weir:cat.sch.src:amount'])
    assert.ok(ids.includes(id), ids.join());
  assert.ok(!ids.includes('datasetField:weir:cat.sch.src:secret'), ids.join());
  // system.access.column_lineage has the edges with the statement as the entity
  const cl = await ok(await srv.req('GET', `${LT}/column-lineage?table_name=cat.sch.silver&column_name=doubled`));
  assert.equal(cl.upstream_cols.length, 1);
});

test('malformed statements are FAILED with the parser\'s text and change nothing', async () => {
  for (const [s, code] of [
    ['CREATE SCHEMA', 'INVALID_PARAMETER_VALUE'], ['CREATE SCHEMA a.b.c', 'INVALID_PARAMETER_VALUE'],
    ["COMMENT ON TABLE src IS 42", 'INVALID_PARAMETER_VALUE'], ['GRANT ON TABLE src TO `x`', 'INVALID_PARAMETER_VALUE'],
    ['GRANT SELECT ON TABLE src', 'INVALID_PARAMETER_VALUE'], ['SHOW THINGS', 'INVALID_PARAMETER_VALUE'],
    ['ALTER TABLE src EXPLODE', 'INVALID_PARAMETER_VALUE'], ["ALTER TABLE src SET TBLPROPERTIES ('a' 'b')", 'INVALID_PARAMETER_VALUE'],
    ['ALTER TABLE src ADD COLUMNS (x WEIRD)', 'INVALID_PARAMETER_VALUE'], ['DESCRIBE', 'INVALID_PARAMETER_VALUE'],
    ['CREATE VIEW vv AS SELEC 1', 'BAD_REQUEST'], ['CREATE VIEW vv AS SELECT nope FROM src', 'BAD_REQUEST'],
    ['CREATE VIEW vv AS DELETE FROM src', 'BAD_REQUEST'], ['DROP VIEW', 'INVALID_PARAMETER_VALUE'],
    ['CREATE TABLE vv AS SELEC 1', 'BAD_REQUEST'], ['CREATE TABLE vv AS DELETE FROM src', 'BAD_REQUEST'],
    ['UPDATE OR REPLACE ( src SET id = 1', 'BAD_REQUEST'], ['((((', 'BAD_REQUEST'], // once crashed the reader (fuzz)
  ]) {
    const r = await failed(s, undefined, code);
    assert.ok(r.status.error.message.length > 0);
  }
  for (const kind of ['VIEW', 'TABLE']) {
    const syn = await failed(`CREATE ${kind} vv AS SELEC 1`, undefined, 'BAD_REQUEST');
    assert.match(syn.status.error.message, /syntax error/);
    const other = await failed(`CREATE ${kind} vv AS DELETE FROM src`, undefined, 'BAD_REQUEST');
    assert.equal(other.status.error.message, `CREATE ${kind} ... AS needs a query (SELECT, WITH or VALUES)`);
  }
  assertError(await srv.req('GET', `${UC}/tables/cat.sch.vv`), 404, 'TABLE_NOT_FOUND');
  const t = await ok(await srv.req('GET', `${UC}/tables/cat.sch.src`));
  assert.equal(t.columns.length, 4);
});

test('row filters and column masks: UC functions applied to every read, the owner\'s too', async () => {
  await good('CREATE TABLE sales (region STRING, amount DOUBLE, email STRING)');
  await good("INSERT INTO sales VALUES ('EU', 10, 'a@x.io'), ('US', 20, 'b@y.io'), ('EU', 5, 'c@z.io')");
  await good("CREATE FUNCTION eu_only(r STRING) RETURNS BOOLEAN COMMENT 'EU rows, all for admins' RETURN is_account_group_member('admins') AND r = 'US' OR r = 'EU'");
  await good("CREATE FUNCTION cat.sch.mask_email(e STRING) RETURNS STRING RETURN CASE WHEN is_account_group_member('outer') THEN e ELSE '***' || substr(e, instr(e, '@')) END");
  const fn = await ok(await srv.req('GET', `${UC}/functions/cat.sch.eu_only`));
  assert.equal(fn.routine_body, 'SQL');
  assert.equal(fn.data_type, 'BOOLEAN');
  assert.match(fn.routine_definition, /is_account_group_member\('admins'\)/);
  assert.deepEqual(fn.input_params.parameters.map((p) => [p.name, p.type_name]), [['r', 'STRING']]);
  await good('ALTER TABLE sales SET ROW FILTER eu_only ON (region)');
  await good('ALTER TABLE sales ALTER COLUMN email SET MASK mask_email');
  const t = await ok(await srv.req('GET', `${UC}/tables/cat.sch.sales`));
  assert.deepEqual(t.row_filter, { function_name: 'cat.sch.eu_only', input_column_names: ['region'] });
  assert.deepEqual(t.columns.find((c) => c.name === 'email').mask, { function_name: 'cat.sch.mask_email', using_column_names: [] });
  // the owner (an admin, not in `outer`) gets every row and masked emails
  assert.deepEqual(await rows('SELECT region, amount, email FROM sales ORDER BY amount'),
    [['EU', '5.0', '***@z.io'], ['EU', '10.0', '***@x.io'], ['US', '20.0', '***@y.io']]);
  // a reader (not admin) sees EU rows; the nested-group member sees EU rows with emails
  for (const p of ['reader', 'outer']) {
    const name = p === 'outer' ? 'outer' : who.reader.app;
    await grant('catalog', 'cat', name, ['USE_CATALOG']);
    await grant('schema', 'cat.sch', name, ['USE_SCHEMA']);
    await grant('table', 'cat.sch.sales', name, ['SELECT']);
  }
  assert.deepEqual(await rows('SELECT region, email FROM sales ORDER BY amount', who.reader.token), [['EU', '***@z.io'], ['EU', '***@x.io']]);
  assert.deepEqual(await rows('SELECT s.email FROM cat.sch.sales AS s WHERE s.amount > 6', who.member.token), [['a@x.io']]);
  assert.deepEqual(await rows('SELECT count(*), sum(amount) FROM sales', who.member.token), [['2', '15.0']]);
  // current_user() is the caller, everywhere
  assert.deepEqual(await rows('SELECT current_user()', who.reader.token), [[who.reader.app]]);
  // no way around them: UPDATE/DELETE refused, CTAS copies what the reader sees
  await failed("UPDATE sales SET email = email WHERE region = 'US'", undefined, 'PERMISSION_DENIED');
  await failed("INSERT OR REPLACE INTO sales VALUES ('EU', 1, 'x')", undefined, 'PERMISSION_DENIED');
  await failed("INSERT INTO sales VALUES ('EU', 1, 'x') ON CONFLICT DO NOTHING", undefined, 'PERMISSION_DENIED');
  await failed('DELETE FROM sales', undefined, 'PERMISSION_DENIED');
  await good("INSERT INTO sales VALUES ('EU', 1, 'd@w.io')");
  await good('CREATE TABLE copy AS SELECT * FROM sales');
  assert.deepEqual(await rows("SELECT count(*) FROM copy WHERE email LIKE '***%'"), [['4']]);
  // a function that does not fit is refused and changes nothing
  await failed('ALTER TABLE sales SET ROW FILTER mask_email ON (email)', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('ALTER TABLE sales SET ROW FILTER eu_only ON (region, amount)', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('ALTER TABLE sales SET ROW FILTER eu_only ON (nope)', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('ALTER TABLE sales SET ROW FILTER nope ON (region)', undefined, 'NOT_FOUND');
  await failed('ALTER TABLE sales SET ROW FILTER eu_only ON (region)', who.reader.token, 'PERMISSION_DENIED');
  await failed('CREATE FUNCTION bad(x INT) RETURNS INT RETURN (SELECT 1)', undefined, 'INVALID_PARAMETER_VALUE');
  await failed('CREATE FUNCTION bad(x INT) RETURNS INT RETURN nope(x)', undefined, 'BAD_REQUEST');
  assertError(await srv.req('GET', `${UC}/functions/cat.sch.bad`), 404, 'NOT_FOUND');
  // dropping them restores plain reads
  await good('ALTER TABLE sales DROP ROW FILTER');
  await good('ALTER TABLE sales ALTER COLUMN email DROP MASK');
  const t2 = await ok(await srv.req('GET', `${UC}/tables/cat.sch.sales`));
  assert.equal(t2.row_filter, undefined);
  assert.equal(t2.columns.find((c) => c.name === 'email').mask, undefined);
  assert.deepEqual(await rows('SELECT count(*) FROM sales', who.reader.token), [['4']]);
  // a function dropped under a filter fails reads closed
  await good('ALTER TABLE sales SET ROW FILTER eu_only ON (region)');
  await ok(await srv.req('DELETE', `${UC}/functions/cat.sch.eu_only`));
  await failed('SELECT * FROM sales', undefined, 'PERMISSION_DENIED');
});

test('system tables: governed, filtered to what the caller may browse, Databricks\' columns', async () => {
  await good('CREATE TABLE sys_src (k INT, v STRING)');
  await good('CREATE TABLE sys_dst AS SELECT k, upper(v) AS V2 FROM sys_src');
  // admins read them all
  const cats = await good("SELECT catalog_name FROM system.information_schema.catalogs WHERE catalog_name = 'cat'");
  assert.deepEqual(cats.result.data_array, [['cat']]);
  const cols = await good("SELECT column_name, ordinal_position, data_type, is_nullable FROM system.information_schema.columns WHERE table_name = 'sys_dst' ORDER BY ordinal_position");
  assert.deepEqual(cols.result.data_array, [['k', '0', 'INT', 'YES'], ['V2', '1', 'STRING', 'YES']]);
  const tl = await good("SELECT source_table_full_name, target_table_full_name, entity_type, source_type FROM system.access.table_lineage WHERE target_table_name = 'sys_dst'");
  assert.deepEqual(tl.result.data_array, [['cat.sch.sys_src', 'cat.sch.sys_dst', 'DBSQL_QUERY', 'TABLE']]);
  const cl = await good("SELECT source_column_name, target_column_name FROM system.access.column_lineage WHERE target_table_name = 'sys_dst' ORDER BY target_column_name");
  assert.deepEqual(cl.result.data_array, [['v', 'V2'], ['k', 'k']]);
  const au = await good("SELECT service_name, action_name, response FROM system.access.audit WHERE action_name = 'createSchema' LIMIT 1");
  assert.equal(au.result.data_array[0][0], 'unityCatalog');
  assert.deepEqual(au.manifest.schema.columns.map((c) => c.name), ['service_name', 'action_name', 'response']);
  const tp = await good("SELECT grantee, privilege_type FROM system.information_schema.table_privileges WHERE table_name = 'sales' AND grantee = 'outer' ORDER BY privilege_type");
  assert.deepEqual(tp.result.data_array, [['outer', 'SELECT'], ['outer', 'USE CATALOG'], ['outer', 'USE SCHEMA']]);
  const direct = await good("SELECT privilege_type FROM system.information_schema.table_privileges WHERE table_name = 'sales' AND grantee = 'outer' AND inherited_from IS NULL");
  assert.deepEqual(direct.result.data_array, [['SELECT']]);
  // with a table of the catalog in one statement (and a view reading what the statement also reads)
  await good("INSERT INTO sys_src VALUES (1, 'a')");
  assert.deepEqual(await rows("SELECT t.table_name, s.k FROM system.information_schema.tables t JOIN sys_src s ON t.table_name = 'sys_src'"), [['sys_src', '1']]);
  await good('CREATE VIEW sys_v AS SELECT k FROM sys_src');
  assert.deepEqual(await rows('SELECT v.k, s.v FROM sys_v v JOIN sys_src s ON s.k = v.k'), [['1', 'a']]);
  // read-only, and unknown ones look missing
  await failed("INSERT INTO system.access.audit (service_name) VALUES ('x')", undefined, 'PERMISSION_DENIED');
  await failed('SELECT * FROM system.access.nothing', undefined, 'TABLE_NOT_FOUND');
  // others: refused until an admin grants on catalog `system`; then filtered to what they may browse
  await failed('SELECT * FROM system.information_schema.tables', who.reader.token, 'PERMISSION_DENIED');
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'system' } }));
  await good('GRANT USE CATALOG ON CATALOG system TO `outer`');
  await failed('SELECT * FROM system.information_schema.tables', who.member.token, 'PERMISSION_DENIED');
  await good('GRANT SELECT ON CATALOG system TO `outer`');
  const mine = await good("SELECT table_name FROM system.information_schema.tables WHERE table_catalog = 'cat' ORDER BY table_name", who.member.token);
  const visible = (await rows('SHOW TABLES IN cat.sch', who.member.token)).map((r) => r[1]).sort();
  assert.deepEqual(mine.result.data_array.map((r) => r[0]).sort(), visible);
  assert.ok(!visible.includes('sys_src'));
  const mcl = await good("SELECT count(*) FROM system.access.column_lineage WHERE target_table_name = 'sys_dst'", who.member.token);
  assert.deepEqual(mcl.result.data_array, [['0']]); // sys_src and sys_dst are not theirs
  await failed('SELECT * FROM system.access.audit', who.reader.token, 'PERMISSION_DENIED');
});

test('system.lakeflow: the jobs, tasks and runs the caller may view', async () => {
  const job = await ok(await srv.req('POST', '/api/2.2/jobs/create', { body: { name: 'lf_job', description: 'for lakeflow', tasks: [
    { task_key: 'a', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
    { task_key: 'b', depends_on: [{ task_key: 'a' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '2' } }] } }));
  const run = await ok(await srv.req('POST', '/api/2.2/jobs/run-now', { body: { job_id: job.job_id } }));
  let state;
  for (let i = 0; i < 200; i++) {
    state = await ok(await srv.req('GET', `/api/2.2/jobs/runs/get?run_id=${run.run_id}`));
    if (state.state.life_cycle_state === 'TERMINATED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(state.state.life_cycle_state, 'TERMINATED');
  const jobs = await rows(`SELECT name, description FROM system.lakeflow.jobs WHERE job_id = '${job.job_id}'`);
  assert.deepEqual(jobs, [['lf_job', 'for lakeflow']]);
  const tasks = await rows(`SELECT task_key, depends_on_keys FROM system.lakeflow.job_tasks WHERE job_id = '${job.job_id}' ORDER BY task_key`);
  assert.deepEqual(tasks, [['a', '[]'], ['b', '["a"]']]);
  const runs = await rows(`SELECT run_id, result_state, period_end_time IS NOT NULL FROM system.lakeflow.job_run_timeline WHERE job_id = '${job.job_id}'`);
  assert.deepEqual(runs, [[String(run.run_id), 'SUCCESS', '1']]);
  const truns = await rows(`SELECT task_key, job_run_id, result_state FROM system.lakeflow.job_task_run_timeline WHERE job_id = '${job.job_id}' ORDER BY task_key`);
  assert.deepEqual(truns.map((r) => [r[0], r[1]]), [['a', String(run.run_id)], ['b', String(run.run_id)]]);
  // the member (granted on catalog system) does not see a job it may not view
  assert.deepEqual(await rows(`SELECT count(*) FROM system.lakeflow.jobs WHERE job_id = '${job.job_id}'`, who.member.token), [['0']]);
});

test('permission matrix over the catalog statements: owner, reader, writer, nobody, nested-group member', async () => {
  await good('CREATE SCHEMA pm');
  await good('CREATE TABLE pm.t (k INT, v STRING)');
  await good("INSERT INTO pm.t VALUES (1, 'x')");
  await good('CREATE VIEW pm.vw AS SELECT k FROM pm.t');
  // reader: SELECT on t; writer: SELECT + MODIFY on t, CREATE TABLE on pm; outer (member): SELECT on the view only
  for (const [p, privs] of [[who.reader.app, []], [who.writer.app, ['CREATE_TABLE']], ['outer', []]]) {
    await grant('catalog', 'cat', p, ['USE_CATALOG']);
    await grant('schema', 'cat.pm', p, ['USE_SCHEMA', ...privs]);
  }
  await grant('table', 'cat.pm.t', who.reader.app, ['SELECT']);
  await grant('table', 'cat.pm.t', who.writer.app, ['SELECT', 'MODIFY']);
  await grant('table', 'cat.pm.vw', 'outer', ['SELECT']);
  const token = { owner: undefined, reader: who.reader.token, writer: who.writer.token, nobody: who.nobody.token, member: who.member.token };
  // statement -> expected outcome per principal (OK or the error code)
  const matrix = [
    ['DESCRIBE pm.t', { owner: 'OK', reader: 'OK', writer: 'OK', nobody: 'TABLE_OR_VIEW_NOT_FOUND', member: 'TABLE_OR_VIEW_NOT_FOUND' }],
    ['SELECT k FROM pm.vw', { owner: 'OK', reader: 'TABLE_NOT_FOUND', writer: 'TABLE_NOT_FOUND', nobody: 'CATALOG_NOT_FOUND', member: 'OK' }],
    ['SHOW GRANTS ON TABLE pm.t', { owner: 'OK', reader: 'OK', writer: 'OK', nobody: 'TABLE_OR_VIEW_NOT_FOUND', member: 'TABLE_OR_VIEW_NOT_FOUND' }],
    ["COMMENT ON TABLE pm.t IS 'c'", { owner: 'OK', reader: 'PERMISSION_DENIED', writer: 'PERMISSION_DENIED', nobody: 'TABLE_OR_VIEW_NOT_FOUND', member: 'TABLE_OR_VIEW_NOT_FOUND' }],
    ["ALTER TABLE pm.t SET TBLPROPERTIES ('a' = 'b')", { owner: 'OK', reader: 'PERMISSION_DENIED', writer: 'PERMISSION_DENIED', nobody: 'TABLE_OR_VIEW_NOT_FOUND', member: 'TABLE_OR_VIEW_NOT_FOUND' }],
    ['GRANT SELECT ON TABLE pm.t TO `inner`', { owner: 'OK', reader: 'PERMISSION_DENIED', writer: 'PERMISSION_DENIED', nobody: 'TABLE_OR_VIEW_NOT_FOUND', member: 'TABLE_OR_VIEW_NOT_FOUND' }],
    ['CREATE VIEW pm.v_w AS SELECT v FROM pm.t', { owner: 'OK', reader: 'PERMISSION_DENIED', writer: 'OK', nobody: 'CATALOG_NOT_FOUND', member: 'PERMISSION_DENIED' }],
    ['CREATE SCHEMA pm2', { owner: 'OK', reader: 'PERMISSION_DENIED', writer: 'PERMISSION_DENIED', nobody: 'CATALOG_NOT_FOUND', member: 'PERMISSION_DENIED' }],
    ['DROP VIEW pm.vw', { owner: 'OK', reader: 'TABLE_OR_VIEW_NOT_FOUND', writer: 'TABLE_OR_VIEW_NOT_FOUND', nobody: 'TABLE_OR_VIEW_NOT_FOUND', member: 'PERMISSION_DENIED' }],
  ];
  const wrong = [];
  for (const [stmt, expect] of matrix) {
    for (const p of ['nobody', 'member', 'reader', 'writer', 'owner']) {
      const r = await sql(stmt, token[p]);
      const got = r.status.state === 'SUCCEEDED' ? 'OK' : r.status.error.error_code;
      if (got !== expect[p]) wrong.push(`${p}: ${stmt}: ${got} (${r.status.error?.message})`);
      if (got === 'OK' && stmt.startsWith('CREATE')) await good(stmt.startsWith('CREATE VIEW') ? 'DROP VIEW pm.v_w' : 'DROP SCHEMA pm2');
    }
  }
  assert.deepEqual(wrong, []);
});

test('group membership inside a view is the reader\'s (nested groups count)', async () => {
  await good("CREATE VIEW v_grp AS SELECT current_user() AS who, is_account_group_member('outer') AS m, is_member('inner') AS i FROM src LIMIT 1");
  await grant('table', 'cat.sch.v_grp', 'outer', ['SELECT']);
  await grant('catalog', 'cat', 'outer', ['USE_CATALOG']);
  await grant('schema', 'cat.sch', 'outer', ['USE_SCHEMA']);
  assert.deepEqual(await rows('SELECT who, m, i FROM v_grp', who.member.token), [[who.member.app, '1', '1']]);
  const admin = await rows('SELECT m, i FROM v_grp');
  assert.deepEqual(admin, [['0', '0']]);
});

test('CREATE / DROP CATALOG and ALTER TABLE ... OWNER TO: the REST API\'s rules', async () => {
  await good("CREATE CATALOG sqlcat COMMENT 'from SQL'");
  assert.equal((await ok(await srv.req('GET', `${UC}/catalogs/sqlcat`))).comment, 'from SQL');
  await failed('CREATE CATALOG sqlcat', undefined, 'CATALOG_ALREADY_EXISTS');
  await good('CREATE CATALOG IF NOT EXISTS sqlcat');
  await failed('CREATE CATALOG other', who.reader.token, 'PERMISSION_DENIED'); // CREATE CATALOG on the metastore
  await good('CREATE SCHEMA sqlcat.x');
  await failed('DROP CATALOG sqlcat', undefined, 'FAILED_PRECONDITION');
  await failed('DROP CATALOG sqlcat', who.reader.token, 'CATALOG_NOT_FOUND');
  await good('DROP CATALOG sqlcat CASCADE');
  assertError(await srv.req('GET', `${UC}/catalogs/sqlcat`), 404, 'CATALOG_NOT_FOUND');
  await good('DROP CATALOG IF EXISTS sqlcat');
  await failed('CREATE CATALOG a.b', undefined, 'INVALID_PARAMETER_VALUE');
  // ownership: only the owner or an admin transfers it; the new owner must exist
  await good('CREATE TABLE owned (a INT)');
  await good(`ALTER TABLE owned OWNER TO \`${who.writer.app}\``);
  assert.equal((await ok(await srv.req('GET', `${UC}/tables/cat.sch.owned`))).owner, who.writer.app);
  await grant('schema', 'cat.sch', who.writer.app, ['USE_SCHEMA']);
  await good('INSERT INTO owned VALUES (1)', who.writer.token); // the owner writes (with USE CATALOG/SCHEMA)
  await failed(`ALTER TABLE owned SET OWNER TO \`${who.reader.app}\``, who.reader.token, 'TABLE_OR_VIEW_NOT_FOUND');
  await failed('ALTER TABLE owned OWNER TO `no such one`', who.writer.token, 'INVALID_PARAMETER_VALUE');
  await good(`ALTER TABLE owned SET OWNER TO \`${who.reader.app}\``, who.writer.token);
  assert.equal((await ok(await srv.req('GET', `${UC}/tables/cat.sch.owned`))).owner, who.reader.app);
});

test('a dropped table leaves no data file: DROP TABLE, REST DELETE, DROP SCHEMA CASCADE, DELETE catalog force', async () => {
  const fs = require('node:fs');
  const path = require('node:path');
  const files = () => fs.readdirSync(path.join(srv.data, 'warehouse')).filter((f) => !f.includes('.new-'));
  const fileOf = (id) => files().filter((f) => f.startsWith(id + '.db'));
  const mk = async (full) => {
    await good(`CREATE TABLE ${full} (a INT)`);
    await good(`INSERT INTO ${full} VALUES (1), (2)`);
    const t = await ok(await srv.req('GET', `${UC}/tables/${full}`));
    assert.ok(fileOf(t.table_id).length > 0, `${full} has its data file`);
    return t.table_id;
  };
  await good('CREATE SCHEMA cat.gone');
  const bySql = await mk('cat.gone.t1');
  const byRest = await mk('cat.gone.t2');
  const bySchema = await mk('cat.gone.t3');
  await good('CREATE CATALOG gonecat');
  await good('CREATE SCHEMA gonecat.s');
  const byCatalog = await mk('gonecat.s.t');
  const kept = (await ok(await srv.req('GET', `${UC}/tables/cat.sch.src`))).table_id;

  await good('DROP TABLE cat.gone.t1');
  assert.deepEqual(fileOf(bySql), []);
  // one table's delete removes its own files only (no sweep of every table's): a stray
  // file of no table stays until a cascade's or the next start's sweep
  const stray = path.join(srv.data, 'warehouse', '00000000-0000-7000-8000-000000000000.db');
  fs.writeFileSync(stray, '');
  await ok(await srv.req('DELETE', `${UC}/tables/cat.gone.t2`));
  assert.deepEqual(fileOf(byRest), []);
  assert.ok(fs.existsSync(stray), 'a single delete sweeps nothing else');
  await failed('DROP SCHEMA cat.gone', undefined, 'FAILED_PRECONDITION');
  assert.ok(fileOf(bySchema).length > 0, 'a refused drop removes nothing');
  await good('DROP SCHEMA cat.gone CASCADE');
  assert.deepEqual(fileOf(bySchema), []);
  assert.ok(!fs.existsSync(stray), "a cascade's sweep takes the stray file too");
  await ok(await srv.req('DELETE', `${UC}/catalogs/gonecat?force=true`));
  assert.deepEqual(fileOf(byCatalog), []);
  // the others' data stays
  assert.ok(fileOf(kept).length > 0);
  assert.deepEqual(await rows('SELECT count(*) FROM src'), [['3']]);
});

test('CREATE OR REPLACE FUNCTION replaces the definition in place: grants, owner and the filters naming it stay', async () => {
  await good('CREATE TABLE rf (region STRING, amount INT)');
  await good("INSERT INTO rf VALUES ('EU', 1), ('US', 2)");
  await good("CREATE FUNCTION rf_only(r STRING) RETURNS BOOLEAN COMMENT 'v1' RETURN r = 'EU'");
  const before = await ok(await srv.req('GET', `${UC}/functions/cat.sch.rf_only`));
  await good('ALTER TABLE rf SET ROW FILTER rf_only ON (region)');
  await grant('function', 'cat.sch.rf_only', who.writer.app, ['EXECUTE']);
  const permsBefore = await ok(await srv.req('GET', `${UC}/permissions/function/cat.sch.rf_only`));
  assert.ok(permsBefore.privilege_assignments.some((a) => a.principal === who.writer.app));
  assert.deepEqual(await rows('SELECT region FROM rf'), [['EU']]);

  // without OR REPLACE the name is taken; a caller who may not delete it cannot replace it
  await failed("CREATE FUNCTION rf_only(r STRING) RETURNS BOOLEAN RETURN r = 'US'", undefined, 'ALREADY_EXISTS');
  await failed("CREATE OR REPLACE FUNCTION cat.sch.rf_only(r STRING) RETURNS BOOLEAN RETURN true", who.writer.token, 'PERMISSION_DENIED');

  await good("CREATE OR REPLACE FUNCTION rf_only(r STRING) RETURNS BOOLEAN COMMENT 'v2' RETURN r = 'US'");
  const after = await ok(await srv.req('GET', `${UC}/functions/cat.sch.rf_only`));
  assert.equal(after.function_id, before.function_id, 'the same securable');
  assert.equal(after.owner, before.owner);
  assert.equal(after.comment, 'v2');
  assert.match(after.routine_definition, /'US'/);
  const permsAfter = await ok(await srv.req('GET', `${UC}/permissions/function/cat.sch.rf_only`));
  assert.deepEqual(permsAfter, permsBefore, 'grants stay');
  // the table's filter names it still, and now applies the new definition
  assert.deepEqual(await rows('SELECT region FROM rf'), [['US']]);
});

test('statements over one table reuse their thread\'s connection: no caller\'s rights, name or schema carry over', async () => {
  await good('CREATE TABLE kc (a INT)');
  await grant('table', 'cat.sch.kc', who.reader.app, ['SELECT']);
  await grant('catalog', 'cat', who.reader.app, ['USE_CATALOG']);
  await grant('schema', 'cat.sch', who.reader.app, ['USE_SCHEMA']);
  for (let i = 0; i < 6; i++) { // enough rounds to land on each executor thread more than once
    await good(`INSERT INTO kc VALUES (${i})`);
    assert.deepEqual(await rows('SELECT current_user(), count(*) FROM kc', who.reader.token), [[who.reader.app, String(i + 1)]]);
    await failed(`INSERT INTO kc VALUES (${100 + i})`, who.reader.token, 'PERMISSION_DENIED');
    assert.deepEqual(await rows('SELECT current_user()'), [['admin']]);
  }
  // a schema change made meanwhile is seen; a table dropped and made again is the new one
  await good('ALTER TABLE kc ADD COLUMNS (b STRING)');
  await good("INSERT INTO kc VALUES (7, 'x')");
  assert.deepEqual(await rows('SELECT b FROM kc WHERE a = 7'), [['x']]);
  await good('DROP TABLE kc');
  await good('CREATE TABLE kc (z DOUBLE)');
  await good('INSERT INTO kc VALUES (1.5)');
  assert.deepEqual(await rows('SELECT * FROM kc'), [['1.5']]);
  await failed('SELECT a FROM kc', undefined, 'BAD_REQUEST');
});

test('ARRAY, MAP and STRUCT columns: UC type_text and Spark type_json, JSON text of their shape, checked on write', async () => {
  await good('CREATE TABLE nested (id INT, tags ARRAY<STRING>, m MAP<STRING, INT>, p STRUCT<x: DOUBLE, y: ARRAY<ARRAY<INT>>>)');
  const t = await ok(await srv.req('GET', `${UC}/tables/cat.sch.nested`));
  const col = (n) => t.columns.find((c) => c.name === n);
  assert.deepEqual([col('tags').type_name, col('tags').type_text], ['ARRAY', 'array<string>']);
  assert.deepEqual(JSON.parse(col('tags').type_json).type, { type: 'array', elementType: 'string', containsNull: true });
  assert.deepEqual([col('m').type_name, col('m').type_text], ['MAP', 'map<string,int>']);
  assert.deepEqual(JSON.parse(col('m').type_json).type, { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: true });
  assert.equal(col('p').type_text, 'struct<x:double,y:array<array<int>>>');
  assert.deepEqual(JSON.parse(col('p').type_json).type.fields.map((f) => [f.name, f.type]),
    [['x', 'double'], ['y', { type: 'array', elementType: { type: 'array', elementType: 'integer', containsNull: true }, containsNull: true }]]);
  await good(`INSERT INTO nested VALUES (1, '["a","b"]', '{"k":1}', '{"x":1.5,"y":[[1]]}')`);
  // the value's shape is checked: an object is no ARRAY, text is no MAP; nothing is written
  await failed(`INSERT INTO nested VALUES (2, '{"a":1}', NULL, NULL)`, undefined, 'BAD_REQUEST');
  await failed(`INSERT INTO nested VALUES (3, NULL, 'k=1', NULL)`, undefined, 'BAD_REQUEST');
  assert.deepEqual(await rows("SELECT id, json_extract(tags, '$[1]'), json_extract(m, '$.k'), json_extract(p, '$.y[0][0]') FROM nested"), [['1', 'b', '1', '1']]);
  // a column read straight from the table keeps its element types in the manifest and in CTAS
  const sel = await good('SELECT tags, p AS point FROM nested');
  assert.deepEqual(sel.manifest.schema.columns.map((c) => [c.name, c.type_name, c.type_text]),
    [['tags', 'ARRAY', 'array<string>'], ['point', 'STRUCT', 'struct<x:double,y:array<array<int>>>']]);
  await good('CREATE TABLE nested_copy AS SELECT id, m FROM nested');
  const copy = await ok(await srv.req('GET', `${UC}/tables/cat.sch.nested_copy`));
  assert.equal(copy.columns.find((c) => c.name === 'm').type_text, 'map<string,int>');
  assert.deepEqual(JSON.parse(copy.columns.find((c) => c.name === 'm').type_json).type.valueType, 'integer');
  // ADD COLUMNS of a nested type; a table made through the REST API with one is written with SQL
  await good('ALTER TABLE nested ADD COLUMNS (z ARRAY<INT>)');
  await failed("INSERT INTO nested (id, z) VALUES (4, '3')", undefined, 'BAD_REQUEST');
  await ok(await srv.req('POST', `${UC}/tables`, { body: { name: 'rest_nested', catalog_name: 'cat', schema_name: 'sch', table_type: 'MANAGED', data_source_format: 'DELTA',
    columns: [{ name: 'a', type_name: 'ARRAY', type_text: 'array<int>', type_json: '{"name":"a","type":{"type":"array","elementType":"integer","containsNull":true},"nullable":true,"metadata":{}}', position: 0, nullable: true }] } }));
  await good("INSERT INTO rest_nested VALUES ('[1,2,3]')");
  assert.deepEqual(await rows('SELECT json_array_length(a) FROM rest_nested'), [['3']]);
  // malformed nested types change nothing
  for (const bad of ['CREATE TABLE b1 (a ARRAY)', 'CREATE TABLE b2 (a ARRAY<INT)', 'CREATE TABLE b3 (a MAP<INT>)',
    'CREATE TABLE b4 (a STRUCT<x INT, x INT>)', 'CREATE TABLE b5 (a STRUCT<>)', 'CREATE TABLE b6 (a ARRAY<FOO>)',
    `CREATE TABLE b7 (a ${'ARRAY<'.repeat(20)}INT${'>'.repeat(20)})`]) await failed(bad, undefined, 'INVALID_PARAMETER_VALUE');
  for (const n of ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']) assertError(await srv.req('GET', `${UC}/tables/cat.sch.${n}`), 404, 'TABLE_NOT_FOUND');
});

test('a table read again after its mask, row filter or columns changed is read with the change (the engine reuses a parsed TableInfo only while the catalog writes the same text)', async () => {
  await good('CREATE TABLE kept (id BIGINT, secret STRING)');
  await good("INSERT INTO kept VALUES (1, 's1'), (2, 's2')");
  const look = (id) => rows('SELECT * FROM kept WHERE id = :id', undefined, { parameters: [{ name: 'id', value: String(id), type: 'BIGINT' }] });
  assert.deepEqual(await look(1), [['1', 's1']]);
  assert.deepEqual(await look(1), [['1', 's1']], 'the same again');
  await good("CREATE FUNCTION hide(s STRING) RETURNS STRING RETURN '***'");
  await good('CREATE FUNCTION first_only(i BIGINT) RETURNS BOOLEAN RETURN i = 1');
  await good('ALTER TABLE kept ALTER COLUMN secret SET MASK hide');
  assert.deepEqual(await look(1), [['1', '***']], 'a mask set after a read applies to the next read');
  await good('ALTER TABLE kept SET ROW FILTER first_only ON (id)');
  assert.deepEqual(await look(2), [], 'so does a row filter');
  await good('ALTER TABLE kept DROP ROW FILTER');
  await good('ALTER TABLE kept ALTER COLUMN secret DROP MASK');
  assert.deepEqual(await look(2), [['2', 's2']], 'and their removal');
  await good('ALTER TABLE kept ADD COLUMN extra INT');
  assert.deepEqual(await look(2), [['2', 's2', null]], 'a column added after a read is read');
  const r = await good('SELECT * FROM kept WHERE id = 1');
  assert.deepEqual(r.manifest.schema.columns.map((c) => [c.name, c.type_name]), [['id', 'LONG'], ['secret', 'STRING'], ['extra', 'INT']]);
});
