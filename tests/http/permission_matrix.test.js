// The permission matrix of issue 3: seven principals (a metastore admin, the owner of a
// catalog, a member of a granted group, a member of a group nested in it, a user with
// nothing, a service principal logged in through OAuth M2M, an external-IdP user with direct
// grants) against every route of the Unity Catalog core, the grant APIs and the bindings.
// Each call is allowed or denied exactly as the rules say (README "Governance in one
// paragraph", governance/authz.c): what the caller may not browse is 404 exactly like a
// missing object (same error_code, same message but for the name), what it may see but not
// do is 403 PERMISSION_DENIED, lists are filtered item by item, and no response of a
// denied or filtered call names the table `hidden`. Revoking a grant and deactivating a user
// take effect on the next request.
//
// Users sign in with RS256 JWTs (sub = userName) signed by a key generated here and served
// to the server through --jwks; the service principal through /oidc/v1/token.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, assertError, ok } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const SCIM = '/api/2.0/preview/scim/v2';
const ISS = 'https://idp.matrix.test/';
const AUD = 'weir-matrix';
const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64u = (b) => Buffer.from(b).toString('base64url');
function jwtFor(sub, extra = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', kid: 'matrix-1' };
  const claims = { iss: ISS, aud: AUD, sub, iat: now, exp: now + 3600, ...extra };
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  return `${input}.${b64u(crypto.sign('sha256', Buffer.from(input), rsa.privateKey))}`;
}

const WHO = ['admin', 'owner', 'member', 'nested', 'nobody', 'sp', 'idp'];
const USERS = { owner: 'owner@x', member: 'member@x', nested: 'nested@x', nobody: 'nobody@x', idp: 'idp@x' };
// Who is granted what (set up in `before`, as owner@x unless said otherwise):
//   admin   member of `admins`
//   owner   CREATE_CATALOG on the metastore (from admin); creates and owns oc, oc.s, oc.s.{t,hidden,v,f}
//   member  in `analysts`: USE_CATALOG oc, USE_SCHEMA oc.s, SELECT oc.s.t, READ_VOLUME oc.s.v, EXECUTE oc.s.f
//   nested  in `juniors`, which is a member of `analysts`
//   nobody  nothing
//   sp      sp-etl (OAuth M2M): USE_CATALOG oc; USE_SCHEMA and MODIFY on oc.s (MODIFY inherited by its tables)
//   idp     idp@x (JWT): USE_CATALOG and BROWSE on oc; USE_SCHEMA and CREATE_TABLE on oc.s
//
// What each principal may browse (rules: a catalog with any privilege or ownership; a schema
// with USE_CATALOG + USE_SCHEMA/BROWSE; a leaf with both USE privileges + one of its data
// privileges, BROWSE or ownership; MODIFY is a table privilege, so sp sees no volume or
// function). It chooses the level a "missing twin" replaces when comparing 404s.
const SEES = {
  admin: 'cat sch t hidden v f',
  owner: 'cat sch t hidden v f',
  member: 'cat sch t v f',
  nested: 'cat sch t v f',
  nobody: '',
  sp: 'cat sch t hidden',
  idp: 'cat sch t hidden v f',
};

// THE MATRIX. ok = 2xx; 403 = PERMISSION_DENIED (the caller sees the object but may not do
// this); 404 = not found, answered exactly as for a missing name; T/F = 200 with
// table_exists true/false. Write rows run on throwaway objects when allowed (creates make new
// names, allowed deletes delete a victim made for the purpose) and on the fixtures when
// denied, so an unexpected success shows as a failure here, not as breakage later.
//                                         admin owner member nested nobody sp  idp
const EXPECTED = `
metastore_summary                          ok    ok    ok     ok     ok     ok  ok
catalogs.create                            ok    ok    403    403    403    403 403
catalogs.list                              ok    ok    ok     ok     ok     ok  ok
catalogs.get                               ok    ok    ok     ok     404    ok  ok
catalogs.update                            ok    ok    403    403    404    403 403
schemas.create                             ok    ok    403    403    404    403 403
schemas.list                               ok    ok    ok     ok     404    ok  ok
schemas.get                                ok    ok    ok     ok     404    ok  ok
schemas.update                             ok    ok    403    403    404    403 403
tables.create                              ok    ok    403    403    404    403 ok
tables.list                                ok    ok    ok     ok     404    ok  ok
tables.get                                 ok    ok    ok     ok     404    ok  ok
tables.get.hidden                          ok    ok    404    404    404    ok  ok
tables.exists                              T     T     T      T      F      T   T
tables.exists.hidden                       T     T     F      F      F      T   T
tables.update                              ok    ok    403    403    404    403 403
tables.update.hidden                       ok    ok    404    404    404    403 403
volumes.create                             ok    ok    403    403    404    403 403
volumes.list                               ok    ok    ok     ok     404    ok  ok
volumes.get                                ok    ok    ok     ok     404    404 ok
volumes.update                             ok    ok    403    403    404    404 403
functions.create                           ok    ok    403    403    404    403 403
functions.list                             ok    ok    ok     ok     404    ok  ok
functions.get                              ok    ok    ok     ok     404    404 ok
functions.update                           ok    ok    403    403    404    404 403
permissions.get.metastore                  ok    ok    ok     ok     ok     ok  ok
permissions.get.catalog                    ok    ok    ok     ok     404    ok  ok
permissions.get.table                      ok    ok    ok     ok     404    ok  ok
permissions.get.hidden                     ok    ok    404    404    404    ok  ok
permissions.patch.metastore                ok    403   403    403    403    403 403
permissions.patch.catalog                  ok    ok    403    403    404    403 403
permissions.patch.table                    ok    ok    403    403    404    403 403
permissions.patch.hidden                   ok    ok    404    404    404    403 403
effective.get.catalog                      ok    ok    ok     ok     404    ok  ok
effective.get.table                        ok    ok    ok     ok     404    ok  ok
effective.get.hidden                       ok    ok    404    404    404    ok  ok
bindings.get                               ok    ok    ok     ok     404    ok  ok
bindings.patch                             ok    ok    403    403    404    403 403
workspace_bindings.get                     ok    ok    ok     ok     404    ok  ok
workspace_bindings.patch                   ok    ok    403    403    404    403 403
functions.delete                           ok    ok    403    403    404    404 403
volumes.delete                             ok    ok    403    403    404    404 403
tables.delete                              ok    ok    403    403    404    403 403
tables.delete.hidden                       ok    ok    404    404    404    403 403
schemas.delete                             ok    ok    403    403    404    403 403
catalogs.delete                            ok    ok    403    403    404    403 403
`;

