// Jobs (Jobs API 2.2): the jobs list with each job's last run (paged by the API's page
// tokens), a job's page (its task DAG, runs, schedule or trigger with pause/unpause, run now
// with parameters, permissions), and a run's page (the DAG coloured by state, a timeline of
// the task runs with their attempts, each task run's output and logs, parameters, cancel and
// repair of failed tasks). Everything goes through the public API with the caller's rights: a
// job the caller may not see answers "Job <id> does not exist." and the page says so.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ActionButton, Breadcrumbs, DataTable, Empty, ErrorBox, Field, Loading, Props, TabPanel, Tabs, fmt, fmtTime, useApi, useTitle } from '../components.jsx';
import { GraphSvg } from '../graphview.jsx';
import { Link, match, navigate, path, setQuery } from '../router.js';
import '../uipages.css';

const J = '/api/2.2/jobs';
const PERMS = '/api/2.0/permissions/jobs';
const PAGE = 25;

// One component for every /jobs path (routes.js registers /jobs/*rest).
export function Jobs({ rest, query }) {
  const p = '/' + (rest || '');
  let m;
  if ((m = match('/:jobId/runs/:runId', p))) return <JobRun jobId={m.jobId} runId={m.runId} query={query} />;
  if ((m = match('/:jobId', p))) return <Job jobId={m.jobId} query={query} />;
  return <JobsList query={query} />;
}

// A run's or task run's state as one word: the result when there is one, else the life cycle.
export function runState(r) {
  const s = (r && r.state) || {};
  if (s.result_state) return s.result_state;
  if (r && r.status && r.status.state === 'WAITING') return 'WAITING';
  return s.life_cycle_state || '';
}
const ACTIVE = new Set(['PENDING', 'QUEUED', 'RUNNING', 'TERMINATING', 'BLOCKED', 'WAITING_FOR_RETRY', 'WAITING']);
export const isActive = (r) => r && r.state && ACTIVE.has(r.state.life_cycle_state) && !r.state.result_state;

function stateClass(st) {
  if (st === 'SUCCESS' || st === 'SUCCESS_WITH_FAILURES') return 'st-ok';
  if (st === 'FAILED' || st === 'TIMEDOUT' || st === 'INTERNAL_ERROR' || st === 'MAXIMUM_CONCURRENT_RUNS_REACHED') return 'st-failed';
  if (st === 'CANCELED' || st === 'SKIPPED' || st === 'UPSTREAM_FAILED' || st === 'UPSTREAM_CANCELED' || st === 'EXCLUDED' || st === 'DISABLED') return 'st-skipped';
  if (ACTIVE.has(st)) return 'st-running';
  return 'st-none';
}

export function StateBadge({ run, state }) {
  const st = state || runState(run);
  if (!st) return <span class="muted">never run</span>;
  return <span class={`badge ${stateClass(st)}`}>{st}</span>;
}

