// MLflow experiments: the experiments list (paged by the API's tokens), an experiment's runs
// with their params and metrics (select some and compare them), a run's page (params,
// metrics, tags, metric charts over steps from metrics/get-history, artifacts listed by
// directory and downloadable through the artifact proxy), and the comparison of several runs
// side by side (/compare?runs=a,b: params and metrics in one table with the differences
// marked, one chart per metric with a line per run). The tracking API answers what the caller
// may see; an unknown run or experiment says so.
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ActionButton, Breadcrumbs, DataTable, Empty, ErrorBox, Loading, Props, TabPanel, Tabs, fmt, fmtTime, useApi, useTitle } from '../components.jsx';
import { LineChart } from '../chart.jsx';
import { Link, match, navigate, path, setQuery } from '../router.js';
import '../uipages.css';

const ML = '/api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const PAGE = 50;

export function Experiments({ rest, query }) {
  const p = '/' + (rest || '');
  let m;
  if ((m = match('/:expId/runs/:runId', p))) return <Run expId={m.expId} runId={m.runId} query={query} />;
  if ((m = match('/:expId', p))) return <Experiment expId={m.expId} query={query} />;
  return <ExperimentList />;
}

// Pages through a token-paged API: {data, error, loading, pageNo, next, prev, hasNext}.
function useTokenPages(fetchPage, deps) {
  const [tokens, setTokens] = useState([undefined]);
  const [pageNo, setPageNo] = useState(0);
  const res = useApi(() => fetchPage(tokens[pageNo]), [...deps, pageNo, tokens[pageNo]]);
  const token = res.data && res.data.next_page_token;
  return {
    ...res,
    pageNo,
    hasNext: !!token,
    next: () => {
      setTokens((t) => [...t.slice(0, pageNo + 1), token]);
      setPageNo(pageNo + 1);
    },
    prev: () => setPageNo(Math.max(0, pageNo - 1)),
  };
}

function TokenPager({ pages, label = 'Pages' }) {
  if (pages.pageNo === 0 && !pages.hasNext) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" onClick={pages.prev} disabled={pages.pageNo === 0}>
        Previous
      </button>
      <span>Page {pages.pageNo + 1}</span>
      <button type="button" onClick={pages.next} disabled={!pages.hasNext}>
        Next
      </button>
    </nav>
  );
}

function ExperimentList() {
  useTitle('Experiments');
  const pages = useTokenPages((token) => api.post(`${ML}/experiments/search`, { max_results: PAGE, page_token: token }), []);
  return (
    <section>
      <h1>Experiments</h1>
      {pages.loading ? <Loading what="experiments" /> : null}
      <ErrorBox error={pages.error} />
      {pages.data ? (
        <DataTable
          caption="Experiments"
          rows={pages.data.experiments || []}
          rowKey={(e) => e.experiment_id}
          pageSize={PAGE}
          empty="No experiments you can see."
          columns={[
            { key: 'name', label: 'Name', render: (e) => <Link href={path('experiments', e.experiment_id)}>{e.name}</Link> },
            { key: 'experiment_id', label: 'ID', class: 'mono' },
            { key: 'lifecycle_stage', label: 'Stage' },
            { key: 'last_update_time', label: 'Updated', render: (e) => fmtTime(e.last_update_time) },
            { key: 'artifact_location', label: 'Artifacts', render: (e) => <code>{e.artifact_location}</code> },
          ]}
        />
      ) : null}
      <TokenPager pages={pages} />
    </section>
  );
}

const notFound = (e) => e && (e.status === 404 || e.errorCode === 'RESOURCE_DOES_NOT_EXIST');

