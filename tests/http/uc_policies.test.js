// ABAC policies (Databricks' /api/2.1/unity-catalog/policies): row-filter and column-mask
// policies on a catalog, schema or table, matched to tables by governed tags and to readers
// by principals and groups, applied by the SQL warehouse at read time. Shapes, bad input
// (400 naming the field, nothing written), who may do what, and what each reader reads.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, servicePrincipal, PG } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const ST = '/api/2.0/sql/statements';
const WH = 'weir0000default0';
let srv;
const who = {};

async function principal(name) {
  const sp = await servicePrincipal(srv, name);
  return { app: sp.name, id: sp.id, token: sp.as.token };
}
async function grant(type, name, principalName, privs) {
  await ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: principalName, add: privs }] } }));
}
async function tag(entity_type, entity_name, tag_key, tag_value) {
  await ok(await srv.req('POST', `${UC}/entity-tag-assignments`, { body: { entity_type, entity_name, tag_key, tag_value } }));
}
async function untag(entity_type, entity_name, key) {
  await ok(await srv.req('DELETE', `${UC}/entity-tag-assignments/${entity_type}/${entity_name}/tags/${key}`));
}
function create(body, token) { return srv.req('POST', `${UC}/policies`, { body, token }); }
function policyPath(type, full, name) { return `${UC}/policies/${type}/${full}${name ? '/' + name : ''}`; }
async function list(type, full, query = '', token) {
  return (await ok(await srv.req('GET', policyPath(type, full) + query, { token }))).policies;
}

// Functions and tables through the REST API, so that the suite also runs on PostgreSQL (the
// warehouse's reads run on SQLite only).
async function sqlFunction(name, params, returns, body) {
  await ok(await srv.req('POST', `${UC}/functions`, {
    body: {
      function_info: {
        name, catalog_name: 'cat', schema_name: 'sch', data_type: returns, full_data_type: returns,
        input_params: { parameters: params.map(([n, t], i) => ({ name: n, type_name: t, type_text: t.toLowerCase(), type_json: JSON.stringify({ name: n, type: t.toLowerCase(), nullable: true, metadata: {} }), position: i })) },
        routine_body: 'SQL', routine_definition: body, parameter_style: 'S', is_deterministic: true,
        sql_data_access: 'CONTAINS_SQL', is_null_call: false, security_type: 'DEFINER', specific_name: name,
      },
    },
  }));
}
async function table(name, cols) {
  await ok(await srv.req('POST', `${UC}/tables`, {
    body: {
      name, catalog_name: 'cat', schema_name: 'sch', table_type: 'MANAGED', data_source_format: 'DELTA',
      columns: cols.map(([n, t], i) => ({ name: n, type_name: t, type_text: t.toLowerCase(), position: i, nullable: true })),
    },
  }));
}

const MASK = {
  name: 'mask_ssn', on_securable_type: 'SCHEMA', on_securable_fullname: 'cat.sch', for_securable_type: 'TABLE',
  policy_type: 'POLICY_TYPE_COLUMN_MASK', comment: 'ssn hidden where sensitivity is high',
  when_condition: "hasTagValue('sensitivity', 'high')",
  match_columns: [{ condition: "hasTagValue('pii', 'ssn')", alias: 'ssn' }],
  column_mask: { function_name: 'cat.sch.redact', on_column: 'ssn' },
};

