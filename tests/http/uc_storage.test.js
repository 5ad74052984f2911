// Storage credentials and external locations (Databricks' storage-credentials and
// external-locations APIs, and the newer credentials API that Unity Catalog OSS speaks): what
// Terraform-style provisioning creates before any external table. Checked here: the objects'
// shapes on every path, field errors that name the field and change nothing, secrets never
// kept or answered, who may create, see, change and delete them (and that what a caller may
// not see answers as missing), the privileges they carry, what blocks a delete, and what a
// location governs: EXTERNAL tables and volumes under it, and temporary path credentials
// (never to a table's or volume's files, which their own privileges govern).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer, assertError, ok, servicePrincipal } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const SC = UC + '/storage-credentials';
const CR = UC + '/credentials';
const EL = UC + '/external-locations';
const TP = UC + '/temporary-path-credentials';
const AUDIT = '/api/2.0/weir/audit';
let srv;

const principal = (name) => servicePrincipal(srv, name);
const grant = async (type, name, who, privs) =>
  ok(await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: who, add: privs }] } }));
const field = (res, name, code = 'INVALID_PARAMETER_VALUE') => {
  assertError(res, 400, code);
  assert.equal(res.json.details[0].metadata.field, name, res.text);
};
const names = async (path, key, as = {}) => ok(await srv.req('GET', path, as))[key].map((x) => x.name);

before(async () => {
  srv = await startServer();
  ok(await srv.req('POST', UC + '/catalogs', { body: { name: 'lake' } }));
  ok(await srv.req('POST', UC + '/schemas', { body: { name: 's', catalog_name: 'lake' } }));
});
after(() => srv.stop());

test('a credential on both APIs: its Info, one identity, no secret kept or answered, in lists, renamed, deleted', async () => {
  const aws = ok(await srv.req('POST', SC, { body: { name: 'aws_cred', comment: 'role', aws_iam_role: { role_arn: 'arn:aws:iam::1:role/r' }, skip_validation: true } }));
  assert.equal(aws.name, 'aws_cred');
  assert.equal(aws.full_name, 'aws_cred');
  assert.equal(aws.comment, 'role');
  assert.equal(aws.owner, 'admin');
  assert.equal(aws.purpose, 'STORAGE');
  assert.equal(aws.read_only, false);
  assert.equal(aws.isolation_mode, 'ISOLATION_MODE_OPEN');
  assert.equal(aws.aws_iam_role.role_arn, 'arn:aws:iam::1:role/r');
  assert.match(aws.aws_iam_role.external_id, /^[0-9a-f-]{36}$/);
  assert.ok(aws.id && aws.metastore_id && aws.created_at > 0 && aws.created_by === 'admin');
  const secret = 'do-not-keep-' + Date.now();
  const az = ok(await srv.req('POST', CR, {
    body: { name: 'az_cred', purpose: 'STORAGE', read_only: true, azure_service_principal: { directory_id: 'd', application_id: 'a', client_secret: secret } },
  }));
  assert.deepEqual(az.azure_service_principal, { application_id: 'a', directory_id: 'd' });
  assert.equal(az.read_only, true);
  const mi = ok(await srv.req('POST', CR, { body: { name: 'mi_cred', azure_managed_identity: { access_connector_id: 'ac' } } }));
  assert.deepEqual(mi.azure_managed_identity, { access_connector_id: 'ac', credential_id: mi.id });
  // the same object through either API, the credentials API under its own list key
  assert.deepEqual(ok(await srv.req('GET', `${CR}/aws_cred`)), ok(await srv.req('GET', `${SC}/aws_cred`)));
  assert.deepEqual(await names(SC, 'storage_credentials'), ['aws_cred', 'az_cred', 'mi_cred']);
  assert.deepEqual(await names(`${CR}?purpose=STORAGE`, 'credentials'), ['aws_cred', 'az_cred', 'mi_cred']);
  assert.deepEqual(ok(await srv.req('GET', `${CR}?purpose=SERVICE`)), { credentials: [] });
  field(await srv.req('GET', `${CR}?purpose=OTHER`), 'purpose');
  const page = ok(await srv.req('GET', `${SC}?max_results=2`));
  assert.equal(page.storage_credentials.length, 2);
  const rest = ok(await srv.req('GET', `${SC}?max_results=2&page_token=${encodeURIComponent(page.next_page_token)}`));
  assert.deepEqual(rest.storage_credentials.map((c) => c.name), ['mi_cred']);
  assert.equal(rest.next_page_token, undefined);
  // the secret is nowhere: not in an answer, not in the audit log
  for (const path of [SC, `${CR}/az_cred`]) assert.ok(!(await srv.req('GET', path)).text.includes(secret));
  const audit = await srv.req('GET', `${AUDIT}?action_name=createCredential`);
  assert.ok(ok(audit).events.length >= 1);
  assert.ok(!audit.text.includes(secret), 'the audit log keeps no secret');
  // a new identity replaces the old one; an AWS role keeps its external id
  const upd = ok(await srv.req('PATCH', `${SC}/aws_cred`, { body: { aws_iam_role: { role_arn: 'arn:aws:iam::1:role/r2' }, read_only: true, comment: 'c2' } }));
  assert.equal(upd.aws_iam_role.role_arn, 'arn:aws:iam::1:role/r2');
  assert.equal(upd.aws_iam_role.external_id, aws.aws_iam_role.external_id);
  assert.equal(upd.read_only, true);
  assert.equal(upd.comment, 'c2');
  const moved = ok(await srv.req('PATCH', `${CR}/mi_cred`, { body: { aws_iam_role: { role_arn: 'arn:x' }, new_name: 'mi2' } }));
  assert.equal(moved.azure_managed_identity, undefined);
  assert.equal(moved.name, 'mi2');
  // the SDK's PATCH without a body answers the object unchanged
  const same = await fetch(srv.base + `${CR}/mi2`, { method: 'PATCH', headers: { Authorization: `Bearer ${srv.token}` } });
  assert.equal(same.status, 200);
  assert.equal((await same.json()).aws_iam_role.role_arn, 'arn:x');
  ok(await srv.req('DELETE', `${CR}/mi2`));
  assertError(await srv.req('GET', `${SC}/mi2`), 404, 'NOT_FOUND');
});

