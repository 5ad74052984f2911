// The artifact proxy's authorization matrix (issue 13, finding 1): artifacts follow the
// rules of the object they belong to (registry/artifacts.h, weir_artifacts_authorize).
// Five principals — an admin, the owner of the run (and of its experiment), a principal with
// no grant, a principal with EXECUTE on the registered model, and the model's owner — each
// download, upload over, delete and list (a) a run's artifacts, which anyone authenticated may
// use as the run API allows, (b) a registered model version's files (the version's source
// names them), which need the model's privileges (EXECUTE to read, ownership to write), and
// (c) a path that belongs to no experiment, run or model version, which only admins may
// touch. What a caller may not see answers exactly as a missing file (404
// RESOURCE_DOES_NOT_EXIST with the same message but for the path; a list answers {} like a
// missing directory); what it sees but may not change is 403 PERMISSION_DENIED. A refused
// overwrite leaves the original bytes, a refused delete leaves the file, and refused
// mutations have their audit rows.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./lib');

const ML = '/api/2.0/mlflow';
const UC = '/api/2.1/unity-catalog';
const ART = '/api/2.0/mlflow-artifacts/artifacts';
const AJAX = '/ajax-api/2.0/mlflow-artifacts/artifacts';
const WHO = ['admin', 'runOwner', 'nobody', 'executor', 'modelOwner'];

let srv;
const tok = {}; // principal -> token
const app = {}; // principal -> applicationId
let exp; // experiment id
let rid; // run id
let runDir; // <exp>/<rid>/artifacts
let modelDir; // the version's files: <runDir>/model

async function principal(name) {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: name } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  return { token: t.json.token_value, app: sp.json.applicationId };
}

async function grant(type, name, who, privileges) {
  const res = await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: app[who], add: privileges }] } });
  assert.equal(res.status, 200, res.text);
}

const as = (who, method, p, opts = {}) => srv.req(method, p, { ...opts, token: tok[who] });
const put = (who, p, bytes) => as(who, 'PUT', `${ART}/${p}`, { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });
const get = (who, p) => as(who, 'GET', `${ART}/${p}`);
const del = (who, p) => as(who, 'DELETE', `${ART}/${p}`);
const list = (who, p) => as(who, 'GET', `${ART}?path=${encodeURIComponent(p)}`);

async function adminPut(p, bytes) {
  const res = await put('admin', p, bytes);
  assert.equal(res.status, 200, res.text);
}