function Experiment({ expId, query }) {
  const exp = useApi(() => api.get(`${ML}/experiments/get`, { experiment_id: expId }), [expId]);
  const name = exp.data ? exp.data.experiment.name : `Experiment ${expId}`;
  useTitle(name);
  const pages = useTokenPages(
    (token) => api.post(`${ML}/runs/search`, { experiment_ids: [expId], max_results: PAGE, page_token: token, order_by: ['attributes.start_time DESC'] }),
    [expId],
  );
  const [chosen, setChosen] = useState(() => new Set());
  const runs = (pages.data && pages.data.runs) || [];
  const paramKeys = useMemo(() => [...new Set(runs.flatMap((r) => ((r.data && r.data.params) || []).map((p) => p.key)))].sort().slice(0, 8), [runs]);
  const metricKeys = useMemo(() => [...new Set(runs.flatMap((r) => ((r.data && r.data.metrics) || []).map((m) => m.key)))].sort().slice(0, 8), [runs]);
  const crumbs = <Breadcrumbs items={[['Experiments', '/experiments'], [name]]} />;
  if (exp.error)
    return (
      <section>
        {crumbs}
        <h1>{notFound(exp.error) ? 'Experiment not found' : name}</h1>
        {notFound(exp.error) ? <p>Experiment {expId} does not exist, or you may not see it.</p> : <ErrorBox error={exp.error} />}
      </section>
    );
  const toggle = (id) => {
    const s = new Set(chosen);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setChosen(s);
  };
  const val = (list, k) => {
    const x = (list || []).find((p) => p.key === k);
    return x ? fmt(x.value) : '';
  };
  return (
    <section>
      {crumbs}
      <h1>{name}</h1>
      {exp.data ? (
        <Props
          items={[
            ['ID', exp.data.experiment.experiment_id],
            ['Artifact location', exp.data.experiment.artifact_location],
            ['Stage', exp.data.experiment.lifecycle_stage],
            ['Created', fmtTime(exp.data.experiment.creation_time)],
          ]}
        />
      ) : null}
      <h2>Runs</h2>
      <div class="row">
        <button type="button" class="primary" disabled={chosen.size < 2} onClick={() => navigate(`/compare?runs=${[...chosen].map(encodeURIComponent).join(',')}`)}>
          Compare {chosen.size} selected runs
        </button>
      </div>
      {pages.loading ? <Loading what="runs" /> : null}
      <ErrorBox error={pages.error} />
      {pages.data && runs.length === 0 ? <Empty>No runs in this experiment.</Empty> : null}
      {runs.length ? (
        <div class="table-wrap">
          <table class="data">
            <caption>Runs with params and metrics</caption>
            <thead>
              <tr>
                <th scope="col">Compare</th>
                <th scope="col">Run</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                {paramKeys.map((k) => (
                  <th scope="col" key={`p-${k}`}>
                    param {k}
                  </th>
                ))}
                {metricKeys.map((k) => (
                  <th scope="col" key={`m-${k}`}>
                    metric {k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const id = r.info.run_id;
                const rname = r.info.run_name || id;
                return (
                  <tr key={id}>
                    <td>
                      <input type="checkbox" aria-label={`Compare ${rname}`} checked={chosen.has(id)} onChange={() => toggle(id)} />
                    </td>
                    <td>
                      <Link href={path('experiments', expId, 'runs', id)}>{rname}</Link>
                    </td>
                    <td>{r.info.status}</td>
                    <td>{fmtTime(r.info.start_time)}</td>
                    {paramKeys.map((k) => (
                      <td key={`p-${k}`}>{val(r.data && r.data.params, k)}</td>
                    ))}
                    {metricKeys.map((k) => (
                      <td key={`m-${k}`}>{val(r.data && r.data.metrics, k)}</td>
                    ))}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      <TokenPager pages={pages} label="Pages of runs" />
    </section>
  );
}

// The full history of one metric of one run (follows page tokens).
async function metricHistory(runId, key) {
  const out = [];
  let token;
  do {
    const r = await api.get(`${ML}/metrics/get-history`, { run_id: runId, metric_key: key, max_results: 25000, page_token: token });
    out.push(...(r.metrics || []));
    token = r.next_page_token;
  } while (token && out.length < 100000);
  return out;
}

function Run({ expId, runId, query }) {
  const run = useApi(() => api.get(`${ML}/runs/get`, { run_id: runId }), [runId]);
  const r = run.data && run.data.run;
  const name = r ? r.info.run_name || r.info.run_id : `Run ${runId}`;
  useTitle(name);
  const tab = query.get('tab') || 'overview';
  const realExp = r ? r.info.experiment_id : expId;
  const crumbs = <Breadcrumbs items={[['Experiments', '/experiments'], [`Experiment ${realExp}`, path('experiments', realExp)], [name]]} />;
  if (run.loading && !r) return <Loading what="the run" />;
  if (run.error)
    return (
      <section>
        {crumbs}
        <h1>{notFound(run.error) ? 'Run not found' : name}</h1>
        {notFound(run.error) ? <p>Run {runId} does not exist, or you may not see it.</p> : <ErrorBox error={run.error} />}
      </section>
    );
  const d = r.data || {};
  const tags = (d.tags || []).filter((t) => !t.key.startsWith('mlflow.'));
  return (
    <section>
      {crumbs}
      <h1>{name}</h1>
      <Props
        items={[
          ['Run ID', r.info.run_id],
          ['Status', r.info.status],
          ['User', r.info.user_id],
          ['Started', fmtTime(r.info.start_time)],
          ['Ended', fmtTime(r.info.end_time)],
          ['Artifact URI', r.info.artifact_uri],
        ]}
      />
      <Tabs
        tabs={[
          { id: 'overview', label: 'Params and metrics' },
          { id: 'charts', label: 'Metric charts' },
          { id: 'artifacts', label: 'Artifacts' },
        ]}
        active={tab}
        onChange={(t) => setQuery({ tab: t === 'overview' ? null : t })}
        label="Run"
      />
      <TabPanel id={tab}>
        {tab === 'overview' ? (
          <div>
            <DataTable caption="Parameters" rows={d.params || []} rowKey={(p) => p.key} empty="No parameters." columns={[{ key: 'key', label: 'Name' }, { key: 'value', label: 'Value' }]} />
            <DataTable
              caption="Metrics (latest values)"
              rows={d.metrics || []}
              rowKey={(m) => m.key}
              empty="No metrics."
              columns={[
                { key: 'key', label: 'Metric' },
                { key: 'value', label: 'Value' },
                { key: 'step', label: 'Step' },
                { key: 'timestamp', label: 'Time', render: (m) => fmtTime(m.timestamp) },
              ]}
            />
            <DataTable caption="Tags" rows={tags} rowKey={(t) => t.key} empty="No tags." columns={[{ key: 'key', label: 'Tag' }, { key: 'value', label: 'Value' }]} />
          </div>
        ) : null}
        {tab === 'charts' ? <MetricCharts runs={[r]} /> : null}
        {tab === 'artifacts' ? <Artifacts run={r} dir={query.get('path') || ''} /> : null}
      </TabPanel>
    </section>
  );
}

// One chart per metric key, a line per run (metric histories over steps).
function MetricCharts({ runs }) {
  const keys = useMemo(() => [...new Set(runs.flatMap((r) => ((r.data && r.data.metrics) || []).map((m) => m.key)))].sort(), [runs]);
  const ids = runs.map((r) => r.info.run_id).join(',');
  const hist = useApi(async () => {
    const out = {};
    await Promise.all(
      keys.flatMap((k) =>
        runs.map(async (r) => {
          const has = ((r.data && r.data.metrics) || []).some((m) => m.key === k);
          if (!has) return;
          (out[k] = out[k] || []).push({ name: r.info.run_name || r.info.run_id, points: (await metricHistory(r.info.run_id, k)).map((m) => ({ x: Number(m.step || 0), y: Number(m.value) })) });
        }),
      ),
    );
    return out;
  }, [ids, keys.join(',')]);
  if (keys.length === 0) return <Empty>No metrics logged.</Empty>;
  return (
    <div>
      {hist.loading ? <Loading what="metric histories" /> : null}
      <ErrorBox error={hist.error} />
      {hist.data
        ? keys.map((k) => {
            const series = (hist.data[k] || []).sort((a, b) => a.name.localeCompare(b.name));
            const n = series.reduce((s, x) => s + x.points.length, 0);
            return (
              <div key={k}>
                <h3>{k}</h3>
                <LineChart series={series} label={`Metric ${k} over steps: ${n} points in ${series.length} runs`} />
              </div>
            );
          })
        : null}
    </div>
  );
}

// The artifact path of a run's root under the proxy: mlflow-artifacts:/<path> -> <path>.
function proxyRoot(uri) {
  const m = /^mlflow-artifacts:\/*(.*)$/.exec(uri || '');
  return m ? m[1].replace(/\/+$/, '') : null;
}

function Artifacts({ run, dir }) {
  const id = run.info.run_id;
  const list = useApi(() => api.get(`${ML}/artifacts/list`, { run_id: id, path: dir || undefined }), [id, dir]);
  const root = proxyRoot(run.info.artifact_uri);
  const files = (list.data && list.data.files) || [];
  const parts = dir ? dir.split('/') : [];
  const download = async (f) => {
    const blob = await api.raw('GET', `${ARTIFACTS}/${`${root}/${f.path}`.split('/').map(encodeURIComponent).join('/')}`, { parse: 'blob' });
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = f.path.split('/').pop();
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div>
      <h2>Artifacts</h2>
      <nav aria-label="Artifact folders" class="crumbs">
        <ol>
          <li>
            <button type="button" class="link" onClick={() => setQuery({ path: null })} aria-current={dir ? undefined : 'page'}>
              (root)
            </button>
          </li>
          {parts.map((p, i) => (
            <li key={i}>
              <button type="button" class="link" onClick={() => setQuery({ path: parts.slice(0, i + 1).join('/') })}>
                {p}
              </button>
            </li>
          ))}
        </ol>
      </nav>
      {list.loading ? <Loading what="artifacts" /> : null}
      <ErrorBox error={list.error} />
      {list.data ? (
        <DataTable
          caption="Files"
          rows={files}
          rowKey={(f) => f.path}
          empty="No artifacts here."
          columns={[
            {
              key: 'path',
              label: 'Name',
              render: (f) =>
                f.is_dir ? (
                  <button type="button" class="link" onClick={() => setQuery({ path: f.path })}>
                    {f.path.split('/').pop()}/
                  </button>
                ) : (
                  f.path.split('/').pop()
                ),
            },
            { key: 'file_size', label: 'Size', render: (f) => (f.is_dir ? '' : `${f.file_size || 0} bytes`) },
            {
              key: 'dl',
              label: 'Download',
              render: (f) =>
                f.is_dir || root === null ? (
                  ''
                ) : (
                  <ActionButton action={() => download(f)} aria-label={`Download ${f.path}`}>
                    Download
                  </ActionButton>
                ),
            },
          ]}
        />
      ) : null}
    </div>
  );
}

// ---- comparison --------------------------------------------------------------------------

export function Compare({ query }) {
  useTitle('Compare runs');
  const ids = (query.get('runs') || '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .slice(0, 20);
  const key = ids.join(',');
  const runs = useApi(
    () =>
      Promise.all(
        ids.map((id) =>
          api.get(`${ML}/runs/get`, { run_id: id }).then(
            (r) => r.run,
            (e) => ({ missing: id, error: e }),
          ),
        ),
      ),
    [key],
  );
  const found = (runs.data || []).filter((r) => !r.missing);
  const missing = (runs.data || []).filter((r) => r.missing);
  const paramKeys = [...new Set(found.flatMap((r) => (r.data.params || []).map((p) => p.key)))].sort();
  const metricKeys = [...new Set(found.flatMap((r) => (r.data.metrics || []).map((p) => p.key)))].sort();
  const get = (r, kind, k) => {
    const x = (r.data[kind] || []).find((p) => p.key === k);
    return x ? fmt(x.value) : '';
  };
  const row = (kind, k) => {
    const vals = found.map((r) => get(r, kind, k));
    const differs = new Set(vals).size > 1;
    return (
      <tr key={`${kind}-${k}`} class={differs ? 'diff' : ''}>
        <th scope="row">
          {kind === 'params' ? 'param' : 'metric'} {k}
          {differs ? ' (differs)' : ''}
        </th>
        {vals.map((v, i) => (
          <td key={i}>{v}</td>
        ))}
      </tr>
    );
  };
  return (
    <section>
      <Breadcrumbs items={[['Experiments', '/experiments'], ['Compare runs']]} />
      <h1>Compare {ids.length} runs</h1>
      {ids.length < 2 ? <p>Choose at least two runs on an experiment's page to compare them.</p> : null}
      {runs.loading ? <Loading what="runs" /> : null}
      <ErrorBox error={runs.error} />
      {missing.map((m) => (
        <ErrorBox key={m.missing} error={m.error} title={`Run ${m.missing}`} />
      ))}
      {found.length ? (
        <div class="table-wrap">
          <table class="data compare">
            <caption>Runs side by side</caption>
            <thead>
              <tr>
                <th scope="col">Run</th>
                {found.map((r) => (
                  <th scope="col" key={r.info.run_id}>
                    <Link href={path('experiments', r.info.experiment_id, 'runs', r.info.run_id)}>{r.info.run_name || r.info.run_id}</Link>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">status</th>
                {found.map((r) => (
                  <td key={r.info.run_id}>{r.info.status}</td>
                ))}
              </tr>
              <tr>
                <th scope="row">started</th>
                {found.map((r) => (
                  <td key={r.info.run_id}>{fmtTime(r.info.start_time)}</td>
                ))}
              </tr>
              {paramKeys.map((k) => row('params', k))}
              {metricKeys.map((k) => row('metrics', k))}
            </tbody>
          </table>
        </div>
      ) : null}
      {found.length ? (
        <div>
          <h2>Metric charts</h2>
          <MetricCharts runs={found} />
        </div>
      ) : null}
    </section>
  );
}
