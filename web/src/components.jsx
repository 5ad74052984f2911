// Building blocks every page uses, so that errors, loading, empty states, paging, tabs and
// forms look and behave the same everywhere (keyboard reachable, labelled for screen readers).
// Text is always rendered as text: nothing here (nor anywhere in web/) uses
// dangerouslySetInnerHTML, so a name or an error with <script> in it shows as written.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link } from './router.js';

// An API error (or any Error) as the API's message, with its error_code; role=alert so a
// screen reader announces it. Put it next to what caused it.
export function ErrorBox({ error, title }) {
  if (!error) return null;
  const code = error.errorCode ? ` (${error.errorCode})` : '';
  return (
    <div class="error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      <span class="error-message">{error.message || String(error)}</span>
      <span class="error-code">{code}</span>
    </div>
  );
}

export function Loading({ what }) {
  return (
    <div class="loading" role="status" aria-live="polite">
      Loading{what ? ` ${what}` : ''}…
    </div>
  );
}

export function Empty({ children }) {
  return <p class="empty">{children}</p>;
}

// Runs `fn` (returning a promise) when deps change: {data, error, loading, reload, setData}.
// A result that arrives after deps changed again is dropped.
export function useApi(fn, deps) {
  const [st, setSt] = useState({ data: undefined, error: null, loading: true });
  const gen = useRef(0);
  const run = useCallback(() => {
    const my = ++gen.current;
    setSt((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(fn)
      .then(
        (data) => my === gen.current && setSt({ data, error: null, loading: false }),
        (error) => my === gen.current && setSt({ data: undefined, error, loading: false }),
      );
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    run();
  }, [run]);
  const setData = (data) => setSt((s) => ({ ...s, data }));
  return { ...st, reload: run, setData };
}

// Client-side paging of a list already in memory: {page, pages, rows, setPage}.
export function usePaged(items, pageSize = 50) {
  const [page, setPage] = useState(0);
  const n = items ? items.length : 0;
  const pages = Math.max(1, Math.ceil(n / pageSize));
  useEffect(() => {
    if (page >= pages) setPage(0);
  }, [pages]); // eslint-disable-line react-hooks/exhaustive-deps
  const rows = useMemo(() => (items ? items.slice(page * pageSize, (page + 1) * pageSize) : []), [items, page, pageSize]);
  return { page, pages, rows, setPage, total: n };
}

export function Pager({ page, pages, setPage, total, label = 'rows' }) {
  if (pages <= 1) return total !== undefined ? <div class="pager">{total} {label}</div> : null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" onClick={() => setPage(page - 1)} disabled={page === 0}>
        Previous
      </button>
      <span>
        Page {page + 1} of {pages}
        {total !== undefined ? ` · ${total} ${label}` : ''}
      </span>
      <button type="button" onClick={() => setPage(page + 1)} disabled={page >= pages - 1}>
        Next
      </button>
    </nav>
  );
}

// A table of rows with paging. columns: [{key, label, render?(row), class?}]. rowKey(row).
export function DataTable({ columns, rows, rowKey, pageSize = 50, caption, label, empty = 'Nothing here.' }) {
  const p = usePaged(rows, pageSize);
  if (!rows || rows.length === 0) return <Empty>{empty}</Empty>;
  // the wrapper scrolls a wide table sideways: focusable, so the keyboard can scroll it too
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption || label || 'Table'}>
      <table class="data">
        {caption ? <caption>{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.key} class={c.class}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r, i) => (
            <tr key={rowKey ? rowKey(r) : i}>
              {columns.map((c) => (
                <td key={c.key} class={c.class}>
                  {c.render ? c.render(r) : fmt(r[c.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <Pager {...p} />
    </div>
  );
}

// A value as text: objects as JSON, times (ms since the epoch, by key name) by the caller.
export function fmt(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function fmtTime(ms) {
  if (ms === undefined || ms === null || ms === '' || Number(ms) <= 0) return '';
  const d = new Date(Number(ms));
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

// Tabs with the ARIA tabs pattern (arrow keys move between tabs). tabs: [{id, label}].
export function Tabs({ tabs, active, onChange, label }) {
  const refs = useRef({});
  const onKey = (e, i) => {
    let j = null;
    if (e.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j === null) return;
    e.preventDefault();
    onChange(tabs[j].id);
    const el = refs.current[tabs[j].id];
    if (el) el.focus();
  };
  return (
    <div class="tabs" role="tablist" aria-label={label}>
      {tabs.map((t, i) => (
        <button
          type="button"
          role="tab"
          id={`tab-${t.id}`}
          key={t.id}
          ref={(el) => (refs.current[t.id] = el)}
          aria-selected={active === t.id ? 'true' : 'false'}
          aria-controls={`panel-${t.id}`}
          tabIndex={active === t.id ? 0 : -1}
          class={active === t.id ? 'tab active' : 'tab'}
          onClick={() => onChange(t.id)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`} class="tabpanel">
      {children}
    </div>
  );
}

// A labelled input. Every form control in the UI has a visible label (or aria-label).
export function Field({ label, id, hint, children }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint ? <small class="hint">{hint}</small> : null}
    </div>
  );
}

// A button that runs an async action, shows it is busy, and shows the action's error after it.
export function ActionButton({ action, children, onDone, class: cls, confirm, ...rest }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const click = async () => {
    if (confirm && !window.confirm(confirm)) return;
    setBusy(true);
    setError(null);
    try {
      const r = await action();
      if (onDone) onDone(r);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button type="button" class={cls} onClick={click} disabled={busy} aria-busy={busy ? 'true' : 'false'} {...rest}>
        {children}
      </button>
      <ErrorBox error={error} />
    </span>
  );
}

// A definition list of label/value pairs (an object's properties).
export function Props({ items }) {
  const shown = items.filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (shown.length === 0) return null;
  return (
    <dl class="props">
      {shown.map(([k, v]) => (
        <div class="prop" key={k}>
          <dt>{k}</dt>
          <dd>{typeof v === 'object' && v !== null && !v.type ? fmt(v) : v}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Breadcrumbs({ items }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <ol>
        {items.map(([label, href], i) => (
          <li key={i}>{href && i < items.length - 1 ? <Link href={href}>{label}</Link> : <span aria-current={i === items.length - 1 ? 'page' : undefined}>{label}</span>}</li>
        ))}
      </ol>
    </nav>
  );
}

// Sets document.title for a view.
export function useTitle(title) {
  useEffect(() => {
    document.title = title ? `${title} · Weir` : 'Weir';
  }, [title]);
}
