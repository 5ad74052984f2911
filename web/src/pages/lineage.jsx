// The lineage graph (/lineage/<node>: catalog.schema.table, dataset:<ns>:<name>, model:<name>,
// or any node id the graph API answers): upstream and downstream of the node to a chosen
// depth, as of a time, or as one run saw it (Weir's graph API, /api/2.0/weir/lineage/graph),
// laid out in layers (graph.js) and drawn in SVG. Choose a node to see it, re-centre the graph
// on it, expand a table into its columns, and follow a column's impact downstream
// (/api/2.0/weir/lineage/column-impact). Nodes the caller may not see come back masked and are
// drawn as masked (no name). The time to lay out and draw the graph is shown under it.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ActionButton, Breadcrumbs, Empty, ErrorBox, Field, Loading, Props, fmtTime, useApi, useTitle } from '../components.jsx';
import { GraphSvg } from '../graphview.jsx';
import { navigate, path, setQuery } from '../router.js';
import '../uipages.css';

const WL = '/api/2.0/weir/lineage';
const UC = '/api/2.1/unity-catalog';

export function Lineage({ rest, query }) {
  const node = rest || '';
  useTitle(node ? `Lineage of ${node}` : 'Lineage');
  return (
    <section>
      <Breadcrumbs items={node ? [['Lineage', '/lineage'], [node]] : [['Lineage']]} />
      <h1>{node ? `Lineage of ${node}` : 'Lineage'}</h1>
      <NodePicker node={node} />
      {node ? <LineageGraph key={node} node={node} query={query} /> : <p>Name a table (catalog.schema.table) or a node (dataset:namespace:name, model:name) to see its lineage.</p>}
    </section>
  );
}

function NodePicker({ node }) {
  const [v, setV] = useState(node);
  useEffect(() => setV(node), [node]);
  const go = (e) => {
    e.preventDefault();
    if (v.trim()) navigate(path('lineage', v.trim()));
  };
  return (
    <form class="inline-form" onSubmit={go} role="search" aria-label="Lineage of a node">
      <Field label="Table or node" id="lineage-node">
        <input id="lineage-node" value={v} onInput={(e) => setV(e.currentTarget.value)} size={40} />
      </Field>
      <button type="submit">Show lineage</button>
    </form>
  );
}

// datetime-local (UTC) <-> epoch ms
const toLocal = (ms) => (ms ? new Date(Number(ms)).toISOString().slice(0, 16) : '');
const fromLocal = (s) => (s ? Date.parse(`${s}:00Z`) : null);

// How to name a node in a link: a table by its full name, anything else by its id.
const refOf = (n) => (n.type === 'TABLE' && n.name ? n.name : n.id);

function typeClass(n) {
  if (n.masked) return 'n-masked';
  if (n.type === 'TABLE') return 'n-table';
  if (n.type === 'JOB' || n.type === 'OL_JOB' || n.type === 'JOB_RUN' || n.type === 'OL_RUN') return 'n-job';
  return '';
}

