// The workflow engine through the Jobs API, with real child processes: task values and
// references, retries with their attempts, timeouts, cancel of a sleeping task (its whole
// process group is gone), repair, for_each, run_job_task and a cycle of jobs, queueing and
// skipping at max_concurrent_runs, job timeouts, disabled tasks, `only`, bounded logs, a
// schedule firing, webhook notifications, and a kill -9 in the middle of a run.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');
const crypto = require('node:crypto');
const { startServer, restartServer, ok } = require('./lib');

let srv;
let dir;
before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-jobs-'));
  srv = await startServer(['--allow-command-tasks', '--task-log-limit', '4096']);
});
after(async () => {
  await srv.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function script(name, body) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, body);
  return p;
}

const J = '/api/2.2/jobs';
async function createJob(settings, s = srv) {
  return (await ok(await s.req('POST', `${J}/create`, { body: settings }))).job_id;
}
async function runNow(jobId, extra = {}, s = srv) {
  return (await ok(await s.req('POST', `${J}/run-now`, { body: { job_id: jobId, ...extra } }))).run_id;
}
async function getRun(runId, s = srv, q = '') {
  return ok(await s.req('GET', `${J}/runs/get?run_id=${runId}${q}`));
}
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);
async function waitRun(runId, pred = (r) => TERMINAL.has(r.state.life_cycle_state), timeoutMs = 20000, s = srv) {
  const end = Date.now() + timeoutMs;
  let r;
  for (;;) {
    r = await getRun(runId, s, '&include_history=true');
    if (pred(r)) return r;
    if (Date.now() > end) assert.fail(`run ${runId} not there in time: ${JSON.stringify(r.state)} ${JSON.stringify(r.tasks.map((t) => [t.task_key, t.state]))}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
const byKey = (run, key) => run.tasks.filter((t) => t.task_key === key).sort((a, b) => a.attempt_number - b.attempt_number);
const last = (run, key) => byKey(run, key).at(-1);
async function output(taskRunId) {
  return ok(await srv.req('GET', `${J}/runs/get-output?run_id=${taskRunId}`));
}
function alive(pid) {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

test('command tasks: task values, references, condition outcome, logs', async () => {
  const produce = script('produce.py', `
import json, os, sys
print("args", sys.argv[1:])
print("context", os.environ["WEIR_JOB_ID"], os.environ["WEIR_TASK_KEY"], os.environ["DATABRICKS_TOKEN"].startswith("dapi"), "HOME" in os.environ, "PWD_OK" if os.getcwd() == os.environ["HOME"] else os.getcwd())
json.dump({"n": 5, "label": "five"}, open(os.environ["WEIR_TASK_VALUES_FILE"], "w"))
`);
  const consume = script('consume.py', 'import sys; print("got", " ".join(sys.argv[1:]))\n');
  const jobId = await createJob({
    name: 'values',
    parameters: [{ name: 'env', default: 'dev' }],
    tasks: [
      { task_key: 'produce', spark_python_task: { python_file: produce, parameters: ['{{job.parameters.env}}', '{{task.name}}'] } },
      { task_key: 'check', depends_on: [{ task_key: 'produce' }], condition_task: { left: '{{tasks.produce.values.n}}', op: 'GREATER_THAN', right: '3' } },
      { task_key: 'yes', depends_on: [{ task_key: 'check', outcome: 'true' }], spark_python_task: { python_file: consume, parameters: ['{{tasks.produce.values.label}}', '{{job.id}}'] } },
      { task_key: 'no', depends_on: [{ task_key: 'check', outcome: 'false' }], spark_python_task: { python_file: consume } },
    ],
  });
  const runId = await runNow(jobId, { job_parameters: { env: 'prod' } });
  const run = await waitRun(runId);
  assert.equal(run.state.result_state, 'SUCCESS', JSON.stringify(run.tasks.map((t) => [t.task_key, t.state])));
  assert.equal(run.status.termination_details.code, 'SUCCESS');
  assert.deepEqual(run.job_parameters, [{ name: 'env', default: 'dev', value: 'prod' }]);
  assert.equal(last(run, 'check').condition_task.outcome, 'true');
  assert.equal(last(run, 'no').state.result_state, 'EXCLUDED');
  const out1 = await output(last(run, 'produce').run_id);
  assert.match(out1.logs, /args \['prod', 'produce'\]/);
  assert.match(out1.logs, new RegExp(`context ${jobId} produce True True PWD_OK`));
  assert.equal(out1.logs_truncated, false);
  assert.deepEqual(out1.task_values, { n: 5, label: 'five' });
  const out2 = await output(last(run, 'yes').run_id);
  assert.match(out2.logs, new RegExp(`got five ${jobId}`));
  assert.equal(out2.metadata.tasks[0].task_key, 'yes');
});

test('retries: one task run per attempt, WAITING_FOR_RETRY between, min_retry_interval_millis', async () => {
  const flaky = script('flaky.py', 'import os, sys\nn = int(os.environ["WEIR_ATTEMPT"])\nprint("attempt", n)\nsys.exit(0 if n >= 2 else 3)\n');
  const jobId = await createJob({
    name: 'retries',
    tasks: [{ task_key: 'flaky', max_retries: 3, min_retry_interval_millis: 300, spark_python_task: { python_file: flaky } }],
  });
  const t0 = Date.now();
  const run = await waitRun(await runNow(jobId));
  const attempts = byKey(run, 'flaky');
  assert.deepEqual(attempts.map((t) => t.attempt_number), [0, 1, 2]);
  assert.deepEqual(attempts.map((t) => t.state.result_state), ['FAILED', 'FAILED', 'SUCCESS']);
  assert.match(attempts[0].state.state_message, /exited with status 3/);
  assert.notEqual(attempts[0].run_id, attempts[1].run_id);
  assert.ok(attempts[1].start_time - attempts[0].start_time >= 300, 'retry interval from the failed start');
  assert.ok(Date.now() - t0 >= 600);
  assert.equal(run.state.result_state, 'SUCCESS');
  const out = await output(attempts[0].run_id);
  assert.match(out.error, /exited with status 3/);
  assert.match(out.error_trace, /attempt 0/);
});

test('timeouts: a task past timeout_seconds is TIMEDOUT, retried only with retry_on_timeout', async () => {
  const sleeper = script('sleep.py', 'import time\ntime.sleep(30)\n');
  const jobId = await createJob({
    name: 'timeouts',
    tasks: [
      { task_key: 'slow', timeout_seconds: 1, max_retries: 2, spark_python_task: { python_file: sleeper } },
      { task_key: 'slow2', timeout_seconds: 1, max_retries: 1, retry_on_timeout: true, spark_python_task: { python_file: sleeper } },
    ],
  });
  const t0 = Date.now();
  const run = await waitRun(await runNow(jobId));
  assert.ok(Date.now() - t0 < 8000, 'timeouts end the tasks promptly');
  assert.deepEqual(byKey(run, 'slow').map((t) => t.state.result_state), ['TIMEDOUT']);
  assert.deepEqual(byKey(run, 'slow2').map((t) => t.state.result_state), ['TIMEDOUT', 'TIMEDOUT']);
  assert.equal(run.state.result_state, 'FAILED');
  assert.equal(last(run, 'slow').status.termination_details.code, 'CANCELED');
});

test('a for_each or run_job_task past its timeout stops its iterations or its child run', async () => {
  const sleeper = script('sleep3.py', 'import time\ntime.sleep(30)\n');
  const child = await createJob({ name: 'slow-child', tasks: [{ task_key: 's', spark_python_task: { python_file: sleeper } }] });
  const jobId = await createJob({
    name: 'stop-nested',
    tasks: [
      { task_key: 'each', timeout_seconds: 1, for_each_task: { inputs: '[1,2,3]', concurrency: 2, task: { task_key: 'it', spark_python_task: { python_file: sleeper } } } },
      { task_key: 'call', timeout_seconds: 1, run_job_task: { job_id: child } },
    ],
  });
  const t0 = Date.now();
  const run = await waitRun(await runNow(jobId));
  assert.ok(Date.now() - t0 < 8000);
  assert.equal(last(run, 'each').state.result_state, 'TIMEDOUT');
  assert.equal(last(run, 'call').state.result_state, 'TIMEDOUT');
  const iters = (await getRun(last(run, 'each').run_id)).iterations;
  assert.equal(iters.length, 2, 'the third iteration never started');
  assert.ok(iters.every((i) => i.state.result_state === 'CANCELED'));
  const childRun = await waitRun(last(run, 'call').run_job_output.run_id);
  assert.equal(childRun.state.result_state, 'CANCELED');
});

test('job timeout_seconds ends the whole run as TIMEDOUT', async () => {
  const sleeper = script('sleep2.py', 'import time\ntime.sleep(30)\n');
  const jobId = await createJob({ name: 'job-timeout', timeout_seconds: 1, tasks: [{ task_key: 's', spark_python_task: { python_file: sleeper } }] });
  const run = await waitRun(await runNow(jobId));
  assert.equal(run.state.result_state, 'TIMEDOUT');
  assert.equal(run.state.user_cancelled_or_timedout, true);
});

test('cancel kills a sleeping task and its whole process group at once', async () => {
  const sleeper = script('group.py', `
import os, subprocess, sys, time
child = subprocess.Popen(["sleep", "60"])
print("pids", os.getpid(), child.pid, flush=True)
time.sleep(60)
`);
  const jobId = await createJob({
    name: 'cancel',
    tasks: [
      { task_key: 'sleep', spark_python_task: { python_file: sleeper } },
      { task_key: 'after', depends_on: [{ task_key: 'sleep' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
    ],
  });
  const runId = await runNow(jobId);
  let pids;
  const end = Date.now() + 10000;
  while (!pids) {
    const r = await getRun(runId);
    const t = last(r, 'sleep');
    if (t && t.state.life_cycle_state === 'RUNNING') {
      const o = await output(t.run_id);
      const m = /pids (\d+) (\d+)/.exec(o.logs || '');
      if (m) pids = [Number(m[1]), Number(m[2])];
    }
    if (Date.now() > end) assert.fail('the task did not start');
    if (!pids) await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(alive(pids[0]) && alive(pids[1]));
  const t0 = Date.now();
  await ok(await srv.req('POST', `${J}/runs/cancel`, { body: { run_id: runId } }));
  const run = await waitRun(runId);
  assert.ok(Date.now() - t0 < 3000);
  assert.equal(run.state.result_state, 'CANCELED');
  assert.equal(run.state.user_cancelled_or_timedout, true);
  assert.equal(run.status.termination_details.code, 'USER_CANCELED');
  assert.equal(last(run, 'sleep').state.result_state, 'CANCELED');
  assert.equal(last(run, 'sleep').state.user_cancelled_or_timedout, true);
  assert.equal(last(run, 'after').state.result_state, 'CANCELED');
  for (let i = 0; i < 40 && (alive(pids[0]) || alive(pids[1])); i++) await new Promise((res) => setTimeout(res, 50));
  assert.equal(alive(pids[0]), false, 'the task process is gone');
  assert.equal(alive(pids[1]), false, 'its child is gone too');
});

test('repair re-runs the failed tasks and their dependents inside the same run', async () => {
  const flag = path.join(dir, 'repair-ok');
  const gate = script('gate.py', `import os, sys\nsys.exit(0 if os.path.exists(${JSON.stringify(flag)}) else 1)\n`);
  const jobId = await createJob({
    name: 'repair',
    tasks: [
      { task_key: 'fine', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
      { task_key: 'gate', spark_python_task: { python_file: gate } },
      { task_key: 'after', depends_on: [{ task_key: 'gate' }, { task_key: 'fine' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
    ],
  });
  const runId = await runNow(jobId);
  let run = await waitRun(runId);
  assert.equal(run.state.result_state, 'FAILED');
  assert.equal(last(run, 'after').state.result_state, 'UPSTREAM_FAILED');
  fs.writeFileSync(flag, '');
  const repairId = (await ok(await srv.req('POST', `${J}/runs/repair`, { body: { run_id: runId, rerun_all_failed_tasks: true } }))).repair_id;
  assert.ok(repairId > 0);
  run = await waitRun(runId, (r) => TERMINAL.has(r.state.life_cycle_state) && r.repair_history.length === 2 && r.repair_history[1].state.life_cycle_state === 'TERMINATED');
  assert.equal(run.state.result_state, 'SUCCESS');
  assert.equal(byKey(run, 'fine').length, 1, 'a task that succeeded is not re-run');
  assert.deepEqual(byKey(run, 'gate').map((t) => t.state.result_state), ['FAILED', 'SUCCESS']);
  assert.deepEqual(byKey(run, 'after').map((t) => t.state.result_state), ['UPSTREAM_FAILED', 'SUCCESS']);
  assert.equal(run.repair_history[0].type, 'ORIGINAL');
  assert.equal(run.repair_history[1].type, 'REPAIR');
  assert.equal(run.repair_history[1].id, repairId);
  assert.equal(run.repair_history[1].task_run_ids.length, 2);
  // a second repair needs the latest repair id; rerun_tasks with dependents re-runs "after" too
  let res = await srv.req('POST', `${J}/runs/repair`, { body: { run_id: runId, rerun_tasks: ['fine'] } });
  assert.equal(res.status, 400);
  assert.match(res.json.message, /latest repair ID needs to be provided/);
  await ok(await srv.req('POST', `${J}/runs/repair`, { body: { run_id: runId, rerun_tasks: ['fine'], rerun_dependent_tasks: true, latest_repair_id: repairId } }));
  run = await waitRun(runId, (r) => r.repair_history.length === 3 && r.repair_history[2].state.life_cycle_state === 'TERMINATED');
  assert.equal(byKey(run, 'fine').length, 2);
  assert.equal(byKey(run, 'after').length, 3);
  assert.equal(byKey(run, 'gate').length, 2);
});

test('for_each_task: iterations with concurrency, {{input}}, stats, iterations in runs/get', async () => {
  const jobId = await createJob({
    name: 'foreach',
    parameters: [{ name: 'items', default: '[1, 5, 9, 2]' }],
    tasks: [{
      task_key: 'each',
      for_each_task: {
        inputs: '{{job.parameters.items}}',
        concurrency: 2,
        task: { task_key: 'each_iteration', condition_task: { left: '{{input}}', op: 'GREATER_THAN', right: '0' } },
      },
    }],
  });
  const run = await waitRun(await runNow(jobId));
  assert.equal(run.state.result_state, 'SUCCESS');
  const fe = last(run, 'each');
  assert.deepEqual(fe.for_each_task.stats.task_run_stats, {
    total_iterations: 4, scheduled_iterations: 4, active_iterations: 0, completed_iterations: 4, succeeded_iterations: 4, failed_iterations: 0,
  });
  const detail = await getRun(fe.run_id);
  assert.equal(detail.iterations.length, 4);
  assert.deepEqual(detail.iterations.map((i) => i.resolved_values.condition_task.left).sort(), ['1', '2', '5', '9']);
  // a failing iteration fails the for_each task; bad inputs fail it with a message
  const bad = await createJob({
    name: 'foreach-bad',
    tasks: [
      { task_key: 'each', for_each_task: { inputs: '[1, "x"]', task: { task_key: 'i', condition_task: { left: '{{input}}', op: 'GREATER_THAN', right: '0' } } } },
      { task_key: 'notarray', for_each_task: { inputs: '{"a": 1}', task: { task_key: 'i2', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } } } },
    ],
  });
  const r2 = await waitRun(await runNow(bad));
  assert.equal(last(r2, 'each').state.result_state, 'FAILED');
  assert.match(last(r2, 'each').state.state_message, /1 of 2 iterations failed/);
  assert.match(last(r2, 'notarray').state.state_message, /must be a JSON array/);
});

test('run_job_task starts the child run and waits for it; a cycle of jobs fails at dispatch', async () => {
  const child = await createJob({ name: 'child', parameters: [{ name: 'p', default: 'a' }], tasks: [{ task_key: 'c', condition_task: { left: '{{job.parameters.p}}', op: 'EQUAL_TO', right: 'b' } }] });
  const parent = await createJob({ name: 'parent', tasks: [{ task_key: 'call', run_job_task: { job_id: child, job_parameters: { p: 'b' } } }] });
  const run = await waitRun(await runNow(parent));
  assert.equal(run.state.result_state, 'SUCCESS');
  const call = last(run, 'call');
  const childRunId = call.run_job_output.run_id;
  const childRun = await getRun(childRunId);
  assert.equal(childRun.job_id, child);
  assert.equal(childRun.trigger, 'RUN_JOB_TASK');
  assert.equal(childRun.state.result_state, 'SUCCESS');
  assert.equal(last(childRun, 'c').condition_task.outcome, 'true');
  assert.equal((await output(call.run_id)).run_job_output.run_id, childRunId);
  // a job that runs itself
  const selfJob = await createJob({ name: 'self', tasks: [{ task_key: 'again', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }] });
  await ok(await srv.req('POST', `${J}/update`, { body: { job_id: selfJob, new_settings: { tasks: [{ task_key: 'again', run_job_task: { job_id: selfJob } }] } } }));
  const r2 = await waitRun(await runNow(selfJob));
  assert.equal(r2.state.result_state, 'FAILED');
  assert.match(last(r2, 'again').state.state_message, /cycle of jobs/);
});

test('max_concurrent_runs: a second run queues (queue on) or is skipped (queue off)', async () => {
  const sleeper = script('short.py', 'import time\ntime.sleep(1)\n');
  const queued = await createJob({ name: 'queued', max_concurrent_runs: 1, queue: { enabled: true }, tasks: [{ task_key: 's', spark_python_task: { python_file: sleeper } }] });
  const a = await runNow(queued);
  await waitRun(a, (r) => r.state.life_cycle_state === 'RUNNING');
  const b = await runNow(queued);
  const rb = await waitRun(b, (r) => r.state.life_cycle_state === 'QUEUED', 3000);
  assert.equal(rb.status.state, 'QUEUED');
  assert.equal(rb.status.queue_details.code, 'MAX_CONCURRENT_RUNS_REACHED');
  const fa = await waitRun(a);
  const fb = await waitRun(b);
  assert.equal(fb.state.result_state, 'SUCCESS');
  assert.ok(fb.start_time >= fa.end_time, 'the queued run started after the first ended');
  assert.ok(fb.queue_duration > 0);

  const skipped = await createJob({ name: 'skipped', max_concurrent_runs: 1, queue: { enabled: false }, tasks: [{ task_key: 's', spark_python_task: { python_file: sleeper } }] });
  const c = await runNow(skipped);
  await waitRun(c, (r) => r.state.life_cycle_state === 'RUNNING');
  const d = await waitRun(await runNow(skipped));
  assert.equal(d.state.life_cycle_state, 'SKIPPED');
  assert.equal(d.status.termination_details.code, 'MAX_CONCURRENT_RUNS_EXCEEDED');
  await waitRun(c);
});

test('disabled tasks, run-now only, and a task type without a runtime fails clearly', async () => {
  const jobId = await createJob({
    name: 'misc',
    tasks: [
      { task_key: 'a', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
      { task_key: 'b', disabled: true, depends_on: [{ task_key: 'a' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
      { task_key: 'c', depends_on: [{ task_key: 'b' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
      { task_key: 'nb', notebook_task: { notebook_path: '/Users/x/nb' } },
    ],
  });
  let run = await waitRun(await runNow(jobId, { only: ['a', 'b+'] }));
  assert.deepEqual(run.tasks.map((t) => t.task_key).sort(), ['a', 'b', 'c']);
  assert.equal(last(run, 'b').state.result_state, 'DISABLED');
  assert.equal(last(run, 'c').state.result_state, 'SUCCESS');
  assert.equal(run.state.result_state, 'SUCCESS');
  run = await waitRun(await runNow(jobId, { only: ['nb'] }));
  assert.equal(last(run, 'nb').state.result_state, 'FAILED');
  assert.match(last(run, 'nb').state.state_message, /notebook_task is not supported/);
});

test('a task output is bounded: the tail is kept and logs_truncated set', async () => {
  const noisy = script('noisy.py', 'import sys\nfor i in range(20000):\n    print("line %06d" % i)\nprint("THE END")\n');
  const jobId = await createJob({ name: 'noisy', tasks: [{ task_key: 'n', spark_python_task: { python_file: noisy } }] });
  const run = await waitRun(await runNow(jobId));
  const out = await output(last(run, 'n').run_id);
  assert.equal(out.logs_truncated, true);
  assert.ok(out.logs.length <= 4096, `logs ${out.logs.length} bytes`);
  assert.match(out.logs, /THE END\n$/);
  const onDisk = path.join(srv.data, 'runs', String(last(run, 'n').run_id), 'output.log');
  assert.ok(fs.statSync(onDisk).size <= 2 * 4096 + 65536, 'the file stays bounded too');
});

test('continuous keeps exactly one run active; pausing stops it', async () => {
  const short = script('cont.py', 'import time\ntime.sleep(0.3)\n');
  const jobId = await createJob({ name: 'continuous', continuous: { pause_status: 'UNPAUSED' }, tasks: [{ task_key: 't', spark_python_task: { python_file: short } }] });
  const end = Date.now() + 6000;
  let runs = [];
  while (Date.now() < end) {
    runs = (await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}&limit=25`))).runs || [];
    const active = runs.filter((r) => !TERMINAL.has(r.state.life_cycle_state));
    assert.ok(active.length <= 1, `at most one active run, saw ${active.length}`);
    if (runs.length >= 3) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(runs.length >= 3, `runs follow one another (${runs.length})`);
  assert.ok(runs.every((r) => r.trigger === 'CONTINUOUS'));
  await ok(await srv.req('POST', `${J}/update`, { body: { job_id: jobId, new_settings: { continuous: { pause_status: 'PAUSED' } } } }));
  await new Promise((r) => setTimeout(r, 1500));
  const n1 = ((await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}&limit=25`))).runs || []).length;
  await new Promise((r) => setTimeout(r, 1500));
  const n2 = ((await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}&limit=25`))).runs || []).length;
  assert.equal(n2, n1);
});

