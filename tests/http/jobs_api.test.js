// The Jobs API 2.1/2.2 and job permissions over HTTP: every endpoint and its errors (create,
// get, list with its name filter, expand_tasks, limits and pages; update merging arrays by
// key and fields_to_remove; reset; delete), each JobSettings refusal as 400
// INVALID_PARAMETER_VALUE naming the field and the task, the Jobs quirk for missing jobs and
// runs (400 "Job <id> does not exist." / "Run <id> does not exist."), the 2.1/2.2 differences
// (queue default, tasks paged by 100), run-now (parameters, idempotency, only), runs/submit,
// runs/list filters, order and pages, get-output, runs/delete, repair and its errors;
// permissions: a caller without CAN_VIEW sees exactly a missing job and never sees it in a
// list, CAN_VIEW reads, CAN_MANAGE_RUN runs and cancels, CAN_MANAGE edits, groups, owners;
// writes are audited. Anything that runs uses condition tasks (they finish at once); a second
// server with --allow-command-tasks holds runs active (a sleeping python task).
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startServer, assertError, ok } = require('./lib');

const SCIM = '/api/2.0/preview/scim/v2';
const PERMS = '/api/2.0/permissions/jobs';
const J21 = '/api/2.1/jobs';
const J22 = '/api/2.2/jobs';
let srv;
const sp = {}; // name -> {id, name (applicationId), token}