function LineageGraph({ node, query }) {
  const depth = query.get('depth') || '2';
  const direction = query.get('direction') || 'both';
  const asOf = query.get('as_of') || '';
  const run = query.get('run') || '';
  const expanded = useMemo(() => new Set((query.get('columns') || '').split(',').filter(Boolean)), [query.get('columns')]);
  const selected = query.get('selected') || '';
  const graph = useApi(
    () => api.get(`${WL}/graph`, { node, direction, depth, as_of: asOf || undefined, run: run || undefined, max_nodes: 2000, max_edges: 10000 }),
    [node, direction, depth, asOf, run],
  );
  // columns of the expanded tables (UC tables/get: only tables the caller may read)
  const g = graph.data;
  const tableNodes = useMemo(() => (g ? g.nodes.filter((n) => n.type === 'TABLE' && !n.masked && expanded.has(n.id)) : []), [g, expanded]);
  const cols = useApi(
    async () => {
      const out = {};
      await Promise.all(
        tableNodes.map(async (n) => {
          try {
            const t = await api.get(`${UC}/tables/${encodeURIComponent(n.name)}`);
            out[n.id] = (t.columns || []).map((c) => c.name);
          } catch (e) {
            out[n.id] = { error: e };
          }
        }),
      );
      return out;
    },
    [tableNodes.map((n) => n.id).join(',')],
  );
  // a column's impact (downstream), when a column is followed
  const impactOf = query.get('impact') || '';
  const impact = useApi(() => {
    if (!impactOf) return Promise.resolve(null);
    const i = impactOf.lastIndexOf('#');
    const tableId = impactOf.slice(0, i);
    const t = g && g.nodes.find((n) => n.id === tableId);
    if (!t) return Promise.resolve(null);
    return api.get(`${WL}/column-impact`, { table: t.name, column: impactOf.slice(i + 1), depth: Math.max(1, Number(depth)) });
  }, [impactOf, g]);

  // the nodes and edges drawn: the graph, the expanded columns, the impacted columns (the
  // column and impact answers count only when asked for: no second layout for nothing)
  const colsData = tableNodes.length ? cols.data : null;
  const impactData = impactOf ? impact.data : null;
  const drawn = useMemo(() => {
    if (!g) return null;
    const nodes = g.nodes.map((n) => ({
      id: n.id,
      label: n.masked ? 'masked' : n.name || n.id,
      sub: `${n.type.toLowerCase()}${n.deleted ? ' · dropped' : ''}${n.depth === 0 ? ' · this node' : ''}`,
      cls: `${typeClass(n)}${n.id === g.root ? ' n-root' : ''}${n.deleted ? ' n-deleted' : ''}`,
      title: n.masked ? `A ${n.type.toLowerCase()} you may not see` : undefined,
      raw: n,
    }));
    const edges = g.edges.map((e) => ({ source: e.source, target: e.target }));
    const have = new Set(nodes.map((n) => n.id));
    const colData = colsData || {};
    for (const [tid, cs] of Object.entries(colData)) {
      if (!Array.isArray(cs)) continue;
      for (const c of cs) {
        const id = `${tid}#${c}`;
        if (!have.has(id)) {
          nodes.push({ id, label: c, sub: 'column', cls: 'n-column', raw: { id, type: 'COLUMN', table: tid, column: c } });
          have.add(id);
        }
        edges.push({ source: tid, target: id, cls: 'col' });
      }
    }
    if (impactData) {
      const hit = new Set();
      for (const c of impactData.impacted || []) {
        const id = c.masked ? c.node : c.column ? `${c.node}#${c.column}` : c.node;
        hit.add(id);
        if (!have.has(id)) {
          nodes.push({
            id,
            label: c.masked ? 'masked' : c.column || c.table,
            sub: c.masked ? 'column' : `column of ${c.table}`,
            cls: c.masked ? 'n-masked' : 'n-column',
            raw: c.masked ? { id, type: 'COLUMN', masked: true } : { id, type: 'COLUMN', table: c.node, column: c.column, tableName: c.table },
          });
          have.add(id);
        }
      }
      for (const e of impactData.edges || []) {
        if (!have.has(e.source) || !have.has(e.target)) continue;
        edges.push({ source: e.source, target: e.target, cls: 'hl' });
      }
      for (const n of nodes) if (hit.has(n.id) && !n.cls.includes('n-masked')) n.cls += ' n-impact';
    }
    return { nodes, edges };
  }, [g, colsData, impactData]);

  // layout + render time: from the data's arrival to the committed, laid-out DOM
  const t0 = useRef(0);
  const box = useRef(null);
  const [ms, setMs] = useState(null);
  useMemo(() => {
    t0.current = performance.now();
  }, [drawn]);
  useLayoutEffect(() => {
    if (!drawn || !box.current) return;
    box.current.getBoundingClientRect(); // forces style and layout of the new SVG
    setMs(performance.now() - t0.current);
  }, [drawn]);

  const [form, setForm] = useState({ depth, direction, asOf: toLocal(asOf), run });
  useEffect(() => setForm({ depth, direction, asOf: toLocal(asOf), run }), [depth, direction, asOf, run]);
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const apply = (e) => {
    e.preventDefault();
    setQuery({
      depth: form.depth === '2' ? null : form.depth,
      direction: form.direction === 'both' ? null : form.direction,
      as_of: fromLocal(form.asOf),
      run: form.run.trim() || null,
    });
  };
  const sel = drawn && drawn.nodes.find((n) => n.id === selected);
  return (
    <div>
      <form class="inline-form" onSubmit={apply} aria-label="Graph options">
        <Field label="Depth" id="lin-depth">
          <select id="lin-depth" value={form.depth} onChange={set('depth')}>
            {[1, 2, 3, 4, 5, 6, 8, 10, 20, 50, 100].map((d) => (
              <option key={d} value={String(d)}>
                {d}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Direction" id="lin-dir">
          <select id="lin-dir" value={form.direction} onChange={set('direction')}>
            <option value="both">Upstream and downstream</option>
            <option value="upstream">Upstream</option>
            <option value="downstream">Downstream</option>
          </select>
        </Field>
        <Field label="As of (UTC)" id="lin-asof">
          <input id="lin-asof" type="datetime-local" value={form.asOf} onInput={set('asOf')} />
        </Field>
        <Field label="Run" id="lin-run" hint="An OpenLineage runId, or job_run:<id>, statement:<id>…">
          <input id="lin-run" value={form.run} onInput={set('run')} />
        </Field>
        <button type="submit">Apply</button>
      </form>
      {graph.loading ? <Loading what="the lineage graph" /> : null}
      {graph.error ? (
        graph.error.status === 404 ? (
          <div>
            <h2>Not found</h2>
            <p>{graph.error.message}</p>
            <ErrorBox error={graph.error} />
          </div>
        ) : (
          <ErrorBox error={graph.error} />
        )
      ) : null}
      {g ? (
        <div>
          <p class="muted" role="status">
            {g.nodes.length} nodes, {g.edges.length} edges{g.truncated ? ' · cut at the limit (truncated)' : ''}
            {g.masked_nodes ? ` · ${g.masked_nodes} nodes you may not see are drawn as masked` : ''}
            {g.as_of ? ` · as of ${fmtTime(g.as_of)}` : ''}
            {g.run ? ` · run ${g.run}` : ''}
          </p>
          {g.nodes.length <= 1 && g.edges.length === 0 ? <Empty>No lineage recorded around this node.</Empty> : null}
          <div ref={box}>
            <GraphSvg nodes={drawn.nodes} edges={drawn.edges} label="Lineage graph" center={g.root} selected={selected} onSelect={(n) => setQuery({ selected: n.id })} nodeWidth={210} />
          </div>
          <p class="muted" data-render-ms={ms === null ? '' : ms.toFixed(1)}>
            {ms === null ? '' : `Laid out and drawn ${drawn.nodes.length} nodes in ${Math.round(ms)} ms.`}
          </p>
          <ErrorBox error={cols.error} />
          <ErrorBox error={impact.error} title="Column impact" />
          {sel ? <NodePanel n={sel} expanded={expanded} impactOf={impactOf} colsData={cols.data} impact={impact.data} /> : null}
        </div>
      ) : null}
    </div>
  );
}

function NodePanel({ n, expanded, impactOf, colsData, impact }) {
  const r = n.raw || {};
  const toggleCols = () => {
    const s = new Set(expanded);
    if (s.has(r.id)) s.delete(r.id);
    else s.add(r.id);
    setQuery({ columns: [...s].join(',') || null });
  };
  const colErr = colsData && colsData[r.id] && colsData[r.id].error;
  return (
    <div class="panel" aria-live="polite">
      <h2>{r.masked ? 'A node you may not see' : r.type === 'COLUMN' ? `Column ${r.column}` : r.name || r.id}</h2>
      {r.masked ? <p>This node exists in the lineage but you lack the rights to see it: its name and details are hidden.</p> : null}
      {!r.masked ? (
        <Props
          items={[
            ['Type', r.type],
            ['Name', r.name],
            ['Namespace', r.namespace],
            ['Table', r.tableName || (r.type === 'COLUMN' ? r.table : undefined)],
            ['First seen', fmtTime(r.first_seen)],
            ['Last seen', fmtTime(r.last_seen)],
            ['Dropped', r.deleted ? fmtTime(r.deleted_at) || 'yes' : undefined],
            ['Renamed from', r.renamed_from],
          ]}
        />
      ) : null}
      <div class="row">
        {!r.masked && r.type !== 'COLUMN' && r.depth !== 0 ? (
          <button type="button" onClick={() => navigate(path('lineage', refOf(r)))}>
            Lineage from here
          </button>
        ) : null}
        {!r.masked && r.type === 'TABLE' ? (
          <button type="button" onClick={toggleCols}>
            {expanded.has(r.id) ? 'Hide columns' : 'Show columns'}
          </button>
        ) : null}
        {!r.masked && r.type === 'TABLE' && r.name ? (
          <button type="button" onClick={() => navigate(`/explore/${r.name.split('.').map(encodeURIComponent).join('/')}`)}>
            Open in the catalog
          </button>
        ) : null}
        {!r.masked && r.type === 'COLUMN' ? (
          impactOf === r.id ? (
            <ActionButton action={async () => setQuery({ impact: null })}>Clear impact</ActionButton>
          ) : (
            <ActionButton action={async () => setQuery({ impact: r.id })}>Follow impact</ActionButton>
          )
        ) : null}
      </div>
      <ErrorBox error={colErr} />
      {impact && impactOf === r.id ? (
        <p>
          {(impact.impacted || []).length} columns read this column
          {impact.masked_nodes ? ` (${impact.masked_nodes} you may not see)` : ''}
          {impact.truncated ? ' · truncated' : ''}.
        </p>
      ) : null}
    </div>
  );
}