test('a cron schedule fires; pausing stops it', async () => {
  const jobId = await createJob({
    name: 'cron',
    schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'Europe/Berlin' },
    tasks: [{ task_key: 'tick', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } }],
  });
  const end = Date.now() + 5000;
  let runs = [];
  while (runs.length < 2 && Date.now() < end) {
    runs = (await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}`))).runs || [];
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(runs.length >= 2, 'fired at least twice in 5 s');
  assert.equal(runs[0].trigger, 'PERIODIC');
  await ok(await srv.req('POST', `${J}/update`, { body: { job_id: jobId, new_settings: { schedule: { quartz_cron_expression: '* * * * * ?', timezone_id: 'Europe/Berlin', pause_status: 'PAUSED' } } } }));
  await new Promise((res) => setTimeout(res, 300));
  const n1 = ((await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}&limit=25`))).runs || []).length;
  await new Promise((res) => setTimeout(res, 1500));
  const n2 = ((await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}&limit=25`))).runs || []).length;
  assert.equal(n2, n1, 'a paused schedule does not fire');
  await ok(await srv.req('POST', `${J}/delete`, { body: { job_id: jobId } }));
});

test('run_as: a command task calls Weir as the run_as principal and sees only what it may', async () => {
  await ok(await srv.req('POST', '/api/2.0/preview/scim/v2/Users', { body: { userName: 'bob@example.com' } }), 201);
  await ok(await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'secret_cat' } }));
  const probe = script('probe.py', `
import json, os, urllib.request, urllib.error
host, tok = os.environ["DATABRICKS_HOST"], os.environ["DATABRICKS_TOKEN"]
def get(p):
    req = urllib.request.Request(host + p, headers={"Authorization": "Bearer " + tok})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, None
me = get("/api/2.0/preview/scim/v2/Me")[1]["userName"]
cat = get("/api/2.1/unity-catalog/catalogs/secret_cat")[0]
print("as", me, "secret_cat", cat)
json.dump({"me": me, "cat": cat}, open(os.environ["WEIR_TASK_VALUES_FILE"], "w"))
`);
  const settings = (runAs) => ({ name: 'runas', ...(runAs ? { run_as: { user_name: runAs } } : {}), tasks: [{ task_key: 'p', spark_python_task: { python_file: probe } }] });
  const asBob = await createJob(settings('bob@example.com'));
  const job = await ok(await srv.req('GET', `${J}/get?job_id=${asBob}`));
  assert.equal(job.run_as_user_name, 'bob@example.com');
  let run = await waitRun(await runNow(asBob));
  let out = await output(last(run, 'p').run_id);
  assert.deepEqual(out.task_values, { me: 'bob@example.com', cat: 404 });
  const asAdmin = await createJob(settings(null));
  run = await waitRun(await runNow(asAdmin));
  out = await output(last(run, 'p').run_id);
  assert.deepEqual(out.task_values, { me: 'admin', cat: 200 });
  // the task's token (here admin's own) ended with the task
  const tokens = (await ok(await srv.req('GET', '/api/2.0/token/list'))).token_infos || [];
  assert.ok(tokens.length >= 1);
  assert.equal(tokens.filter((t) => /^job run /.test(t.comment || '')).length, 0);
});

test('a model trigger starts its job when a version becomes ready or a watched alias moves', async () => {
  const ML = '/api/2.0/mlflow';
  await ok(await srv.req('POST', `${ML}/registered-models/create`, { body: { name: 'trig' } }));
  await ok(await srv.req('POST', `${ML}/model-versions/create`, { body: { name: 'trig', source: 's3://bucket/trig/1' } }));
  const base = { tasks: [{ task_key: 'validate', condition_task: { left: '{{job.trigger.type}}', op: 'EQUAL_TO', right: 'MODEL' } }] };
  const ready = await createJob({ name: 'on-ready', trigger: { model: { condition: 'MODEL_VERSION_READY', securable_name: 'main.default.trig' } }, ...base });
  const alias = await createJob({ name: 'on-alias', trigger: { model: { condition: 'MODEL_ALIAS_SET', securable_name: 'main.default.trig', aliases: ['champion'] } }, ...base });
  const runsOf = async (jobId) => (await ok(await srv.req('GET', `${J}/runs/list?job_id=${jobId}&expand_tasks=true`))).runs || [];
  await new Promise((r) => setTimeout(r, 1500)); // the watches take their first look: what exists does not fire
  assert.equal((await runsOf(ready)).length, 0);
  await ok(await srv.req('POST', `${ML}/model-versions/create`, { body: { name: 'trig', source: 's3://bucket/trig/2' } }));
  let end = Date.now() + 5000;
  let runs = [];
  while (runs.length === 0 && Date.now() < end) { runs = await runsOf(ready); await new Promise((r) => setTimeout(r, 100)); }
  assert.equal(runs.length, 1, 'one run for the new version');
  assert.equal(runs[0].trigger, 'MODEL');
  const done = await waitRun(runs[0].run_id);
  assert.equal(last(done, 'validate').condition_task.outcome, 'true');
  assert.equal((await runsOf(alias)).length, 0, 'a new version is not an alias move');
  // an alias that is not watched does nothing; the watched one fires
  await ok(await srv.req('POST', `${ML}/registered-models/alias`, { body: { name: 'trig', alias: 'other', version: '2' } }));
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await runsOf(alias)).length, 0);
  await ok(await srv.req('POST', `${ML}/registered-models/alias`, { body: { name: 'trig', alias: 'champion', version: '2' } }));
  end = Date.now() + 5000;
  runs = [];
  while (runs.length === 0 && Date.now() < end) { runs = await runsOf(alias); await new Promise((r) => setTimeout(r, 100)); }
  assert.equal(runs.length, 1);
  // a model the creator cannot see is refused, naming the field
  const res = await srv.req('POST', `${J}/create`, { body: { name: 'x', trigger: { model: { condition: 'MODEL_CREATED', securable_name: 'main.default.nope' } }, ...base } });
  assert.equal(res.status, 400);
  assert.equal(res.json.error_code, 'INVALID_PARAMETER_VALUE');
  assert.match(res.json.message, /trigger.model.securable_name/);
});

test('webhook notifications are delivered, signed, for on_start and on_failure', async () => {
  const got = [];
  const recv = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => { got.push({ headers: req.headers, body }); res.writeHead(200); res.end('ok'); });
  });
  await new Promise((r) => recv.listen(0, '127.0.0.1', r));
  try {
    const dest = await ok(await srv.req('POST', '/api/2.0/notification-destinations', {
      body: { display_name: 'hook', config: { generic_webhook: { url: `http://127.0.0.1:${recv.address().port}/hook` } } },
    }));
    const jobId = await createJob({
      name: 'notify',
      webhook_notifications: { on_start: [{ id: dest.id }], on_failure: [{ id: dest.id }], on_success: [{ id: dest.id }] },
      email_notifications: { on_failure: ['ops@example.com'] },
      tasks: [{ task_key: 'bad', webhook_notifications: { on_failure: [{ id: dest.id }] }, condition_task: { left: 'x', op: 'GREATER_THAN', right: '1' } }],
    });
    const runId = await runNow(jobId);
    const run = await waitRun(runId);
    assert.equal(run.state.result_state, 'FAILED');
    const end = Date.now() + 8000;
    while (got.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    const events = got.map((g) => JSON.parse(g.body));
    assert.deepEqual(events.map((e) => e.event_type + (e.task ? ':' + e.task.task_key : '')).sort(), ['jobs.on_failure', 'jobs.on_failure:bad', 'jobs.on_start']);
    for (const e of events) {
      assert.equal(e.run.run_id, runId);
      assert.equal(e.job.job_id, jobId);
    }
    const g = got[0];
    const sig = crypto.createHmac('sha256', dest.signing_secret)
      .update(`${g.headers['x-weir-delivery-id']}.${g.headers['x-weir-timestamp']}.${g.body}`).digest('base64');
    assert.equal(g.headers['x-weir-signature'], `v1,${sig}`);
  } finally {
    await new Promise((r) => recv.close(r));
  }
});