function parseMatrix(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells.length < 2) continue;
    assert.equal(cells.length, WHO.length + 1, `matrix row ${cells[0]} has ${cells.length - 1} cells`);
    const expect = {};
    WHO.forEach((w, i) => { expect[w] = cells[i + 1]; });
    rows.push({ id: cells[0], expect });
  }
  return rows;
}

const FIX = { cat: 'oc', sch: 's', t: 't', hidden: 'hidden', v: 'v', f: 'f' };
const fq = (n, leaf) => `${n.cat}.${n.sch}.${n[leaf]}`;

function fnInfo(cat, sch, name) {
  return {
    function_info: {
      name, catalog_name: cat, schema_name: sch, data_type: 'INT', full_data_type: 'int',
      routine_body: 'SQL', routine_definition: 'x + 1', parameter_style: 'S', is_deterministic: true,
      sql_data_access: 'NO_SQL', is_null_call: false, security_type: 'DEFINER', specific_name: name,
      input_params: { parameters: [{ name: 'x', type_text: 'int', type_json: '{"name":"x","type":"integer","nullable":true,"metadata":{}}', type_name: 'INT', position: 0 }] },
    },
  };
}
const tableBody = (cat, sch, name) => ({
  catalog_name: cat, schema_name: sch, name, table_type: 'EXTERNAL', data_source_format: 'DELTA',
  storage_location: `s3://matrix-bucket/${cat}/${sch}/${name}`, columns: [{ name: 'id', type_name: 'INT', type_text: 'int', position: 0 }],
});

let defaultWs = 1;
// grant change that ends where it began: each change adds and then removes the same privilege
const noopChange = (priv) => ({ changes: [{ principal: 'nobody@x', add: [priv], remove: [priv] }] });