before(async () => {
  srv = await startServer();
  await ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'cat' } }));
  await ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 'sch', catalog_name: 'cat' } }));
  for (const n of ['reader', 'other', 'nobody']) who[n] = await principal(n);
  await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'analysts', members: [{ value: who.reader.id }, { value: who.other.id }] } }), 201);
  await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'auditors', members: [{ value: who.other.id }] } }), 201);
  await sqlFunction('redact', [['s', 'STRING']], 'STRING', "'***'");
  await sqlFunction('region_is', [['r', 'STRING'], ['want', 'STRING']], 'BOOLEAN', 'r = want');
  await sqlFunction('two', [['a', 'STRING'], ['b', 'STRING']], 'STRING', 'a || b');
  await table('people', [['id', 'INT'], ['name', 'STRING'], ['ssn', 'STRING'], ['region', 'STRING']]);
  await tag('schemas', 'cat.sch', 'sensitivity', 'high');
  await tag('columns', 'cat.sch.people.ssn', 'pii', 'ssn');
  await tag('columns', 'cat.sch.people.region', 'geo', undefined);
  for (const n of ['reader', 'other']) {
    await grant('catalog', 'cat', who[n].app, ['USE_CATALOG']);
    await grant('schema', 'cat.sch', who[n].app, ['USE_SCHEMA']);
    await grant('table', 'cat.sch.people', who[n].app, ['SELECT']);
  }
});
after(async () => { await srv.stop(); });

test('a policy: created, read back on its securable and below it (include_inherited), renamed, deleted; every change audited', async () => {
  const p = await ok(await create({ ...MASK, to_principals: ['analysts'], except_principals: ['auditors'] }));
  assert.match(p.id, /^[0-9a-f-]{36}$/);
  for (const [k, v] of Object.entries({ ...MASK, to_principals: ['analysts'], except_principals: ['auditors'], created_by: 'admin', updated_by: 'admin' }))
    assert.deepEqual(p[k], v, k);
  assert.ok(p.created_at > 1.7e12 && p.updated_at === p.created_at);
  assert.deepEqual(await ok(await srv.req('GET', policyPath('SCHEMA', 'cat.sch', 'mask_ssn'))), p);
  // lower-case and plural type names are read too
  assert.deepEqual(await ok(await srv.req('GET', policyPath('schemas', 'cat.sch', 'mask_ssn'))), p);
  assert.deepEqual(await list('SCHEMA', 'cat.sch'), [p]);
  assert.deepEqual(await list('TABLE', 'cat.sch.people'), []);
  const inh = await list('TABLE', 'cat.sch.people', '?include_inherited=true');
  assert.deepEqual(inh, [p]);
  assert.deepEqual(await list('CATALOG', 'cat', '?include_inherited=true'), []);
  // paging
  await ok(await create({ ...MASK, name: 'second', to_principals: ['analysts'] }));
  const page1 = await ok(await srv.req('GET', policyPath('SCHEMA', 'cat.sch') + '?max_results=1'));
  assert.equal(page1.policies.length, 1);
  const page2 = await ok(await srv.req('GET', policyPath('SCHEMA', 'cat.sch') + '?max_results=1&page_token=' + encodeURIComponent(page1.next_page_token)));
  assert.deepEqual([page1.policies[0].name, page2.policies[0].name].sort(), ['mask_ssn', 'second']);
  assert.equal(page2.next_page_token, undefined);
  // PATCH: the given fields change, a name renames; without a body nothing changes
  const renamed = await ok(await srv.req('PATCH', policyPath('SCHEMA', 'cat.sch', 'second') + '?update_mask=name,comment', { body: { name: 'third', comment: 'c' } }));
  assert.equal(renamed.name, 'third');
  assert.equal(renamed.comment, 'c');
  assert.equal(renamed.created_at, (await list('SCHEMA', 'cat.sch')).find((x) => x.name === 'third').created_at);
  assertError(await srv.req('GET', policyPath('SCHEMA', 'cat.sch', 'second')), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('PATCH', policyPath('SCHEMA', 'cat.sch', 'third'), { body: { name: 'mask_ssn' } }), 400, 'RESOURCE_ALREADY_EXISTS');
  const same = await fetch(srv.base + policyPath('SCHEMA', 'cat.sch', 'third'), { method: 'PATCH', headers: { authorization: `Bearer ${srv.token}` } });
  assert.equal(same.status, 200);
  assert.deepEqual(await same.json(), renamed);
  assert.deepEqual(await ok(await srv.req('DELETE', policyPath('SCHEMA', 'cat.sch', 'third'))), {});
  assertError(await srv.req('DELETE', policyPath('SCHEMA', 'cat.sch', 'third')), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await create({ ...MASK, to_principals: ['analysts'] }), 400, 'RESOURCE_ALREADY_EXISTS');
  const audit = await ok(await srv.req('GET', '/api/2.0/weir/audit?max_results=1000'));
  const actions = audit.events.map((e) => e.action_name);
  for (const a of ['createPolicy', 'updatePolicy', 'deletePolicy']) assert.ok(actions.includes(a), a);
  // a policy goes with the securable it is on
  await table('gone', [['ssn', 'STRING']]);
  await ok(await create({ ...MASK, name: 'on_gone', on_securable_type: 'TABLE', on_securable_fullname: 'cat.sch.gone', to_principals: ['analysts'] }));
  await ok(await srv.req('DELETE', `${UC}/tables/cat.sch.gone`));
  await table('gone', [['ssn', 'STRING']]);
  assert.deepEqual(await list('TABLE', 'cat.sch.gone'), []);
  await ok(await srv.req('DELETE', `${UC}/tables/cat.sch.gone`));
  await ok(await srv.req('DELETE', policyPath('SCHEMA', 'cat.sch', 'mask_ssn')));
});