test('bad credential input names its field and creates nothing', async () => {
  const before = await names(SC, 'storage_credentials');
  const bad = [
    [{ name: 'x' }, 'aws_iam_role'],
    [{ name: 'x', aws_iam_role: {} }, 'aws_iam_role.role_arn'],
    [{ name: 'x', aws_iam_role: { role_arn: 7 } }, 'aws_iam_role.role_arn'],
    [{ name: 'x', aws_iam_role: 'arn' }, 'aws_iam_role'],
    [{ name: 'x', aws_iam_role: { role_arn: 'r' }, databricks_gcp_service_account: {} }, 'databricks_gcp_service_account'],
    [{ name: 'x', cloudflare_api_token: { account_id: 'a', access_key_id: 'k' } }, 'cloudflare_api_token.secret_access_key'],
    [{ name: 'x', purpose: 'SERVICE', aws_iam_role: { role_arn: 'r' } }, 'purpose'],
    [{ name: 'a.b', aws_iam_role: { role_arn: 'r' } }, 'name'],
    [{ aws_iam_role: { role_arn: 'r' } }, 'name'],
    [{ name: 'x', aws_iam_role: { role_arn: 'r' }, isolation_mode: 'ISOLATED' }, 'isolation_mode'],
  ];
  for (const [body, name] of bad) field(await srv.req('POST', CR, { body }), name);
  assertError(await srv.req('POST', SC, { body: { name: 'aws_cred', aws_iam_role: { role_arn: 'r' } } }), 400, 'STORAGE_CREDENTIAL_ALREADY_EXISTS');
  field(await srv.req('PATCH', `${SC}/aws_cred`, { body: { aws_iam_role: {} } }), 'aws_iam_role.role_arn');
  field(await srv.req('PATCH', `${SC}/aws_cred`, { body: { comment: 'no', isolation_mode: 'OPEN' } }), 'isolation_mode');
  field(await srv.req('PATCH', `${SC}/aws_cred`, { body: { comment: 'no', isolation_mode: 'ISOLATION_MODE_ISOLATED', aws_iam_role: { role_arn: '' } } }), 'aws_iam_role.role_arn');
  const kept = ok(await srv.req('GET', `${SC}/aws_cred`));
  assert.equal(kept.comment, 'c2', 'a refused PATCH changes nothing');
  assert.equal(kept.isolation_mode, 'ISOLATION_MODE_OPEN', 'nor its isolation, checked before the refusal');
  assert.deepEqual(ok(await srv.req('GET', `${UC}/bindings/storage_credential/aws_cred`)).bindings, []);
  assert.deepEqual(await names(SC, 'storage_credentials'), before);
  assertError(await srv.req('GET', `${SC}/nope`), 404, 'NOT_FOUND');
  assertError(await srv.req('DELETE', `${SC}/nope`), 404, 'NOT_FOUND');
});