// Each route: `target` lists the name levels of the object it resolves (for the missing
// twin), `req(n, who)` the request; `victim(who)` (deletes) creates, as owner, the object an
// allowed caller deletes and returns the names to use.
const ROUTES = {
  'metastore_summary': { target: [], req: () => ['GET', '/metastore_summary'] },
  'catalogs.create': { target: [], req: (n, who) => ['POST', '/catalogs', { name: `c_${who}` }] },
  'catalogs.list': { target: [], req: () => ['GET', '/catalogs'] },
  'catalogs.get': { target: ['cat'], req: (n) => ['GET', `/catalogs/${n.cat}`] },
  'catalogs.update': { target: ['cat'], req: (n, who) => ['PATCH', `/catalogs/${n.cat}`, { comment: `by ${who}` }] },
  'catalogs.delete': {
    target: ['cat'], req: (n) => ['DELETE', `/catalogs/${n.cat}`],
    victim: async (who) => { await asOwner('POST', '/catalogs', { name: `d_${who}` }); return { ...FIX, cat: `d_${who}` }; },
  },
  'schemas.create': { target: ['cat'], req: (n, who) => ['POST', '/schemas', { catalog_name: n.cat, name: `s_${who}` }] },
  'schemas.list': { target: ['cat'], req: (n) => ['GET', `/schemas?catalog_name=${n.cat}`] },
  'schemas.get': { target: ['cat', 'sch'], req: (n) => ['GET', `/schemas/${n.cat}.${n.sch}`] },
  'schemas.update': { target: ['cat', 'sch'], req: (n, who) => ['PATCH', `/schemas/${n.cat}.${n.sch}`, { comment: `by ${who}` }] },
  'schemas.delete': {
    target: ['cat', 'sch'], req: (n) => ['DELETE', `/schemas/${n.cat}.${n.sch}`],
    victim: async (who) => { await asOwner('POST', '/schemas', { catalog_name: 'oc', name: `d_${who}` }); return { ...FIX, sch: `d_${who}` }; },
  },
  'tables.create': { target: ['cat', 'sch'], req: (n, who) => ['POST', '/tables', tableBody(n.cat, n.sch, `t_${who}`)] },
  'tables.list': { target: ['cat', 'sch'], req: (n) => ['GET', `/tables?catalog_name=${n.cat}&schema_name=${n.sch}`] },
  'tables.get': { target: ['cat', 'sch', 't'], req: (n) => ['GET', `/tables/${fq(n, 't')}`] },
  'tables.get.hidden': { target: ['cat', 'sch', 'hidden'], req: (n) => ['GET', `/tables/${fq(n, 'hidden')}`] },
  'tables.exists': { target: ['cat', 'sch', 't'], req: (n) => ['GET', `/tables/${fq(n, 't')}/exists`] },
  'tables.exists.hidden': { target: ['cat', 'sch', 'hidden'], req: (n) => ['GET', `/tables/${fq(n, 'hidden')}/exists`] },
  // a table's only updatable field is its owner: an empty body changes nothing (and passes the rule)
  'tables.update': { target: ['cat', 'sch', 't'], req: (n) => ['PATCH', `/tables/${fq(n, 't')}`, {}] },
  'tables.update.hidden': { target: ['cat', 'sch', 'hidden'], req: (n) => ['PATCH', `/tables/${fq(n, 'hidden')}`, {}] },
  'tables.delete': {
    target: ['cat', 'sch', 't'], req: (n) => ['DELETE', `/tables/${fq(n, 't')}`],
    victim: async (who) => { await asOwner('POST', '/tables', tableBody('oc', 's', `d_${who}`)); return { ...FIX, t: `d_${who}` }; },
  },
  'tables.delete.hidden': {
    target: ['cat', 'sch', 'hidden'], req: (n) => ['DELETE', `/tables/${fq(n, 'hidden')}`],
    victim: async (who) => { await asOwner('POST', '/tables', tableBody('oc', 's', `dh_${who}`)); return { ...FIX, hidden: `dh_${who}` }; },
  },
  'volumes.create': { target: ['cat', 'sch'], req: (n, who) => ['POST', '/volumes', { catalog_name: n.cat, schema_name: n.sch, name: `v_${who}`, volume_type: 'MANAGED' }] },
  'volumes.list': { target: ['cat', 'sch'], req: (n) => ['GET', `/volumes?catalog_name=${n.cat}&schema_name=${n.sch}`] },
  'volumes.get': { target: ['cat', 'sch', 'v'], req: (n) => ['GET', `/volumes/${fq(n, 'v')}`] },
  'volumes.update': { target: ['cat', 'sch', 'v'], req: (n, who) => ['PATCH', `/volumes/${fq(n, 'v')}`, { comment: `by ${who}` }] },
  'volumes.delete': {
    target: ['cat', 'sch', 'v'], req: (n) => ['DELETE', `/volumes/${fq(n, 'v')}`],
    victim: async (who) => { await asOwner('POST', '/volumes', { catalog_name: 'oc', schema_name: 's', name: `d_${who}`, volume_type: 'MANAGED' }); return { ...FIX, v: `d_${who}` }; },
  },
  'functions.create': { target: ['cat', 'sch'], req: (n, who) => ['POST', '/functions', fnInfo(n.cat, n.sch, `f_${who}`)] },
  'functions.list': { target: ['cat', 'sch'], req: (n) => ['GET', `/functions?catalog_name=${n.cat}&schema_name=${n.sch}`] },
  'functions.get': { target: ['cat', 'sch', 'f'], req: (n) => ['GET', `/functions/${fq(n, 'f')}`] },
  'functions.update': { target: ['cat', 'sch', 'f'], req: (n) => ['PATCH', `/functions/${fq(n, 'f')}`, {}] },
  'functions.delete': {
    target: ['cat', 'sch', 'f'], req: (n) => ['DELETE', `/functions/${fq(n, 'f')}`],
    victim: async (who) => { await asOwner('POST', '/functions', fnInfo('oc', 's', `d_${who}`)); return { ...FIX, f: `d_${who}` }; },
  },
  'permissions.get.metastore': { target: [], req: () => ['GET', '/permissions/metastore/x'] },
  'permissions.get.catalog': { target: ['cat'], req: (n) => ['GET', `/permissions/catalog/${n.cat}`] },
  'permissions.get.table': { target: ['cat', 'sch', 't'], req: (n) => ['GET', `/permissions/table/${fq(n, 't')}`] },
  'permissions.get.hidden': { target: ['cat', 'sch', 'hidden'], req: (n) => ['GET', `/permissions/table/${fq(n, 'hidden')}`] },
  'permissions.patch.metastore': { target: [], req: () => ['PATCH', '/permissions/metastore/x', noopChange('CREATE_CATALOG')] },
  'permissions.patch.catalog': { target: ['cat'], req: (n) => ['PATCH', `/permissions/catalog/${n.cat}`, noopChange('BROWSE')] },
  'permissions.patch.table': { target: ['cat', 'sch', 't'], req: (n) => ['PATCH', `/permissions/table/${fq(n, 't')}`, noopChange('SELECT')] },
  'permissions.patch.hidden': { target: ['cat', 'sch', 'hidden'], req: (n) => ['PATCH', `/permissions/table/${fq(n, 'hidden')}`, noopChange('SELECT')] },
  'effective.get.catalog': { target: ['cat'], req: (n) => ['GET', `/effective-permissions/catalog/${n.cat}`] },
  'effective.get.table': { target: ['cat', 'sch', 't'], req: (n) => ['GET', `/effective-permissions/table/${fq(n, 't')}`] },
  'effective.get.hidden': { target: ['cat', 'sch', 'hidden'], req: (n) => ['GET', `/effective-permissions/table/${fq(n, 'hidden')}`] },
  'bindings.get': { target: ['cat'], req: (n) => ['GET', `/bindings/catalog/${n.cat}`] },
  // adds a READ_WRITE binding of the default workspace (an OPEN catalog stays visible and
  // writable there); the owner's turn removes it again
  'bindings.patch': {
    target: ['cat'],
    req: (n, who) => ['PATCH', `/bindings/catalog/${n.cat}`, who === 'owner'
      ? { remove: [{ workspace_id: defaultWs }] }
      : { add: [{ workspace_id: defaultWs, binding_type: 'BINDING_TYPE_READ_WRITE' }] }],
  },
  'workspace_bindings.get': { target: ['cat'], req: (n) => ['GET', `/workspace-bindings/catalogs/${n.cat}`] },
  'workspace_bindings.patch': {
    target: ['cat'],
    req: (n, who) => ['PATCH', `/workspace-bindings/catalogs/${n.cat}`, who === 'owner'
      ? { unassign_workspaces: [defaultWs] } : { assign_workspaces: [defaultWs] }],
  },
};

