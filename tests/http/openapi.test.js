// openapi.yaml against the server's route table (`weir routes`): every route is documented,
// nothing is documented that the server does not route, each operation carries the route's
// rule as x-weir-authorization and at least one error response, and openapi.yaml is what
// scripts/openapi-assemble.sh makes of openapi/*.yaml. Covers whatever routes exist when it
// runs, so surfaces added later are checked as they land.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');
const { BIN } = require('./lib');

const ROOT = path.resolve(__dirname, '../..');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

// `weir routes`: "METHOD PATH RULE DIALECT" per line. The server's `{x*}` (rest of the
// path) is written `{x}` in OpenAPI.
function serverRoutes() {
  const out = execFileSync(BIN, ['routes'], { encoding: 'utf8' });
  const routes = [];
  for (const line of out.split('\n')) {
    const m = /^([A-Z]+)\s+(\/\S*)\s+(\S+)(?:\s+(\S+))?/.exec(line);
    if (!m) continue;
    routes.push({
      method: m[1].toLowerCase(),
      path: m[2].replace(/\{([A-Za-z0-9_]+)\*\}/g, '{$1}'),
      rule: m[3],
      dialect: m[4] || '',
    });
  }
  return routes;
}

const routes = serverRoutes();
const specText = fs.readFileSync(path.join(ROOT, 'openapi.yaml'), 'utf8');
// Strict parse: duplicate keys (two fragments defining the same path or schema) are errors.
const spec = YAML.parse(specText, { uniqueKeys: true, prettyErrors: true });

function operations() {
  const ops = [];
  for (const [p, item] of Object.entries(spec.paths || {})) {
    for (const m of METHODS) if (item && item[m]) ops.push({ path: p, method: m, op: item[m], item });
  }
  return ops;
}
const ops = operations();
const key = (m, p) => `${m.toUpperCase()} ${p}`;
const routeByKey = new Map(routes.map((r) => [key(r.method, r.path), r]));
const opByKey = new Map(ops.map((o) => [key(o.method, o.path), o]));