test('kill -9 in the middle of a run: the restart ends the interrupted task, retries it, and the run finishes', async () => {
  const s = await startServer(['--allow-command-tasks']);
  let s2;
  try {
    const marker = path.join(dir, 'k9-started');
    const slow = script('k9.py', `import os, time\nopen(${JSON.stringify(marker)} + os.environ["WEIR_ATTEMPT"], "w").close()\ntime.sleep(0.5 if os.environ["WEIR_ATTEMPT"] != "0" else 30)\n`);
    const jobId = await createJob({
      name: 'k9',
      tasks: [
        { task_key: 'once', spark_python_task: { python_file: slow } },
        { task_key: 'cleanup', depends_on: [{ task_key: 'once' }], run_if: 'ALL_DONE', condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
        { task_key: 'slow', max_retries: 1, spark_python_task: { python_file: slow } },
        { task_key: 'after', depends_on: [{ task_key: 'slow' }], condition_task: { left: '1', op: 'EQUAL_TO', right: '1' } },
      ],
    }, s);
    const runId = await runNow(jobId, {}, s);
    const end = Date.now() + 10000;
    while (!fs.existsSync(marker + '0')) {
      if (Date.now() > end) assert.fail('the task did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitRun(runId, (r) => last(r, 'slow')?.state.life_cycle_state === 'RUNNING' && last(r, 'once')?.state.life_cycle_state === 'RUNNING', 5000, s);
    s.proc.kill('SIGKILL');
    await new Promise((r) => s.proc.on('exit', r));
    // the same data directory, a new process
    s2 = await restartServer(s, ['--allow-command-tasks']);
    const run = await waitRun(runId, undefined, 20000, s2);
    const attempts = byKey(run, 'slow');
    assert.equal(attempts[0].state.life_cycle_state, 'INTERNAL_ERROR');
    // SQLite: the restart finds it RUNNING; PostgreSQL: its lease (held by the killed
    // process, as a replica) expires without a heartbeat
    assert.match(attempts[0].state.state_message, process.env.WEIR_TEST_STORE === 'pg' ? /replica lost/ : /server restarted/);
    assert.equal(attempts[1].state.result_state, 'SUCCESS');
    assert.equal(last(run, 'after').state.result_state, 'SUCCESS');
    // no retries left: the task ends INTERNAL_ERROR, its ALL_DONE clean-up runs, nothing stays RUNNING
    assert.equal(last(run, 'once').state.life_cycle_state, 'INTERNAL_ERROR');
    assert.equal(last(run, 'cleanup').state.result_state, 'SUCCESS', 'a clean-up task still runs after the interrupted one');
    assert.equal(run.state.life_cycle_state, 'TERMINATED');
    assert.equal(run.state.result_state, 'SUCCESS_WITH_FAILURES', 'a failed task that is not a leaf');
  } finally {
    if (s2) await s2.stop();
  }
});