let srv;
let jwksDir;
const tok = {};
const ids = {}; // SCIM ids
let spApp; // sp-etl's applicationId (its principal name in grants)
const seen = []; // every response to nobody, member and nested: {who, method, path, body, res}

async function call(who, method, p, body) {
  const res = await srv.req(method, UC + p, body === undefined ? { token: tok[who] } : { token: tok[who], body });
  if (['nobody', 'member', 'nested'].includes(who)) seen.push({ who, method, path: p, body, res });
  return res;
}
const asOwner = async (method, p, body) => ok(await call('owner', method, p, body));
const asAdmin = async (method, p, body) => ok(await call('admin', method, p, body));

before(async () => {
  jwksDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-matrix-jwks-'));
  const jwks = { keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'matrix-1', alg: 'RS256', use: 'sig' }] };
  fs.writeFileSync(path.join(jwksDir, 'jwks.json'), JSON.stringify(jwks));
  srv = await startServer(['--jwks', path.join(jwksDir, 'jwks.json'), '--jwt-issuer', ISS, '--jwt-audience', AUD]);
  tok.admin = srv.token;

  // principals through SCIM
  for (const [who, userName] of Object.entries(USERS)) {
    ids[who] = (await ok(await srv.req('POST', `${SCIM}/Users`, { body: { userName } }), 201)).id;
    tok[who] = jwtFor(userName, who === 'idp' ? { workspace: 'default' } : {});
  }
  ids.juniors = (await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'juniors', members: [{ value: ids.nested }] } }), 201)).id;
  ids.analysts = (await ok(await srv.req('POST', `${SCIM}/Groups`, {
    body: { displayName: 'analysts', members: [{ value: ids.member }, { value: ids.juniors }] },
  }), 201)).id;
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'sp-etl' } }), 201);
  ids.sp = sp.id;
  spApp = sp.applicationId;
  const { secret } = await ok(await srv.req('POST', `/api/2.0/accounts/servicePrincipals/${sp.id}/credentials/secrets`, { body: {} }));
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: spApp, client_secret: secret, scope: 'all-apis' });
  const t = await fetch(`${srv.base}/oidc/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() });
  const tj = await t.json();
  assert.equal(t.status, 200, JSON.stringify(tj));
  tok.sp = tj.access_token;
  defaultWs = (await ok(await srv.req('GET', '/api/2.0/weir/workspaces/default'))).workspace_id;

  // objects and grants
  await asAdmin('PATCH', '/permissions/metastore/x', { changes: [{ principal: 'owner@x', add: ['CREATE_CATALOG'] }] });
  await asOwner('POST', '/catalogs', { name: 'oc' });
  await asOwner('POST', '/schemas', { catalog_name: 'oc', name: 's' });
  await asOwner('POST', '/tables', tableBody('oc', 's', 't'));
  await asOwner('POST', '/tables', tableBody('oc', 's', 'hidden'));
  await asOwner('POST', '/volumes', { catalog_name: 'oc', schema_name: 's', name: 'v', volume_type: 'MANAGED' });
  await asOwner('POST', '/functions', fnInfo('oc', 's', 'f'));
  const grant = (type, name, principal, add) => asOwner('PATCH', `/permissions/${type}/${name}`, { changes: [{ principal, add }] });
  await grant('catalog', 'oc', 'analysts', ['USE_CATALOG']);
  await grant('schema', 'oc.s', 'analysts', ['USE_SCHEMA']);
  await grant('table', 'oc.s.t', 'analysts', ['SELECT']);
  await grant('volume', 'oc.s.v', 'analysts', ['READ_VOLUME']);
  await grant('function', 'oc.s.f', 'analysts', ['EXECUTE']);
  await grant('catalog', 'oc', spApp, ['USE_CATALOG']);
  await grant('schema', 'oc.s', spApp, ['USE_SCHEMA', 'MODIFY']);
  await grant('catalog', 'oc', 'idp@x', ['USE_CATALOG', 'BROWSE']);
  await grant('schema', 'oc.s', 'idp@x', ['USE_SCHEMA', 'CREATE_TABLE']);
});

after(async () => {
  if (srv) await srv.stop();
  if (jwksDir) fs.rmSync(jwksDir, { recursive: true, force: true });
});

// The names with the first level the principal may not browse replaced by a missing one.
function missingTwin(who, target) {
  const sees = SEES[who].split(' ');
  const level = target.find((k) => !sees.includes(k));
  assert.ok(level, `matrix expects 404 for ${who} but SEES says it browses ${target.join('.')}`);
  return { names: { ...FIX, [level]: `zz_${FIX[level]}` }, from: `zz_${FIX[level]}`, to: FIX[level] };
}

const describe = (r) => `${r.status} ${r.json && r.json.error_code ? r.json.error_code + ' ' : ''}${r.text.slice(0, 200)}`;

test('every route of the UC core, grants and bindings has a matrix row', () => {
  const ids0 = parseMatrix(EXPECTED).map((r) => r.id);
  assert.deepEqual([...ids0].sort(), Object.keys(ROUTES).sort());
  for (const row of parseMatrix(EXPECTED)) {
    for (const w of WHO) assert.match(row.expect[w], /^(ok|403|404|T|F)$/, `${row.id}/${w}`);
  }
});

test('principals signed in: admin PAT, users by RS256 JWT, sp-etl by OAuth M2M', async () => {
  for (const w of WHO) {
    const me = await srv.req('GET', `${SCIM}/Me`, { token: tok[w] });
    assert.equal(me.status, 200, `${w}: ${me.text}`);
    if (USERS[w]) assert.equal(me.json.userName, USERS[w]);
  }
  assert.equal((await srv.req('GET', `${SCIM}/Me`, { token: tok.sp })).json.applicationId, spApp);
});

for (const row of parseMatrix(EXPECTED)) {
  test(`matrix: ${row.id}`, async () => {
    const route = ROUTES[row.id];
    const bad = [];
    for (const who of WHO) {
      const want = row.expect[who];
      let names = FIX;
      if (route.victim && want === 'ok') names = await route.victim(who);
      const [method, p, body] = route.req(names, who);
      const res = await call(who, method, p, body);
      const where = `${who} ${method} ${p}`;
      if (want === 'ok') {
        if (res.status !== 200) bad.push(`${where}: expected 200, got ${describe(res)}`);
      } else if (want === 'T' || want === 'F') {
        if (res.status !== 200 || !res.json || res.json.table_exists !== (want === 'T'))
          bad.push(`${where}: expected table_exists ${want === 'T'}, got ${describe(res)}`);
        if (want === 'F') { // a hidden table is "false" exactly like a missing one
          const twin = missingTwin(who, route.target);
          const [m2, p2, b2] = route.req(twin.names, who);
          const res2 = await call(who, m2, p2, b2);
          if (res2.text !== res.text) bad.push(`${where}: answer differs from a missing table's: ${res.text} vs ${res2.text}`);
        }
      } else if (want === '403') {
        if (res.status !== 403 || !res.json || res.json.error_code !== 'PERMISSION_DENIED')
          bad.push(`${where}: expected 403 PERMISSION_DENIED, got ${describe(res)}`);
      } else if (want === '404') {
        const twin = missingTwin(who, route.target);
        const [m2, p2, b2] = route.req(twin.names, who);
        const res2 = await call(who, m2, p2, b2);
        if (res.status !== 404) bad.push(`${where}: expected 404, got ${describe(res)}`);
        else if (res2.status !== 404) bad.push(`${where}: the missing twin ${p2} answered ${describe(res2)}`);
        else {
          const a = res.json || {};
          const b = res2.json || {};
          const norm = (s) => String(s).split(twin.from).join(twin.to);
          if (a.error_code !== b.error_code) bad.push(`${where}: error_code ${a.error_code} but a missing one gives ${b.error_code}`);
          if (a.message !== norm(b.message)) bad.push(`${where}: message "${a.message}" but a missing one gives "${b.message}"`);
          if (JSON.stringify(a.details) !== norm(JSON.stringify(b.details)))
            bad.push(`${where}: details ${JSON.stringify(a.details)} but a missing one gives ${JSON.stringify(b.details)}`);
        }
      }
      if (res.status >= 400 && res.json) {
        try { assertError(res, res.status, res.json.error_code); } catch (e) { bad.push(`${where}: malformed error: ${e.message}`); }
      }
    }
    assert.deepEqual(bad, [], bad.join('\n'));
  });
}

