// Every enum-valued field Weir emits in the Unity Catalog, jobs and IAM answers below is one
// the Databricks SDK knows: the answers are walked against the SDK's own type declarations
// (JS SDK 0.17.0's generated dist/apis/<service>/model.d.ts, read at test time), and each
// field whose declared type is a string-literal union (`export type X = "A" | "B"`) must hold
// one of its values. An unknown value silently becomes null in the typed SDKs (issue 14).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer } = require('./lib');

const SDK = path.join(__dirname, '..', 'node_modules', '@databricks', 'sdk-experimental', 'dist', 'apis');
const UC = '/api/2.1/unity-catalog';

// {enums: {Name: Set}, interfaces: {Name: {field: type}}} of one service's model.d.ts.
function loadModel(service) {
  const text = fs.readFileSync(path.join(SDK, service, 'model.d.ts'), 'utf8');
  const enums = {};
  // a union may be spread over lines with a doc comment before each value
  for (const chunk of text.split(/\nexport /)) {
    const m = /^type (\w+) =\s*((?:\|?\s*"[^"]*"\s*)+);/.exec(chunk.replace(/\/\*[\s\S]*?\*\//g, ''));
    if (m) enums[m[1]] = new Set([...m[2].matchAll(/"([^"]*)"/g)].map((x) => x[1]));
  }
  const interfaces = {};
  for (const m of text.matchAll(/^export interface (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const fields = {};
    for (const f of m[2].matchAll(/^ {4}(\w+)\??: ([^;]+);/gm)) fields[f[1]] = f[2].trim();
    interfaces[m[1]] = fields;
  }
  return { enums, interfaces };
}
const models = {};
for (const s of ['catalog', 'jobs', 'iam']) models[s] = loadModel(s);

// Walks value as the SDK type `type` of `service`; returns the enum fields checked.
function check(service, type, value, where, seen = []) {
  const { enums, interfaces } = models[service];
  if (value === undefined || value === null) return seen;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    assert.ok(Array.isArray(value), `${where}: expected an array`);
    value.forEach((v, i) => check(service, m[1], v, `${where}[${i}]`, seen));
  } else if ((m = /^Record<string, (.+)>$/.exec(type))) {
    for (const [k, v] of Object.entries(value)) check(service, m[1], v, `${where}.${k}`, seen);
  } else if (enums[type]) {
    assert.ok(enums[type].has(value), `${where} = ${JSON.stringify(value)} is not one of the SDK's ${type}: ${[...enums[type]].join(', ')}`);
    seen.push(where);
  } else if (interfaces[type] && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (interfaces[type][k]) check(service, interfaces[type][k], v, `${where}.${k}`, seen);
    }
  }
  return seen;
}

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });
function ok(res) {
  assert.equal(res.status, 200, res.text);
  return res.json;
}
const post = (p, body) => srv.req('POST', UC + p, { body });
const get = (p) => srv.req('GET', UC + p);

test('the SDK models are found and hold the enums this test relies on', () => {
  assert.ok(models.catalog.enums.SecurableType.has('CATALOG'));
  assert.ok(models.catalog.interfaces.EffectivePrivilege.inherited_from_type === 'SecurableType');
  assert.ok(models.jobs.enums.RunLifeCycleState.has('TERMINATED'));
});