function deref(node) {
  const seen = new Set();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) throw new Error('circular $ref ' + node.$ref);
    seen.add(node.$ref);
    node = resolveRef(node.$ref);
  }
  return node;
}
function resolveRef(ref) {
  if (!ref.startsWith('#/')) return undefined;
  let cur = spec;
  for (const part of ref.slice(2).split('/')) {
    const k = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur == null || typeof cur !== 'object' || !(k in cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

test('weir routes prints a route table', () => {
  assert.ok(routes.length > 0, 'no routes parsed from `weir routes`');
  for (const r of routes) assert.match(r.rule, /^(public|authenticated|admin|securable:[a-z_]+|object:[a-z_]+)$/, JSON.stringify(r));
});

test('openapi.yaml is the assembly of openapi/*.yaml (run `make openapi.yaml`)', () => {
  const assembled = execFileSync('bash', [path.join(ROOT, 'scripts/openapi-assemble.sh')], { encoding: 'utf8', cwd: ROOT });
  assert.ok(assembled === specText, "openapi.yaml is stale: run 'make openapi.yaml'");
});

test('openapi.yaml is an OpenAPI 3 document with paths and components', () => {
  assert.match(String(spec.openapi), /^3\./);
  assert.ok(spec.info && spec.info.title && spec.info.version);
  assert.equal(typeof spec.paths, 'object');
  assert.equal(typeof spec.components, 'object');
  assert.ok(spec.components.schemas && spec.components.schemas.Error, 'components.schemas.Error');
});

test('every route of the server is documented', () => {
  const missing = routes.filter((r) => !opByKey.has(key(r.method, r.path))).map((r) => key(r.method, r.path));
  assert.deepEqual(missing, [], 'routes missing from openapi.yaml');
});

test('every documented operation is routed by the server', () => {
  const extra = ops.filter((o) => !routeByKey.has(key(o.method, o.path))).map((o) => key(o.method, o.path));
  assert.deepEqual(extra, [], 'openapi.yaml documents operations the server does not route');
});

test('x-weir-authorization equals the route rule', () => {
  const bad = [];
  for (const o of ops) {
    const r = routeByKey.get(key(o.method, o.path));
    const got = o.op['x-weir-authorization'];
    if (got === undefined) bad.push(`${key(o.method, o.path)}: no x-weir-authorization`);
    else if (r && got !== r.rule) bad.push(`${key(o.method, o.path)}: x-weir-authorization ${got}, route rule ${r.rule}`);
  }
  assert.deepEqual(bad, []);
});

test('operationIds are present and unique', () => {
  const seen = new Map();
  const bad = [];
  for (const o of ops) {
    const id = o.op.operationId;
    if (typeof id !== 'string' || !id) bad.push(`${key(o.method, o.path)}: no operationId`);
    else if (seen.has(id)) bad.push(`${key(o.method, o.path)}: operationId ${id} also used by ${seen.get(id)}`);
    else seen.set(id, key(o.method, o.path));
  }
  assert.deepEqual(bad, []);
});

test('every operation has a success response and an error response', () => {
  const bad = [];
  for (const o of ops) {
    const codes = Object.keys(o.op.responses || {});
    // a redirect is the success of a browser route (the web UI's IdP sign-in) when it names its Location
    const redirects = codes.some((c) => /^30[27]$/.test(c) && o.op.responses[c].headers && o.op.responses[c].headers.Location);
    if (!codes.some((c) => /^2\d\d$/.test(c)) && !redirects) bad.push(`${key(o.method, o.path)}: no 2xx response`);
    if (!codes.some((c) => c === 'default' || /^[45]\d\d$/.test(c))) bad.push(`${key(o.method, o.path)}: no error response`);
  }
  assert.deepEqual(bad, []);
});

test('path template variables are declared as path parameters', () => {
  const bad = [];
  for (const o of ops) {
    const vars = [...o.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const params = [...(o.item.parameters || []), ...(o.op.parameters || [])].map(deref);
    for (const v of vars) {
      if (!params.some((p) => p && p.in === 'path' && p.name === v && p.required === true))
        bad.push(`${key(o.method, o.path)}: path parameter {${v}} not declared (in: path, required: true)`);
    }
    for (const p of params) {
      if (p && p.in === 'path' && !vars.includes(p.name)) bad.push(`${key(o.method, o.path)}: path parameter ${p.name} not in the template`);
    }
  }
  assert.deepEqual(bad, []);
});

test('every $ref resolves', () => {
  const bad = [];
  (function walk(node, where) {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}/${i}`));
    if (node === null || typeof node !== 'object') return;
    if (typeof node.$ref === 'string' && resolveRef(node.$ref) === undefined) bad.push(`${where}: ${node.$ref}`);
    for (const [k, v] of Object.entries(node)) walk(v, `${where}/${k}`);
  })(spec, '#');
  assert.deepEqual(bad, []);
});

// Error codes an error response lists (`error_code: {enum: [...]}`, directly or in allOf).
function listedCodes(schema, depth = 0) {
  schema = deref(schema);
  if (!schema || typeof schema !== 'object' || depth > 8) return [];
  let codes = [];
  const ec = schema.properties && deref(schema.properties.error_code);
  if (ec && Array.isArray(ec.enum)) codes = codes.concat(ec.enum);
  for (const k of ['allOf', 'oneOf', 'anyOf']) {
    if (Array.isArray(schema[k])) for (const s of schema[k]) codes = codes.concat(listedCodes(s, depth + 1));
  }
  return codes;
}

test('error codes listed by Databricks-dialect responses exist in core/error.h with that status', () => {
  const header = fs.readFileSync(path.join(ROOT, 'core/error.h'), 'utf8');
  const status = new Map([...header.matchAll(/X\(([A-Z0-9_]+),\s*(\d{3})\)/g)].map((m) => [m[1], Number(m[2])]));
  assert.ok(status.size > 10, 'could not read the codes of core/error.h');
  const bad = [];
  for (const o of ops) {
    const r = routeByKey.get(key(o.method, o.path));
    for (const [code, resp0] of Object.entries(o.op.responses || {})) {
      if (!/^[45]\d\d$/.test(code)) continue;
      const resp = deref(resp0);
      const media = resp && resp.content && resp.content['application/json'];
      for (const ec of listedCodes(media && media.schema)) {
        if (!status.has(ec)) bad.push(`${key(o.method, o.path)} ${code}: ${ec} is not a code of core/error.h`);
        else if (r && r.dialect === 'databricks' && status.get(ec) !== Number(code))
          bad.push(`${key(o.method, o.path)} ${code}: ${ec} answers ${status.get(ec)}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});