const names = (j, key) => (j[key] || []).map((x) => x.name);

test('lists are filtered item by item for every principal', async () => {
  const bad = [];
  const check = (cond, msg) => { if (!cond) bad.push(msg); };
  const list = async (who, p) => {
    const r = await call(who, 'GET', p);
    return r.status === 200 ? r.json : (bad.push(`${who} GET ${p}: ${describe(r)}`), {});
  };
  // catalogs: oc for everyone with a privilege on it, never for nobody
  for (const w of WHO) {
    const cats = names(await list(w, '/catalogs'), 'catalogs');
    check(cats.includes('oc') === (w !== 'nobody'), `${w}: catalogs ${JSON.stringify(cats)}`);
    if (!['admin', 'owner'].includes(w)) check(!cats.some((c) => /^[cd]_/.test(c)), `${w} sees another's catalogs: ${JSON.stringify(cats)}`);
  }
  const exact = {
    member: { schemas: ['s'], tables: ['t'], volumes: ['v'], functions: ['f'] },
    nested: { schemas: ['s'], tables: ['t'], volumes: ['v'], functions: ['f'] },
    sp: { schemas: ['s'], volumes: [], functions: [] },
  };
  const includes = {
    admin: { tables: ['hidden', 't'], volumes: ['v'], functions: ['f'] },
    owner: { tables: ['hidden', 't'], volumes: ['v'], functions: ['f'] },
    sp: { tables: ['hidden', 't'] },
    idp: { schemas: ['s'], tables: ['hidden', 't'], volumes: ['v'], functions: ['f'] },
  };
  for (const w of ['admin', 'owner', 'member', 'nested', 'sp', 'idp']) {
    for (const key of ['schemas', 'tables', 'volumes', 'functions']) {
      const q = key === 'schemas' ? '?catalog_name=oc' : '?catalog_name=oc&schema_name=s';
      const got = names(await list(w, `/${key}${q}`), key);
      if (exact[w] && exact[w][key]) check(JSON.stringify(got) === JSON.stringify(exact[w][key]), `${w} ${key}: ${JSON.stringify(got)}, expected ${JSON.stringify(exact[w][key])}`);
      if (includes[w] && includes[w][key]) for (const n of includes[w][key]) check(got.includes(n), `${w} ${key}: ${JSON.stringify(got)} lacks ${n}`);
    }
  }
  // paging over a filtered list: one visible table, no token that would hint at more
  for (const w of ['member', 'nested']) {
    const page = await list(w, '/tables?catalog_name=oc&schema_name=s&max_results=1');
    check(JSON.stringify(names(page, 'tables')) === '["t"]' && page.next_page_token === undefined, `${w} page: ${JSON.stringify(page)}`);
    const vpage = await list(w, '/volumes?catalog_name=oc&schema_name=s&max_results=1');
    check(vpage.next_page_token === undefined, `${w} volumes page: ${JSON.stringify(vpage)}`);
  }
  assert.deepEqual(bad, [], bad.join('\n'));
});

