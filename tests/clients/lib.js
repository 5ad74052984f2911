// What every SDK client test sets up the same way: a throwaway HOME (so the SDK reads no
// ~/.databrickscfg of the machine) and a WorkspaceClient with a personal access token.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { WorkspaceClient } = require('@databricks/sdk-experimental');

function makeHome(prefix = 'weir-sdk-home-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function removeHome(home) {
  if (home) fs.rmSync(home, { recursive: true, force: true });
}

// A PAT client for `base` (the server's http:// address).
function patClient(base, token, home) {
  return new WorkspaceClient(
    { host: base, token, authType: 'pat', env: { HOME: home } },
    { product: 'weir-tests', productVersion: '0.0.0' },
  );
}

// Records every request the client makes ({method, path, query}) into `calls`.
function recordCalls(w, calls) {
  const request = w.apiClient.request.bind(w.apiClient);
  w.apiClient.request = (options, context) => {
    calls.push({ method: options.method, path: options.path, query: { ...(options.query || {}) } });
    return request(options, context);
  };
}

// Every item of one of the SDK's paginated async iterables.
async function all(iterable) {
  const out = [];
  for await (const x of iterable) out.push(x);
  return out;
}

module.exports = { makeHome, removeHome, patClient, recordCalls, all };