test('an external location: url normalized, no overlap, a credential it may use; in lists; moved only with force', async () => {
  const l = ok(await srv.req('POST', EL, { body: { name: 'raw', url: 'file:///srv/lake//raw/', credential_name: 'aws_cred', comment: 'landing' } }));
  assert.equal(l.url, 'file:///srv/lake/raw');
  assert.equal(l.credential_name, 'aws_cred');
  assert.equal(l.credential_id, ok(await srv.req('GET', `${SC}/aws_cred`)).id);
  assert.equal(l.owner, 'admin');
  assert.equal(l.read_only, false);
  ok(await srv.req('POST', EL, { body: { name: 'cloud', url: 's3://bucket/warehouse', credential_name: 'aws_cred' } }));
  const refused = [
    [{ name: 'x', url: 'file:///srv/lake/raw', credential_name: 'aws_cred' }, 'url'],
    [{ name: 'x', url: 'file:///srv/lake/raw/in', credential_name: 'aws_cred' }, 'url'],
    [{ name: 'x', url: 'file:///srv', credential_name: 'aws_cred' }, 'url'],
    [{ name: 'x', url: 's3://bucket', credential_name: 'aws_cred' }, 'url'],
    [{ name: 'x', url: `file://${srv.data}/warehouse`, credential_name: 'aws_cred' }, 'url'],
    [{ name: 'x', url: 'file:///srv/other' }, 'credential_name'],
    [{ name: 'x', credential_name: 'aws_cred' }, 'url'],
  ];
  for (const [body, name] of refused) field(await srv.req('POST', EL, { body }), name);
  const over = await srv.req('POST', EL, { body: { name: 'x', url: 'file:///srv/lake/raw/a', credential_name: 'aws_cred' } });
  assert.match(over.json.message, /external location 'raw'/);
  assertError(await srv.req('POST', EL, { body: { name: 'x', url: 'file:///srv/x', credential_name: 'nope' } }), 404, 'NOT_FOUND');
  assertError(await srv.req('POST', EL, { body: { name: 'raw', url: 'file:///srv/x', credential_name: 'aws_cred' } }), 400, 'EXTERNAL_LOCATION_ALREADY_EXISTS');
  assert.deepEqual(await names(EL, 'external_locations'), ['cloud', 'raw']);
  assert.deepEqual(ok(await srv.req('GET', `${EL}/raw`)), l);
  // a table under the location: moving the url away from it needs force
  ok(await srv.req('POST', UC + '/tables', {
    body: { name: 'events', catalog_name: 'lake', schema_name: 's', table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: 'file:///srv/lake/raw/events' },
  }));
  assertError(await srv.req('PATCH', `${EL}/raw`, { body: { url: 'file:///srv/elsewhere' } }), 400, 'FAILED_PRECONDITION');
  assert.equal(ok(await srv.req('GET', `${EL}/raw`)).url, 'file:///srv/lake/raw');
  assert.equal(ok(await srv.req('PATCH', `${EL}/raw`, { body: { url: 'file:///srv/lake' } })).url, 'file:///srv/lake', 'widening keeps the table under it');
  field(await srv.req('PATCH', `${EL}/raw`, { body: { url: 's3://bucket/warehouse/x' } }), 'url');
  assert.equal(ok(await srv.req('PATCH', `${EL}/raw`, { body: { url: 'file:///srv/lake/raw', read_only: true, fallback: true } })).read_only, true);
  // deletes: the credential is in use, the location has data under it
  assertError(await srv.req('DELETE', `${SC}/aws_cred`), 400, 'FAILED_PRECONDITION');
  assertError(await srv.req('DELETE', `${EL}/raw`), 400, 'FAILED_PRECONDITION');
  ok(await srv.req('DELETE', `${EL}/cloud`));
  ok(await srv.req('POST', SC, { body: { name: 'spare', aws_iam_role: { role_arn: 'r' } } }));
  ok(await srv.req('POST', EL, { body: { name: 'temp', url: 'file:///srv/temp', credential_name: 'spare' } }));
  ok(await srv.req('DELETE', `${SC}/spare?force=true`));
  const orphan = ok(await srv.req('GET', `${EL}/temp`));
  assert.equal(orphan.credential_name, undefined, 'force: the location keeps no credential');
  ok(await srv.req('DELETE', `${EL}/temp`));
});

