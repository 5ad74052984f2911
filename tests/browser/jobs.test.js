// The jobs pages in Chromium: the jobs list with last run states, a job's task DAG, run now
// with parameters, a run's page (the DAG coloured by state, the timeline with retries, a task
// run's logs, parameters), repair of failed tasks, cancel of a running run, pause/unpause of
// the schedule, job permissions (grant through the form), as an admin; what a principal
// without grants sees (no jobs, deep links answer as missing), and the same principal with
// CAN_VIEW (reads, but Run now shows the API's refusal beside the button). A job name with
// HTML renders as text.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, launch, withPage, sessionCookie, checkA11y, tabTo, makeUser } = require('./lib');

const J = '/api/2.2/jobs';
const XSS = '<img src=x onerror="window.__xss=1">';
let srv, browser, user, dir, jobId, sleeperId, pyDone;

async function ok(res, status = 200) {
  assert.equal(res.status, status, res.text);
  return res.json;
}
async function waitRun(runId, pred) {
  const end = Date.now() + 20000;
  for (;;) {
    const r = await ok(await srv.req('GET', `${J}/runs/get?run_id=${runId}&include_history=true`));
    if (pred(r)) return r;
    assert.ok(Date.now() < end, `run ${runId}: ${JSON.stringify(r.state)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
const terminal = (r) => ['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(r.state.life_cycle_state);

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-uijobs-'));
  srv = await startServer(['--allow-command-tasks']);
  browser = await launch();
  user = await makeUser(srv, 'jobs-user');
  const hello = path.join(dir, 'hello.py');
  fs.writeFileSync(hello, 'import sys\nprint("hello from", sys.argv[1:], "<b>not bold</b>")\n');
  const flaky = path.join(dir, 'flaky.py');
  fs.writeFileSync(flaky, 'import os, sys\nn = int(os.environ["WEIR_ATTEMPT"])\nprint("attempt", n)\nsys.exit(0 if n >= 1 else 3)\n');
  const sleeper = path.join(dir, 'sleep.py');
  fs.writeFileSync(sleeper, 'import time\ntime.sleep(30)\n');
  pyDone = hello;
  jobId = (await ok(await srv.req('POST', `${J}/create`, { body: {
    name: 'nightly',
    description: `Loads ${XSS}`,
    parameters: [{ name: 'env', default: 'dev' }],
    schedule: { quartz_cron_expression: '0 0 3 * * ?', timezone_id: 'UTC', pause_status: 'UNPAUSED' },
    tasks: [
      { task_key: 'extract', spark_python_task: { python_file: hello, parameters: ['{{job.parameters.env}}'] } },
      { task_key: 'transform', depends_on: [{ task_key: 'extract' }], max_retries: 1, min_retry_interval_millis: 10, spark_python_task: { python_file: flaky } },
      { task_key: 'publish', depends_on: [{ task_key: 'transform' }], notebook_task: { notebook_path: '/nb' } },
    ],
  } }))).job_id;
  sleeperId = (await ok(await srv.req('POST', `${J}/create`, { body: { name: `sleeper ${XSS}`, tasks: [{ task_key: 'nap', spark_python_task: { python_file: sleeper } }] } }))).job_id;
  for (let i = 0; i < 3; i++) await ok(await srv.req('POST', `${J}/create`, { body: { name: `other-${i}`, tasks: [{ task_key: 'c', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }] } }));
});
after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function assertNoXss(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'injected script ran');
  assert.equal(await page.locator('img[onerror]').count(), 0, 'an injected element exists');
}

test('admin: jobs list, task DAG, run now with a parameter, run page with timeline, retries, logs and repair', async (t) => {
  await withPage(browser, srv, t, async ({ page, context }) => {
    await sessionCookie(context, srv, srv.token);
    await page.goto('/jobs');
    const list = page.getByRole('table', { name: 'Jobs' });
    await list.getByRole('link', { name: 'nightly', exact: true }).waitFor();
    await list.getByRole('link', { name: `sleeper ${XSS}`, exact: true }).waitFor();
    assert.equal(await list.getByText('never run').count(), 5, 'no job has run yet');
    await list.getByText('Cron 0 0 3 * * ? (UTC)').waitFor();
    await checkA11y(page, 'jobs list');
    await assertNoXss(page);
    await list.getByRole('link', { name: 'nightly', exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/jobs/${jobId}`);
    await page.getByRole('heading', { level: 1, name: 'nightly' }).waitFor();
    await page.getByText(`Loads ${XSS}`).waitFor(); // the description, as text
    // the DAG: three task nodes
    const dag = page.getByRole('group', { name: 'Task graph' });
    for (const k of ['extract', 'transform', 'publish']) await dag.getByRole('button', { name: new RegExp(`^${k} spark_python|^${k} notebook`) }).waitFor();
    assert.equal(await dag.locator('path.edge').count(), 2, 'two depends_on edges');
    await checkA11y(page, 'job page');
    await tabTo(page, page.getByRole('button', { name: 'Run now' }));
    await page.getByLabel('Parameter env').fill('prod');
    await page.keyboard.press('Tab');
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(new RegExp(`/jobs/${jobId}/runs/\\d+$`));
    const runId = Number(new URL(page.url()).pathname.split('/').pop());
    const done = await waitRun(runId, terminal);
    assert.equal(done.state.result_state, 'FAILED', 'publish fails (no notebook runtime)');
    // the page polls until the run ends
    await page.getByRole('heading', { level: 1, name: `Run ${runId} FAILED` }).waitFor();
    const runDag = page.getByRole('group', { name: 'Task graph' });
    await runDag.getByRole('button', { name: 'extract SUCCESS', exact: true }).waitFor();
    await runDag.getByRole('button', { name: 'transform SUCCESS', exact: true }).waitFor();
    await runDag.getByRole('button', { name: 'publish FAILED', exact: true }).waitFor();
    assert.equal(await runDag.locator('g.node.st-failed').count(), 1);
    // the timeline: four bars (transform's retry is a second attempt), one failed attempt of transform
    const gantt = page.getByRole('img', { name: /Timeline of 4 task runs/ });
    await gantt.waitFor();
    assert.equal(await gantt.locator('rect.bar').count(), 4);
    assert.equal(await gantt.locator('rect.bar.st-failed').count(), 2);
    // the parameters the run used
    const params = page.getByRole('table', { name: 'Job parameters' });
    await params.getByRole('cell', { name: 'prod', exact: true }).waitFor();
    // the attempts table and the logs of a task run
    const attempts = page.getByRole('table', { name: 'Task runs and attempts' });
    assert.equal(await attempts.getByRole('row').count(), 5);
    await checkA11y(page, 'run page');
    await runDag.getByRole('button', { name: 'extract SUCCESS', exact: true }).press('Enter'); // keyboard selects a node
    await page.waitForURL(/task=extract/);
    await page.getByRole('heading', { name: /Output of extract/ }).waitFor();
    await page.getByText("hello from ['prod'] <b>not bold</b>").waitFor();
    await page.getByRole('button', { name: 'Output of transform attempt 0' }).click();
    await page.getByRole('heading', { name: /Output of transform \(attempt 0/ }).waitFor();
    await page.locator('pre.logs').filter({ hasText: 'attempt 0' }).first().waitFor(); // its log (and its error trace)
    await page.reload(); // the chosen output survives a reload
    await page.getByRole('heading', { name: /Output of transform \(attempt 0/ }).waitFor();
    await checkA11y(page, 'task output');
    // repair the failed task: a new attempt of publish, repair_history grows
    const repair = page.getByRole('button', { name: 'Repair failed tasks' });
    await tabTo(page, repair);
    await repair.click();
    await page.getByRole('heading', { level: 1, name: `Run ${runId} FAILED` }).waitFor();
    const repaired = await waitRun(runId, (r) => terminal(r) && (r.repair_history || []).length === 2);
    assert.equal(repaired.tasks.filter((x) => x.task_key === 'publish').length, 2);
    await page.getByRole('img', { name: /Timeline of 5 task runs/ }).waitFor();
    await assertNoXss(page);
  });
});