test('bad input is 400 naming the field and writes nothing; a hidden securable or function is 404; without MANAGE or EXECUTE 403', async () => {
  const base = { ...MASK, name: 'bad', to_principals: ['analysts'] };
  const cases = [
    [{ ...base, name: undefined }, 'name'],
    [{ ...base, name: 'a.b' }, 'name'],
    [{ ...base, to_principals: undefined }, 'to_principals'],
    [{ ...base, to_principals: [] }, 'to_principals'],
    [{ ...base, to_principals: ['analysts', 'no-such-group'] }, 'to_principals[1]'],
    [{ ...base, except_principals: ['nope'] }, 'except_principals[0]'],
    [{ ...base, for_securable_type: 'SCHEMA' }, 'for_securable_type'],
    [{ ...base, policy_type: 'POLICY_TYPE_GRANT' }, 'policy_type'],
    [{ ...base, on_securable_type: 'VOLUME' }, 'on_securable_type'],
    [{ ...base, on_securable_fullname: undefined }, 'on_securable_fullname'],
    [{ ...base, when_condition: "hasTag('x') AND" }, 'when_condition'],
    [{ ...base, when_condition: "hasTagValue('x')" }, 'when_condition'],
    [{ ...base, when_condition: 'drop table x' }, 'when_condition'],
    [{ ...base, match_columns: [{ condition: "hasTag('pii'", alias: 'ssn' }] }, 'match_columns[0].condition'],
    [{ ...base, match_columns: [{ condition: "hasTag('pii')", alias: 'a b' }] }, 'match_columns[0].alias'],
    [{ ...base, match_columns: [{ condition: "hasTag('pii')", alias: 'ssn' }, { condition: "hasTag('x')", alias: 'ssn' }] }, 'match_columns[1].alias'],
    [{ ...base, column_mask: { ...MASK.column_mask, on_column: 'other' } }, 'column_mask.on_column'],
    [{ ...base, column_mask: undefined }, 'column_mask'],
    [{ ...base, row_filter: { function_name: 'cat.sch.region_is' } }, 'row_filter'],
    [{ ...base, column_mask: { ...MASK.column_mask, using: [{ alias: 'nope' }] } }, 'column_mask.using[0]'],
    [{ ...base, column_mask: { ...MASK.column_mask, using: [{ alias: 'ssn', constant: '1' }] } }, 'column_mask.using[0]'],
    [{ ...base, column_mask: { ...MASK.column_mask, using: [{ constant: '1' }] } }, 'column_mask.function_name'], // redact takes one
    [{ ...base, column_mask: { function_name: 'cat.sch.two', on_column: 'ssn' } }, 'column_mask.function_name'],
  ];
  for (const [body, field] of cases) {
    const r = await create(body);
    assertError(r, 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(r.json.details[0].metadata.field, field, JSON.stringify(body) + ' ' + r.text);
  }
  assertError(await create({ ...base, on_securable_fullname: 'cat.nope' }), 404, 'SCHEMA_NOT_FOUND');
  assertError(await create({ ...base, column_mask: { ...MASK.column_mask, function_name: 'cat.sch.nope' } }), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', policyPath('SCHEMA', 'cat.sch', 'nope')), 404, 'RESOURCE_DOES_NOT_EXIST');
  assertError(await srv.req('GET', policyPath('VOLUME', 'cat.sch.v')), 400, 'INVALID_PARAMETER_VALUE');
  assert.deepEqual(await list('SCHEMA', 'cat.sch'), []);
  // a reader of the table: reads its policies (READ METADATA), may not create one (no MANAGE)
  assertError(await create({ ...base, on_securable_type: 'TABLE', on_securable_fullname: 'cat.sch.people' }, who.reader.token), 403, 'PERMISSION_DENIED');
  assert.deepEqual(await list('TABLE', 'cat.sch.people', '', who.reader.token), []);
  // nobody sees neither the table nor its policies: the same 404 as the table's own GET
  const hidden = await srv.req('GET', `${UC}/tables/cat.sch.people`, { token: who.nobody.token });
  assertError(hidden, 404, 'CATALOG_NOT_FOUND');
  const hiddenPolicies = await srv.req('GET', policyPath('TABLE', 'cat.sch.people'), { token: who.nobody.token });
  assertError(hiddenPolicies, 404, 'CATALOG_NOT_FOUND');
  assert.equal(hiddenPolicies.json.message, hidden.json.message);
  // MANAGE on the table, but nothing on the function (which it therefore cannot see): 404 as
  // if missing; with EXECUTE it is created
  await grant('table', 'cat.sch.people', who.reader.app, ['MANAGE']);
  const onTable = { ...base, on_securable_type: 'TABLE', on_securable_fullname: 'cat.sch.people' };
  assertError(await create(onTable, who.reader.token), 404, 'NOT_FOUND');
  await grant('function', 'cat.sch.redact', who.reader.app, ['EXECUTE']);
  const p = await ok(await create(onTable, who.reader.token));
  assert.equal(p.created_by, who.reader.app);
  assertError(await srv.req('DELETE', policyPath('TABLE', 'cat.sch.people', 'bad'), { token: who.other.token }), 403, 'PERMISSION_DENIED');
  await ok(await srv.req('DELETE', policyPath('TABLE', 'cat.sch.people', 'bad'), { token: who.reader.token }));
  await ok(await srv.req('PATCH', `${UC}/permissions/table/cat.sch.people`, { body: { changes: [{ principal: who.reader.app, remove: ['MANAGE'] }] } }));
});

test('the warehouse applies them: to the principals and groups named, not to those excepted, where the tags match; at most one filter and one mask per column', { skip: PG ? 'the SQL warehouse runs on SQLite' : false }, async () => {
  const sql = async (statement, token) => ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: WH, catalog: 'cat', schema: 'sch', wait_timeout: '50s' } }));
  const rows = async (statement, token) => {
    const r = await sql(statement, token);
    assert.equal(r.status.state, 'SUCCEEDED', statement + ': ' + JSON.stringify(r.status));
    return r.result.data_array ?? [];
  };
  await rows("INSERT INTO people VALUES (1, 'ann', '111', 'EU'), (2, 'bob', '222', 'US'), (3, 'cy', '333', 'EU')");
  const q = 'SELECT id, ssn, region FROM people ORDER BY id';
  const raw = [['1', '111', 'EU'], ['2', '222', 'US'], ['3', '333', 'EU']];
  // no policy at all: read as is (and remembered so, until a policy is written)
  assert.deepEqual(await rows(q, who.reader.token), raw);
  await ok(await create({ ...MASK, to_principals: ['analysts'], except_principals: ['auditors'] }));
  // reader is in analysts: masked; other is also in auditors: excepted; the admin is not named
  assert.deepEqual(await rows(q, who.reader.token), [['1', '***', 'EU'], ['2', '***', 'US'], ['3', '***', 'EU']]);
  assert.deepEqual(await rows(q, who.other.token), raw);
  assert.deepEqual(await rows(q), raw);
  // through a view its owner (the admin, not named) reads for them, the reader is still the one
  // the policy is for: no way around it
  await rows('CREATE VIEW people_v AS SELECT id, ssn FROM people');
  await grant('table', 'cat.sch.people_v', who.reader.app, ['SELECT']);
  assert.deepEqual(await rows('SELECT id, ssn FROM people_v ORDER BY id', who.reader.token), [['1', '***'], ['2', '***'], ['3', '***']]);
  assert.deepEqual(await rows('SELECT ssn FROM people_v WHERE id = 1'), [['111']]);
  // the condition is on the schema's tag: without it, the policy does not apply
  await untag('schemas', 'cat.sch', 'sensitivity');
  assert.deepEqual(await rows(q, who.reader.token), raw);
  await tag('catalogs', 'cat', 'sensitivity', 'high'); // inherited from the catalog as well
  assert.deepEqual((await rows(q, who.reader.token))[0], ['1', '***', 'EU']);
  // a row filter with a column and a constant, on the table, for one principal
  await ok(await create({
    name: 'eu_only', on_securable_type: 'TABLE', on_securable_fullname: 'cat.sch.people', for_securable_type: 'TABLE',
    policy_type: 'POLICY_TYPE_ROW_FILTER', to_principals: [who.reader.app],
    match_columns: [{ condition: "hasTag('geo')", alias: 'geo' }],
    row_filter: { function_name: 'cat.sch.region_is', using: [{ alias: 'geo' }, { constant: 'EU' }] },
  }));
  assert.deepEqual(await rows(q, who.reader.token), [['1', '***', 'EU'], ['3', '***', 'EU']]);
  assert.deepEqual(await rows('SELECT count(*) FROM people', who.other.token), [['3']]);
  // a policy whose match columns match nothing here does not apply
  await ok(await create({ ...MASK, name: 'no_match', to_principals: ['analysts'], match_columns: [{ condition: "hasTag('absent')", alias: 'ssn' }] }));
  assert.deepEqual(await rows(q, who.reader.token), [['1', '***', 'EU'], ['3', '***', 'EU']]);
  // two masks on one column for one reader: the read fails, naming both
  await ok(await create({ ...MASK, name: 'again', on_securable_type: 'CATALOG', on_securable_fullname: 'cat', to_principals: [who.reader.app], when_condition: undefined }));
  const two = await sql(q, who.reader.token);
  assert.equal(two.status.state, 'FAILED');
  assert.equal(two.status.error.error_code, 'PERMISSION_DENIED');
  assert.match(two.status.error.message, /column 'ssn'.*policy 'again'.*policy 'mask_ssn'|column 'ssn'.*policy 'mask_ssn'.*policy 'again'/);
  await ok(await srv.req('DELETE', policyPath('CATALOG', 'cat', 'again')));
  // a changed policy is read at the next statement; a deleted one no longer applies
  await ok(await srv.req('PATCH', policyPath('TABLE', 'cat.sch.people', 'eu_only'), { body: { row_filter: { function_name: 'cat.sch.region_is', using: [{ alias: 'geo' }, { constant: 'US' }] } } }));
  assert.deepEqual(await rows(q, who.reader.token), [['2', '***', 'US']]);
  // a constant is a literal, never SQL: a quote in it reads as a quote
  await ok(await srv.req('PATCH', policyPath('TABLE', 'cat.sch.people', 'eu_only'), { body: { row_filter: { function_name: 'cat.sch.region_is', using: [{ alias: 'geo' }, { constant: "x' OR 1=1 OR '" }] } } }));
  assert.deepEqual(await rows(q, who.reader.token), []);
  await ok(await srv.req('DELETE', policyPath('TABLE', 'cat.sch.people', 'eu_only')));
  await ok(await srv.req('DELETE', policyPath('SCHEMA', 'cat.sch', 'mask_ssn')));
  await ok(await srv.req('DELETE', policyPath('SCHEMA', 'cat.sch', 'no_match')));
  assert.deepEqual(await rows(q, who.reader.token), raw);
});