test('who may create, see and change them: metastore privileges, ownership, privileges on the object; hidden ones are missing', async () => {
  const u = await principal('provisioner');
  const other = await principal('onlooker');
  assertError(await srv.req('POST', SC, { ...u.as, body: { name: 'u_cred', aws_iam_role: { role_arn: 'r' } } }), 403, 'PERMISSION_DENIED');
  await grant('metastore', 'metastore', u.name, ['CREATE_STORAGE_CREDENTIAL', 'CREATE_EXTERNAL_LOCATION']);
  const mine = ok(await srv.req('POST', SC, { ...u.as, body: { name: 'u_cred', aws_iam_role: { role_arn: 'r' } } }));
  assert.equal(mine.owner, u.name);
  // the other user sees nothing of it, and the answers say nothing more than "missing"
  assertError(await srv.req('GET', `${SC}/u_cred`, other.as), 404, 'NOT_FOUND');
  assertError(await srv.req('PATCH', `${SC}/u_cred`, { ...other.as, body: { comment: 'x' } }), 404, 'NOT_FOUND');
  assertError(await srv.req('DELETE', `${SC}/u_cred`, other.as), 404, 'NOT_FOUND');
  assert.ok(!(await names(SC, 'storage_credentials', other.as)).includes('u_cred'));
  assertError(await srv.req('GET', `${UC}/permissions/storage_credential/u_cred`, other.as), 404, 'NOT_FOUND');
  // a location on someone else's credential needs CREATE EXTERNAL LOCATION on that credential
  assertError(await srv.req('POST', EL, { ...u.as, body: { name: 'u_loc', url: 'file:///srv/u', credential_name: 'aws_cred' } }), 404, 'NOT_FOUND');
  await grant('storage_credential', 'aws_cred', u.name, ['READ_FILES']);
  assertError(await srv.req('POST', EL, { ...u.as, body: { name: 'u_loc', url: 'file:///srv/u', credential_name: 'aws_cred' } }), 403, 'PERMISSION_DENIED');
  ok(await srv.req('POST', EL, { ...u.as, body: { name: 'u_loc', url: 'file:///srv/u', credential_name: 'u_cred' } }));
  // the UC OSS name of the type; a privilege that does not apply is refused naming it
  await grant('credential', 'u_cred', other.name, ['CREATE_EXTERNAL_LOCATION']);
  assert.ok((await names(CR, 'credentials', other.as)).includes('u_cred'), 'any privilege shows it');
  assertError(await srv.req('PATCH', `${SC}/u_cred`, { ...other.as, body: { comment: 'x' } }), 403, 'PERMISSION_DENIED');
  const wrong = await srv.req('PATCH', `${UC}/permissions/external_location/u_loc`, { body: { changes: [{ principal: other.name, add: ['SELECT'] }] } });
  field(wrong, 'changes[0].add[0]');
  await grant('external_location', 'u_loc', other.name, ['MANAGE']);
  assert.equal(ok(await srv.req('PATCH', `${EL}/u_loc`, { ...other.as, body: { comment: 'managed' } })).comment, 'managed');
  const perms = ok(await srv.req('GET', `${UC}/permissions/external_location/u_loc`));
  assert.deepEqual(perms.privilege_assignments, [{ principal: other.name, privileges: ['MANAGE'] }]);
  // the owner changes and deletes its own
  ok(await srv.req('PATCH', `${EL}/u_loc`, { ...u.as, body: { read_only: true } }));
  ok(await srv.req('DELETE', `${EL}/u_loc`, u.as));
  ok(await srv.req('DELETE', `${SC}/u_cred`, u.as));
});