test('admin: cancel a running run; pause and unpause the schedule; grant a job permission', async (t) => {
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(400); // the refused grant at the end
    await sessionCookie(context, srv, srv.token);
    await page.goto(`/jobs/${sleeperId}`);
    await page.getByRole('heading', { level: 1, name: `sleeper ${XSS}` }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.waitForURL(new RegExp(`/jobs/${sleeperId}/runs/\\d+$`));
    const runId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByRole('heading', { level: 1, name: `Run ${runId} RUNNING` }).waitFor();
    const cancel = page.getByRole('button', { name: 'Cancel run' });
    await tabTo(page, cancel);
    await cancel.click();
    const ended = await waitRun(runId, terminal);
    assert.equal(ended.state.result_state, 'CANCELED');
    await page.getByRole('heading', { level: 1, name: `Run ${runId} CANCELED` }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Cancel run' }).count(), 0);
    await assertNoXss(page);

    // the schedule: pause, then unpause
    await page.goto(`/jobs/${jobId}?tab=schedule`);
    await page.getByText('Cron 0 0 3 * * ? (UTC) — active').waitFor();
    await page.getByRole('tab', { name: 'Schedule and trigger', selected: true }).waitFor();
    await tabTo(page, page.getByRole('button', { name: 'Pause', exact: true }));
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('button', { name: 'Unpause', exact: true }).waitFor();
    const paused = await ok(await srv.req('GET', `${J}/get?job_id=${jobId}`));
    assert.equal(paused.settings.schedule.pause_status, 'PAUSED');
    assert.equal(paused.settings.schedule.quartz_cron_expression, '0 0 3 * * ?', 'the rest of the schedule kept');
    await page.getByRole('button', { name: 'Unpause', exact: true }).click();
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    assert.equal((await ok(await srv.req('GET', `${J}/get?job_id=${jobId}`))).settings.schedule.pause_status, 'UNPAUSED');

    // permissions: the owner is listed; CAN_VIEW to the user through the form
    await page.getByRole('tab', { name: 'Permissions' }).click();
    const acl = page.getByRole('table', { name: 'Access control list' });
    await acl.getByRole('cell', { name: 'IS_OWNER' }).waitFor();
    await checkA11y(page, 'job permissions');
    await page.getByLabel('Principal kind').selectOption('service_principal_name');
    await page.getByLabel('Principal', { exact: true }).fill(user.name);
    await page.getByLabel('Permission', { exact: true }).selectOption('CAN_VIEW');
    await page.getByRole('button', { name: 'Grant' }).click();
    await acl.getByRole('cell', { name: user.name }).waitFor();
    const perms = await ok(await srv.req('GET', `/api/2.0/permissions/jobs/${jobId}`));
    const mine = perms.access_control_list.find((a) => a.service_principal_name === user.name);
    assert.deepEqual(mine.all_permissions.map((p) => p.permission_level), ['CAN_VIEW']);
    // a bad principal: the API's message beside the form, nothing changed
    await page.getByLabel('Principal kind').selectOption('user_name');
    await page.getByLabel('Principal', { exact: true }).fill('nobody@example.com');
    await page.getByRole('button', { name: 'Grant' }).click();
    t.diagnostic('a refused grant');
    await page.getByRole('alert').filter({ hasText: 'INVALID_PARAMETER_VALUE' }).waitFor();
  });
});