// The exact answer for a file that does not exist at `p`.
function missing(p) {
  return { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Artifact '${p}' not found` };
}

// Asserts `res` is the hidden answer for `p`, byte for byte what a missing file gives.
function assertHidden(res, p, what) {
  assert.equal(res.status, 404, `${what}: ${res.text}`);
  assert.deepEqual(res.json, missing(p), what);
}

function assertDenied(res, what) {
  assert.equal(res.status, 403, `${what}: ${res.text}`);
  assert.equal(res.json.error_code, 'PERMISSION_DENIED', what);
  assert.deepEqual(Object.keys(res.json).sort(), ['error_code', 'message'], what);
}

before(async () => {
  srv = await startServer();
  tok.admin = srv.token;
  for (const who of WHO.slice(1)) {
    const p = await principal(who);
    tok[who] = p.token;
    app[who] = p.app;
  }
  // the first MLflow create makes catalog main and schema main.default (owned by admin)
  assert.equal((await srv.req('POST', `${ML}/registered-models/create`, { body: { name: 'seed' } })).status, 200);
  for (const who of ['executor', 'modelOwner', 'runOwner']) {
    await grant('catalog', 'main', who, ['USE_CATALOG']);
    await grant('schema', 'main.default', who, ['USE_SCHEMA']);
  }
  await grant('schema', 'main.default', 'modelOwner', ['CREATE_MODEL']);

  // the run owner's experiment and run, with a file and a logged model
  const e = await as('runOwner', 'POST', `${ML}/experiments/create`, { body: { name: 'art-authz' } });
  assert.equal(e.status, 200, e.text);
  exp = e.json.experiment_id;
  const r = await as('runOwner', 'POST', `${ML}/runs/create`, { body: { experiment_id: exp } });
  assert.equal(r.status, 200, r.text);
  rid = r.json.run.info.run_id;
  runDir = `${exp}/${rid}/artifacts`;
  modelDir = `${runDir}/model`;
  assert.equal(r.json.run.info.artifact_uri, `mlflow-artifacts:/${runDir}`);
  for (const [p, b] of [[`${runDir}/data.txt`, 'run data'], [`${modelDir}/MLmodel`, 'flavors: {}'], [`${modelDir}/model.pkl`, 'weights']]) {
    const res = await put('runOwner', p, b);
    assert.equal(res.status, 200, res.text);
  }
  // the model owner registers the run's model as version 1 of its model
  const m = await as('modelOwner', 'POST', `${ML}/registered-models/create`, { body: { name: 'artm' } });
  assert.equal(m.status, 200, m.text);
  const v = await as('modelOwner', 'POST', `${ML}/model-versions/create`, {
    body: { name: 'artm', source: `mlflow-artifacts:/${modelDir}`, run_id: rid },
  });
  assert.equal(v.status, 200, v.text);
  await grant('registered_model', 'main.default.artm', 'executor', ['EXECUTE']);

  // files in no object
  await adminPut('nowhere/x.bin', 'unowned');
});

after(async () => {
  if (srv) await srv.stop();
});

// What each principal may do, per area: [download, upload, delete, list] as 'ok', 'hidden'
// or 'denied'.
const MATRIX = {
  run: {
    admin: ['ok', 'ok', 'ok', 'ok'],
    runOwner: ['ok', 'ok', 'ok', 'ok'],
    nobody: ['ok', 'ok', 'ok', 'ok'],
    executor: ['ok', 'ok', 'ok', 'ok'],
    modelOwner: ['ok', 'ok', 'ok', 'ok'],
  },
  version: {
    admin: ['ok', 'ok', 'ok', 'ok'],
    runOwner: ['hidden', 'hidden', 'hidden', 'hidden'],
    nobody: ['hidden', 'hidden', 'hidden', 'hidden'],
    executor: ['ok', 'denied', 'denied', 'ok'],
    modelOwner: ['ok', 'ok', 'ok', 'ok'],
  },
  none: {
    admin: ['ok', 'ok', 'ok', 'ok'],
    runOwner: ['hidden', 'hidden', 'hidden', 'hidden'],
    nobody: ['hidden', 'hidden', 'hidden', 'hidden'],
    executor: ['hidden', 'hidden', 'hidden', 'hidden'],
    modelOwner: ['hidden', 'hidden', 'hidden', 'hidden'],
  },
};

// The directory and the file each area's checks use.
function area(name) {
  if (name === 'run') return { dir: runDir, file: `${runDir}/data.txt`, bytes: 'run data' };
  if (name === 'version') return { dir: modelDir, file: `${modelDir}/MLmodel`, bytes: 'flavors: {}' };
  return { dir: 'nowhere', file: 'nowhere/x.bin', bytes: 'unowned' };
}

for (const name of ['run', 'version', 'none']) {
  test(`matrix: ${name === 'none' ? 'a path in no object' : name === 'run' ? "a run's artifacts" : "a model version's files"}`, async () => {
    const { dir, file, bytes } = area(name);
    for (const who of WHO) {
      const [dl, up, rm, ls] = MATRIX[name][who];
      const what = (op) => `${who} ${op} ${name}`;

      // download
      const g = await get(who, file);
      if (dl === 'ok') {
        assert.equal(g.status, 200, what('download') + g.text);
        assert.equal(g.text, bytes, what('download'));
      } else assertHidden(g, file, what('download'));

      // list
      const l = await list(who, dir);
      assert.equal(l.status, 200, what('list') + l.text);
      if (ls === 'ok') assert.ok(l.json.files.some((f) => f.path === file.split('/').pop()), what('list'));
      else assert.deepEqual(l.json, {}, what('list') + ': as a directory that does not exist');

      // upload over the file
      const u = await put(who, file, `overwritten by ${who}`);
      if (up === 'ok') {
        assert.equal(u.status, 200, what('upload') + u.text);
        assert.equal((await get('admin', file)).text, `overwritten by ${who}`, what('upload'));
        await adminPut(file, bytes);
      } else {
        if (up === 'hidden') assertHidden(u, file, what('upload'));
        else assertDenied(u, what('upload'));
        const after = await get('admin', file);
        assert.equal(after.status, 200);
        assert.equal(after.text, bytes, `${what('upload')}: the admin still downloads the original bytes`);
      }

      // a new file next to it
      const fresh = `${dir}/new-${who}.bin`;
      const n = await put(who, fresh, 'new');
      if (up === 'ok') assert.equal(n.status, 200, what('create') + n.text);
      else {
        if (up === 'hidden') assertHidden(n, fresh, what('create'));
        else assertDenied(n, what('create'));
        assertHidden(await get('admin', fresh), fresh, `${what('create')}: nothing stored`);
      }

      // delete the file
      const d = await del(who, file);
      if (rm === 'ok') {
        assert.equal(d.status, 200, what('delete') + d.text);
        assert.deepEqual(d.json, {});
        assertHidden(await get('admin', file), file, what('delete'));
        await adminPut(file, bytes);
      } else {
        if (rm === 'hidden') assertHidden(d, file, what('delete'));
        else assertDenied(d, what('delete'));
        assert.equal((await get('admin', file)).text, bytes, `${what('delete')}: the file is still there`);
      }
      if (up === 'ok') assert.equal((await del('admin', fresh)).status, 200);
    }
  });
}

test('a hidden file answers exactly as a missing one, on both prefixes', async () => {
  for (const prefix of [ART, AJAX]) {
    const hiddenFile = `${modelDir}/model.pkl`;
    const missingFile = `${runDir}/no-such-file.pkl`; // in the run: visible to everyone
    for (const method of ['GET', 'DELETE']) {
      const h = await as('nobody', method, `${prefix}/${hiddenFile}`);
      const m = await as('nobody', method, `${prefix}/${missingFile}`);
      assert.equal(h.status, 404, h.text);
      assert.equal(m.status, 404, m.text);
      assert.equal(h.text, m.text.replace(missingFile, hiddenFile), `${method} ${prefix}`);
    }
    // an upload into a hidden model's files and into a path of no object: the same answer
    const h = await as('nobody', 'PUT', `${prefix}/${modelDir}/evil.pkl`, { raw: 'x' });
    const n = await as('nobody', 'PUT', `${prefix}/elsewhere/evil.pkl`, { raw: 'x' });
    assert.equal(h.status, 404, h.text);
    assert.equal(h.text, n.text.replace('elsewhere/evil.pkl', `${modelDir}/evil.pkl`));
    // listing a hidden directory is listing one that does not exist
    const lh = await as('nobody', 'GET', `${prefix}?path=${encodeURIComponent(modelDir)}`);
    const lm = await as('nobody', 'GET', `${prefix}?path=${encodeURIComponent(`${runDir}/nothing-here`)}`);
    assert.equal(lh.status, 200);
    assert.equal(lh.text, lm.text);
    assert.equal(lh.text, '{}');
  }
});

test("the run API's artifacts/list hides a model version's files as the proxy does", async () => {
  const runList = (who, p) => as(who, 'GET', `${ML}/artifacts/list?run_id=${rid}${p === undefined ? '' : `&path=${encodeURIComponent(p)}`}`);
  const root = `mlflow-artifacts:/${runDir}`;
  const seen = await runList('executor', 'model');
  assert.equal(seen.status, 200, seen.text);
  assert.deepEqual(seen.json.files.map((f) => f.path).sort(), ['model/MLmodel', 'model/model.pkl']);
  for (const who of ['nobody', 'runOwner']) {
    const h = await runList(who, 'model');
    assert.equal(h.status, 200, h.text);
    assert.deepEqual(h.json, { root_uri: root }, `${who}: the model directory lists as a missing one`);
    assert.deepEqual((await runList(who, 'model/MLmodel')).json, { root_uri: root });
    assert.deepEqual(h.json, (await runList(who, 'no-such-dir')).json);
    // the run's own directory lists, with the model directory's name
    const top = await runList(who);
    assert.ok(top.json.files.some((f) => f.path === 'model' && f.is_dir), top.text);
  }
});

test("a directory holding a model version's files: listed by anyone, deleted only with the model's privileges", async () => {
  // listing the run's directory shows the model directory (names only, as the run API does)
  const l = await list('nobody', runDir);
  assert.equal(l.status, 200, l.text);
  assert.ok(l.json.files.some((f) => f.path === 'model' && f.is_dir), l.text);
  // deleting or overwriting the run's whole directory would remove the model's files
  assertHidden(await del('nobody', runDir), runDir, 'nobody deletes the run directory');
  assertHidden(await del('runOwner', `${exp}/${rid}`), `${exp}/${rid}`, 'the run owner deletes the run directory');
  assertDenied(await del('executor', runDir), 'executor deletes the run directory');
  assert.equal((await get('admin', `${modelDir}/MLmodel`)).text, 'flavors: {}');
  assert.equal((await get('admin', `${runDir}/data.txt`)).text, 'run data');
  // the experiment's directory belongs to the experiment; the store root to no object
  assertHidden(await del('nobody', exp), exp, 'nobody deletes the experiment directory');
  assert.deepEqual((await list('nobody', '')).json, {}, 'the store root is listed by admins only');
  assert.ok((await list('admin', '')).json.files.some((f) => f.path === exp));
  assert.ok((await list('nobody', exp)).json.files.some((f) => f.path === rid), 'the experiment directory lists');
});

test('the model owner and EXECUTE reach the files through a runs:/ source too; revoking EXECUTE hides them', async () => {
  const m = await as('modelOwner', 'POST', `${ML}/registered-models/create`, { body: { name: 'artm2' } });
  assert.equal(m.status, 200, m.text);
  await adminPut(`${runDir}/other/weights.bin`, 'other weights');
  const v = await as('modelOwner', 'POST', `${ML}/model-versions/create`, { body: { name: 'artm2', source: `runs:/${rid}/other` } });
  assert.equal(v.status, 200, v.text);
  const file = `${runDir}/other/weights.bin`;
  assertHidden(await get('nobody', file), file, 'nobody, runs:/ source');
  assertHidden(await get('executor', file), file, 'EXECUTE on another model only');
  await grant('registered_model', 'main.default.artm2', 'executor', ['EXECUTE']);
  assert.equal((await get('executor', file)).text, 'other weights');
  assertDenied(await put('executor', file, 'x'), 'executor overwrites');
  assert.equal((await put('modelOwner', file, 'v2 weights')).status, 200);
  const revoke = await srv.req('PATCH', `${UC}/permissions/registered_model/main.default.artm2`, {
    body: { changes: [{ principal: app.executor, remove: ['EXECUTE'] }] },
  });
  assert.equal(revoke.status, 200, revoke.text);
  assertHidden(await get('executor', file), file, 'after the revoke');
  assert.equal((await get('admin', file)).text, 'v2 weights');
});

test('a second model registering the same files does not open them to its owner', async () => {
  // the executor may create models now; it registers a version on artm's files
  await grant('schema', 'main.default', 'executor', ['CREATE_MODEL']);
  const m = await as('executor', 'POST', `${ML}/registered-models/create`, { body: { name: 'thief' } });
  assert.equal(m.status, 200, m.text);
  const v = await as('executor', 'POST', `${ML}/model-versions/create`, { body: { name: 'thief', source: `mlflow-artifacts:/${modelDir}` } });
  assert.equal(v.status, 200, v.text);
  // owning `thief` gives no write on artm's files (artm's privileges still apply)
  assertDenied(await put('executor', `${modelDir}/MLmodel`, 'evil'), 'owner of the second model overwrites');
  assert.equal((await get('admin', `${modelDir}/MLmodel`)).text, 'flavors: {}');
  // and a principal who may read only the second model does not read the files either
  await grant('registered_model', 'main.default.thief', 'runOwner', ['EXECUTE']);
  assertHidden(await get('runOwner', `${modelDir}/MLmodel`), `${modelDir}/MLmodel`, 'EXECUTE on the second model only');
});

test('registering a version governs its files at once; deleting it gives them back to the run', async () => {
  const file = `${runDir}/later/model.bin`;
  await adminPut(file, 'later');
  assert.equal((await get('nobody', file)).text, 'later', 'a run file before any version names it');
  const m = await as('modelOwner', 'POST', `${ML}/registered-models/create`, { body: { name: 'later' } });
  assert.equal(m.status, 200, m.text);
  const v = await as('modelOwner', 'POST', `${ML}/model-versions/create`, { body: { name: 'later', source: `mlflow-artifacts:/${runDir}/later` } });
  assert.equal(v.status, 200, v.text);
  assertHidden(await get('nobody', file), file, 'right after the version is registered');
  const d = await as('modelOwner', 'DELETE', `${ML}/model-versions/delete`, { body: { name: 'later', version: '1' } });
  assert.equal(d.status, 200, d.text);
  assert.equal((await get('nobody', file)).text, 'later', 'the version is gone: a run file again');
  // a version in the files' model again, then the whole model deleted
  const v2 = await as('modelOwner', 'POST', `${ML}/model-versions/create`, { body: { name: 'later', source: `mlflow-artifacts:/${runDir}/later` } });
  assert.equal(v2.status, 200, v2.text);
  assertHidden(await get('nobody', file), file, 'version 2');
  const dm = await as('modelOwner', 'DELETE', `${ML}/registered-models/delete`, { body: { name: 'later' } });
  assert.equal(dm.status, 200, dm.text);
  assert.equal((await get('nobody', file)).text, 'later', 'the model is gone');
});

test('refused mutations are audited', async () => {
  const h = await put('nobody', `${modelDir}/MLmodel`, 'evil');
  const d = await del('executor', `${modelDir}/MLmodel`);
  const n = await put('nobody', 'nowhere/x.bin', 'evil');
  assert.equal(h.status, 404);
  assert.equal(d.status, 403);
  assert.equal(n.status, 404);
  // a download refused with 403: the model is visible (USE_CATALOG, USE_SCHEMA, BROWSE) but not readable
  await grant('registered_model', 'main.default.artm', 'runOwner', ['BROWSE']);
  const g = await get('runOwner', `${modelDir}/MLmodel`);
  assertDenied(g, 'BROWSE only downloads');
  const want = new Map([
    [h.headers.get('x-request-id'), { action: 'uploadArtifact', status: 404, error: 'RESOURCE_DOES_NOT_EXIST' }],
    [d.headers.get('x-request-id'), { action: 'deleteArtifact', status: 403, error: 'PERMISSION_DENIED' }],
    [n.headers.get('x-request-id'), { action: 'uploadArtifact', status: 404, error: 'RESOURCE_DOES_NOT_EXIST', securable: 'nowhere/x.bin' }],
    [g.headers.get('x-request-id'), { action: 'downloadArtifact', status: 403, error: 'PERMISSION_DENIED' }],
  ]);
  const events = [];
  let token;
  do {
    const res = await srv.req('GET', `/api/2.0/weir/audit${token ? `?page_token=${encodeURIComponent(token)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    events.push(...res.json.events);
    token = res.json.next_page_token;
  } while (token);
  for (const [rid2, w] of want) {
    const rows = events.filter((e) => e.request_id === rid2);
    assert.equal(rows.length, 1, `${w.action}: one audit row`);
    assert.equal(rows[0].service_name, 'mlflowArtifacts');
    assert.equal(rows[0].action_name, w.action);
    assert.equal(rows[0].response.status_code, w.status);
    assert.equal(rows[0].response.error_code, w.error);
    assert.equal(rows[0].securable, w.securable || `${modelDir}/MLmodel`);
  }
});

test('malformed paths are 400 for everyone, before any owner is looked up', async () => {
  for (const who of ['admin', 'nobody']) {
    const r = await as(who, 'GET', `${ART}/${exp}/a%5Cb`);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    const l = await list(who, `${exp}//x`);
    assert.equal(l.status, 400, l.text);
  }
});