test('a location governs EXTERNAL tables and volumes under it, and temporary path credentials', async () => {
  ok(await srv.req('POST', EL, { body: { name: 'gold', url: 'file:///srv/gold', credential_name: 'aws_cred' } }));
  const u = await principal('engineer');
  await grant('catalog', 'lake', u.name, ['USE_CATALOG']);
  await grant('schema', 'lake.s', u.name, ['USE_SCHEMA', 'CREATE_TABLE', 'CREATE_VOLUME']);
  const table = (name, loc) => srv.req('POST', UC + '/tables', {
    ...u.as, body: { name, catalog_name: 'lake', schema_name: 's', table_type: 'EXTERNAL', data_source_format: 'DELTA', storage_location: loc },
  });
  const volume = (name, loc) => srv.req('POST', UC + '/volumes', {
    ...u.as, body: { name, catalog_name: 'lake', schema_name: 's', volume_type: 'EXTERNAL', storage_location: loc },
  });
  const denied = await table('t1', 'file:///srv/gold/t1');
  assertError(denied, 403, 'PERMISSION_DENIED');
  assert.ok(!denied.json.message.includes("'gold'"), 'a location the caller cannot see is not named');
  assertError(await volume('v1', 'file:///srv/gold/v1'), 403, 'PERMISSION_DENIED');
  ok(await table('t0', 'file:///srv/silver/t0')); // under no location: as before
  await grant('external_location', 'gold', u.name, ['CREATE_EXTERNAL_TABLE']);
  ok(await table('t1', 'file:///srv/gold/t1'));
  assertError(await volume('v1', 'file:///srv/gold/v1'), 403, 'PERMISSION_DENIED');
  await grant('external_location', 'gold', u.name, ['CREATE_EXTERNAL_VOLUME']);
  ok(await volume('v1', 'file:///srv/gold/v1'));
  // a schema's managed storage under the location needs CREATE MANAGED STORAGE on it
  await grant('catalog', 'lake', u.name, ['CREATE_SCHEMA']);
  const rooted = () => srv.req('POST', UC + '/schemas', { ...u.as, body: { name: 'rooted', catalog_name: 'lake', storage_root: 'file:///srv/gold/managed' } });
  const noRoot = await rooted();
  assertError(noRoot, 403, 'PERMISSION_DENIED');
  assert.match(noRoot.json.message, /CREATE MANAGED STORAGE/);
  await grant('external_location', 'gold', u.name, ['CREATE_MANAGED_STORAGE']);
  assert.equal(ok(await rooted()).storage_root, 'file:///srv/gold/managed');

  const path = (url, operation) => srv.req('POST', TP, { ...u.as, body: { url, operation } });
  assertError(await path('file:///srv/gold/files', 'PATH_READ'), 403, 'PERMISSION_DENIED');
  await grant('external_location', 'gold', u.name, ['READ_FILES']);
  assert.deepEqual(ok(await path('file:///srv/gold/files/', 'PATH_READ')), { url: 'file:///srv/gold/files' });
  assertError(await path('file:///srv/gold/files', 'PATH_READ_WRITE'), 403, 'PERMISSION_DENIED');
  await grant('external_location', 'gold', u.name, ['WRITE_FILES']);
  ok(await path('file:///srv/gold/files', 'PATH_READ_WRITE'));
  ok(await path('file:///srv/gold/new', 'PATH_CREATE_TABLE'));
  assertError(await path('file:///srv/golden', 'PATH_READ'), 403, 'PERMISSION_DENIED'); // a sibling, not inside
  assertError(await path('file:///srv/silver/t0', 'PATH_READ'), 403, 'PERMISSION_DENIED');
  // a table's or volume's files are reached through its own privileges, not the location's:
  // its path, a path inside it, and a path above it are refused
  for (const url of ['file:///srv/gold/t1', 'file:///srv/gold/t1/part-0', 'file:///srv/gold', 'file:///srv/gold/v1']) {
    const res = await path(url, 'PATH_READ');
    assertError(res, 403, 'PERMISSION_DENIED');
    assert.match(res.json.message, /overlaps the storage of a (table|volume)/, url);
  }
  assertError(await path('file:///srv/gold/t1', 'PATH_CREATE_TABLE'), 403, 'PERMISSION_DENIED');
  ok(await srv.req('PATCH', `${EL}/gold`, { body: { read_only: true } }));
  ok(await path('file:///srv/gold/files', 'PATH_READ'));
  assertError(await path('file:///srv/gold/files', 'PATH_READ_WRITE'), 403, 'PERMISSION_DENIED');
  assertError(await path('file:///srv/gold/x', 'PATH_CREATE_TABLE'), 403, 'PERMISSION_DENIED');
  // an admin is not bound by locations
  ok(await srv.req('POST', TP, { body: { url: 'file:///srv/gold/t1', operation: 'PATH_READ_WRITE' } }));
  const rows = ok(await srv.req('GET', `${AUDIT}?action_name=generateTemporaryPathCredentials`)).events;
  assert.ok(rows.some((e) => e.response.status_code === 403 && e.request_params.url === 'file:///srv/golden'));
});

