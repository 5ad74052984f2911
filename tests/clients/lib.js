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

module.exports = { makeHome, removeHome, patClient };
