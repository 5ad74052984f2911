// The official Databricks JS SDK (@databricks/sdk-experimental 0.17.0, pinned) drives Weir's
// Jobs API (/api/2.2/jobs) and job permissions unchanged: jobs.create, get (100 tasks a page,
// the rest by page_token), list (async iterator over pages, name filter), runNow and its
// waiter, getRun, listRuns, getRunOutput, cancelRun and its waiter on a sleeping command task,
// repairRun and its waiter, getPermissions / setPermissions / getPermissionLevels, and a
// service principal's view: a job it may not see is the Jobs API's 400 "Job <id> does not
// exist." surfacing as ApiError. updatePermissions goes out as a PATCH without a body (an SDK
// bug), which changes nothing; the PATCH that adds grants is made with fetch.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { ApiError } = require('@databricks/sdk-experimental');
const { startServer } = require('../http/lib');
const { makeHome, removeHome, patClient, recordCalls, all } = require('./lib');

const SCIM = '/api/2.0/preview/scim/v2';
let srv;
let home;
let w; // admin
let bot; // a service principal: {name, token, client}
const calls = [];

async function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res.json;
}
async function rejects(promise, status, code, message) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ApiError ${status} ${code}, got success`);
  assert.ok(err instanceof ApiError, `expected ApiError, got ${err && err.constructor.name}: ${err && err.message}`);
  assert.equal(err.statusCode, status, err.message);
  assert.equal(err.errorCode, code, err.message);
  if (message) assert.equal(err.message, message);
  return err;
}
const cond = (task_key, extra = {}) => ({ task_key, condition_task: { left: '{{job.parameters.env}}', op: 'EQUAL_TO', right: 'prod' }, ...extra });

before(async () => {
  srv = await startServer(['--allow-command-tasks']);
  home = makeHome('weir-sdk-jobs-home-');
  w = patClient(srv.base, srv.token, home);
  recordCalls(w, calls);
  const sp = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'sdk-jobs-bot' } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.applicationId } }));
  bot = { name: sp.applicationId, token: t.token_value, client: patClient(srv.base, t.token_value, home) };
});
after(async () => {
  removeHome(home);
  await srv.stop();
});

test('create, get, list; runNow(...).wait(), getRun, listRuns, getRunOutput', async () => {
  const created = await w.jobs.create({
    name: 'sdk-job',
    parameters: [{ name: 'env', default: 'dev' }],
    tasks: [cond('check'), { task_key: 'after', depends_on: [{ task_key: 'check', outcome: 'true' }], condition_task: { left: '1', op: 'LESS_THAN', right: '2' } }],
    tags: { team: 'sdk' },
  });
  assert.ok(Number.isSafeInteger(created.job_id));
  assert.ok(calls.some((c) => c.method === 'POST' && c.path === '/api/2.2/jobs/create'));
  const job = await w.jobs.get({ job_id: created.job_id });
  assert.equal(job.settings.name, 'sdk-job');
  assert.deepEqual(job.settings.queue, { enabled: true }, 'created through 2.2');
  assert.deepEqual(job.settings.tasks.map((t) => t.task_key), ['check', 'after']);

  const listed = await all(w.jobs.list({ name: 'SDK-JOB' }));
  assert.deepEqual(listed.map((j) => j.job_id), [created.job_id]);
  for (let i = 0; i < 3; i++) await w.jobs.create({ name: `sdk-paged-${i}`, parameters: [{ name: 'env', default: 'prod' }], tasks: [cond('a')] });
  const before = calls.length;
  const paged = await all(w.jobs.list({ limit: 1 }));
  assert.ok(paged.length >= 4);
  assert.equal(new Set(paged.map((j) => j.job_id)).size, paged.length, 'every job once');
  assert.ok(calls.slice(before).filter((c) => c.path === '/api/2.2/jobs/list').length >= 4, 'the iterator followed next_page_token');

  // run-now with a parameter: the waiter polls runs/get until TERMINATED
  const run = await (await w.jobs.runNow({ job_id: created.job_id, job_parameters: { env: 'prod' } })).wait();
  assert.equal(run.state.life_cycle_state, 'TERMINATED');
  assert.equal(run.state.result_state, 'SUCCESS');
  assert.deepEqual(run.job_parameters, [{ name: 'env', default: 'dev', value: 'prod' }]);
  const byKey = Object.fromEntries(run.tasks.map((t) => [t.task_key, t]));
  assert.equal(byKey.check.condition_task.outcome, 'true');
  assert.equal(byKey.after.state.result_state, 'SUCCESS');
  // without the parameter the condition is false and `after` is excluded
  const other = await (await w.jobs.runNow({ job_id: created.job_id })).wait();
  const ob = Object.fromEntries(other.tasks.map((t) => [t.task_key, t]));
  assert.equal(ob.check.condition_task.outcome, 'false');
  assert.equal(ob.after.state.result_state, 'EXCLUDED');

  const got = await w.jobs.getRun({ run_id: run.run_id });
  assert.equal(got.run_id, run.run_id);
  assert.equal(got.job_id, created.job_id);
  const runs = await all(w.jobs.listRuns({ job_id: created.job_id, limit: 1 }));
  assert.deepEqual(runs.map((r) => r.run_id), [other.run_id, run.run_id]);
  const completed = await all(w.jobs.listRuns({ job_id: created.job_id, completed_only: true, expand_tasks: true }));
  assert.equal(completed.length, 2);
  assert.equal(completed[0].tasks.length, 2);
  const out = await w.jobs.getRunOutput({ run_id: byKey.check.run_id });
  assert.equal(out.metadata.tasks[0].task_key, 'check');
  await rejects(w.jobs.getRunOutput({ run_id: run.run_id }), 400, 'INVALID_PARAMETER_VALUE',
    'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.');
});

test('get answers 100 tasks a page (2.2); page_token gets the rest', async () => {
  const tasks = Array.from({ length: 130 }, (_, i) => ({ task_key: `t${i}`, condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }));
  const { job_id } = await w.jobs.create({ name: 'sdk-wide', tasks });
  const first = await w.jobs.get({ job_id });
  assert.equal(first.settings.tasks.length, 100);
  assert.equal(typeof first.next_page_token, 'string');
  const second = await w.jobs.get({ job_id, page_token: first.next_page_token });
  assert.equal(second.settings.tasks.length, 30);
  assert.equal(second.next_page_token, undefined);
  assert.deepEqual([...first.settings.tasks, ...second.settings.tasks].map((t) => t.task_key), tasks.map((t) => t.task_key));
});

test('cancelRun(...).wait() stops a sleeping command task; repairRun(...).wait() re-runs failed tasks', async () => {
  const script = path.join(srv.dir, 'sleep.py');
  fs.writeFileSync(script, 'import time\ntime.sleep(60)\n');
  const { job_id } = await w.jobs.create({ name: 'sdk-sleeper', tasks: [{ task_key: 'sleep', spark_python_task: { python_file: script } }] });
  const started = await w.jobs.runNow({ job_id });
  const deadline = Date.now() + 15000;
  while ((await w.jobs.getRun({ run_id: started.run_id })).state.life_cycle_state !== 'RUNNING') {
    assert.ok(Date.now() < deadline, 'the run never started');
    await new Promise((r) => setTimeout(r, 50));
  }
  const canceled = await (await w.jobs.cancelRun({ run_id: started.run_id })).wait();
  assert.equal(canceled.state.life_cycle_state, 'TERMINATED');
  assert.equal(canceled.state.result_state, 'CANCELED');
  assert.equal(canceled.status.termination_details.code, 'USER_CANCELED');

  // a task with no runtime here fails; fixed, a repair re-runs it inside the same run
  const rep = await w.jobs.create({ name: 'sdk-repair', tasks: [
    { task_key: 'a', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
    { task_key: 'nb', depends_on: [{ task_key: 'a' }], notebook_task: { notebook_path: '/Shared/x' } }] });
  const failed = await (await w.jobs.runNow({ job_id: rep.job_id })).wait();
  assert.equal(failed.state.result_state, 'FAILED');
  await w.jobs.update({ job_id: rep.job_id, new_settings: { tasks: [
    { task_key: 'nb', depends_on: [{ task_key: 'a' }], condition_task: { left: '2', op: 'GREATER_THAN', right: '1' } }] } });
  const repairWaiter = await w.jobs.repairRun({ run_id: failed.run_id, rerun_all_failed_tasks: true });
  assert.ok(Number.isSafeInteger(repairWaiter.repair_id));
  const repaired = await repairWaiter.wait();
  assert.equal(repaired.run_id, failed.run_id);
  assert.equal(repaired.state.result_state, 'SUCCESS');
  assert.equal(repaired.tasks.filter((t) => t.task_key === 'nb').length, 2, 'one task run per attempt');
  await rejects(w.jobs.repairRun({ run_id: failed.run_id, rerun_tasks: ['nb'] }), 400, 'INVALID_PARAMETER_VALUE',
    'The latest repair ID needs to be provided in order to create a new repair.');
  await rejects(w.jobs.repairRun({ run_id: failed.run_id, rerun_tasks: ['nb', 'nb'], latest_repair_id: repairWaiter.repair_id }), 400,
    'INVALID_PARAMETER_VALUE', 'rerun_tasks cannot contain duplicate task keys.');
  await w.jobs.deleteRun({ run_id: canceled.run_id });
  await rejects(w.jobs.getRun({ run_id: canceled.run_id }), 400, 'INVALID_PARAMETER_VALUE', `Run ${canceled.run_id} does not exist.`);
});

test('permissions: getPermissionLevels, setPermissions, getPermissions; a hidden job is "does not exist" for a service principal', async () => {
  const { job_id } = await w.jobs.create({ name: 'sdk-guarded', parameters: [{ name: 'env', default: 'dev' }], tasks: [cond('a')] });
  const c = bot.client;
  await rejects(c.jobs.get({ job_id }), 400, 'INVALID_PARAMETER_VALUE', `Job ${job_id} does not exist.`);
  await rejects(c.jobs.runNow({ job_id }), 400, 'INVALID_PARAMETER_VALUE', `Job ${job_id} does not exist.`);
  assert.ok(!(await all(c.jobs.list({}))).some((j) => j.job_id === job_id));
  await rejects(w.jobs.get({ job_id: job_id + 7 }), 400, 'INVALID_PARAMETER_VALUE', `Job ${job_id + 7} does not exist.`);

  const levels = await w.jobs.getPermissionLevels({ job_id: String(job_id) });
  assert.deepEqual(levels.permission_levels.map((l) => l.permission_level), ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER']);
  const set = await w.jobs.setPermissions({ job_id: String(job_id), access_control_list: [
    { service_principal_name: bot.name, permission_level: 'CAN_VIEW' }] });
  assert.equal(set.object_id, `/jobs/${job_id}`);
  const entry = set.access_control_list.find((e) => e.service_principal_name === bot.name);
  assert.deepEqual(entry.all_permissions.map((p) => p.permission_level), ['CAN_VIEW']);
  assert.deepEqual(await w.jobs.getPermissions({ job_id: String(job_id) }), set);

  // CAN_VIEW: get and list, not run
  assert.equal((await c.jobs.get({ job_id })).settings.name, 'sdk-guarded');
  assert.ok((await all(c.jobs.list({}))).some((j) => j.job_id === job_id));
  await rejects(c.jobs.runNow({ job_id }), 403, 'PERMISSION_DENIED');
  await rejects(c.jobs.getPermissions({ job_id: String(job_id) }), 403, 'PERMISSION_DENIED');
  assert.equal((await c.jobs.getPermissionLevels({ job_id: String(job_id) })).permission_levels.length, 4);

  // the SDK's PATCH carries no body: it changes nothing; fetch adds CAN_MANAGE_RUN
  const unchanged = await w.jobs.updatePermissions({ job_id: String(job_id), access_control_list: [
    { service_principal_name: bot.name, permission_level: 'CAN_MANAGE' }] });
  assert.deepEqual(unchanged, set);
  await ok(await srv.req('PATCH', `/api/2.0/permissions/jobs/${job_id}`, { body: { access_control_list: [
    { service_principal_name: bot.name, permission_level: 'CAN_MANAGE_RUN' }] } }));
  const run = await (await c.jobs.runNow({ job_id, job_parameters: { env: 'prod' } })).wait();
  assert.equal(run.state.result_state, 'SUCCESS');
  assert.equal(run.creator_user_name, bot.name);
  assert.ok((await all(c.jobs.listRuns({ job_id }))).some((r) => r.run_id === run.run_id));
  await rejects(c.jobs.update({ job_id, new_settings: { name: 'nope' } }), 403, 'PERMISSION_DENIED');
  await rejects(c.jobs.delete({ job_id }), 403, 'PERMISSION_DENIED');

  // setPermissions with an empty list takes the grant away again
  await w.jobs.setPermissions({ job_id: String(job_id), access_control_list: [] });
  await rejects(c.jobs.getRun({ run_id: run.run_id }), 400, 'INVALID_PARAMETER_VALUE', `Run ${run.run_id} does not exist.`);
  await w.jobs.delete({ job_id });
  await rejects(w.jobs.get({ job_id }), 400, 'INVALID_PARAMETER_VALUE', `Job ${job_id} does not exist.`);
});
