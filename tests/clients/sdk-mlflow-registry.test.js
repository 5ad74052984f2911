// The official Databricks JS SDK (@databricks/sdk-experimental, pinned 0.17.0) drives Weir's
// model registry through its three services: modelRegistry (the workspace MLflow registry,
// /api/2.0/mlflow, including the /mlflow/databricks/ flavoured get and transition-stage and
// DELETEs with arguments in the query string), registeredModels and modelVersions (Unity
// Catalog models). Both views see the same models. The SDK sends PATCH without a body (an
// SDK bug), so PATCHes go through plain fetch and are read back through the SDK.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { ApiError } = require('@databricks/sdk-experimental');
const { startServer } = require('../http/lib');
const { makeHome, removeHome, patClient, all } = require('./lib');

const UC = '/api/2.1/unity-catalog';
let srv;
let w;
let home;

before(async () => {
  srv = await startServer();
  home = makeHome('weir-sdk-home-');
  w = patClient(srv.base, srv.token, home);
});

after(async () => {
  await srv.stop();
  removeHome(home);
});

async function rejects(promise, status, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof ApiError, String(e));
    assert.equal(e.statusCode, status);
    assert.equal(e.errorCode, code);
    return true;
  });
}

test('modelRegistry: create, get (databricks flavour), versions, tags, stages, search, rename, delete', async () => {
  const c = await w.modelRegistry.createModel({ name: 'sdkmodel', description: 'from the sdk', tags: [{ key: 'team', value: 'ml' }] });
  assert.equal(c.registered_model.name, 'sdkmodel');
  await rejects(w.modelRegistry.createModel({ name: 'sdkmodel' }), 400, 'RESOURCE_ALREADY_EXISTS');
  const v1 = await w.modelRegistry.createModelVersion({ name: 'sdkmodel', source: 's3://bucket/m1', run_id: 'run1' });
  assert.equal(v1.model_version.version, '1');
  assert.equal(v1.model_version.status, 'READY');
  const v2 = await w.modelRegistry.createModelVersion({ name: 'sdkmodel', source: 's3://bucket/m2' });
  assert.equal(v2.model_version.version, '2');
  const g = await w.modelRegistry.getModel({ name: 'sdkmodel' });
  assert.equal(g.registered_model_databricks.name, 'sdkmodel');
  assert.equal(g.registered_model_databricks.description, 'from the sdk');
  assert.ok(g.registered_model_databricks.id);
  await rejects(w.modelRegistry.getModel({ name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const mv = await w.modelRegistry.getModelVersion({ name: 'sdkmodel', version: '1' });
  assert.equal(mv.model_version.run_id, 'run1');
  await rejects(w.modelRegistry.getModelVersion({ name: 'sdkmodel', version: '9' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  const uri = await w.modelRegistry.getModelVersionDownloadUri({ name: 'sdkmodel', version: '2' });
  assert.equal(uri.artifact_uri, 's3://bucket/m2');

  await w.modelRegistry.setModelTag({ name: 'sdkmodel', key: 'k', value: 'v' });
  await w.modelRegistry.setModelVersionTag({ name: 'sdkmodel', version: '1', key: 'vk', value: 'vv' });
  let rm = (await w.modelRegistry.getModel({ name: 'sdkmodel' })).registered_model_databricks;
  assert.deepEqual(rm.tags.map((t) => t.key).sort(), ['k', 'team']);
  await w.modelRegistry.deleteModelTag({ name: 'sdkmodel', key: 'k' }); // DELETE with query arguments
  await w.modelRegistry.deleteModelVersionTag({ name: 'sdkmodel', version: '1', key: 'vk' });
  rm = (await w.modelRegistry.getModel({ name: 'sdkmodel' })).registered_model_databricks;
  assert.deepEqual(rm.tags.map((t) => t.key), ['team']);
  assert.equal((await w.modelRegistry.getModelVersion({ name: 'sdkmodel', version: '1' })).model_version.tags, undefined);

  const tr = await w.modelRegistry.transitionStage({ name: 'sdkmodel', version: '1', stage: 'Production', archive_existing_versions: true });
  assert.equal(tr.model_version_databricks.current_stage, 'Production');
  await rejects(w.modelRegistry.transitionStage({ name: 'sdkmodel', version: '1', stage: 'Nope', archive_existing_versions: false }), 400, 'INVALID_PARAMETER_VALUE');
  const latest = await all(w.modelRegistry.getLatestVersions({ name: 'sdkmodel', stages: ['Production'] }));
  assert.deepEqual(latest.map((x) => x.version), ['1']);

  for (let i = 0; i < 5; i++) await w.modelRegistry.createModel({ name: `sdkpage${i}` });
  const found = await all(w.modelRegistry.searchModels({ filter: "name LIKE 'sdkpage%'", max_results: 2 }));
  assert.deepEqual(found.map((m) => m.name), ['sdkpage0', 'sdkpage1', 'sdkpage2', 'sdkpage3', 'sdkpage4'], 'follows next_page_token');
  const versions = await all(w.modelRegistry.searchModelVersions({ filter: "name = 'sdkmodel'", max_results: 1 }));
  assert.deepEqual(versions.map((v) => v.version).sort(), ['1', '2']);
  await rejects(all(w.modelRegistry.searchModels({ filter: "name = 'a' OR name = 'b'" })), 400, 'INVALID_PARAMETER_VALUE');

  // PATCH through fetch (the SDK drops the body), read back through the SDK
  const up = await fetch(srv.base + '/api/2.0/mlflow/model-versions/update', {
    method: 'PATCH', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sdkmodel', version: '2', description: 'patched' }),
  });
  assert.equal(up.status, 200);
  assert.equal((await w.modelRegistry.getModelVersion({ name: 'sdkmodel', version: '2' })).model_version.description, 'patched');

  const ren = await w.modelRegistry.renameModel({ name: 'sdkmodel', new_name: 'sdkmodel2' });
  assert.equal(ren.registered_model.name, 'sdkmodel2');
  await w.modelRegistry.deleteModelVersion({ name: 'sdkmodel2', version: '2' });
  await rejects(w.modelRegistry.getModelVersion({ name: 'sdkmodel2', version: '2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
  assert.equal((await w.modelRegistry.createModelVersion({ name: 'sdkmodel2', source: 's3://b/3' })).model_version.version, '3');
  await w.modelRegistry.deleteModel({ name: 'sdkmodel2' });
  await rejects(w.modelRegistry.getModel({ name: 'sdkmodel2' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});

test('registeredModels and modelVersions: UC models, aliases, and the same store as MLflow', async () => {
  await w.catalogs.create({ name: 'sdkcat' });
  await w.schemas.create({ name: 'sch', catalog_name: 'sdkcat' });
  const m = await w.registeredModels.create({ name: 'ucm', catalog_name: 'sdkcat', schema_name: 'sch', comment: 'uc' });
  assert.equal(m.full_name, 'sdkcat.sch.ucm');
  await rejects(w.registeredModels.create({ name: 'ucm', catalog_name: 'sdkcat', schema_name: 'sch' }), 409, 'ALREADY_EXISTS');
  const got = await w.registeredModels.get({ full_name: 'sdkcat.sch.ucm' });
  assert.equal(got.comment, 'uc');
  await rejects(w.registeredModels.get({ full_name: 'sdkcat.sch.none' }), 404, 'NOT_FOUND');
  for (let i = 0; i < 3; i++) await w.registeredModels.create({ name: `ucp${i}`, catalog_name: 'sdkcat', schema_name: 'sch' });
  const listed = await all(w.registeredModels.list({ catalog_name: 'sdkcat', schema_name: 'sch', max_results: 2 }));
  assert.deepEqual(listed.map((x) => x.name), ['ucm', 'ucp0', 'ucp1', 'ucp2']);

  // versions through the MLflow API with a three-level name, read through modelVersions
  const v = await w.modelRegistry.createModelVersion({ name: 'sdkcat.sch.ucm', source: 's3://b/ucm', run_id: 'r9' });
  assert.equal(v.model_version.version, '1');
  const mv = await w.modelVersions.get({ full_name: 'sdkcat.sch.ucm', version: 1 });
  assert.equal(mv.version, 1);
  assert.equal(mv.run_id, 'r9');
  assert.equal(mv.status, 'READY');
  const vs = await all(w.modelVersions.list({ full_name: 'sdkcat.sch.ucm' }));
  assert.deepEqual(vs.map((x) => x.version), [1]);
  await rejects(w.modelVersions.get({ full_name: 'sdkcat.sch.ucm', version: 5 }), 404, 'NOT_FOUND');

  const al = await w.registeredModels.setAlias({ full_name: 'sdkcat.sch.ucm', alias: 'champion', version_num: 1 });
  assert.deepEqual(al, { alias_name: 'champion', version_num: 1 });
  await rejects(w.registeredModels.setAlias({ full_name: 'sdkcat.sch.ucm', alias: 'latest', version_num: 1 }), 400, 'INVALID_PARAMETER_VALUE');
  const byAlias = await w.modelVersions.getByAlias({ full_name: 'sdkcat.sch.ucm', alias: 'champion' });
  assert.equal(byAlias.version, 1);
  const mlAlias = await w.modelRegistry.getModel({ name: 'sdkcat.sch.ucm' });
  assert.deepEqual(mlAlias.registered_model_databricks.name, 'sdkcat.sch.ucm');
  await w.registeredModels.deleteAlias({ full_name: 'sdkcat.sch.ucm', alias: 'champion' });
  await rejects(w.modelVersions.getByAlias({ full_name: 'sdkcat.sch.ucm', alias: 'champion' }), 404, 'NOT_FOUND');

  const patched = await fetch(srv.base + UC + '/models/sdkcat.sch.ucm', {
    method: 'PATCH', headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ comment: 'patched' }),
  });
  assert.equal(patched.status, 200);
  assert.equal((await w.registeredModels.get({ full_name: 'sdkcat.sch.ucm' })).comment, 'patched');
  assert.equal((await w.registeredModels.update({ full_name: 'sdkcat.sch.ucm' })).comment, 'patched', 'a bodiless PATCH changes nothing');

  await w.modelVersions.delete({ full_name: 'sdkcat.sch.ucm', version: 1 });
  await w.registeredModels.delete({ full_name: 'sdkcat.sch.ucm' });
  await rejects(w.registeredModels.get({ full_name: 'sdkcat.sch.ucm' }), 404, 'NOT_FOUND');
  await rejects(w.modelRegistry.getModel({ name: 'sdkcat.sch.ucm' }), 404, 'RESOURCE_DOES_NOT_EXIST');
});