test('grants are filtered: non-managers see only their own assignments; effective shows inheritance', async () => {
  const pa = async (who, p) => {
    const r = await call(who, 'GET', p);
    assert.equal(r.status, 200, `${who} ${p}: ${r.text}`);
    return r.json.privilege_assignments;
  };
  const byPrincipal = (list) => Object.fromEntries(list.map((a) => [a.principal, a.privileges]));
  // catalog oc: the owner sees every assignment, others only theirs (nested through juniors -> analysts)
  const all = byPrincipal(await pa('owner', '/permissions/catalog/oc'));
  assert.deepEqual(all.analysts, ['USE_CATALOG']);
  assert.deepEqual(all[spApp], ['USE_CATALOG']);
  assert.deepEqual(all['idp@x'], ['BROWSE', 'USE_CATALOG']);
  assert.deepEqual(byPrincipal(await pa('admin', '/permissions/catalog/oc')), all);
  assert.deepEqual(await pa('member', '/permissions/catalog/oc'), [{ principal: 'analysts', privileges: ['USE_CATALOG'] }]);
  assert.deepEqual(await pa('nested', '/permissions/catalog/oc'), [{ principal: 'analysts', privileges: ['USE_CATALOG'] }]);
  assert.deepEqual(await pa('sp', '/permissions/catalog/oc'), [{ principal: spApp, privileges: ['USE_CATALOG'] }]);
  assert.deepEqual(await pa('idp', '/permissions/catalog/oc'), [{ principal: 'idp@x', privileges: ['BROWSE', 'USE_CATALOG'] }]);
  // a principal filter cannot widen what a non-manager sees
  assert.deepEqual(await pa('member', `/permissions/catalog/oc?principal=${spApp}`), []);
  // metastore: CREATE_CATALOG of owner@x is visible to admin and owner only
  assert.deepEqual(byPrincipal(await pa('admin', '/permissions/metastore/x'))['owner@x'], ['CREATE_CATALOG']);
  assert.deepEqual(await pa('owner', '/permissions/metastore/x'), [{ principal: 'owner@x', privileges: ['CREATE_CATALOG'] }]);
  for (const w of ['member', 'nested', 'nobody', 'sp', 'idp']) assert.deepEqual(await pa(w, '/permissions/metastore/x'), [], w);

  // effective permissions on oc.s.t: direct SELECT, USE_SCHEMA from the schema, USE_CATALOG from the catalog
  const eff = (list, principal) => {
    const e = list.find((a) => a.principal === principal);
    assert.ok(e, `${principal} missing in ${JSON.stringify(list)}`);
    return Object.fromEntries(e.privileges.map((p) => [p.privilege, [p.inherited_from_type, p.inherited_from_name]]));
  };
  for (const w of ['member', 'nested']) {
    const list = await pa(w, '/effective-permissions/table/oc.s.t');
    assert.deepEqual(list.map((a) => a.principal), ['analysts'], `${w}: ${JSON.stringify(list)}`);
    assert.deepEqual(eff(list, 'analysts'), {
      SELECT: [undefined, undefined], USE_SCHEMA: ['SCHEMA', 'oc.s'], USE_CATALOG: ['CATALOG', 'oc'],
    });
  }
  const spEff = await pa('sp', '/effective-permissions/table/oc.s.t');
  assert.deepEqual(spEff.map((a) => a.principal), [spApp]);
  assert.deepEqual(eff(spEff, spApp), { MODIFY: ['SCHEMA', 'oc.s'], USE_SCHEMA: ['SCHEMA', 'oc.s'], USE_CATALOG: ['CATALOG', 'oc'] });
  const ownerEff = await pa('owner', '/effective-permissions/table/oc.s.t');
  assert.deepEqual(ownerEff.map((a) => a.principal).sort(), [spApp, 'analysts', 'idp@x'].sort());
  assert.deepEqual(eff(ownerEff, 'idp@x'), {
    BROWSE: ['CATALOG', 'oc'], USE_CATALOG: ['CATALOG', 'oc'], USE_SCHEMA: ['SCHEMA', 'oc.s'], CREATE_TABLE: ['SCHEMA', 'oc.s'],
  });
  // ?principal=: admins and owners may ask about anyone, others only about themselves
  const forMember = await pa('admin', '/effective-permissions/table/oc.s.t?principal=member@x');
  assert.deepEqual(forMember.map((a) => a.principal), ['analysts']);
  assert.deepEqual((await pa('member', '/effective-permissions/table/oc.s.t?principal=member@x')).map((a) => a.principal), ['analysts']);
  assertError(await call('member', 'GET', '/effective-permissions/table/oc.s.t?principal=owner@x'), 403, 'PERMISSION_DENIED');
  assertError(await call('sp', 'GET', '/effective-permissions/table/oc.s.t?principal=member@x'), 403, 'PERMISSION_DENIED');
});

