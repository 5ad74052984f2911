// The SQL editor: a plain textarea (Ctrl+Enter runs), a warehouse picker, the default catalog
// and schema, run (POST /api/2.0/sql/statements with a wait, then polling GET), cancel of a
// running statement, the statement's error where the editor is, and its result in a grid that
// renders only the rows in view and fetches result chunks as they scroll into view (a 10,000
// row result never renders or loads everything). The history of the caller's statements comes
// from the server (GET /api/2.0/sql/history/queries, filtered to the caller: an admin would see
// everyone's), paged; the default catalog and schema a statement ran with are remembered in this
// browser (the history does not keep them) for "Open in editor".
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, api, seg } from '../api.js';
import { Empty, ErrorBox, Field, fmtTime, useApi, useTitle } from '../components.jsx';
import { setQuery } from '../router.js';
import { useSession } from '../session.js';
import '../uipages.css';

const ST = '/api/2.0/sql/statements';
const DEFAULT_WH = 'weir0000default0';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']);
const HQ = '/api/2.0/sql/history/queries';
const HISTORY_PAGE = 20;
const CONTEXT_KEY = 'weir.sql.context';
const CONTEXT_MAX = 200;

// statement_id -> [catalog, schema] of the statements run from this browser
function loadContexts() {
  try {
    const v = JSON.parse(window.localStorage.getItem(CONTEXT_KEY) || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}
function rememberContext(id, catalog, schema) {
  try {
    const all = loadContexts();
    delete all[id];
    all[id] = [catalog || '', schema || ''];
    const keys = Object.keys(all);
    for (const k of keys.slice(0, Math.max(0, keys.length - CONTEXT_MAX))) delete all[k];
    window.localStorage.setItem(CONTEXT_KEY, JSON.stringify(all));
  } catch {
    /* storage full or off: the context is a convenience */
  }
}

// A statement's failure as an error for <ErrorBox>: the statement's own message and code.
function statementError(st) {
  if (!st || st.state === 'SUCCEEDED') return null;
  if (st.state === 'FAILED') return new ApiError(200, (st.error && st.error.error_code) || 'FAILED', (st.error && st.error.message) || 'The statement failed.');
  if (st.state === 'CANCELED') return new ApiError(200, 'CANCELED', 'The statement was canceled.');
  if (st.state === 'CLOSED') return new ApiError(200, 'CLOSED', 'The statement was closed; run it again to see its result.');
  return null;
}

export function Sql({ query }) {
  useTitle('SQL editor');
  const session = useSession();
  const user = session.user;
  const whs = useApi(
    () =>
      api.get('/api/2.0/sql/warehouses').then(
        (r) => r.warehouses || [],
        () => [{ id: DEFAULT_WH, name: 'Default warehouse' }],
      ),
    [],
  );
  const [warehouse, setWarehouse] = useState(query.get('warehouse') || '');
  const [catalog, setCatalog] = useState(query.get('catalog') || '');
  const [schema, setSchema] = useState(query.get('schema') || '');
  const [text, setText] = useState(() => window.sessionStorage.getItem('weir.sql.draft') || 'SELECT 1');
  const [stmt, setStmt] = useState(null); // the newest answer about the running/last statement
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [ran, setRan] = useState(0); // bumped when a statement ends: the history reloads
  // the caller's id, for the history's user filter (an admin's history holds everyone's)
  const me = useApi(() => api.get('/api/2.0/preview/scim/v2/Me').then((m) => m.id, () => null), [user && user.user_name]);
  const poll = useRef(0);
  const wid = warehouse || (whs.data && whs.data[0] ? whs.data[0].id : DEFAULT_WH);

  useEffect(() => {
    window.sessionStorage.setItem('weir.sql.draft', text);
  }, [text]);
  // leaving the page stops polling (the statement keeps running on the server)
  useEffect(
    () => () => {
      poll.current++;
    },
    [],
  );

  const finish = (r, started) => {
    setStmt(r);
    setBusy(false);
    setError(statementError(r.status));
    rememberContext(r.statement_id, started.catalog, started.schema);
    setRan((n) => n + 1);
  };

  const run = async () => {
    const statement = text.trim();
    if (!statement) {
      setError(new ApiError(400, 'INVALID_PARAMETER_VALUE', 'Write a statement to run.'));
      return;
    }
    const my = ++poll.current;
    setBusy(true);
    setError(null);
    setStmt(null);
    setQuery({ warehouse: warehouse || null, catalog: catalog || null, schema: schema || null });
    const body = { statement, warehouse_id: wid, wait_timeout: '5s', on_wait_timeout: 'CONTINUE' };
    if (catalog.trim()) body.catalog = catalog.trim();
    if (schema.trim()) body.schema = schema.trim();
    try {
      let r = await api.post(ST, body);
      while (my === poll.current && r.status && !TERMINAL.has(r.status.state)) {
        setStmt(r);
        await new Promise((res) => setTimeout(res, 250));
        if (my !== poll.current) return;
        r = await api.get(`${ST}/${seg(r.statement_id)}`);
      }
      if (my === poll.current) finish(r, body);
    } catch (e) {
      if (my !== poll.current) return;
      setBusy(false);
      setError(e);
    }
  };

  const cancel = async () => {
    if (!stmt || !stmt.statement_id) return;
    try {
      await api.post(`${ST}/${seg(stmt.statement_id)}/cancel`);
    } catch (e) {
      setError(e);
    }
  };

  const onKey = (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      if (!busy) run();
    }
  };

  const state = stmt && stmt.status ? stmt.status.state : '';
  return (
    <section>
      <h1>SQL editor</h1>
      <div class="sql-layout">
        <div class="sql-editor">
          <div class="row">
            <Field label="Warehouse" id="sql-warehouse">
              <select id="sql-warehouse" value={wid} onChange={(e) => setWarehouse(e.currentTarget.value)}>
                {(whs.data || [{ id: DEFAULT_WH, name: 'Default warehouse' }]).map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name || w.id}
                    {w.state ? ` (${w.state})` : ''}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Default catalog" id="sql-catalog">
              <input id="sql-catalog" value={catalog} onInput={(e) => setCatalog(e.currentTarget.value)} placeholder="(none)" />
            </Field>
            <Field label="Default schema" id="sql-schema">
              <input id="sql-schema" value={schema} onInput={(e) => setSchema(e.currentTarget.value)} placeholder="(none)" />
            </Field>
          </div>
          <Field label="SQL statement" id="sql-text" hint="Ctrl+Enter runs it.">
            <textarea id="sql-text" value={text} onInput={(e) => setText(e.currentTarget.value)} onKeyDown={onKey} spellcheck={false} rows={8} />
          </Field>
          <div class="row">
            <button type="button" class="primary" onClick={run} disabled={busy}>
              Run
            </button>
            {busy ? (
              <button type="button" class="danger" onClick={cancel} disabled={!stmt}>
                Cancel
              </button>
            ) : null}
            <span role="status" aria-live="polite" class="muted">
              {busy ? `Running${state ? ` (${state})` : ''}…` : state ? `${state}${stmt.manifest ? ` · ${stmt.manifest.total_row_count} rows` : ''}` : ''}
            </span>
          </div>
          <ErrorBox error={error} />
          {stmt && state === 'SUCCEEDED' ? <ResultView key={stmt.statement_id} stmt={stmt} /> : null}
        </div>
        {me.loading ? null : (
          <History
            key={ran}
            me={me.data}
            onLoad={(h) => {
              const ctx = loadContexts()[h.query_id] || ['', ''];
              setText(h.query_text);
              setCatalog(ctx[0]);
              setSchema(ctx[1]);
              if (h.warehouse_id) setWarehouse(h.warehouse_id);
              const el = document.getElementById('sql-text');
              if (el) el.focus();
            }}
          />
        )}
      </div>
    </section>
  );
}

// The caller's statements from the server, newest first, a page at a time (Older / Newer walk
// the API's page tokens).
function History({ me, onLoad }) {
  const [tokens, setTokens] = useState(['']);
  const token = tokens[tokens.length - 1];
  const h = useApi(() => api.get(HQ, { max_results: HISTORY_PAGE, 'filter_by.user_ids': me || undefined, page_token: token || undefined }), [me, token]);
  const items = (h.data && h.data.res) || [];
  return (
    <aside aria-label="Statement history">
      <h2>History</h2>
      <ErrorBox error={h.error} title="The history could not be read" />
      {h.data && items.length === 0 ? <Empty>No statements yet.</Empty> : null}
      <ul class="history">
        {items.map((q) => (
          <li key={q.query_id}>
            <code>{q.query_text.length > 300 ? q.query_text.slice(0, 300) + '…' : q.query_text}</code>
            <div class="muted">
              {q.status}
              {q.rows_produced !== undefined ? ` · ${q.rows_produced} rows` : ''} · {fmtTime(q.query_start_time_ms)}
            </div>
            {q.error_message ? <div class="warn">{q.error_message}</div> : null}
            <button type="button" class="link" onClick={() => onLoad(q)}>
              Open in editor
            </button>
          </li>
        ))}
      </ul>
      {tokens.length > 1 || (h.data && h.data.has_next_page) ? (
        <nav class="pager" aria-label="History pages">
          <button type="button" onClick={() => setTokens((t) => t.slice(0, -1))} disabled={tokens.length <= 1}>
            Newer
          </button>
          <button type="button" onClick={() => setTokens((t) => [...t, h.data.next_page_token])} disabled={!(h.data && h.data.has_next_page)}>
            Older
          </button>
        </nav>
      ) : null}
    </aside>
  );
}

// ---- the result grid -------------------------------------------------------------------------

const ROW_H = 26; // px, the CSS height of a row (.vgrid td)
const OVERSCAN = 10;

// The result of a SUCCEEDED statement: its columns, and rows fetched by chunk as they scroll
// into view. Chunk 0 comes with the statement's answer.
function ResultView({ stmt }) {
  const m = stmt.manifest || {};
  const cols = (m.schema && m.schema.columns) || [];
  const total = m.total_row_count || 0;
  const chunksMeta = m.chunks || [];
  const [chunks, setChunks] = useState(() => {
    const c = new Map();
    if (stmt.result && stmt.result.data_array) c.set(stmt.result.chunk_index || 0, stmt.result.data_array);
    return c;
  });
  const [chunkError, setChunkError] = useState(null);
  const loading = useRef(new Set());
  const [range, setRange] = useState([0, 40]);
  const box = useRef(null);

  const chunkOf = useMemo(() => {
    // row index -> chunk index (chunks are in order and contiguous)
    return (row) => {
      let lo = 0;
      let hi = chunksMeta.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (chunksMeta[mid].row_offset <= row) lo = mid;
        else hi = mid - 1;
      }
      return chunksMeta[lo] || { chunk_index: 0, row_offset: 0 };
    };
  }, [chunksMeta]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    const first = Math.max(0, Math.floor(el.scrollTop / ROW_H) - OVERSCAN);
    const last = Math.min(total, Math.ceil((el.scrollTop + el.clientHeight) / ROW_H) + OVERSCAN);
    if (first !== range[0] || last !== range[1]) setRange([first, last]);
  };

  // fetch the chunks the visible rows need
  useEffect(() => {
    if (total === 0 || chunksMeta.length === 0) return;
    const need = new Set();
    for (const r of [range[0], Math.max(range[0], range[1] - 1)]) need.add(chunkOf(r).chunk_index);
    for (const ci of need) {
      if (chunks.has(ci) || loading.current.has(ci)) continue;
      loading.current.add(ci);
      api.get(`${ST}/${seg(stmt.statement_id)}/result/chunks/${ci}`).then(
        (c) => {
          loading.current.delete(ci);
          setChunks((prev) => new Map(prev).set(ci, c.data_array || []));
        },
        (e) => {
          loading.current.delete(ci);
          setChunkError(e);
        },
      );
    }
  }, [range, chunks]);

  if (cols.length === 0) return <Empty>The statement returned no columns.</Empty>;
  const rowAt = (i) => {
    const meta = chunkOf(i);
    const data = chunks.get(meta.chunk_index);
    return data ? data[i - meta.row_offset] : undefined;
  };
  const [first, last] = [range[0], Math.min(range[1], total)];
  const rows = [];
  for (let i = first; i < last; i++) rows.push(i);
  return (
    <div>
      <h2>Result</h2>
      <p class="muted">
        {total} rows{m.truncated ? ' (truncated by the row limit)' : ''} · {chunksMeta.length} chunks, {chunks.size} loaded
      </p>
      <ErrorBox error={chunkError} title="A part of the result could not be loaded" />
      <div class="vgrid" ref={box} onScroll={onScroll} tabIndex={0} role="region" aria-label="Result rows (scroll to see more)">
        <table aria-rowcount={total + 1} aria-label="Result">
          <thead>
            <tr aria-rowindex={1}>
              <th scope="col" class="rn">
                #
              </th>
              {cols.map((c, j) => (
                <th scope="col" key={j}>
                  {c.name} <span class="muted">{c.type_text || c.type_name || ''}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {first > 0 ? (
              <tr class="spacer" aria-hidden="true">
                <td colSpan={cols.length + 1} style={{ height: `${first * ROW_H}px` }} />
              </tr>
            ) : null}
            {rows.map((i) => {
              const r = rowAt(i);
              return (
                <tr key={i} aria-rowindex={i + 2}>
                  <td class="rn">{i + 1}</td>
                  {cols.map((c, j) => (
                    <td key={j}>{r === undefined ? <span class="muted">…</span> : r[j] === null ? <span class="muted">NULL</span> : String(r[j])}</td>
                  ))}
                </tr>
              );
            })}
            {last < total ? (
              <tr class="spacer" aria-hidden="true">
                <td colSpan={cols.length + 1} style={{ height: `${(total - last) * ROW_H}px` }} />
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {total === 0 ? <Empty>No rows.</Empty> : null}
    </div>
  );
}