test('Unity Catalog answers: every enum value is one the SDK knows', async () => {
  ok(await post('/catalogs', { name: 'en' }));
  ok(await post('/schemas', { catalog_name: 'en', name: 's' }));
  ok(await post('/tables', {
    catalog_name: 'en', schema_name: 's', name: 't', table_type: 'EXTERNAL', data_source_format: 'DELTA',
    storage_location: 's3://b/en/t',
    columns: [{ name: 'id', type_text: 'bigint', type_name: 'LONG', position: 0 }, { name: 'd', type_text: 'decimal(10,2)', type_name: 'DECIMAL', position: 1 }],
  }));
  ok(await post('/tables', { catalog_name: 'en', schema_name: 's', name: 'v', table_type: 'VIEW', view_definition: 'select 1', columns: [] }));
  ok(await post('/volumes', { catalog_name: 'en', schema_name: 's', name: 'vol', volume_type: 'MANAGED' }));
  ok(await post('/functions', { function_info: {
    name: 'f', catalog_name: 'en', schema_name: 's', data_type: 'INT', full_data_type: 'int', routine_body: 'SQL',
    routine_definition: 'x + 1', parameter_style: 'S', is_deterministic: true, sql_data_access: 'NO_SQL',
    is_null_call: false, security_type: 'DEFINER', specific_name: 'f',
    input_params: { parameters: [{ name: 'x', type_text: 'int', type_name: 'INT', position: 0 }] },
  } }));
  ok(await srv.req('PATCH', UC + '/permissions/catalog/en', { body: { changes: [{ principal: 'admins', add: ['USE_CATALOG', 'BROWSE'] }] } }));
  ok(await srv.req('PATCH', UC + '/permissions/schema/en.s', { body: { changes: [{ principal: 'admins', add: ['USE_SCHEMA', 'SELECT'] }] } }));
  ok(await srv.req('PATCH', UC + '/catalogs/en', { body: { isolation_mode: 'ISOLATED' } }));

  const seen = [];
  const c = (type, value, where) => seen.push(...check('catalog', type, value, where));
  c('CatalogInfo', ok(await get('/catalogs/en')), 'catalog');
  c('SchemaInfo', ok(await get('/schemas/en.s')), 'schema');
  c('TableInfo', ok(await get('/tables/en.s.t')), 'table');
  c('TableInfo', ok(await get('/tables/en.s.v')), 'view');
  c('VolumeInfo', ok(await get('/volumes/en.s.vol')), 'volume');
  c('FunctionInfo', ok(await get('/functions/en.s.f')), 'function');
  c('ListTableSummariesResponse', ok(await get('/table-summaries?catalog_name=en')), 'summaries');
  c('GetPermissionsResponse', ok(await get('/permissions/schema/en.s')), 'permissions');
  c('EffectivePermissionsList', ok(await get('/effective-permissions/table/en.s.t')), 'effective');
  c('EffectivePermissionsList', { privilege_assignments: ok(await get('/effective-privilege-assignments/table/en.s.t')).effective_privilege_assignments }, 'effective-paged');
  c('GetWorkspaceBindingsResponse', ok(await get('/bindings/catalog/en')), 'bindings');
  for (const f of ['catalog.isolation_mode', 'table.table_type', 'table.data_source_format', 'table.columns[0].type_name',
    'volume.volume_type', 'function.routine_body', 'function.security_type', 'function.sql_data_access', 'function.data_type',
    'summaries.tables[0].table_type', 'effective.privilege_assignments[0].privileges[0].inherited_from_type', 'bindings.bindings[0].binding_type'])
    assert.ok(seen.some((w) => w.startsWith(f.replace(/\[0\]/g, '[').split('[')[0])), `${f} was checked (checked: ${seen.join(' ')})`);
  assert.ok(seen.some((w) => /^effective\.privilege_assignments\[\d+\]\.privileges\[\d+\]\.inherited_from_type$/.test(w)), 'inherited_from_type was checked');
  assert.ok(seen.some((w) => /^effective-paged\..*inherited_from_type$/.test(w)), 'the paged form too');
});

test('jobs and IAM answers: every enum value is one the SDK knows', async () => {
  const job = ok(await srv.req('POST', '/api/2.1/jobs/create', { body: {
    name: 'enum-job', max_concurrent_runs: 1,
    tasks: [{ task_key: 'a', run_if: 'ALL_SUCCESS', notebook_task: { notebook_path: '/x', source: 'WORKSPACE' } }],
    schedule: { quartz_cron_expression: '0 0 5 * * ?', timezone_id: 'UTC', pause_status: 'PAUSED' },
  } }));
  const seen = [];
  seen.push(...check('jobs', 'Job', ok(await srv.req('GET', `/api/2.1/jobs/get?job_id=${job.job_id}`)), 'job'));
  seen.push(...check('jobs', 'ListJobsResponse', ok(await srv.req('GET', '/api/2.1/jobs/list?expand_tasks=true')), 'jobs'));
  const run = await srv.req('POST', '/api/2.1/jobs/run-now', { body: { job_id: job.job_id } });
  if (run.status === 200) {
    seen.push(...check('jobs', 'Run', ok(await srv.req('GET', `/api/2.1/jobs/runs/get?run_id=${run.json.run_id}`)), 'run'));
    assert.ok(seen.some((w) => /^run\.(state\.life_cycle_state|status\.state)$/.test(w)), seen.join(' '));
  }
  assert.ok(seen.includes('job.settings.schedule.pause_status'), seen.join(' '));
  // IAM: the SCIM user and group answers (the SDK's iam models)
  const u = await srv.req('POST', '/api/2.0/preview/scim/v2/Users', { body: { userName: 'enum@example.com' } });
  assert.equal(u.status, 201, u.text);
  check('iam', 'User', (await srv.req('GET', `/api/2.0/preview/scim/v2/Users/${u.json.id}`)).json, 'user');
  check('iam', 'ListUsersResponse', (await srv.req('GET', '/api/2.0/preview/scim/v2/Users')).json, 'users');
  check('iam', 'ListGroupsResponse', (await srv.req('GET', '/api/2.0/preview/scim/v2/Groups')).json, 'groups');
  check('iam', 'User', (await srv.req('GET', '/api/2.0/preview/scim/v2/Me')).json, 'me');
});
