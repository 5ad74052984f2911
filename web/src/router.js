// The client-side router: the URL is the state. Every view has a deep link, reloading shows
// the same view (weir serves the app shell for every UI path), back and forward work.
//
// Patterns: '/explore/:catalog?/:schema?/:name?' (':x' one segment, '?' optional) and
// '/jobs/*rest' (the rest of the path). Params come decoded.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();
const notify = () => listeners.forEach((f) => f());
window.addEventListener('popstate', notify);

function current() {
  return { path: window.location.pathname, search: window.location.search, query: new URLSearchParams(window.location.search) };
}

// Goes to `to` (a path with an optional query). replace: no new history entry (a redirect,
// or a filter change that should not fill the back button).
export function navigate(to, { replace = false } = {}) {
  if (to === window.location.pathname + window.location.search) return;
  window.history[replace ? 'replaceState' : 'pushState'](null, '', to);
  notify();
}

// Sets query parameters of the current view (null removes one) without a history entry.
export function setQuery(params, { replace = true } = {}) {
  const q = new URLSearchParams(window.location.search);
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  const s = q.toString();
  navigate(window.location.pathname + (s ? `?${s}` : ''), { replace });
}

export function useLocation() {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const f = () => setLoc(current());
    listeners.add(f);
    return () => listeners.delete(f);
  }, []);
  return loc;
}

// Params of `path` under `pattern`, or null.
export function match(pattern, path) {
  const ps = pattern.split('/').filter(Boolean);
  const xs = path.split('/').filter(Boolean);
  const params = {};
  let i = 0;
  for (; i < ps.length; i++) {
    const p = ps[i];
    if (p.startsWith('*')) {
      params[p.slice(1)] = xs.slice(i).map(safeDecode).join('/');
      return params;
    }
    if (p.startsWith(':')) {
      const optional = p.endsWith('?');
      const name = p.slice(1, optional ? -1 : undefined);
      if (i >= xs.length) {
        if (!optional) return null;
        params[name] = undefined;
        continue;
      }
      params[name] = safeDecode(xs[i]);
      continue;
    }
    if (xs[i] !== p) return null;
  }
  return i >= xs.length ? params : null;
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

// A path from segments, each encoded: path('explore', catalog, schema) -> '/explore/c/s'.
export function path(...segments) {
  return '/' + segments.filter((s) => s !== undefined && s !== null && s !== '').map((s) => encodeURIComponent(s)).join('/');
}

// An <a> that navigates in the app (a modified or middle click opens a new tab as usual).
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (rest.onClick) rest.onClick(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return h('a', { ...rest, href, onClick }, children);
}