test('a principal without grants sees no jobs; deep links answer as missing; with CAN_VIEW it reads but cannot run', async (t) => {
  const hidden = (await ok(await srv.req('POST', `${J}/create`, { body: { name: 'hidden-job', tasks: [{ task_key: 'c', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }] } }))).job_id;
  const hiddenRun = (await ok(await srv.req('POST', `${J}/run-now`, { body: { job_id: hidden } }))).run_id;
  await waitRun(hiddenRun, terminal);
  const viewed = (await ok(await srv.req('POST', `${J}/create`, { body: { name: 'viewed-job', tasks: [{ task_key: 'c', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }] } }))).job_id;
  await ok(await srv.req('PATCH', `/api/2.0/permissions/jobs/${viewed}`, { body: { access_control_list: [{ service_principal_name: user.name, permission_level: 'CAN_VIEW' }] } }));
  await withPage(browser, srv, t, async ({ page, context, allowStatus }) => {
    allowStatus(400, 403);
    await sessionCookie(context, srv, user.token);
    await page.goto('/jobs');
    const list = page.getByRole('table', { name: 'Jobs' });
    await list.getByRole('link', { name: 'viewed-job' }).waitFor();
    assert.equal(await list.getByRole('link', { name: 'hidden-job' }).count(), 0, 'a hidden job is not listed');
    await checkA11y(page, 'jobs list as a user');
    await page.goto(`/jobs/${hidden}`);
    await page.getByRole('heading', { level: 1, name: 'Job not found' }).waitFor();
    await page.getByText(`Job ${hidden} does not exist, or you may not see it.`).waitFor();
    await page.goto(`/jobs/${hidden}/runs/${hiddenRun}`);
    await page.getByRole('heading', { level: 1, name: 'Run not found' }).waitFor();
    assert.equal(await page.getByText('hidden-job').count(), 0);
    // CAN_VIEW: the job and its DAG show; Run now is refused with the API's message beside it
    await page.goto(`/jobs/${viewed}`);
    await page.getByRole('heading', { level: 1, name: 'viewed-job' }).waitFor();
    await page.getByRole('group', { name: 'Task graph' }).getByRole('button', { name: 'c condition', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByRole('alert').filter({ hasText: 'PERMISSION_DENIED' }).waitFor();
    assert.equal(new URL(page.url()).pathname, `/jobs/${viewed}`);
    assert.equal((await ok(await srv.req('GET', `${J}/runs/list?job_id=${viewed}`))).runs, undefined, 'no run was started');
    // the permissions tab: the API refuses CAN_VIEW, the page says so in the tab
    await page.getByRole('tab', { name: 'Permissions' }).click();
    await page.getByRole('tabpanel').getByRole('alert').filter({ hasText: 'PERMISSION_DENIED' }).waitFor();
    await checkA11y(page, 'job as a viewer');
  });
  void pyDone;
});
