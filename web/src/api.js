// The API client every page uses: fetch with the session cookie (same origin only), the
// session's CSRF token on every mutation, JSON in and out, and one error type. A page never
// builds its own fetch: it calls api.get/post/patch/put/del (or api.raw for files) and shows
// a thrown ApiError with <ErrorBox error={e} /> next to what caused it.
//
// A 401 means the session is gone (signed out elsewhere, expired, token deleted): the client
// calls the handler set with onUnauthorized (the app sends the user to /signin and back).

let csrfToken = null;
let unauthorizedHandler = null;

export function setCsrfToken(t) {
  csrfToken = t || null;
}

export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

// An API error as the server said it: status, error_code and message (never a stack trace).
export class ApiError extends Error {
  constructor(status, errorCode, message, details) {
    super(message || `Request failed (${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.errorCode = errorCode || '';
    this.details = details;
  }
}

// The query string of an object; undefined and null values are left out, arrays repeat the key.
export function qs(params) {
  if (!params) return '';
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => u.append(k, String(x)));
    else u.append(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// One path segment or dotted name for a URL: encoded, so a name with '/', '?' or '#' stays one segment.
export const seg = (s) => encodeURIComponent(s);

async function errorOf(res) {
  let text = '';
  try {
    text = await res.text();
  } catch {
    /* the body could not be read: the status alone */
  }
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (body && typeof body === 'object') {
    // Databricks/UC and MLflow: {error_code, message}; SCIM: {detail, status}; OAuth: {error, error_description}
    const code = body.error_code || body.scimType || body.error || '';
    const msg = body.message || body.detail || body.error_description || '';
    return new ApiError(res.status, String(code), String(msg || `Request failed (${res.status})`), body.details);
  }
  return new ApiError(res.status, '', `Request failed (${res.status} ${res.statusText || ''})`.trim());
}

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// The one request function. opts: {body (JSON-encoded unless a Blob/File/ArrayBuffer/string
// with a content type), headers, query, signal, noAuthRedirect (a 401 is thrown, not redirected:
// the sign-in page itself), parse: 'json' | 'blob' | 'text' | 'response'}.
export async function request(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}) };
  let body = opts.body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer) && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (MUTATIONS.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path + qs(opts.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', 'The server could not be reached. Check that Weir is running.');
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && !opts.noAuthRedirect && unauthorizedHandler) unauthorizedHandler(err);
    throw err;
  }
  const parse = opts.parse || 'json';
  if (parse === 'response') return res;
  if (parse === 'blob') return res.blob();
  if (parse === 'text') return res.text();
  const text = await res.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', 'The server answered something that is not JSON.');
  }
}

export const api = {
  get: (path, query, opts = {}) => request('GET', path, { ...opts, query }),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
  patch: (path, body, opts = {}) => request('PATCH', path, { ...opts, body }),
  put: (path, body, opts = {}) => request('PUT', path, { ...opts, body }),
  del: (path, body, opts = {}) => request('DELETE', path, { ...opts, body }),
  raw: request,
};

// Follows a list API's next_page_token until `max` items or the end: for small lists a page
// shows whole (catalogs, schemas). Long lists page in the UI instead (usePaged).
export async function listAll(path, key, query = {}, max = 5000) {
  const out = [];
  let token;
  do {
    const page = await api.get(path, { ...query, page_token: token });
    const items = page[key] || [];
    out.push(...items);
    token = page.next_page_token;
  } while (token && out.length < max);
  return out;
}