test('allowed writes took effect and denied ones changed nothing', async () => {
  // objects created by the matrix exist exactly for the principals allowed to create them
  const created = names(await asAdmin('GET', '/tables?catalog_name=oc&schema_name=s'), 'tables');
  for (const w of WHO) assert.equal(created.includes(`t_${w}`), ['admin', 'owner', 'idp'].includes(w), `t_${w}: ${JSON.stringify(created)}`);
  const cats = names(await asAdmin('GET', '/catalogs'), 'catalogs');
  for (const w of WHO) assert.equal(cats.includes(`c_${w}`), ['admin', 'owner'].includes(w), `c_${w}`);
  assert.ok(!cats.some((c) => c.startsWith('d_')), 'victim catalogs deleted');
  // the creator owns what it created (idp@x owns t_idp and so may read it, member may not)
  assert.equal((await asAdmin('GET', '/tables/oc.s.t_idp')).owner, 'idp@x');
  assert.equal((await call('idp', 'GET', '/tables/oc.s.t_idp')).status, 200);
  assertError(await call('member', 'GET', '/tables/oc.s.t_idp'), 404, 'TABLE_NOT_FOUND');
  // fixtures survived every denied write
  for (const p of ['/catalogs/oc', '/schemas/oc.s', '/tables/oc.s.t', '/tables/oc.s.hidden', '/volumes/oc.s.v', '/functions/oc.s.f']) await asAdmin('GET', p);
  assert.match((await asAdmin('GET', '/catalogs/oc')).comment, /^by (admin|owner)$/);
  // grant PATCHes were net no-ops; the bindings PATCHes ended without bindings
  assert.deepEqual((await asAdmin('GET', '/permissions/table/oc.s.t')).privilege_assignments, [{ principal: 'analysts', privileges: ['SELECT'] }]);
  assert.deepEqual((await asAdmin('GET', '/bindings/catalog/oc')).bindings, []);
});