function duration(ms) {
  if (ms === undefined || ms === null || ms < 0) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 120 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
const runDuration = (r) => (r.run_duration !== undefined ? r.run_duration : r.end_time && r.start_time ? r.end_time - r.start_time : undefined);

// What kind of task: the *_task key of its settings.
function taskKind(t) {
  const k = Object.keys(t).find((x) => x.endsWith('_task'));
  return k ? k.replace(/_task$/, '') : '';
}

// ---- the jobs list -------------------------------------------------------------------------

function JobsList({ query }) {
  useTitle('Jobs');
  const name = query.get('name') || '';
  const [filter, setFilter] = useState(name);
  // page tokens: the list's pages are the API's (tokens kept so Previous works)
  const [tokens, setTokens] = useState([undefined]);
  const [pageNo, setPageNo] = useState(0);
  useEffect(() => {
    setTokens([undefined]);
    setPageNo(0);
  }, [name]);
  const list = useApi(async () => {
    const page = await api.get(`${J}/list`, { limit: PAGE, name: name || undefined, page_token: tokens[pageNo] });
    const jobs = page.jobs || [];
    // each job's last run (one small request per job of this page)
    const last = await Promise.all(
      jobs.map((j) =>
        api.get(`${J}/runs/list`, { job_id: j.job_id, limit: 1 }).then(
          (r) => (r.runs || [])[0] || null,
          () => null,
        ),
      ),
    );
    return { jobs: jobs.map((j, i) => ({ ...j, last: last[i] })), next: page.next_page_token };
  }, [name, pageNo, tokens[pageNo]]);
  const next = () => {
    if (!list.data || !list.data.next) return;
    setTokens((t) => [...t.slice(0, pageNo + 1), list.data.next]);
    setPageNo(pageNo + 1);
  };
  const search = (e) => {
    e.preventDefault();
    setQuery({ name: filter.trim() || null });
  };
  return (
    <section>
      <h1>Jobs</h1>
      <form class="inline-form" onSubmit={search} role="search" aria-label="Find jobs">
        <Field label="Job name" id="job-name" hint="The exact name (case does not matter).">
          <input id="job-name" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        </Field>
        <button type="submit">Find</button>
        {name ? (
          <button type="button" onClick={() => (setFilter(''), setQuery({ name: null }))}>
            Show all
          </button>
        ) : null}
      </form>
      {list.loading ? <Loading what="jobs" /> : null}
      <ErrorBox error={list.error} />
      {list.data ? (
        list.data.jobs.length === 0 ? (
          <Empty>{name ? `No job is named ${name}.` : 'No jobs you can see.'}</Empty>
        ) : (
          <div class="table-wrap">
            <table class="data">
              <caption>Jobs</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Job ID</th>
                  <th scope="col">Schedule or trigger</th>
                  <th scope="col">Last run</th>
                  <th scope="col">Started</th>
                  <th scope="col">Creator</th>
                </tr>
              </thead>
              <tbody>
                {list.data.jobs.map((j) => (
                  <tr key={j.job_id}>
                    <td>
                      <Link href={path('jobs', j.job_id)}>{(j.settings && j.settings.name) || 'Untitled'}</Link>
                    </td>
                    <td class="mono">{j.job_id}</td>
                    <td>{scheduleText(j.settings || {})}</td>
                    <td>
                      {j.last ? (
                        <Link href={path('jobs', j.job_id, 'runs', j.last.run_id)} aria-label={`Last run ${j.last.run_id}: ${runState(j.last)}`}>
                          <StateBadge run={j.last} />
                        </Link>
                      ) : (
                        <StateBadge />
                      )}
                    </td>
                    <td>{j.last ? fmtTime(j.last.start_time) : ''}</td>
                    <td>{j.creator_user_name}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" onClick={() => setPageNo(pageNo - 1)} disabled={pageNo === 0}>
          Previous
        </button>
        <span>Page {pageNo + 1}</span>
        <button type="button" onClick={next} disabled={!list.data || !list.data.next}>
          Next
        </button>
      </nav>
    </section>
  );
}

// The schedule, continuous mode or trigger of settings, as a sentence.
function scheduleText(s) {
  if (s.schedule) return `Cron ${s.schedule.quartz_cron_expression} (${s.schedule.timezone_id})${s.schedule.pause_status === 'PAUSED' ? ' · paused' : ''}`;
  if (s.continuous) return `Continuous${s.continuous.pause_status === 'PAUSED' ? ' · paused' : ''}`;
  if (s.trigger) {
    const t = s.trigger;
    const kind = t.periodic
      ? `Every ${t.periodic.interval} ${String(t.periodic.unit || '').toLowerCase()}`
      : t.file_arrival
        ? `File arrival at ${t.file_arrival.url}`
        : t.table_update
          ? `Table update of ${(t.table_update.table_names || []).join(', ')}`
          : t.model
            ? 'Model change'
            : 'Trigger';
    return `${kind}${t.pause_status === 'PAUSED' ? ' · paused' : ''}`;
  }
  return 'Manual';
}

// ---- a job ---------------------------------------------------------------------------------

function missingText(e, what) {
  return e && e.status === 400 && /does not exist/.test(e.message) ? `${what} does not exist, or you may not see it.` : null;
}

function Job({ jobId, query }) {
  const job = useApi(() => api.get(`${J}/get`, { job_id: jobId }), [jobId]);
  const name = job.data ? job.data.settings.name || 'Untitled' : `Job ${jobId}`;
  useTitle(name);
  const tab = query.get('tab') || 'tasks';
  const tabs = [
    { id: 'tasks', label: 'Tasks' },
    { id: 'runs', label: 'Runs' },
    { id: 'schedule', label: 'Schedule and trigger' },
    { id: 'permissions', label: 'Permissions' },
  ];
  const crumbs = <Breadcrumbs items={[['Jobs', '/jobs'], [name]]} />;
  if (job.loading && !job.data) return <Loading what="the job" />;
  if (job.error) {
    const missing = missingText(job.error, `Job ${jobId}`);
    return (
      <section>
        {crumbs}
        <h1>{missing ? 'Job not found' : name}</h1>
        {missing ? <p>{missing}</p> : <ErrorBox error={job.error} />}
      </section>
    );
  }
  const j = job.data;
  const s = j.settings || {};
  return (
    <section>
      {crumbs}
      <h1>{name}</h1>
      <Props
        items={[
          ['Job ID', String(j.job_id)],
          ['Creator', j.creator_user_name],
          ['Run as', j.run_as_user_name],
          ['Created', fmtTime(j.created_time)],
          ['Description', s.description],
          ['Schedule or trigger', scheduleText(s)],
          ['Max concurrent runs', s.max_concurrent_runs !== undefined ? String(s.max_concurrent_runs) : undefined],
          ['Tags', s.tags && Object.keys(s.tags).length ? Object.entries(s.tags).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
        ]}
      />
      <RunNow job={j} />
      <Tabs tabs={tabs} active={tab} onChange={(t) => setQuery({ tab: t === 'tasks' ? null : t })} label="Job" />
      <TabPanel id={tab}>
        {tab === 'tasks' ? <TaskDag tasks={s.tasks || []} /> : null}
        {tab === 'runs' ? <RunsList jobId={j.job_id} /> : null}
        {tab === 'schedule' ? <Schedule job={j} onChange={job.reload} /> : null}
        {tab === 'permissions' ? <JobPermissions jobId={j.job_id} /> : null}
      </TabPanel>
    </section>
  );
}

// Run now, with the job's parameters (their defaults filled in) as a form.
function RunNow({ job }) {
  const params = (job.settings && job.settings.parameters) || [];
  const [values, setValues] = useState(() => Object.fromEntries(params.map((p) => [p.name, p.default || ''])));
  const go = async () => {
    const body = { job_id: job.job_id };
    if (params.length) body.job_parameters = values;
    return api.post(`${J}/run-now`, body);
  };
  return (
    <div class="panel">
      <h2>Run now</h2>
      {params.length ? (
        <div class="row">
          {params.map((p) => (
            <Field key={p.name} label={`Parameter ${p.name}`} id={`param-${p.name}`} hint={`default: ${p.default || '(empty)'}`}>
              <input id={`param-${p.name}`} value={values[p.name]} onInput={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })} />
            </Field>
          ))}
        </div>
      ) : null}
      <ActionButton class="primary" action={go} onDone={(r) => navigate(path('jobs', job.job_id, 'runs', r.run_id))}>
        Run now
      </ActionButton>
    </div>
  );
}

// The task DAG: tasks as nodes, depends_on as edges; a table of the tasks for the details.
function TaskDag({ tasks, states, onSelect, selected }) {
  const nodes = useMemo(
    () =>
      tasks.map((t) => {
        const st = states ? states.get(t.task_key) : undefined;
        return {
          id: t.task_key,
          label: t.task_key,
          sub: st ? st : taskKind(t),
          cls: states ? stateClass(st || '') : 'st-none',
          title: `Task ${t.task_key}${st ? `: ${st}` : ''}`,
        };
      }),
    [tasks, states],
  );
  const edges = useMemo(() => tasks.flatMap((t) => (t.depends_on || []).map((d) => ({ source: d.task_key, target: t.task_key }))), [tasks]);
  if (tasks.length === 0) return <Empty>This job has no tasks.</Empty>;
  return (
    <div>
      <GraphSvg nodes={nodes} edges={edges} label="Task graph" onSelect={onSelect || (() => {})} selected={selected} />
      {states ? null : (
        <DataTable
          caption="Tasks"
          rows={tasks}
          rowKey={(t) => t.task_key}
          columns={[
            { key: 'task_key', label: 'Task' },
            { key: 'kind', label: 'Kind', render: taskKind },
            { key: 'depends_on', label: 'Depends on', render: (t) => (t.depends_on || []).map((d) => d.task_key + (d.outcome ? ` (${d.outcome})` : '')).join(', ') },
            { key: 'run_if', label: 'Run if' },
            { key: 'max_retries', label: 'Retries', render: (t) => (t.max_retries ? String(t.max_retries) : '') },
            { key: 'timeout_seconds', label: 'Timeout', render: (t) => (t.timeout_seconds ? `${t.timeout_seconds} s` : '') },
          ]}
        />
      )}
    </div>
  );
}

// A job's runs, newest first, paged by the API (25 a page).
function RunsList({ jobId }) {
  const [tokens, setTokens] = useState([undefined]);
  const [pageNo, setPageNo] = useState(0);
  const runs = useApi(() => api.get(`${J}/runs/list`, { job_id: jobId, limit: PAGE, page_token: tokens[pageNo] }), [jobId, pageNo, tokens[pageNo]]);
  const next = () => {
    setTokens((t) => [...t.slice(0, pageNo + 1), runs.data.next_page_token]);
    setPageNo(pageNo + 1);
  };
  return (
    <div>
      <h2>Runs</h2>
      <button type="button" onClick={runs.reload}>
        Refresh
      </button>
      {runs.loading ? <Loading what="runs" /> : null}
      <ErrorBox error={runs.error} />
      {runs.data ? (
        <DataTable
          caption="Runs"
          rows={runs.data.runs || []}
          rowKey={(r) => r.run_id}
          empty="No runs yet."
          columns={[
            { key: 'run_id', label: 'Run', render: (r) => <Link href={path('jobs', jobId, 'runs', r.run_id)}>{String(r.run_id)}</Link> },
            { key: 'state', label: 'State', render: (r) => <StateBadge run={r} /> },
            { key: 'trigger', label: 'Trigger' },
            { key: 'start_time', label: 'Started', render: (r) => fmtTime(r.start_time) },
            { key: 'duration', label: 'Duration', render: (r) => duration(runDuration(r)) },
            { key: 'creator_user_name', label: 'By' },
          ]}
        />
      ) : null}
      <nav class="pager" aria-label="Pages of runs">
        <button type="button" onClick={() => setPageNo(pageNo - 1)} disabled={pageNo === 0}>
          Newer runs
        </button>
        <span>Page {pageNo + 1}</span>
        <button type="button" onClick={next} disabled={!runs.data || !runs.data.next_page_token}>
          Older runs
        </button>
      </nav>
    </div>
  );
}

// The schedule, continuous mode or trigger, and its pause switch (jobs/update with the same
// block and the other pause_status: the server checks CAN_MANAGE and audits it).
function Schedule({ job, onChange }) {
  const s = job.settings || {};
  const key = s.schedule ? 'schedule' : s.continuous ? 'continuous' : s.trigger ? 'trigger' : null;
  if (!key) return <Empty>This job runs only when started (no schedule, continuous mode or trigger).</Empty>;
  const block = s[key];
  const paused = block.pause_status === 'PAUSED';
  const flip = () => api.post(`${J}/update`, { job_id: job.job_id, new_settings: { [key]: { ...block, pause_status: paused ? 'UNPAUSED' : 'PAUSED' } } });
  return (
    <div>
      <h2>{key === 'schedule' ? 'Schedule' : key === 'continuous' ? 'Continuous' : 'Trigger'}</h2>
      <p>
        {scheduleText(s)} — <strong>{paused ? 'paused' : 'active'}</strong>
      </p>
      <pre class="code">{JSON.stringify(block, null, 2)}</pre>
      <ActionButton action={flip} onDone={onChange}>
        {paused ? 'Unpause' : 'Pause'}
      </ActionButton>
    </div>
  );
}

// Job permissions: the access control list (CAN_MANAGE or admins read it), and a form that
// adds an entry (PATCH keeps the others). Refusals show the API's message.
function JobPermissions({ jobId }) {
  const acl = useApi(() => api.get(`${PERMS}/${seg(jobId)}`), [jobId]);
  const [kind, setKind] = useState('user_name');
  const [who, setWho] = useState('');
  const [level, setLevel] = useState('CAN_VIEW');
  const [err, setErr] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    setErr(null);
    try {
      const r = await api.patch(`${PERMS}/${seg(jobId)}`, { access_control_list: [{ [kind]: who.trim(), permission_level: level }] });
      acl.setData(r);
      setWho('');
    } catch (x) {
      setErr(x);
    }
  };
  const principal = (a) => a.user_name || a.group_name || a.service_principal_name;
  return (
    <div>
      <h2>Permissions</h2>
      {acl.loading ? <Loading what="permissions" /> : null}
      <ErrorBox error={acl.error} />
      {acl.data ? (
        <DataTable
          caption="Access control list"
          rows={acl.data.access_control_list || []}
          rowKey={principal}
          columns={[
            { key: 'who', label: 'Principal', render: principal },
            { key: 'kind', label: 'Kind', render: (a) => (a.user_name ? 'user' : a.group_name ? 'group' : 'service principal') },
            {
              key: 'perm',
              label: 'Permission',
              render: (a) => (a.all_permissions || []).map((p) => p.permission_level + (p.inherited ? ' (inherited)' : '')).join(', '),
            },
          ]}
        />
      ) : null}
      {acl.data ? (
        <form class="inline-form" onSubmit={add} aria-label="Grant a permission">
          <Field label="Principal kind" id="perm-kind">
            <select id="perm-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
              <option value="user_name">User</option>
              <option value="group_name">Group</option>
              <option value="service_principal_name">Service principal</option>
            </select>
          </Field>
          <Field label="Principal" id="perm-who">
            <input id="perm-who" value={who} onInput={(e) => setWho(e.currentTarget.value)} required />
          </Field>
          <Field label="Permission" id="perm-level">
            <select id="perm-level" value={level} onChange={(e) => setLevel(e.currentTarget.value)}>
              {['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'].map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </Field>
          <button type="submit">Grant</button>
        </form>
      ) : null}
      <ErrorBox error={err} />
    </div>
  );
}

// ---- a run ---------------------------------------------------------------------------------

function JobRun({ jobId, runId, query }) {
  const run = useApi(() => api.get(`${J}/runs/get`, { run_id: runId, include_history: true }), [runId]);
  const r = run.data;
  useTitle(`Run ${runId}`);
  // while the run is active, poll it
  const active = isActive(r);
  useEffect(() => {
    if (!active) return undefined;
    const t = setTimeout(run.reload, 1000);
    return () => clearTimeout(t);
  }, [active, r]);
  const selected = query.get('task') || '';
  const taskRuns = (r && r.tasks) || [];
  // the newest attempt of each task (a repair or a retry adds one)
  const latest = useMemo(() => {
    const m = new Map();
    for (const t of taskRuns) {
      const prev = m.get(t.task_key);
      if (!prev || (t.start_time || 0) >= (prev.start_time || 0)) m.set(t.task_key, t);
    }
    return m;
  }, [r]);
  const states = useMemo(() => new Map([...latest].map(([k, t]) => [k, runState(t)])), [latest]);
  const crumbs = <Breadcrumbs items={[['Jobs', '/jobs'], [r && r.run_name ? r.run_name : `Job ${jobId}`, path('jobs', jobId)], [`Run ${runId}`]]} />;
  if (run.loading && !r) return <Loading what="the run" />;
  if (run.error && !r) {
    const missing = missingText(run.error, `Run ${runId}`);
    return (
      <section>
        {crumbs}
        <h1>{missing ? 'Run not found' : `Run ${runId}`}</h1>
        {missing ? <p>{missing}</p> : <ErrorBox error={run.error} />}
      </section>
    );
  }
  const failed = [...latest.values()].some((t) => ['FAILED', 'TIMEDOUT', 'CANCELED', 'UPSTREAM_FAILED', 'UPSTREAM_CANCELED', 'INTERNAL_ERROR'].includes(runState(t)));
  const repairs = (r.repair_history || []).filter((h) => h.type === 'REPAIR');
  const latestRepair = repairs.length ? repairs[repairs.length - 1].id : undefined;
  const tasksOfJob = taskRuns.length
    ? [...latest.values()].map((t) => ({ task_key: t.task_key, depends_on: t.depends_on, ...Object.fromEntries(Object.entries(t).filter(([k]) => k.endsWith('_task'))) }))
    : [];
  return (
    <section>
      {crumbs}
      <h1>
        Run {runId} <StateBadge run={r} />
      </h1>
      <Props
        items={[
          ['Job', r.job_id ? <Link href={path('jobs', r.job_id)}>{String(r.job_id)}</Link> : undefined],
          ['Run name', r.run_name],
          ['Trigger', r.trigger],
          ['Started by', r.creator_user_name],
          ['Started', fmtTime(r.start_time)],
          ['Ended', fmtTime(r.end_time)],
          ['Duration', duration(runDuration(r))],
          ['State message', r.state && r.state.state_message],
        ]}
      />
      <div class="row">
        {active ? (
          <ActionButton class="danger" action={() => api.post(`${J}/runs/cancel`, { run_id: r.run_id })} onDone={run.reload}>
            Cancel run
          </ActionButton>
        ) : null}
        {!active && failed ? (
          <ActionButton
            action={() => api.post(`${J}/runs/repair`, { run_id: r.run_id, rerun_all_failed_tasks: true, latest_repair_id: latestRepair })}
            onDone={run.reload}
          >
            Repair failed tasks
          </ActionButton>
        ) : null}
        <button type="button" onClick={run.reload}>
          Refresh
        </button>
      </div>
      <ErrorBox error={run.error} />
      <h2>Task graph</h2>
      <TaskDag tasks={tasksOfJob} states={states} selected={selected} onSelect={(n) => setQuery({ task: n.id })} />
      <h2>Timeline</h2>
      <Gantt run={r} taskRuns={taskRuns} />
      <RunParameters run={r} />
      <h2>Task runs</h2>
      <DataTable
        caption="Task runs and attempts"
        rows={[...taskRuns].sort((a, b) => (a.start_time || 0) - (b.start_time || 0))}
        rowKey={(t) => t.run_id}
        columns={[
          { key: 'task_key', label: 'Task' },
          { key: 'attempt_number', label: 'Attempt', render: (t) => String(t.attempt_number || 0) },
          { key: 'state', label: 'State', render: (t) => <StateBadge run={t} /> },
          { key: 'start_time', label: 'Started', render: (t) => fmtTime(t.start_time) },
          { key: 'duration', label: 'Duration', render: (t) => duration(runDuration(t)) },
          {
            key: 'out',
            label: 'Output',
            render: (t) => (
              <button type="button" class="link" onClick={() => setQuery({ task: t.task_key, attempt: t.run_id })}>
                Output of {t.task_key} attempt {t.attempt_number || 0}
              </button>
            ),
          },
        ]}
      />
      {selected ? <TaskOutput taskRun={pickTaskRun(taskRuns, selected, query.get('attempt'), latest)} taskKey={selected} /> : null}
    </section>
  );
}

function pickTaskRun(taskRuns, key, attempt, latest) {
  if (attempt) {
    const t = taskRuns.find((x) => String(x.run_id) === attempt);
    if (t) return t;
  }
  return latest.get(key);
}

// The job parameters the run used (and the task parameters, when given).
function RunParameters({ run }) {
  const jp = run.job_parameters || [];
  const other = run.overriding_parameters;
  if (jp.length === 0 && !other) return null;
  return (
    <div>
      <h2>Parameters</h2>
      {jp.length ? (
        <DataTable
          caption="Job parameters"
          rows={jp}
          rowKey={(p) => p.name}
          columns={[
            { key: 'name', label: 'Name' },
            { key: 'value', label: 'Value', render: (p) => fmt(p.value !== undefined ? p.value : p.default) },
            { key: 'default', label: 'Default' },
          ]}
        />
      ) : null}
      {other ? <pre class="code">{JSON.stringify(other, null, 2)}</pre> : null}
    </div>
  );
}

// A Gantt chart of the task runs: one row per task, one bar per attempt (retries and repairs
// show as several bars), coloured by state; time runs left to right from the run's start.
function Gantt({ run, taskRuns }) {
  if (taskRuns.length === 0) return <Empty>No task has started yet.</Empty>;
  const now = Date.now();
  const start = Math.min(...taskRuns.map((t) => t.start_time || now), run.start_time || now);
  const end = Math.max(...taskRuns.map((t) => t.end_time || (isActive(t) ? now : t.start_time || now)), start + 1);
  const keys = [...new Set(taskRuns.map((t) => t.task_key))];
  const LW = 160;
  const W = 760;
  const RH = 26;
  const scale = (ms) => LW + ((ms - start) / (end - start)) * (W - LW - 10);
  const H = keys.length * RH + 24;
  return (
    <div class="graph-wrap">
      <svg class="gantt" role="img" aria-label={`Timeline of ${taskRuns.length} task runs over ${duration(end - start)}`} width={W} height={H} viewBox={`0 0 ${W} ${H}`}>
        {keys.map((k, i) => (
          <text key={k} x="4" y={i * RH + 17} class="gantt-label">
            {k.length > 22 ? k.slice(0, 21) + '…' : k}
          </text>
        ))}
        {taskRuns.map((t) => {
          const i = keys.indexOf(t.task_key);
          const s = t.start_time || start;
          const e = t.end_time || (isActive(t) ? now : s);
          const x = scale(s);
          const w = Math.max(3, scale(e) - x);
          return (
            <rect key={t.run_id} x={x} y={i * RH + 4} width={w} height={RH - 8} rx="3" class={`bar ${stateClass(runState(t))}`}>
              <title>{`${t.task_key} attempt ${t.attempt_number || 0}: ${runState(t)}, ${duration(e - s)}`}</title>
            </rect>
          );
        })}
        <line x1={LW} x2={W - 10} y1={H - 18} y2={H - 18} class="axis" />
        <text x={LW} y={H - 4} class="gantt-label">
          0 s
        </text>
        <text x={W - 10} y={H - 4} class="gantt-label" text-anchor="end">
          {duration(end - start)}
        </text>
      </svg>
    </div>
  );
}

// One task run's output (runs/get-output): logs, error and trace, notebook/SQL/dbt output.
function TaskOutput({ taskRun, taskKey }) {
  const id = taskRun && taskRun.run_id;
  const out = useApi(() => (id ? api.get(`${J}/runs/get-output`, { run_id: id }) : Promise.resolve(null)), [id, taskRun && runState(taskRun)]);
  return (
    <div class="panel" aria-live="polite">
      <h2>
        Output of {taskKey}
        {taskRun ? ` (attempt ${taskRun.attempt_number || 0}, task run ${taskRun.run_id})` : ''}
      </h2>
      {!taskRun ? <Empty>This task has not run.</Empty> : null}
      {out.loading ? <Loading what="the output" /> : null}
      <ErrorBox error={out.error} />
      {out.data ? (
        <div>
          {out.data.error ? <ErrorBox error={{ message: out.data.error }} title="Error" /> : null}
          {out.data.error_trace ? (
            <div>
              <h3>Error trace</h3>
              <pre class="code logs">{out.data.error_trace}</pre>
            </div>
          ) : null}
          {out.data.notebook_output && out.data.notebook_output.result !== undefined ? (
            <Props items={[['Notebook result', String(out.data.notebook_output.result)]]} />
          ) : null}
          {out.data.sql_output ? <pre class="code">{JSON.stringify(out.data.sql_output, null, 2)}</pre> : null}
          {out.data.dbt_output ? <pre class="code">{JSON.stringify(out.data.dbt_output, null, 2)}</pre> : null}
          <h3>Logs{out.data.logs_truncated ? ' (truncated: the newest part)' : ''}</h3>
          {out.data.logs ? <pre class="code logs">{out.data.logs}</pre> : <Empty>No logs.</Empty>}
        </div>
      ) : null}
    </div>
  );
}