const cond = (task_key, extra = {}) => ({ task_key, condition_task: { left: '1', op: 'EQUAL_TO', right: '1' }, ...extra });
const post = (p, body, token) => srv.req('POST', p, { body, token });
const get = (p, token) => srv.req('GET', p, { token });
async function create(settings, J = J22, token) {
  return (await ok(await post(J + '/create', settings, token))).job_id;
}
async function runNow(job_id, extra = {}, token) {
  return (await ok(await post(J22 + '/run-now', { job_id, ...extra }, token))).run_id;
}
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);
async function waitRun(run_id, s = srv) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const r = await s.req('GET', `${J22}/runs/get?run_id=${run_id}`);
    assert.equal(r.status, 200, r.text);
    if (TERMINAL.has(r.json.state.life_cycle_state)) return r.json;
    assert.ok(Date.now() < deadline, `run ${run_id} did not finish: ${r.text}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
async function waitState(s, run_id, want) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const r = await s.req('GET', `${J22}/runs/get?run_id=${run_id}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.state.life_cycle_state === want) return r.json;
    assert.ok(Date.now() < deadline, `run ${run_id} never reached ${want}: ${r.text}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}
// 400 INVALID_PARAMETER_VALUE whose details name `field` and whose message matches `msg`.
function refused(res, field, msg) {
  assertError(res, 400, 'INVALID_PARAMETER_VALUE');
  if (field !== undefined) assert.equal(res.json.details[0].metadata.field, field, res.text);
  if (msg) assert.match(res.json.message, msg, res.text);
}
function missingJob(res, id) {
  assertError(res, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(res.json.message, `Job ${id} does not exist.`);
}
function missingRun(res, id) {
  assertError(res, 400, 'INVALID_PARAMETER_VALUE');
  assert.equal(res.json.message, `Run ${id} does not exist.`);
}
async function allPages(first, key) {
  const out = [];
  let tok;
  do {
    const r = await ok(await get(first + (tok ? `&page_token=${encodeURIComponent(tok)}` : '')));
    out.push(...(r[key] || []));
    tok = r.next_page_token;
  } while (tok);
  return out;
}

async function mkSp(displayName) {
  const s = await ok(await srv.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName } }), 201);
  const t = await ok(await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: s.applicationId } }));
  return { id: s.id, name: s.applicationId, token: t.token_value };
}

before(async () => {
  srv = await startServer();
  for (const n of ['nobody', 'viewer', 'runner', 'member', 'manager']) sp[n] = await mkSp(`jobs-${n}`);
  await ok(await srv.req('POST', `${SCIM}/Groups`, { body: { displayName: 'job-runners', members: [{ value: sp.member.id }] } }), 201);
  await ok(await srv.req('POST', `${SCIM}/Users`, { body: { userName: 'owner@example.com' } }), 201);
});
after(async () => { await srv.stop(); });

test('create, get, list: defaults, the name filter, expand_tasks, limits and pages', async () => {
  const id = await create({ name: 'Alpha Job', tags: { team: 'x' }, tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'a' }] })] }, J21);
  assert.ok(Number.isSafeInteger(id) && id > 0, String(id));
  const job = await ok(await get(`${J21}/get?job_id=${id}`));
  assert.equal(job.job_id, id);
  assert.equal(job.creator_user_name, 'admin');
  assert.equal(job.run_as_user_name, 'admin');
  assert.equal(typeof job.created_time, 'number');
  assert.equal(job.settings.name, 'Alpha Job');
  assert.equal(job.settings.format, 'MULTI_TASK');
  assert.equal(job.settings.max_concurrent_runs, 1);
  assert.deepEqual(job.settings.tags, { team: 'x' });
  assert.deepEqual(job.settings.tasks.map((t) => t.task_key), ['a', 'b']);
  assert.equal(job.settings.tasks[1].run_if, 'ALL_SUCCESS');
  // a job without a name is "Untitled"
  const un = await create({ tasks: [cond('a')] });
  assert.equal((await ok(await get(`${J22}/get?job_id=${un}`))).settings.name, 'Untitled');
  // bodies that are not objects, and a missing job_id
  assertError(await srv.req('POST', J22 + '/create', { body: '[1]' }), 400, 'MALFORMED_REQUEST');
  assertError(await srv.req('POST', J22 + '/create', { body: '{"name": "x", "name": "y"}' }), 400, 'MALFORMED_REQUEST');
  refused(await get(`${J22}/get`), 'job_id');
  refused(await get(`${J22}/get?job_id=abc`), 'job_id');

  // name: exact and case-insensitive
  const byName = await ok(await get(`${J22}/list?name=${encodeURIComponent('alpha JOB')}`));
  assert.deepEqual(byName.jobs.map((j) => j.job_id), [id]);
  assert.equal(byName.has_more, false);
  assert.equal(byName.next_page_token, undefined);
  const none = await ok(await get(`${J22}/list?name=Alpha`));
  assert.equal(none.jobs, undefined, 'jobs is omitted when there are none');
  assert.equal(none.has_more, false);
  // tasks only with expand_tasks
  assert.equal(byName.jobs[0].settings.tasks, undefined);
  assert.equal(byName.jobs[0].settings.name, 'Alpha Job');
  const expanded = await ok(await get(`${J22}/list?name=Alpha%20Job&expand_tasks=true`));
  assert.deepEqual(expanded.jobs[0].settings.tasks.map((t) => t.task_key), ['a', 'b']);
  // limit: 1..100
  for (const bad of ['0', '101', '-1', 'abc']) refused(await get(`${J22}/list?limit=${bad}`), 'limit');
  await ok(await get(`${J22}/list?limit=100`));
  refused(await get(`${J22}/list?expand_tasks=maybe`), 'expand_tasks');
  // pages: every job once, in order; next_page_token only while more remain
  for (let i = 0; i < 5; i++) await create({ name: `paged-${i}`, tasks: [cond('a')] });
  const everything = (await ok(await get(`${J22}/list?limit=100`))).jobs.map((j) => j.job_id);
  assert.ok(everything.length >= 7);
  const p1 = await ok(await get(`${J22}/list?limit=2`));
  assert.equal(p1.jobs.length, 2);
  assert.equal(p1.has_more, true);
  assert.equal(typeof p1.next_page_token, 'string');
  assert.equal(p1.prev_page_token, undefined);
  const p2 = await ok(await get(`${J22}/list?limit=2&page_token=${encodeURIComponent(p1.next_page_token)}`));
  assert.equal(typeof p2.prev_page_token, 'string');
  const paged = (await allPages(`${J22}/list?limit=2`, 'jobs')).map((j) => j.job_id);
  assert.deepEqual(paged, everything);
  refused(await get(`${J22}/list?page_token=garbage`));
});

test('update merges tasks by key and removes fields; reset replaces everything; delete', async () => {
  const settings = { name: 'merge', tags: { a: '1' }, timeout_seconds: 60, tasks: [cond('a'), cond('b'), cond('c', { depends_on: [{ task_key: 'b' }] })] };
  const id = await create(settings);
  const tasksOf = async () => (await ok(await get(`${J21}/get?job_id=${id}`))).settings;
  // b replaced whole, d appended, a and c kept; other top-level fields untouched
  await ok(await post(J22 + '/update', { job_id: id, new_settings: { tasks: [
    { task_key: 'b', condition_task: { left: '2', op: 'NOT_EQUAL', right: '3' } }, cond('d')] } }));
  let s = await tasksOf();
  assert.deepEqual(s.tasks.map((t) => t.task_key), ['a', 'b', 'c', 'd']);
  assert.equal(s.tasks[1].condition_task.op, 'NOT_EQUAL');
  assert.deepEqual(s.tasks[2].depends_on, [{ task_key: 'b' }]);
  assert.equal(s.name, 'merge');
  assert.equal(s.timeout_seconds, 60);
  assert.deepEqual(s.tags, { a: '1' });
  // a top-level field replaced, another removed, an array entry removed
  await ok(await post(J22 + '/update', { job_id: id, new_settings: { name: 'merged' }, fields_to_remove: ['tags', 'tasks/d'] }));
  s = await tasksOf();
  assert.equal(s.name, 'merged');
  assert.equal(s.tags, undefined);
  assert.deepEqual(s.tasks.map((t) => t.task_key), ['a', 'b', 'c']);
  // refusals change nothing
  const before = JSON.stringify(s);
  refused(await post(J22 + '/update', { job_id: id, fields_to_remove: ['tasks/zz'] }), 'fields_to_remove', /tasks\/zz/);
  refused(await post(J22 + '/update', { job_id: id, fields_to_remove: ['tags/x'] }), 'fields_to_remove');
  refused(await post(J22 + '/update', { job_id: id, fields_to_remove: 'tags' }), 'fields_to_remove');
  // removing b leaves c depending on a task that is gone
  refused(await post(J22 + '/update', { job_id: id, fields_to_remove: ['tasks/b'] }), 'depends_on', /Task c depends on 'b'/);
  refused(await post(J22 + '/update', { job_id: id, new_settings: { tasks: [cond('b', { depends_on: [{ task_key: 'c' }] })] } }), 'depends_on', /Task [bc] is part of a dependency cycle/);
  refused(await post(J22 + '/update', { job_id: id, new_settings: 'x' }), 'new_settings');
  refused(await post(J22 + '/update', { new_settings: {} }), 'job_id');
  assert.equal(JSON.stringify(await tasksOf()), before);

  // reset: all settings replaced, defaults again
  await ok(await post(J22 + '/reset', { job_id: id, new_settings: { name: 'reset', tasks: [cond('only')] } }));
  s = await tasksOf();
  assert.equal(s.name, 'reset');
  assert.equal(s.timeout_seconds, 0);
  assert.deepEqual(s.tasks.map((t) => t.task_key), ['only']);
  assert.deepEqual(s.queue, { enabled: true }, 'a job made through 2.2 keeps its queue default on reset');
  refused(await post(J22 + '/reset', { job_id: id }), 'new_settings');
  refused(await post(J22 + '/reset', { job_id: id, new_settings: { tasks: [cond('x'), cond('x')] } }), 'task_key');

  // delete: the job is gone for every call
  await ok(await post(J22 + '/delete', { job_id: id }));
  missingJob(await get(`${J22}/get?job_id=${id}`), id);
  missingJob(await post(J22 + '/delete', { job_id: id }), id);
  missingJob(await post(J22 + '/update', { job_id: id, new_settings: { name: 'x' } }), id);
  missingJob(await post(J22 + '/reset', { job_id: id, new_settings: { name: 'x' } }), id);
  assert.equal((await ok(await get(`${J22}/list?name=reset`))).jobs, undefined);
});

test('JobSettings refusals: 400 INVALID_PARAMETER_VALUE naming the field and the task; nothing is created', async () => {
  const nb = (k, extra = {}) => ({ task_key: k, notebook_task: { notebook_path: '/x' }, ...extra });
  const many = Array.from({ length: 1001 }, (_, i) => cond(`t${i}`));
  const cases = [
    ['duplicate task_key', { tasks: [cond('a'), cond('a')] }, 'task_key', /Task a: task_key is not unique/],
    ['unknown depends_on', { tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'zz' }] })] }, 'depends_on', /Task b depends on 'zz'/],
    ['a cycle', { tasks: [cond('a', { depends_on: [{ task_key: 'c' }] }), cond('b', { depends_on: [{ task_key: 'a' }] }), cond('c', { depends_on: [{ task_key: 'b' }] })] }, 'depends_on', /Task [abc] is part of a dependency cycle/],
    ['self dependency', { tasks: [cond('a', { depends_on: [{ task_key: 'a' }] })] }, 'depends_on', /Task a:/],
    ['no task type', { tasks: [{ task_key: 'a' }] }, 'tasks', /Task a: one task type/],
    ['two task types', { tasks: [{ task_key: 'a', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' }, notebook_task: { notebook_path: '/x' } }] }, 'tasks', /Task a: exactly one task type/],
    ['outcome on an edge from a non-condition task', { tasks: [nb('a'), cond('b', { depends_on: [{ task_key: 'a', outcome: 'true' }] })] }, 'depends_on', /Task b: an outcome may only be set .*'a'/],
    ['bad outcome', { tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'a', outcome: 'maybe' }] })] }, 'depends_on', /Task b:/],
    ['more than 1000 tasks', { tasks: many }, 'tasks', /at most 1000 tasks/],
    ['bad run_if', { tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'a' }], run_if: 'SOMETIMES' })] }, 'run_if', /Task b: run_if must be one of/],
    ['bad task key', { tasks: [cond('a b')] }, 'task_key', /a b/],
    ['bad condition op', { tasks: [{ task_key: 'a', condition_task: { left: '1', op: 'LIKE', right: '1' } }] }, 'condition_task.op', /Task a:/],
    ['retries on a condition task', { tasks: [cond('a', { max_retries: 2 })] }, 'max_retries', /Task a:/],
    ['bad cron expression', { schedule: { quartz_cron_expression: '0 0 25 * * ?', timezone_id: 'UTC' }, tasks: [cond('a')] }, 'schedule.quartz_cron_expression'],
    ['cron with too few fields', { schedule: { quartz_cron_expression: '* * *', timezone_id: 'UTC' }, tasks: [cond('a')] }, 'schedule.quartz_cron_expression'],
    ['bad time zone', { schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'Mars/Olympus_Mons' }, tasks: [cond('a')] }, 'schedule.timezone_id'],
    ['schedule without a time zone', { schedule: { quartz_cron_expression: '0 0 * * * ?' }, tasks: [cond('a')] }, 'schedule.timezone_id'],
    ['bad pause_status', { schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC', pause_status: 'NAP' }, tasks: [cond('a')] }, 'pause_status'],
    ['schedule and continuous', { schedule: { quartz_cron_expression: '0 0 * * * ?', timezone_id: 'UTC' }, continuous: {}, tasks: [cond('a')] }, 'schedule'],
    ['bad parameter name', { parameters: [{ name: 'bad name', default: 'x' }], tasks: [cond('a')] }, 'parameters', /bad name/],
    ['parameter without a default', { parameters: [{ name: 'p' }], tasks: [cond('a')] }, 'parameters'],
    ['parameter defined twice', { parameters: [{ name: 'p', default: '1' }, { name: 'p', default: '2' }], tasks: [cond('a')] }, 'parameters', /twice/],
    ['parameters not an array', { parameters: { p: '1' }, tasks: [cond('a')] }, 'parameters'],
    ['max_concurrent_runs above 1000', { max_concurrent_runs: 1001, tasks: [cond('a')] }, 'max_concurrent_runs'],
    ['max_concurrent_runs negative', { max_concurrent_runs: -1, tasks: [cond('a')] }, 'max_concurrent_runs'],
    ['max_concurrent_runs a string', { max_concurrent_runs: '5', tasks: [cond('a')] }, 'max_concurrent_runs'],
    ['timeout_seconds negative', { timeout_seconds: -5, tasks: [cond('a')] }, 'timeout_seconds'],
    ['name not a string', { name: 7, tasks: [cond('a')] }, 'name'],
    ['queue without enabled', { queue: {}, tasks: [cond('a')] }, 'queue'],
    ['too many tags', { tags: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`k${i}`, 'v'])), tasks: [cond('a')] }, 'tags'],
    ['unknown webhook destination', { webhook_notifications: { on_failure: [{ id: 'nope' }] }, tasks: [cond('a')] }, 'webhook_notifications'],
    ['bad email address', { email_notifications: { on_failure: ['not-an-address'] }, tasks: [cond('a')] }, 'email_notifications'],
    ['spark_python_task without --allow-command-tasks', { tasks: [{ task_key: 'py', spark_python_task: { python_file: '/tmp/x.py' } }] }, 'spark_python_task', /Task py: .*--allow-command-tasks/],
    ['python_wheel_task without --allow-command-tasks', { tasks: [{ task_key: 'wh', python_wheel_task: { package_name: 'p', entry_point: 'e' } }] }, 'python_wheel_task', /Task wh: .*--allow-command-tasks/],
    ['for_each inside for_each', { tasks: [{ task_key: 'f', for_each_task: { inputs: '[1]', task: { task_key: 'g', for_each_task: { inputs: '[1]', task: cond('h') } } } }] }, 'for_each_task'],
    ['run_job_task without a job id', { tasks: [{ task_key: 'r', run_job_task: {} }] }, 'run_job_task.job_id', /Task r:/],
  ];
  for (const [what, settings, field, msg] of cases) {
    const name = `refused-${what}`;
    const res = await post(J22 + '/create', { name, ...settings });
    assert.equal(res.status, 400, `${what}: ${res.text}`);
    refused(res, field, msg);
    assert.equal((await ok(await get(`${J22}/list?name=${encodeURIComponent(name)}`))).jobs, undefined, `${what}: nothing created`);
  }
  // exactly 1000 tasks is fine
  await create({ name: 'thousand', tasks: many.slice(0, 1000) });
  // runs/submit checks the same rules
  refused(await post(J22 + '/runs/submit', { tasks: [cond('a'), cond('a')] }), 'task_key', /Task a/);
  refused(await post(J22 + '/runs/submit', { run_name: 'no tasks' }), 'tasks');
});

test('the Jobs quirk: a missing job or run is 400 INVALID_PARAMETER_VALUE on every endpoint, both versions', async () => {
  const j = 4242424242;
  const r = 5151515151;
  for (const J of [J21, J22]) {
    missingJob(await get(`${J}/get?job_id=${j}`), j);
    missingJob(await post(J + '/update', { job_id: j, new_settings: {} }), j);
    missingJob(await post(J + '/reset', { job_id: j, new_settings: { name: 'x' } }), j);
    missingJob(await post(J + '/delete', { job_id: j }), j);
    missingJob(await post(J + '/run-now', { job_id: j }), j);
    missingJob(await get(`${J}/runs/list?job_id=${j}`), j);
    missingJob(await post(J + '/runs/cancel-all', { job_id: j }), j);
    missingRun(await get(`${J}/runs/get?run_id=${r}`), r);
    missingRun(await get(`${J}/runs/get-output?run_id=${r}`), r);
    missingRun(await post(J + '/runs/cancel', { run_id: r }), r);
    missingRun(await post(J + '/runs/delete', { run_id: r }), r);
    missingRun(await post(J + '/runs/repair', { run_id: r, rerun_all_failed_tasks: true }), r);
    refused(await get(`${J}/runs/get`), 'run_id');
    refused(await post(J + '/runs/cancel', {}), 'run_id');
    refused(await post(J + '/run-now', {}), 'job_id');
  }
  missingJob(await get(`${PERMS}/${j}`), j);
  missingJob(await get(`${PERMS}/${j}/permissionLevels`), j);
  missingJob(await srv.req('PUT', `${PERMS}/${j}`, { body: { access_control_list: [] } }), j);
  missingJob(await srv.req('PATCH', `${PERMS}/${j}`, { body: { access_control_list: [] } }), j);
  refused(await get(`${PERMS}/abc`), 'job_id');
  assertError(await post(J22 + '/runs/cancel-all', {}), 400, 'INVALID_PARAMETER_VALUE');
});

test('2.1 and 2.2: the queue default, and 2.2 pages tasks of jobs/get and runs/get by 100', async () => {
  const q21 = await create({ name: 'q21', tasks: [cond('a')] }, J21);
  const q22 = await create({ name: 'q22', tasks: [cond('a')] }, J22);
  const qx = await create({ name: 'qx', queue: { enabled: true }, tasks: [cond('a')] }, J21);
  for (const J of [J21, J22]) {
    assert.deepEqual((await ok(await get(`${J}/get?job_id=${q21}`))).settings.queue, { enabled: false });
    assert.deepEqual((await ok(await get(`${J}/get?job_id=${q22}`))).settings.queue, { enabled: true });
    assert.deepEqual((await ok(await get(`${J}/get?job_id=${qx}`))).settings.queue, { enabled: true });
  }
  // 250 tasks, 3 parameters
  const keys = Array.from({ length: 250 }, (_, i) => `t${String(i).padStart(3, '0')}`);
  const params = [{ name: 'p1', default: 'a' }, { name: 'p2', default: 'b' }, { name: 'p3', default: 'c' }];
  const big = await create({ name: 'big', parameters: params, tasks: keys.map((k) => cond(k)) });
  const inline = await ok(await get(`${J21}/get?job_id=${big}`));
  assert.equal(inline.settings.tasks.length, 250, '2.1 answers every task inline');
  assert.equal(inline.next_page_token, undefined);
  const pages = [];
  let tok = '';
  do {
    const p = await ok(await get(`${J22}/get?job_id=${big}${tok ? `&page_token=${encodeURIComponent(tok)}` : ''}`));
    pages.push(p);
    tok = p.next_page_token;
  } while (tok && pages.length < 10);
  assert.deepEqual(pages.map((p) => p.settings.tasks.length), [100, 100, 50]);
  assert.deepEqual(pages.flatMap((p) => p.settings.tasks.map((t) => t.task_key)), keys);
  assert.deepEqual(pages.map((p) => p.settings.parameters.length), [3, 0, 0], 'arrays with nothing more are empty on later pages');
  assert.equal(pages[0].has_more, true);
  assert.equal(pages[2].next_page_token, undefined);
  for (const p of pages) assert.equal(p.settings.name, 'big');
  refused(await get(`${J22}/get?job_id=${big}&page_token=junk`));
  // its run: runs/get pages the same way in 2.2, not in 2.1
  const run = await runNow(big);
  const done = await waitRun(run);
  assert.equal(done.state.result_state, 'SUCCESS', JSON.stringify(done.state));
  assert.equal(done.tasks.length, 100);
  assert.equal(typeof done.next_page_token, 'string');
  const all21 = await ok(await get(`${J21}/runs/get?run_id=${run}`));
  assert.equal(all21.tasks.length, 250);
  assert.equal(all21.next_page_token, undefined);
  const runTasks = await (async () => {
    const out = [];
    let t = '';
    do {
      const p = await ok(await get(`${J22}/runs/get?run_id=${run}${t ? `&page_token=${encodeURIComponent(t)}` : ''}`));
      out.push(...p.tasks);
      t = p.next_page_token;
    } while (t);
    return out;
  })();
  assert.deepEqual(runTasks.map((t) => t.task_key).sort(), keys);
});

test('run-now: job_parameters with defaults, unknown parameters refused, idempotency_token, only', async () => {
  const id = await create({ name: 'params', parameters: [{ name: 'env', default: 'dev' }, { name: 'n', default: '1' }],
    tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'a' }] }), cond('c', { depends_on: [{ task_key: 'b' }] })] });
  const res = await ok(await post(J22 + '/run-now', { job_id: id, job_parameters: { env: 'prod' } }));
  assert.equal(res.number_in_job, res.run_id);
  const run = await waitRun(res.run_id);
  assert.equal(run.job_id, id);
  assert.equal(run.run_type, 'JOB_RUN');
  assert.equal(run.trigger, 'ONE_TIME');
  assert.equal(run.state.result_state, 'SUCCESS');
  assert.equal(run.status.state, 'TERMINATED');
  assert.equal(run.status.termination_details.code, 'SUCCESS');
  assert.deepEqual(run.job_parameters, [{ name: 'env', default: 'dev', value: 'prod' }, { name: 'n', default: '1', value: '1' }]);
  assert.deepEqual(run.tasks.map((t) => t.task_key).sort(), ['a', 'b', 'c']);
  for (const t of run.tasks) assert.equal(t.condition_task.outcome, 'true');
  // refusals
  refused(await post(J22 + '/run-now', { job_id: id, job_parameters: { nope: 'x' } }), 'job_parameters', /nope/);
  refused(await post(J22 + '/run-now', { job_id: id, job_parameters: { env: 3 } }), 'job_parameters');
  refused(await post(J22 + '/run-now', { job_id: id, job_parameters: ['env'] }), 'job_parameters');
  refused(await post(J22 + '/run-now', { job_id: id, idempotency_token: 'x'.repeat(65) }), 'idempotency_token');
  refused(await post(J22 + '/run-now', { job_id: id, queue: { on: true } }), 'queue');
  refused(await post(J22 + '/run-now', { job_id: id, only: ['zz'] }), 'only');
  refused(await post(J22 + '/run-now', { job_id: id, only: 'a' }), 'only');
  refused(await post(J22 + '/run-now', { job_id: 'x' }), 'job_id');
  // idempotency: the same token answers the same run
  const t1 = await runNow(id, { idempotency_token: 'tok-1' });
  assert.equal(await runNow(id, { idempotency_token: 'tok-1' }), t1);
  const t2 = await runNow(id, { idempotency_token: 'tok-2' });
  assert.notEqual(t2, t1);
  await waitRun(t1);
  await waitRun(t2);
  assert.equal(await runNow(id, { idempotency_token: 'tok-1' }), t1, 'also once the run has finished');
  // only: t, +t (upstream), t+ (downstream)
  const keysOf = async (only) => (await waitRun(await runNow(id, { only }))).tasks.map((t) => t.task_key).sort();
  assert.deepEqual(await keysOf(['b']), ['b']);
  assert.deepEqual(await keysOf(['+b']), ['a', 'b']);
  assert.deepEqual(await keysOf(['b+']), ['b', 'c']);
  assert.deepEqual(await keysOf(['+c']), ['a', 'b', 'c']);
});

test('runs/submit, runs/list filters, order and pages, get-output, runs/delete', async () => {
  const sub = await ok(await post(J22 + '/runs/submit', { run_name: 'adhoc', tasks: [cond('x')] }));
  const sr = await waitRun(sub.run_id);
  assert.equal(sr.run_type, 'SUBMIT_RUN');
  assert.equal(sr.run_name, 'adhoc');
  assert.equal(sr.job_id, undefined);
  assert.equal(sr.state.result_state, 'SUCCESS');
  const untitled = await waitRun((await ok(await post(J21 + '/runs/submit', { tasks: [cond('x')] }))).run_id);
  assert.equal(untitled.run_name, 'Untitled');
  const subTok = (await ok(await post(J22 + '/runs/submit', { idempotency_token: 'sub-1', tasks: [cond('x')] }))).run_id;
  assert.equal((await ok(await post(J22 + '/runs/submit', { idempotency_token: 'sub-1', tasks: [cond('x')] }))).run_id, subTok);
  await waitRun(subTok);

  const id = await create({ name: 'lister', tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'a' }] })] });
  const runs = [];
  for (let i = 0; i < 3; i++) {
    runs.push(await runNow(id));
    await waitRun(runs[i]);
  }
  // job_id filter: newest first
  const mine = await ok(await get(`${J22}/runs/list?job_id=${id}`));
  assert.deepEqual(mine.runs.map((r) => r.run_id), [...runs].reverse());
  assert.equal(mine.has_more, false);
  assert.equal(mine.runs[0].tasks, undefined, 'tasks only with expand_tasks');
  const exp = await ok(await get(`${J22}/runs/list?job_id=${id}&expand_tasks=true`));
  assert.deepEqual(exp.runs[0].tasks.map((t) => t.task_key).sort(), ['a', 'b']);
  // order over all runs: end time descending
  const every = await ok(await get(`${J22}/runs/list?limit=25`));
  const ends = every.runs.map((r) => r.end_time || r.start_time);
  for (let i = 1; i < ends.length; i++) assert.ok(ends[i - 1] >= ends[i], `ordered by end time: ${ends}`);
  // run_type
  const submits = await ok(await get(`${J22}/runs/list?run_type=SUBMIT_RUN&limit=25`));
  assert.ok(submits.runs.length >= 3);
  for (const r of submits.runs) assert.equal(r.run_type, 'SUBMIT_RUN');
  assert.ok(submits.runs.some((r) => r.run_id === sub.run_id));
  const jobRuns = await ok(await get(`${J22}/runs/list?run_type=JOB_RUN&limit=25`));
  for (const r of jobRuns.runs) assert.equal(r.run_type, 'JOB_RUN');
  refused(await get(`${J22}/runs/list?run_type=NIGHTLY`), 'run_type');
  // active_only / completed_only
  refused(await get(`${J22}/runs/list?active_only=true&completed_only=true`), 'active_only');
  assert.equal((await ok(await get(`${J22}/runs/list?job_id=${id}&active_only=true`))).runs, undefined);
  assert.equal((await ok(await get(`${J22}/runs/list?job_id=${id}&completed_only=true`))).runs.length, 3);
  // start_time window
  const r0 = (await ok(await get(`${J22}/runs/get?run_id=${runs[0]}`))).start_time;
  const win = await ok(await get(`${J22}/runs/list?job_id=${id}&start_time_from=${r0}&start_time_to=${r0}`));
  assert.ok(win.runs.some((r) => r.run_id === runs[0]));
  for (const r of win.runs) assert.equal(r.start_time, r0);
  // limit 1..25 (0: the maximum)
  for (const bad of ['26', '-1', 'x']) refused(await get(`${J22}/runs/list?limit=${bad}`), 'limit');
  await ok(await get(`${J22}/runs/list?limit=0`));
  await ok(await get(`${J22}/runs/list?limit=25`));
  // pages
  const p1 = await ok(await get(`${J22}/runs/list?job_id=${id}&limit=1`));
  assert.equal(p1.has_more, true);
  const paged = await allPages(`${J22}/runs/list?job_id=${id}&limit=1`, 'runs');
  assert.deepEqual(paged.map((r) => r.run_id), [...runs].reverse());

  // get-output: not on a run of several tasks; yes on a task run and on a one-task run
  const multi = await get(`${J22}/runs/get-output?run_id=${runs[0]}`);
  refused(multi);
  assert.equal(multi.json.message, 'Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead.');
  const full = await ok(await get(`${J22}/runs/get?run_id=${runs[0]}`));
  const taskOut = await ok(await get(`${J22}/runs/get-output?run_id=${full.tasks[0].run_id}`));
  assert.equal(taskOut.metadata.run_id, full.tasks[0].run_id);
  assert.equal(taskOut.metadata.job_run_id, runs[0]);
  assert.equal(taskOut.metadata.state.life_cycle_state, 'TERMINATED');
  const one = await ok(await get(`${J22}/runs/get-output?run_id=${sub.run_id}`));
  assert.equal(one.metadata.tasks[0].task_key, 'x');
  // runs/get of a task run: that task only
  const tr = await ok(await get(`${J22}/runs/get?run_id=${full.tasks[1].run_id}`));
  assert.equal(tr.tasks.length, 1);
  assert.equal(tr.job_run_id, runs[0]);

  // runs/delete of a finished run; gone afterwards
  await ok(await post(J22 + '/runs/delete', { run_id: runs[0] }));
  missingRun(await get(`${J22}/runs/get?run_id=${runs[0]}`), runs[0]);
  missingRun(await post(J22 + '/runs/delete', { run_id: runs[0] }), runs[0]);
  assert.deepEqual((await ok(await get(`${J22}/runs/list?job_id=${id}`))).runs.map((r) => r.run_id), [runs[2], runs[1]]);
  // cancel of a finished run is accepted and changes nothing
  await ok(await post(J22 + '/runs/cancel', { run_id: runs[1] }));
  assert.equal((await ok(await get(`${J22}/runs/get?run_id=${runs[1]}`))).state.result_state, 'SUCCESS');
});

test('repair: its errors, rerun_all_failed_tasks, latest_repair_id on the second repair, repair_history', async () => {
  // b fails at run time (no notebook runtime here); c depends on b
  const id = await create({ name: 'repairable', tasks: [cond('a'),
    { task_key: 'b', depends_on: [{ task_key: 'a' }], notebook_task: { notebook_path: '/nb' } },
    cond('c', { depends_on: [{ task_key: 'b' }] })] });
  const run = await runNow(id);
  const failed = await waitRun(run);
  assert.equal(failed.state.result_state, 'FAILED', JSON.stringify(failed));
  const st = Object.fromEntries(failed.tasks.map((t) => [t.task_key, t.state.result_state]));
  assert.deepEqual(st, { a: 'SUCCESS', b: 'FAILED', c: 'UPSTREAM_FAILED' });
  const R = J22 + '/runs/repair';
  refused(await post(R, { run_id: run }), 'rerun_tasks');
  refused(await post(R, { run_id: run, rerun_tasks: [] }), 'rerun_tasks');
  refused(await post(R, { run_id: run, rerun_tasks: ['b'], rerun_all_failed_tasks: true }), 'rerun_tasks');
  const dup = await post(R, { run_id: run, rerun_tasks: ['b', 'b'] });
  refused(dup, 'rerun_tasks');
  assert.equal(dup.json.message, 'rerun_tasks cannot contain duplicate task keys.');
  refused(await post(R, { run_id: run, rerun_tasks: ['zz'] }), 'rerun_tasks', /zz/);
  refused(await post(R, { run_id: run, rerun_all_failed_tasks: 'yes' }), 'rerun_all_failed_tasks');
  refused(await post(R, { run_id: run, rerun_all_failed_tasks: true, latest_repair_id: 'x' }), 'latest_repair_id');
  // the first repair needs no latest_repair_id
  const rep1 = (await ok(await post(R, { run_id: run, rerun_all_failed_tasks: true }))).repair_id;
  assert.ok(Number.isSafeInteger(rep1));
  const after1 = await waitRun(run);
  assert.equal(after1.state.result_state, 'FAILED');
  // the second one does
  const second = await post(R, { run_id: run, rerun_tasks: ['a'] });
  refused(second, 'latest_repair_id');
  assert.equal(second.json.message, 'The latest repair ID needs to be provided in order to create a new repair.');
  refused(await post(R, { run_id: run, rerun_tasks: ['a'], latest_repair_id: rep1 + 1 }), 'latest_repair_id');
  // fix the job (b becomes a condition task): repair uses the job's current settings
  await ok(await post(J22 + '/update', { job_id: id, new_settings: { tasks: [cond('b', { depends_on: [{ task_key: 'a' }] })] } }));
  const rep2 = (await ok(await post(R, { run_id: run, rerun_tasks: ['b'], rerun_dependent_tasks: true, latest_repair_id: rep1 }))).repair_id;
  const fixed = await waitRun(run);
  assert.equal(fixed.state.result_state, 'SUCCESS', JSON.stringify(fixed.state));
  const hist = await ok(await get(`${J22}/runs/get?run_id=${run}&include_history=true`));
  assert.deepEqual(hist.repair_history.map((h) => h.type), ['ORIGINAL', 'REPAIR', 'REPAIR']);
  assert.deepEqual(hist.repair_history.slice(1).map((h) => h.id), [rep1, rep2]);
  assert.equal(hist.repair_history[0].task_run_ids.length, 3);
  const allTaskRuns = hist.repair_history.flatMap((h) => h.task_run_ids).sort();
  assert.deepEqual(allTaskRuns, hist.tasks.map((t) => t.run_id).sort(), 'each task run belongs to one history item');
  // the newest attempt of each task succeeded
  const latest = {};
  for (const t of hist.tasks) if (!latest[t.task_key] || latest[t.task_key].run_id < t.run_id) latest[t.task_key] = t;
  assert.deepEqual(Object.fromEntries(Object.entries(latest).map(([k, t]) => [k, t.state.result_state])), { a: 'SUCCESS', b: 'SUCCESS', c: 'SUCCESS' });
});

test('get-output of a one-task run answers its newest attempt, also after a repair added a second one', async () => {
  const id = await create({ name: 'one-task', tasks: [{ task_key: 'nb', notebook_task: { notebook_path: '/nb' } }] });
  const run = await runNow(id);
  await waitRun(run);
  const first = await ok(await get(`${J22}/runs/get-output?run_id=${run}`));
  assert.equal(first.metadata.tasks[0].task_key, 'nb');
  assert.equal(typeof first.error, 'string');
  await ok(await post(J22 + '/runs/repair', { run_id: run, rerun_all_failed_tasks: true }));
  const repaired = await waitRun(run);
  const attempts = repaired.tasks.map((t) => t.run_id).sort();
  assert.equal(attempts.length, 2, 'the repair appended a task run');
  const out = await ok(await get(`${J22}/runs/get-output?run_id=${run}`));
  assert.equal(out.metadata.run_id, attempts[1], 'the newest attempt');
});

test('permissions: hidden jobs answer as missing, CAN_VIEW reads, CAN_MANAGE_RUN runs, CAN_MANAGE edits, groups, owners', async () => {
  const id = await create({ name: 'guarded', tasks: [cond('a'), cond('b', { depends_on: [{ task_key: 'a' }] })] });
  const run = await runNow(id);
  const done = await waitRun(run);
  const taskRun = done.tasks[0].run_id;
  const ghost = id + 1;
  const T = (who) => sp[who].token;
  const hiddenFor = async (who) => {
    const tok = T(who);
    // exactly the answer for a job that does not exist (but for the id)
    const a = await get(`${J22}/get?job_id=${id}`, tok);
    const b = await get(`${J22}/get?job_id=${ghost}`, tok);
    missingJob(a, id);
    assert.deepEqual(a.json, JSON.parse(b.text.replaceAll(String(ghost), String(id))));
    missingJob(await post(J22 + '/run-now', { job_id: id }, tok), id);
    missingJob(await get(`${PERMS}/${id}`, tok), id);
    missingJob(await get(`${PERMS}/${id}/permissionLevels`, tok), id);
    missingJob(await get(`${J22}/runs/list?job_id=${id}`, tok), id);
    missingJob(await post(J22 + '/update', { job_id: id, new_settings: { name: 'x' } }, tok), id);
    missingRun(await get(`${J22}/runs/get?run_id=${run}`, tok), run);
    missingRun(await get(`${J22}/runs/get?run_id=${taskRun}`, tok), taskRun);
    missingRun(await get(`${J22}/runs/get-output?run_id=${taskRun}`, tok), taskRun);
    missingRun(await post(J22 + '/runs/cancel', { run_id: run }, tok), run);
    const jobs = (await ok(await get(`${J22}/list?limit=100`, tok))).jobs || [];
    assert.ok(!jobs.some((j) => j.job_id === id), `${who} lists the job`);
    assert.equal((await ok(await get(`${J22}/list?name=guarded`, tok))).jobs, undefined);
    const runs = (await ok(await get(`${J22}/runs/list?limit=25`, tok))).runs || [];
    assert.ok(!runs.some((r) => r.job_id === id), `${who} lists a run of the job`);
  };
  for (const who of ['nobody', 'viewer', 'runner', 'member', 'manager']) await hiddenFor(who);

  // PUT replaces the list; the owner stays; admins inherit CAN_MANAGE
  const put = await ok(await srv.req('PUT', `${PERMS}/${id}`, { body: { access_control_list: [
    { service_principal_name: sp.viewer.name, permission_level: 'CAN_VIEW' },
    { service_principal_name: sp.runner.name, permission_level: 'CAN_MANAGE_RUN' },
    { service_principal_name: sp.manager.name, permission_level: 'CAN_MANAGE' }] } }));
  assert.equal(put.object_id, `/jobs/${id}`);
  assert.equal(put.object_type, 'job');
  const levelOf = (acl, key, name) => {
    const e = acl.access_control_list.find((x) => x[key] === name);
    return e && e.all_permissions.map((p) => p.permission_level);
  };
  assert.deepEqual(levelOf(put, 'user_name', 'admin'), ['IS_OWNER']);
  assert.deepEqual(levelOf(put, 'service_principal_name', sp.viewer.name), ['CAN_VIEW']);
  assert.deepEqual(levelOf(put, 'service_principal_name', sp.runner.name), ['CAN_MANAGE_RUN']);
  assert.deepEqual(levelOf(put, 'group_name', 'admins'), ['CAN_MANAGE']);
  assert.deepEqual(await ok(await get(`${PERMS}/${id}`)), put);

  // CAN_VIEW: reads, lists; no run, no edit, no permissions
  const v = T('viewer');
  assert.equal((await ok(await get(`${J22}/get?job_id=${id}`, v))).settings.name, 'guarded');
  assert.equal((await ok(await get(`${J21}/runs/get?run_id=${run}`, v))).run_id, run);
  await ok(await get(`${J22}/runs/get-output?run_id=${taskRun}`, v));
  assert.ok((await ok(await get(`${J22}/list?limit=100`, v))).jobs.some((j) => j.job_id === id));
  assert.ok((await ok(await get(`${J22}/runs/list?limit=25`, v))).runs.some((r) => r.run_id === run));
  assert.deepEqual((await ok(await get(`${J22}/runs/list?job_id=${id}`, v))).runs.map((r) => r.run_id), [run]);
  assert.equal((await ok(await get(`${PERMS}/${id}/permissionLevels`, v))).permission_levels.length, 4);
  assertError(await post(J22 + '/run-now', { job_id: id }, v), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/runs/cancel', { run_id: run }, v), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/runs/repair', { run_id: run, rerun_tasks: ['a'] }, v), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/update', { job_id: id, new_settings: { name: 'x' } }, v), 403, 'PERMISSION_DENIED');
  assertError(await get(`${PERMS}/${id}`, v), 403, 'PERMISSION_DENIED');

  // CAN_MANAGE_RUN: runs, cancels, repairs; no edit, no delete
  const r = T('runner');
  const rr = (await ok(await post(J22 + '/run-now', { job_id: id }, r))).run_id;
  await ok(await post(J22 + '/runs/cancel', { run_id: rr }, r));
  const rrDone = await waitRun(rr);
  assert.equal(rrDone.creator_user_name, sp.runner.name);
  await ok(await post(J22 + '/runs/cancel-all', { job_id: id }, r));
  await ok(await post(J22 + '/runs/repair', { run_id: run, rerun_tasks: ['a'] }, r));
  await waitRun(run);
  assertError(await post(J22 + '/update', { job_id: id, new_settings: { name: 'x' } }, r), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/reset', { job_id: id, new_settings: { name: 'x' } }, r), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/delete', { job_id: id }, r), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/runs/delete', { run_id: rr }, r), 403, 'PERMISSION_DENIED');
  assertError(await srv.req('PATCH', `${PERMS}/${id}`, { token: r, body: { access_control_list: [] } }), 403, 'PERMISSION_DENIED');
  assertError(await post(J22 + '/runs/cancel-all', { job_id: id }, v), 403, 'PERMISSION_DENIED');

  // CAN_MANAGE: edits and manages permissions, but cannot hand the job to a new owner
  const m = T('manager');
  await ok(await post(J22 + '/update', { job_id: id, new_settings: { description: 'managed' } }, m));
  await ok(await get(`${PERMS}/${id}`, m));
  assertError(await srv.req('PATCH', `${PERMS}/${id}`, { token: m, body: { access_control_list: [
    { user_name: 'owner@example.com', permission_level: 'IS_OWNER' }] } }), 403, 'PERMISSION_DENIED');

  // PATCH adds to the list; a grant to a group reaches its members
  await hiddenFor('member');
  assert.equal((await get(`${J22}/get?job_id=${id}`, T('member'))).status, 400);
  const patched = await ok(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [
    { group_name: 'job-runners', permission_level: 'CAN_MANAGE_RUN' }] } }));
  assert.deepEqual(levelOf(patched, 'group_name', 'job-runners'), ['CAN_MANAGE_RUN']);
  assert.deepEqual(levelOf(patched, 'service_principal_name', sp.viewer.name), ['CAN_VIEW'], 'PATCH keeps the others');
  const mr = (await ok(await post(J22 + '/run-now', { job_id: id }, T('member')))).run_id;
  await waitRun(mr);
  assertError(await post(J22 + '/update', { job_id: id, new_settings: { name: 'x' } }, T('member')), 403, 'PERMISSION_DENIED');
  // an empty PATCH (the SDK sends no body) changes nothing
  assert.deepEqual(await ok(await srv.req('PATCH', `${PERMS}/${id}`)), patched);

  // refusals
  const before = JSON.stringify(patched);
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ group_name: 'job-runners', permission_level: 'IS_OWNER' }] } }), 'permission_level', /user or a service principal/);
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ user_name: 'nobody@example.com', permission_level: 'CAN_VIEW' }] } }), 'access_control_list');
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ user_name: 'owner@example.com', permission_level: 'CAN_FLY' }] } }), 'permission_level');
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ user_name: 'owner@example.com', group_name: 'job-runners', permission_level: 'CAN_VIEW' }] } }), 'access_control_list');
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [
    { user_name: 'owner@example.com', permission_level: 'IS_OWNER' }, { service_principal_name: sp.viewer.name, permission_level: 'IS_OWNER' }] } }), 'permission_level');
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: {} } }), 'access_control_list');
  refused(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ service_principal_name: 'owner@example.com', permission_level: 'CAN_VIEW' }] } }), 'access_control_list');
  assert.equal(JSON.stringify(await ok(await get(`${PERMS}/${id}`))), before);

  // IS_OWNER to a user: the old owner keeps CAN_MANAGE
  const owned = await ok(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [
    { user_name: 'owner@example.com', permission_level: 'IS_OWNER' }] } }));
  assert.deepEqual(levelOf(owned, 'user_name', 'owner@example.com'), ['IS_OWNER']);
  assert.deepEqual(levelOf(owned, 'user_name', 'admin'), ['CAN_MANAGE']);
  assert.equal(owned.access_control_list.filter((e) => e.all_permissions.some((p) => p.permission_level === 'IS_OWNER')).length, 1);

  // PUT with an empty list: every grant goes but the owner's
  const cleared = await ok(await srv.req('PUT', `${PERMS}/${id}`, { body: { access_control_list: [] } }));
  assert.deepEqual(cleared.access_control_list.map((e) => e.user_name || e.group_name || e.service_principal_name).sort(), ['admins', 'owner@example.com']);
  for (const who of ['viewer', 'runner', 'member', 'manager']) await hiddenFor(who);

  // permissionLevels
  const lv = await ok(await get(`${PERMS}/${id}/permissionLevels`));
  assert.deepEqual(lv.permission_levels.map((l) => l.permission_level), ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER']);
  for (const l of lv.permission_levels) assert.equal(typeof l.description, 'string');

  // create with an access_control_list; a non-admin creator owns its job
  const own = await create({ name: 'sp-owned', tasks: [cond('a')], access_control_list: [
    { service_principal_name: sp.viewer.name, permission_level: 'CAN_VIEW' }] }, J22, T('nobody'));
  const ownAcl = await ok(await get(`${PERMS}/${own}`, T('nobody')));
  assert.deepEqual(levelOf(ownAcl, 'service_principal_name', sp.nobody.name), ['IS_OWNER']);
  assert.deepEqual(levelOf(ownAcl, 'service_principal_name', sp.viewer.name), ['CAN_VIEW']);
  await ok(await get(`${J22}/get?job_id=${own}`, v));
  missingJob(await get(`${J22}/get?job_id=${own}`, r), own);
  refused(await post(J22 + '/create', { name: 'bad-acl', tasks: [cond('a')], access_control_list: [{ user_name: 'ghost@example.com', permission_level: 'CAN_VIEW' }] }), 'access_control_list');
  // run_as another principal: admins only
  assertError(await post(J22 + '/create', { name: 'ra', tasks: [cond('a')], run_as: { user_name: 'owner@example.com' } }, T('nobody')), 403, 'PERMISSION_DENIED');
  const ra = await create({ name: 'ra', tasks: [cond('a')], run_as: { user_name: 'owner@example.com' } });
  assert.equal((await ok(await get(`${J22}/get?job_id=${ra}`))).run_as_user_name, 'owner@example.com');

  // runs/submit's access_control_list is checked like a job's
  refused(await post(J22 + '/runs/submit', { tasks: [cond('x')], access_control_list: [{ user_name: 'owner@example.com', permission_level: 'CAN_FLY' }] }), 'access_control_list');
  refused(await post(J22 + '/runs/submit', { tasks: [cond('x')], access_control_list: [{ group_name: 'job-runners', permission_level: 'IS_OWNER' }] }), 'access_control_list');
  refused(await post(J22 + '/runs/submit', { tasks: [cond('x')], access_control_list: [{ user_name: 'ghost@example.com', permission_level: 'CAN_VIEW' }] }), 'access_control_list');
  const shared = (await ok(await post(J22 + '/runs/submit', { tasks: [cond('x')], access_control_list: [
    { service_principal_name: sp.viewer.name, permission_level: 'CAN_VIEW' }] }))).run_id;
  await ok(await get(`${J22}/runs/get?run_id=${shared}`, v));
  assertError(await post(J22 + '/runs/cancel', { run_id: shared }, v), 403, 'PERMISSION_DENIED');
  missingRun(await get(`${J22}/runs/get?run_id=${shared}`, r), shared);
  // runs/submit runs: their creator sees them, others do not
  const subRun = (await ok(await post(J22 + '/runs/submit', { tasks: [cond('x')] }, T('nobody')))).run_id;
  await ok(await get(`${J22}/runs/get?run_id=${subRun}`, T('nobody')));
  missingRun(await get(`${J22}/runs/get?run_id=${subRun}`, v), subRun);
  assert.ok(!((await ok(await get(`${J22}/runs/list?limit=25`, v))).runs || []).some((x) => x.run_id === subRun));
});

test('run_as: an edit never changes whom the job runs as; a manager may keep a run_as it could not set', async () => {
  const sid = await create({ name: 'sp-run-as', tasks: [cond('a')] }, J22, sp.nobody.token);
  const runAs = async (id) => (await ok(await get(`${J22}/get?job_id=${id}`))).run_as_user_name;
  assert.equal(await runAs(sid), sp.nobody.name);
  // an admin edits the job: it still runs as its creator, not as the admin
  await ok(await post(J22 + '/update', { job_id: sid, new_settings: { description: 'edited by an admin' } }));
  assert.equal(await runAs(sid), sp.nobody.name);
  await ok(await post(J22 + '/reset', { job_id: sid, new_settings: { name: 'sp-run-as', tasks: [cond('a')] } }));
  assert.equal(await runAs(sid), sp.nobody.name);
  const run = await waitRun(await runNow(sid));
  assert.equal(run.state.result_state, 'SUCCESS');

  // an admin sets run_as; a CAN_MANAGE service principal edits other fields
  const id = await create({ name: 'admin-run-as', run_as: { user_name: 'owner@example.com' }, tasks: [cond('a')] });
  await ok(await srv.req('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [
    { service_principal_name: sp.manager.name, permission_level: 'CAN_MANAGE' }] } }));
  const m = sp.manager.token;
  await ok(await post(J22 + '/update', { job_id: id, new_settings: { description: 'edited by a manager' } }, m));
  assert.equal(await runAs(id), 'owner@example.com');
  // ... but cannot point it at someone else, and removing run_as goes back to the creator
  assertError(await post(J22 + '/update', { job_id: id, new_settings: { run_as: { service_principal_name: sp.viewer.name } } }, m), 403, 'PERMISSION_DENIED');
  assert.equal(await runAs(id), 'owner@example.com');
  await ok(await post(J22 + '/update', { job_id: id, fields_to_remove: ['run_as'] }, m));
  assert.equal(await runAs(id), 'admin');
  await ok(await post(J22 + '/update', { job_id: id, new_settings: { run_as: { service_principal_name: sp.manager.name } } }, m));
  assert.equal(await runAs(id), sp.manager.name);
});

test('writes are audited: create, run-now, a denied run-now, permission changes, delete', async () => {
  const UA = 'weir-jobs-audit/1.0';
  const rid = async (method, p, opts) => {
    const res = await srv.req(method, p, { ...opts, headers: { 'user-agent': UA } });
    return { res, rid: res.headers.get('x-request-id') };
  };
  const c = await rid('POST', J22 + '/create', { body: { name: 'audited', tasks: [cond('a')] } });
  assert.equal(c.res.status, 200, c.res.text);
  const id = c.res.json.job_id;
  const rn = await rid('POST', J22 + '/run-now', { body: { job_id: id } });
  assert.equal(rn.res.status, 200);
  await waitRun(rn.res.json.run_id);
  const denied = await rid('POST', J22 + '/run-now', { token: sp.nobody.token, body: { job_id: id } });
  assert.equal(denied.res.status, 400);
  const pp = await rid('PATCH', `${PERMS}/${id}`, { body: { access_control_list: [{ service_principal_name: sp.viewer.name, permission_level: 'CAN_VIEW' }] } });
  assert.equal(pp.res.status, 200);
  const bad = await rid('POST', J22 + '/create', { body: { name: 'audited-bad', tasks: [cond('a'), cond('a')] } });
  assert.equal(bad.res.status, 400);
  const del = await rid('POST', J22 + '/delete', { body: { job_id: id } });
  assert.equal(del.res.status, 200);
  const read = await rid('GET', `${J22}/list`, {});

  const events = [];
  let tok;
  do {
    const r = await ok(await get(`/api/2.0/weir/audit${tok ? `?page_token=${encodeURIComponent(tok)}` : ''}`));
    events.push(...r.events);
    tok = r.next_page_token;
  } while (tok);
  const row = (x) => {
    const mine = events.filter((e) => e.request_id === x.rid);
    assert.equal(mine.length, 1, `${x.rid}: ${mine.length} rows`);
    return mine[0];
  };
  const expect = [
    [c, 'create', 200, 'admin'], [rn, 'runNow', 200, 'admin'], [denied, 'runNow', 400, sp.nobody.name],
    [pp, 'updatePermissions', 200, 'admin'], [bad, 'create', 400, 'admin'], [del, 'delete', 200, 'admin'],
  ];
  for (const [x, action, status, who] of expect) {
    const e = row(x);
    assert.equal(e.service_name, 'jobs');
    assert.equal(e.action_name, action);
    assert.equal(e.response.status_code, status);
    assert.equal(e.user_identity.email, who);
    assert.equal(e.user_agent, UA);
  }
  assert.equal(row(c).securable, `/jobs/${id}`);
  assert.equal(row(rn).securable, `/jobs/${id}`);
  assert.equal(row(bad).response.error_code, 'INVALID_PARAMETER_VALUE');
  assert.equal(events.filter((e) => e.request_id === read.rid).length, 0, 'reads are not audited');
});

test('active runs (a sleeping command task): runs/delete and repair refused, cancel, queueing, active_only, command tasks for admins only', async () => {
  const s2 = await startServer(['--allow-command-tasks']);
  try {
    const script = path.join(s2.dir, 'sleep.py');
    fs.writeFileSync(script, 'import time\nprint("sleeping", flush=True)\ntime.sleep(60)\n');
    const p2 = (p, body) => s2.req('POST', p, { body });
    const id = (await ok(await p2(J22 + '/create', { name: 'sleeper', max_concurrent_runs: 1,
      tasks: [{ task_key: 's', spark_python_task: { python_file: script } }] }))).job_id;
    const run = (await ok(await p2(J22 + '/run-now', { job_id: id }))).run_id;
    await waitState(s2, run, 'RUNNING');
    // a second run waits in the queue (2.2 job: queue on)
    const queued = (await ok(await p2(J22 + '/run-now', { job_id: id }))).run_id;
    const q = await waitState(s2, queued, 'QUEUED');
    assert.equal(q.status.state, 'QUEUED');
    assert.equal(q.status.queue_details.code, 'MAX_CONCURRENT_RUNS_REACHED');

    assertError(await p2(J22 + '/runs/delete', { run_id: run }), 400, 'INVALID_STATE');
    const rep = await p2(J22 + '/runs/repair', { run_id: run, rerun_all_failed_tasks: true });
    assertError(rep, 400, 'INVALID_STATE');
    assert.match(rep.json.message, /in progress/);
    const active = await ok(await s2.req('GET', `${J22}/runs/list?job_id=${id}&active_only=true`));
    assert.deepEqual(active.runs.map((r) => r.run_id).sort(), [run, queued].sort());
    assert.equal((await ok(await s2.req('GET', `${J22}/runs/list?job_id=${id}&completed_only=true`))).runs, undefined);

    // cancel the running one: the queued one starts; cancel-all ends it
    await ok(await p2(J22 + '/runs/cancel', { run_id: run }));
    const canceled = await waitRun(run, s2);
    assert.equal(canceled.state.result_state, 'CANCELED');
    assert.equal(canceled.status.termination_details.code, 'USER_CANCELED');
    await waitState(s2, queued, 'RUNNING');
    await ok(await p2(J22 + '/runs/cancel-all', { job_id: id }));
    assert.equal((await waitRun(queued, s2)).state.result_state, 'CANCELED');
    await ok(await p2(J22 + '/runs/delete', { run_id: run }));

    // a non-admin may not create jobs with command tasks
    const s = await s2.req('POST', `${SCIM}/ServicePrincipals`, { body: { displayName: 'cmd' } });
    const t = await s2.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: s.json.applicationId } });
    assertError(await s2.req('POST', J22 + '/create', { token: t.json.token_value, body: { name: 'x',
      tasks: [{ task_key: 's', spark_python_task: { python_file: script } }] } }), 403, 'PERMISSION_DENIED');
  } finally {
    await s2.stop();
  }
});

test('2.2 jobs/list expand_tasks: at most 100 tasks per item with has_more; 2.1 answers them all', async () => {
  const tasks = Array.from({ length: 150 }, (_, i) => cond(`t${i}`));
  const jobId = (await post(`${J22}/create`, { name: 'wide-list-150', tasks })).json.job_id;
  const l22 = (await get(`${J22}/list?name=wide-list-150&expand_tasks=true`)).json;
  assert.equal(l22.jobs.length, 1);
  assert.equal(l22.jobs[0].job_id, jobId);
  assert.equal(l22.jobs[0].settings.tasks.length, 100);
  assert.equal(l22.jobs[0].has_more, true);
  const l21 = (await get(`${J21}/list?name=wide-list-150&expand_tasks=true`)).json;
  assert.equal(l21.jobs[0].settings.tasks.length, 150);
  assert.equal(l21.jobs[0].has_more, undefined);
  const plain = (await get(`${J22}/list?name=wide-list-150`)).json;
  assert.equal(plain.jobs[0].settings.tasks, undefined);
});