test('SQL: CREATE [OR REPLACE] POLICY, SHOW POLICIES and DROP POLICY [IF EXISTS] write and read the same policies, through the same rules', { skip: PG ? 'the SQL warehouse runs on SQLite' : false }, async () => {
  const sql = async (statement, token) => ok(await srv.req('POST', ST, { token, body: { statement, warehouse_id: WH, catalog: 'cat', schema: 'sch', wait_timeout: '50s' } }));
  const good = async (statement, token) => {
    const r = await sql(statement, token);
    assert.equal(r.status.state, 'SUCCEEDED', statement + ': ' + JSON.stringify(r.status));
    return r.result?.data_array ?? [];
  };
  const failed = async (statement, code, token) => {
    const r = await sql(statement, token);
    assert.equal(r.status.state, 'FAILED', statement);
    assert.equal(r.status.error.error_code, code, statement + ': ' + r.status.error.message);
    return r.status.error.message;
  };
  await good(`CREATE POLICY hide_ssn ON SCHEMA sch COMMENT 'by SQL'
    COLUMN MASK redact TO analysts, \`${who.reader.app}\` EXCEPT auditors FOR TABLES
    WHEN hasTagValue('sensitivity', 'high') OR has_tag('always')
    MATCH COLUMNS hasTagValue('pii', 'ssn') AS s, hasTag('geo') g ON COLUMN s`);
  const p = await ok(await srv.req('GET', policyPath('SCHEMA', 'cat.sch', 'hide_ssn')));
  assert.deepEqual(
    { c: p.comment, t: p.policy_type, to: p.to_principals, ex: p.except_principals, w: p.when_condition, m: p.match_columns, cm: p.column_mask },
    { c: 'by SQL', t: 'POLICY_TYPE_COLUMN_MASK', to: ['analysts', who.reader.app], ex: ['auditors'],
      w: "hasTagValue('sensitivity', 'high') OR has_tag('always')",
      m: [{ condition: "hasTagValue('pii', 'ssn')", alias: 's' }, { condition: "hasTag('geo')", alias: 'g' }],
      cm: { function_name: 'cat.sch.redact', on_column: 's' } });
  assert.deepEqual(await good('SHOW POLICIES ON TABLE people'), [['hide_ssn', 'COLUMN MASK', 'SCHEMA', 'cat.sch', 'cat.sch.redact', 'by SQL']]);
  const desc = Object.fromEntries(await good('DESCRIBE POLICY hide_ssn ON SCHEMA sch'));
  assert.deepEqual(
    [desc.Name, desc.Type, desc.Function, desc.On, desc['On Type'], desc.For, desc.When, desc['On Column'], desc.Comment],
    ['hide_ssn', 'COLUMN MASK', 'cat.sch.redact', 'cat.sch', 'SCHEMA', 'TABLE', "hasTagValue('sensitivity', 'high') OR has_tag('always')", 's', 'by SQL']);
  assert.deepEqual(JSON.parse(desc.To), ['analysts', who.reader.app]);
  assert.deepEqual(JSON.parse(desc.Except), ['auditors']);
  assert.equal(JSON.parse(desc['Match Columns']).length, 2);
  assert.equal(desc['Using Columns'], undefined);
  await failed('DESCRIBE POLICY nope ON SCHEMA sch', 'POLICY_NOT_FOUND');
  await failed('DESCRIBE POLICY hide_ssn ON SCHEMA sch', 'CATALOG_NOT_FOUND', who.nobody.token); // hidden: as missing
  assert.equal((await failed("CREATE POLICY hide_ssn ON SCHEMA sch COLUMN MASK redact TO analysts FOR TABLES MATCH COLUMNS hasTag('pii') AS s ON COLUMN s", 'POLICY_ALREADY_EXISTS')).length > 0, true);
  // OR REPLACE: a row filter now, with a column and a literal; the rest of the old definition goes
  await good(`CREATE OR REPLACE POLICY hide_ssn ON SCHEMA sch ROW FILTER region_is TO \`${who.reader.app}\` FOR TABLES
    MATCH COLUMNS hasTag('geo') AS g USING COLUMNS (g, 'US')`);
  const q = 'SELECT id, ssn, region FROM people ORDER BY id';
  assert.deepEqual(await good(q, who.reader.token), [['2', '222', 'US']]);
  const r2 = await ok(await srv.req('GET', policyPath('SCHEMA', 'cat.sch', 'hide_ssn')));
  assert.equal(r2.comment, undefined);
  assert.equal(r2.except_principals, undefined);
  assert.deepEqual(r2.row_filter, { function_name: 'cat.sch.region_is', using: [{ alias: 'g' }, { constant: 'US' }] });
  // bad statements and refusals change nothing
  for (const [s, code] of [
    ['CREATE POLICY p ON VOLUME cat.sch.v ROW FILTER region_is TO analysts FOR TABLES', 'INVALID_PARAMETER_VALUE'],
    ['CREATE POLICY p ON SCHEMA sch ROW FILTER region_is FOR TABLES', 'INVALID_PARAMETER_VALUE'],
    ['CREATE POLICY p ON SCHEMA sch ROW FILTER region_is TO analysts', 'INVALID_PARAMETER_VALUE'],
    ["CREATE POLICY p ON SCHEMA sch ROW FILTER region_is TO nobody_such FOR TABLES MATCH COLUMNS hasTag('geo') AS g USING COLUMNS (g, 'US')", 'INVALID_PARAMETER_VALUE'],
    ["CREATE POLICY p ON SCHEMA sch ROW FILTER region_is TO analysts FOR TABLES WHEN hasTag('x' MATCH COLUMNS hasTag('geo') AS g USING COLUMNS (g, 'US')", 'INVALID_PARAMETER_VALUE'],
    ["CREATE POLICY p ON SCHEMA sch ROW FILTER region_is TO analysts FOR TABLES MATCH COLUMNS hasTag('geo') USING COLUMNS (g, 'US')", 'INVALID_PARAMETER_VALUE'],
    ["CREATE POLICY p ON TABLE nope ROW FILTER region_is TO analysts FOR TABLES MATCH COLUMNS hasTag('geo') AS g USING COLUMNS (g, 'US')", 'TABLE_OR_VIEW_NOT_FOUND'],
    ["CREATE POLICY p ON SCHEMA sch ROW FILTER no_such_fn TO analysts FOR TABLES MATCH COLUMNS hasTag('geo') AS g USING COLUMNS (g, 'US')", 'NOT_FOUND'],
    ['DROP POLICY nope ON SCHEMA sch', 'POLICY_NOT_FOUND'],
    ['SHOW POLICIES ON VOLUME x', 'INVALID_PARAMETER_VALUE'],
  ]) await failed(s, code);
  assert.equal(await failed('DROP POLICY hide_ssn ON SCHEMA sch', 'PERMISSION_DENIED', who.reader.token) !== '', true);
  assert.deepEqual((await list('SCHEMA', 'cat.sch')).map((x) => x.name), ['hide_ssn']);
  await good('DROP POLICY hide_ssn ON SCHEMA sch');
  await good('DROP POLICY IF EXISTS hide_ssn ON SCHEMA sch');
  assert.deepEqual(await good('SHOW POLICIES ON SCHEMA sch'), []);
  assert.deepEqual(await good('SELECT count(*) FROM people', who.reader.token), [['3']]);
  const audit = await ok(await srv.req('GET', '/api/2.0/weir/audit?max_results=1000&action_name=createPolicy'));
  assert.ok(audit.events.some((e) => e.request_params && e.request_params.statement_id), 'the warehouse audits createPolicy with its statement');
});