test('nothing leaked: no answer to nobody, member or nested names the hidden table', async () => {
  assert.ok(seen.length > 100, `only ${seen.length} responses recorded`);
  const leaks = [];
  for (const s of seen) {
    // a request that itself names the table may echo the name (checked against the missing twin above)
    if (s.path.includes('hidden') || (s.body && JSON.stringify(s.body).includes('hidden'))) continue;
    if (s.res.text.includes('hidden')) leaks.push(`${s.who} ${s.method} ${s.path}: ${s.res.text.slice(0, 300)}`);
  }
  assert.deepEqual(leaks, []);
});

test('revoking a grant hides the table at once', async () => {
  assert.equal((await call('member', 'GET', '/tables/oc.s.t')).status, 200);
  await asOwner('PATCH', '/permissions/table/oc.s.t', { changes: [{ principal: 'analysts', remove: ['SELECT'] }] });
  for (const w of ['member', 'nested']) {
    const r = await call(w, 'GET', '/tables/oc.s.t');
    assertError(r, 404, 'TABLE_NOT_FOUND');
    const missing = await call(w, 'GET', '/tables/oc.s.zz_t');
    assert.equal(r.json.message, missing.json.message.replace('zz_t', 't'));
    assert.deepEqual(names(await ok(await call(w, 'GET', '/tables?catalog_name=oc&schema_name=s')), 'tables'), []);
    assert.equal((await ok(await call(w, 'GET', '/tables/oc.s.t/exists'))).table_exists, false);
  }
  // the volume grant is untouched
  assert.equal((await call('member', 'GET', '/volumes/oc.s.v')).status, 200);
});

test('deactivating a user through SCIM refuses its next request with 401', async () => {
  assert.equal((await call('member', 'GET', '/catalogs')).status, 200);
  await ok(await srv.req('PATCH', `${SCIM}/Users/${ids.member}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } }));
  assertError(await call('member', 'GET', '/catalogs'), 401, 'UNAUTHENTICATED');
  assertError(await call('member', 'GET', '/volumes/oc.s.v'), 401, 'UNAUTHENTICATED');
  // a fresh token does not help; other members of the group are unaffected
  assertError(await srv.req('GET', UC + '/catalogs', { token: jwtFor('member@x') }), 401, 'UNAUTHENTICATED');
  assert.equal((await call('nested', 'GET', '/volumes/oc.s.v')).status, 200);
});

test('a non-manager asking about another principal is refused the same whether it is active or not', async () => {
  // nested@x may read only its own (and its groups') effective permissions; member@x is now
  // inactive, idp@x active: both are "another principal", so the rule must refuse both (the
  // rule comes before the lookup; SCIM already shows `active`, so this is about order, not
  // secrecy)
  const active = await call('nested', 'GET', '/effective-permissions/catalog/oc?principal=idp@x');
  assertError(active, 403, 'PERMISSION_DENIED');
  const inactive = await call('nested', 'GET', '/effective-permissions/catalog/oc?principal=member@x');
  assert.equal(inactive.status, 403, `inactive principal: ${inactive.text}`);
  assert.equal(inactive.json.error_code, 'PERMISSION_DENIED');
  // an admin asking gets the empty answer an inactive principal has
  assert.deepEqual((await asAdmin('GET', '/effective-permissions/catalog/oc?principal=member@x')).privilege_assignments, []);
});

test('taking juniors out of analysts hides what nested@x had through it, at once', async () => {
  assert.equal((await call('nested', 'GET', '/volumes/oc.s.v')).status, 200);
  await ok(await srv.req('PATCH', `${SCIM}/Groups/${ids.analysts}`, {
    body: { Operations: [{ op: 'remove', path: `members[value eq "${ids.juniors}"]` }] },
  }));
  assertError(await call('nested', 'GET', '/volumes/oc.s.v'), 404, 'CATALOG_NOT_FOUND');
  assert.ok(!names(await ok(await call('nested', 'GET', '/catalogs')), 'catalogs').includes('oc'));
  assert.deepEqual(await ok(await call('nested', 'GET', '/permissions/metastore/x')), { privilege_assignments: [] });
});

test('deactivating the service principal stops its OAuth token at once', async () => {
  assert.equal((await call('sp', 'GET', '/tables/oc.s.hidden')).status, 200);
  await ok(await srv.req('PATCH', `${SCIM}/ServicePrincipals/${ids.sp}`, { body: { Operations: [{ op: 'replace', path: 'active', value: false }] } }));
  assertError(await call('sp', 'GET', '/tables/oc.s.hidden'), 401, 'UNAUTHENTICATED');
});