test('ISOLATION_MODE_ISOLATED: credentials and locations exist only in bound workspaces; a READ_ONLY binding refuses writes', async () => {
  const ws = ok(await srv.req('POST', '/api/2.0/weir/workspaces', { body: { name: 'ISO' } }));
  ok(await srv.req('PUT', '/api/2.0/weir/workspaces/ISO/assignments/admin'));
  const iso = { token: ok(await srv.req('POST', '/api/2.0/token/create', { body: { workspace: 'ISO' } })).token_value };
  ok(await srv.req('POST', SC, { body: { name: 'iso_cred', aws_iam_role: { role_arn: 'r' } } }));
  ok(await srv.req('POST', EL, { body: { name: 'iso_loc', url: 'file:///srv/iso', credential_name: 'iso_cred' } }));
  ok(await srv.req('GET', `${EL}/iso_loc`, iso)); // OPEN: every workspace
  // isolating binds the calling workspace read-write: it stays here, and is gone from ISO
  const upd = ok(await srv.req('PATCH', `${EL}/iso_loc`, { body: { isolation_mode: 'ISOLATION_MODE_ISOLATED' } }));
  assert.equal(upd.isolation_mode, 'ISOLATION_MODE_ISOLATED');
  ok(await srv.req('GET', `${EL}/iso_loc`));
  assertError(await srv.req('GET', `${EL}/iso_loc`, iso), 404, 'NOT_FOUND');
  assert.ok(!(await names(EL, 'external_locations', iso)).includes('iso_loc'));
  assert.ok((await names(EL, 'external_locations')).includes('iso_loc'));
  const cred = ok(await srv.req('POST', CR, { body: { name: 'iso_cred2', aws_iam_role: { role_arn: 'r' }, isolation_mode: 'ISOLATION_MODE_ISOLATED' } }));
  assert.equal(cred.isolation_mode, 'ISOLATION_MODE_ISOLATED');
  assertError(await srv.req('GET', `${SC}/iso_cred2`, iso), 404, 'NOT_FOUND');
  field(await srv.req('PATCH', `${EL}/iso_loc`, { body: { isolation_mode: 'ISOLATED' } }), 'isolation_mode');
  // the generic bindings API: ISO gets it read-only
  const bound = ok(await srv.req('PATCH', `${UC}/bindings/external_location/iso_loc`, {
    body: { add: [{ workspace_id: ws.workspace_id, binding_type: 'BINDING_TYPE_READ_ONLY' }] },
  }));
  assert.deepEqual(bound.bindings.map((b) => b.binding_type).sort(), ['BINDING_TYPE_READ_ONLY', 'BINDING_TYPE_READ_WRITE']);
  assert.deepEqual(ok(await srv.req('GET', `${UC}/bindings/external_location/iso_loc`)), bound);
  ok(await srv.req('GET', `${EL}/iso_loc`, iso));
  assertError(await srv.req('PATCH', `${EL}/iso_loc`, { ...iso, body: { comment: 'no' } }), 403, 'PERMISSION_DENIED');
  // paths under it from ISO: read, never write (admins included); from the read-write workspace: both
  const p = (operation, as = {}) => srv.req('POST', TP, { ...as, body: { url: 'file:///srv/iso/f', operation } });
  ok(await p('PATH_READ', iso));
  assertError(await p('PATH_READ_WRITE', iso), 403, 'PERMISSION_DENIED');
  ok(await p('PATH_READ_WRITE'));
  field(await srv.req('GET', `${UC}/bindings/table/lake.s.events`), 'securable_type');
  ok(await srv.req('PATCH', `${UC}/bindings/storage_credential/iso_cred2`, {
    body: { add: [{ workspace_id: ws.workspace_id, binding_type: 'BINDING_TYPE_READ_WRITE' }] },
  }));
  ok(await srv.req('GET', `${SC}/iso_cred2`, iso));
  // back to OPEN: everywhere again
  ok(await srv.req('PATCH', `${SC}/iso_cred2`, { body: { isolation_mode: 'ISOLATION_MODE_OPEN' } }));
  ok(await srv.req('PATCH', `${UC}/bindings/storage_credential/iso_cred2`, { body: { remove: [{ workspace_id: ws.workspace_id }] } }));
  ok(await srv.req('GET', `${SC}/iso_cred2`, iso));
});