// Registering a version from files in the store needs read access to them: otherwise anyone
// with CREATE MODEL could claim another model's files (or the whole store) and lock their
// readers out. The answer names `source` and is the same for hidden, refused and absent files.
test('a version can be registered only from files the caller may read', async () => {
  await grant('schema', 'main.default', 'executor', ['CREATE_MODEL']);
  const m = await as('executor', 'POST', `${ML}/registered-models/create`, { body: { name: 'squatter' } });
  assert.equal(m.status, 200, m.text);
  const other = await principal('outsider');
  await srv.req('PATCH', `${UC}/permissions/catalog/main`, { body: { changes: [{ principal: other.app, add: ['USE_CATALOG'] }] } });
  await srv.req('PATCH', `${UC}/permissions/schema/main.default`, { body: { changes: [{ principal: other.app, add: ['USE_SCHEMA', 'CREATE_MODEL'] }] } });
  const mo = await srv.req('POST', `${ML}/registered-models/create`, { token: other.token, body: { name: 'squatter2' } });
  assert.equal(mo.status, 200, mo.text);
  for (const source of ['mlflow-artifacts:/', `mlflow-artifacts:/${exp}`, 'mlflow-artifacts:/nowhere/x.bin',
    'mlflow-artifacts:/not/there/at/all', `mlflow-artifacts:/${modelDir}`, `runs:/${rid}/model`]) {
    const res = await srv.req('POST', `${ML}/model-versions/create`, { token: other.token, body: { name: 'squatter2', source } });
    assert.equal(res.status, 403, `${source}: ${res.text}`);
    assert.equal(res.json.error_code, 'PERMISSION_DENIED');
    assert.match(res.json.message, /'source'/);
  }
  // the UC route answers alike
  const uc = await srv.req('POST', `${UC}/models/versions`, { token: other.token,
    body: { model_name: 'squatter2', catalog_name: 'main', schema_name: 'default', source: `mlflow-artifacts:/${modelDir}` } });
  assert.equal(uc.status, 403, uc.text);
  // the refused ones stored nothing, so claimed nothing
  const none = await srv.req('GET', `${ML}/model-versions/search?filter=${encodeURIComponent("name='squatter2'")}`);
  assert.deepEqual(none.json.model_versions || [], []);
  // the executor may read the model's files, so it may register them; the run's other files too
  const okv = await as('executor', 'POST', `${ML}/model-versions/create`, { body: { name: 'squatter', source: `mlflow-artifacts:/${modelDir}` } });
  assert.equal(okv.status, 200, okv.text);
  const runFile = await srv.req('POST', `${ML}/model-versions/create`, { token: other.token, body: { name: 'squatter2', source: `mlflow-artifacts:/${runDir}/data.txt` } });
  assert.equal(runFile.status, 200, runFile.text);
  // sources outside the store are not this rule's business
  const s3 = await srv.req('POST', `${ML}/model-versions/create`, { token: other.token, body: { name: 'squatter2', source: 's3://bucket/m' } });
  assert.equal(s3.status, 200, s3.text);
  const two = await srv.req('GET', `${ML}/model-versions/search?filter=${encodeURIComponent("name='squatter2'")}`);
  assert.equal(two.json.model_versions.length, 2);
});
