// The Databricks Files API over Unity Catalog volumes (api/handlers/files.c,
// warehouse/files.h): uploads streamed to the server's temp file and renamed into place
// (binary round trip of 5 MB, overwrite false and true), downloads with Range reads (206,
// 416), HEAD metadata, directories (mkdir -p, paged listing, empty-only delete), paths that
// try to leave the volume (.., %2e%2e, //, backslash, %00) refused before the file system
// sees them, the permission matrix (owner, READ VOLUME, WRITE VOLUME, nobody: a hidden
// volume answers exactly as a missing one), an upload cut off mid-body leaving no file and
// no temp file, and one audit row per change while reads write none.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { startServer, rawRequest, assertError } = require('./lib');

const UC = '/api/2.1/unity-catalog';
const FILES = '/api/2.0/fs/files';
const DIRS = '/api/2.0/fs/directories';
const VOL = '/Volumes/fc/fs/vol';

let srv;
let volId;
const tok = {};
const app = {};

async function principal(name) {
  const sp = await srv.req('POST', '/api/2.0/preview/scim/v2/ServicePrincipals', { body: { displayName: name } });
  assert.equal(sp.status, 201, sp.text);
  const t = await srv.req('POST', '/api/2.0/token-management/on-behalf-of/tokens', { body: { application_id: sp.json.applicationId } });
  assert.equal(t.status, 200, t.text);
  tok[name] = t.json.token_value;
  app[name] = sp.json.applicationId;
}

async function grant(type, name, who, privileges) {
  const res = await srv.req('PATCH', `${UC}/permissions/${type}/${name}`, { body: { changes: [{ principal: app[who], add: privileges }] } });
  assert.equal(res.status, 200, res.text);
}

const as = (who, method, p, opts = {}) => srv.req(method, p, { ...opts, token: who === 'admin' ? srv.token : tok[who] });
const put = (who, p, bytes, query = '') =>
  as(who, 'PUT', `${FILES}${p}${query}`, { raw: bytes, headers: { 'content-type': 'application/octet-stream' } });

async function download(who, p, headers = {}) {
  const res = await fetch(srv.base + FILES + p, { headers: { authorization: `Bearer ${who === 'admin' ? srv.token : tok[who]}`, ...headers } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function ok(res, what = '') {
  assert.equal(res.status, 200, `${what} ${res.text}`);
  return res.json;
}

const volDir = () => path.join(srv.data, 'volumes', volId);
const tmpFiles = () => (fs.existsSync(path.join(srv.data, 'tmp')) ? fs.readdirSync(path.join(srv.data, 'tmp')) : []);

before(async () => {
  srv = await startServer();
  ok(await srv.req('POST', `${UC}/catalogs`, { body: { name: 'fc' } }));
  ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 'fs', catalog_name: 'fc' } }));
  const v = ok(await srv.req('POST', `${UC}/volumes`, { body: { name: 'vol', catalog_name: 'fc', schema_name: 'fs', volume_type: 'MANAGED' } }));
  volId = v.volume_id;
  for (const who of ['owner', 'reader', 'writer', 'nobody', 'user']) await principal(who);
  for (const who of ['owner', 'reader', 'writer', 'user']) {
    await grant('catalog', 'fc', who, ['USE_CATALOG']);
    await grant('schema', 'fc.fs', who, ['USE_SCHEMA']);
  }
  await grant('schema', 'fc.fs', 'owner', ['CREATE_VOLUME']);
  ok(await as('owner', 'POST', `${UC}/volumes`, { body: { name: 'own', catalog_name: 'fc', schema_name: 'fs', volume_type: 'MANAGED' } }));
  for (const v2 of ['vol', 'own']) {
    await grant('volume', `fc.fs.${v2}`, 'reader', ['READ_VOLUME']);
    await grant('volume', `fc.fs.${v2}`, 'writer', ['WRITE_VOLUME']);
  }
});

after(async () => {
  if (srv) await srv.stop();
});

test('a 5 MB binary file goes up and comes back byte for byte, with its metadata in the headers', async () => {
  const big = crypto.randomBytes(5 * 1024 * 1024 + 3);
  const up = await put('admin', `${VOL}/raw/2024/big.bin`, big);
  assert.equal(up.status, 200, up.text);
  assert.deepEqual(up.json, {});
  const down = await download('admin', `${VOL}/raw/2024/big.bin`);
  assert.equal(down.status, 200);
  assert.equal(down.headers.get('content-type'), 'application/octet-stream');
  assert.equal(Number(down.headers.get('content-length')), big.length);
  assert.ok(down.body.equals(big), 'downloaded bytes differ');
  const lm = Date.parse(down.headers.get('last-modified'));
  assert.ok(Math.abs(lm - Date.now()) < 60000, `last-modified ${down.headers.get('last-modified')}`);
  // stored under the volume's id, never its name
  assert.equal(fs.statSync(path.join(volDir(), 'raw/2024/big.bin')).size, big.length);

  const head = await fetch(srv.base + `${FILES}${VOL}/raw/2024/big.bin`, { method: 'HEAD', headers: { authorization: `Bearer ${srv.token}` } });
  assert.equal(head.status, 200);
  assert.equal(Number(head.headers.get('content-length')), big.length);
  assert.equal(head.headers.get('content-type'), 'application/octet-stream');
  assert.equal(head.headers.get('last-modified'), down.headers.get('last-modified'));
  assert.equal((await head.arrayBuffer()).byteLength, 0);

  const empty = await put('admin', `${VOL}/empty.txt`, '');
  assert.equal(empty.status, 200, empty.text);
  const e = await download('admin', `${VOL}/empty.txt`);
  assert.equal(e.status, 200);
  assert.equal(e.body.length, 0);
  assert.deepEqual(tmpFiles(), [], 'no temp file is left behind');
});

test('overwrite=false refuses an existing file and changes nothing; true and the default replace it', async () => {
  const p = `${VOL}/ow/file.txt`;
  ok(await put('admin', p, 'one'));
  const refused = await put('admin', p, 'two', '?overwrite=false');
  assertError(refused, 409, 'ALREADY_EXISTS');
  assert.equal((await download('admin', p)).body.toString(), 'one');
  ok(await put('admin', p, 'three', '?overwrite=true'));
  assert.equal((await download('admin', p)).body.toString(), 'three');
  ok(await put('admin', p, 'four'));
  assert.equal((await download('admin', p)).body.toString(), 'four');
  ok(await put('admin', `${VOL}/ow/new.txt`, 'fresh', '?overwrite=false'));
  assertError(await put('admin', p, 'x', '?overwrite=maybe'), 400, 'INVALID_PARAMETER_VALUE');
  // a directory is never replaced by a file, nor a parent file by a directory
  assertError(await put('admin', `${VOL}/ow`, 'x'), 409, 'ALREADY_EXISTS');
  assertError(await put('admin', `${VOL}/ow/file.txt/under`, 'x'), 400, 'INVALID_PARAMETER_VALUE');
  assert.deepEqual(tmpFiles(), []);
});

test('Range reads answer 206 with Content-Range; invalid or unsatisfiable ranges 416', async () => {
  const data = Buffer.from('0123456789abcdefghij');
  const p = `${VOL}/range.txt`;
  ok(await put('admin', p, data));
  const cases = [
    ['bytes=0-4', 0, 5],
    ['bytes=10-19', 10, 10],
    ['bytes=15-', 15, 5],
    ['bytes=-3', 17, 3],
    ['bytes=18-99', 18, 2],
  ];
  for (const [range, from, len] of cases) {
    const r = await download('admin', p, { range });
    assert.equal(r.status, 206, range);
    assert.equal(r.headers.get('content-range'), `bytes ${from}-${from + len - 1}/20`, range);
    assert.equal(Number(r.headers.get('content-length')), len, range);
    assert.equal(r.body.toString(), data.subarray(from, from + len).toString(), range);
  }
  for (const range of ['bytes=20-', 'bytes=25-30', 'bytes=9-3', 'bytes=abc', 'bytes=-0']) {
    const r = await download('admin', p, { range });
    assert.equal(r.status, 416, range);
    assert.equal(r.headers.get('content-range'), 'bytes */20', range);
  }
  // another unit, or several ranges: the whole file
  for (const range of ['items=0-1', 'bytes=0-1,4-5']) {
    const r = await download('admin', p, { range });
    assert.equal(r.status, 200, range);
    assert.equal(r.body.toString(), data.toString());
  }
});

test('HEAD answers metadata only; missing files, directories as files and files as directories are 404', async () => {
  ok(await put('admin', `${VOL}/h/a.txt`, 'hello'));
  const head = (p, base = FILES) => fetch(srv.base + base + p, { method: 'HEAD', headers: { authorization: `Bearer ${srv.token}` } });
  const f = await head(`${VOL}/h/a.txt`);
  assert.equal(f.status, 200);
  assert.equal(f.headers.get('content-length'), '5');
  assert.equal((await head(`${VOL}/h/missing.txt`)).status, 404);
  assert.equal((await head(`${VOL}/h`)).status, 404, 'a directory is not a file');
  assert.equal((await head(`${VOL}/h`, DIRS)).status, 200);
  assert.equal((await head(`${VOL}/h/`, DIRS)).status, 200);
  assert.equal((await head(VOL, DIRS)).status, 200, 'the volume is a directory');
  assert.equal((await head(`${VOL}/h/a.txt`, DIRS)).status, 404, 'a file is not a directory');
  assertError(await srv.req('GET', `${FILES}${VOL}/h`), 404, 'NOT_FOUND');
  assertError(await srv.req('DELETE', `${FILES}${VOL}/h`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${DIRS}${VOL}/h/a.txt`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${FILES}${VOL}/nope/a.txt`), 404, 'NOT_FOUND');
});

test('directories: created with their parents, listed in pages, deleted only when empty', async () => {
  const d = `${VOL}/tree/x/y`;
  ok(await srv.req('PUT', `${DIRS}${d}`));
  ok(await srv.req('PUT', `${DIRS}${d}`), 'again: idempotent');
  ok(await srv.req('PUT', `${DIRS}${VOL}/tree/z/`));
  for (const n of ['e.txt', 'a.txt', 'c.txt', 'b.txt']) ok(await put('admin', `${VOL}/tree/${n}`, n));

  const first = ok(await srv.req('GET', `${DIRS}${VOL}/tree`));
  assert.equal(first.next_page_token, undefined);
  assert.deepEqual(first.contents.map((e) => e.name), ['a.txt', 'b.txt', 'c.txt', 'e.txt', 'x', 'z']);
  const a = first.contents[0];
  assert.equal(a.path, `${VOL}/tree/a.txt`);
  assert.equal(a.is_directory, false);
  assert.equal(a.file_size, 5);
  assert.equal(typeof a.last_modified, 'number');
  const x = first.contents[4];
  assert.equal(x.path, `${VOL}/tree/x`);
  assert.equal(x.is_directory, true);

  const names = [];
  let token;
  let pages = 0;
  do {
    const q = `?page_size=4${token ? `&page_token=${encodeURIComponent(token)}` : ''}`;
    const page = ok(await srv.req('GET', `${DIRS}${VOL}/tree${q}`));
    assert.ok(page.contents.length <= 4);
    names.push(...page.contents.map((e) => e.name));
    token = page.next_page_token;
    pages++;
  } while (token);
  assert.equal(pages, 2);
  assert.deepEqual(names, ['a.txt', 'b.txt', 'c.txt', 'e.txt', 'x', 'z']);
  assertError(await srv.req('GET', `${DIRS}${VOL}/tree?page_size=-1`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('GET', `${DIRS}${VOL}/tree?page_token=zz`), 400, 'INVALID_PARAMETER_VALUE');

  const busy = await srv.req('DELETE', `${DIRS}${VOL}/tree/x`);
  assertError(busy, 400, 'FILES_API_DIRECTORY_IS_NOT_EMPTY');
  assert.equal(busy.json.details[0].reason, 'FILES_API_DIRECTORY_IS_NOT_EMPTY');
  ok(await srv.req('DELETE', `${DIRS}${VOL}/tree/x/y`));
  ok(await srv.req('DELETE', `${DIRS}${VOL}/tree/x`));
  assertError(await srv.req('DELETE', `${DIRS}${VOL}/tree/x`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${DIRS}${VOL}/tree/x`), 404, 'NOT_FOUND');
  assertError(await srv.req('DELETE', `${DIRS}${VOL}`), 400, 'INVALID_PARAMETER_VALUE');
  assertError(await srv.req('PUT', `${DIRS}${VOL}/tree/a.txt`), 409, 'ALREADY_EXISTS');
  ok(await srv.req('DELETE', `${FILES}${VOL}/tree/a.txt`));
  assertError(await srv.req('DELETE', `${FILES}${VOL}/tree/a.txt`), 404, 'NOT_FOUND');

  // a volume lists before its first file
  ok(await srv.req('POST', `${UC}/volumes`, { body: { name: 'fresh', catalog_name: 'fc', schema_name: 'fs', volume_type: 'MANAGED' } }));
  assert.deepEqual(ok(await srv.req('GET', `${DIRS}/Volumes/fc/fs/fresh`)), { contents: [] });
  assertError(await srv.req('GET', `${DIRS}/Volumes/fc/fs/fresh/sub`), 404, 'NOT_FOUND');
});

test('paths that try to leave the volume are refused before the file system sees them', async () => {
  ok(await put('admin', `${VOL}/inside.txt`, 'inside'));
  const raw = (method, target, body = '') =>
    rawRequest(srv.port, `${method} ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\n` +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
  const bad = [
    `${VOL}/../vol2/x`,
    `${VOL}/a/../../x`,
    `${VOL}/%2e%2e/x`,
    `${VOL}/%2E%2E/%2e%2E/x`,
    `${VOL}/a/%2e%2e%2f%2e%2e%2fx`,
    `${VOL}//x`,
    `${VOL}/./x`,
    `${VOL}/a%5c..%5cx`,
    `${VOL}/a%00b`,
    `${VOL}/a%0ab`,
    `/Volumes/fc/fs/vol/..`,
    `/Volumes/fc/fs/../fs/vol/x`,
    `/Volumes/fc/fs`,
    `/etc/passwd`,
    `/${VOL}/x`,
    `${VOL}/%ff%fe`,
  ];
  for (const p of bad) {
    for (const [method, base, body] of [['GET', FILES, ''], ['PUT', FILES, 'evil'], ['PUT', DIRS, ''], ['DELETE', FILES, '']]) {
      const res = await raw(method, base + p, body);
      assert.match(res, /^HTTP\/1\.1 400 /, `${method} ${base}${p}: ${res.slice(0, 300)}`);
      assert.match(res, /"INVALID_PARAMETER_VALUE"/, `${method} ${p}`);
      assert.doesNotMatch(res, new RegExp(srv.data.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no server path in the answer');
    }
  }
  // nothing landed beside the volume or in the data directory
  for (const n of fs.readdirSync(path.join(srv.data, 'volumes'))) assert.match(n, /^[0-9a-f-]{36}$/, `DATA/volumes/${n}`);
  assert.deepEqual(fs.readdirSync(volDir()).filter((n) => n === 'x' || n === 'a' || n === 'vol2'), []);
  assert.ok(!fs.existsSync(path.join(srv.data, 'x')));
  assert.equal((await download('admin', `${VOL}/inside.txt`)).body.toString(), 'inside');

  // a symbolic link planted inside the volume is never followed
  fs.writeFileSync(path.join(srv.dir, 'outside.txt'), 'secret');
  fs.symlinkSync(path.join(srv.dir, 'outside.txt'), path.join(volDir(), 'link.txt'));
  fs.symlinkSync(srv.dir, path.join(volDir(), 'linkdir'));
  assertError(await srv.req('GET', `${FILES}${VOL}/link.txt`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${FILES}${VOL}/linkdir/outside.txt`), 404, 'NOT_FOUND');
  assertError(await srv.req('GET', `${DIRS}${VOL}/linkdir`), 404, 'NOT_FOUND');
  assertError(await put('admin', `${VOL}/linkdir/planted.txt`, 'x'), 400, 'INVALID_PARAMETER_VALUE');
  assert.ok(!fs.existsSync(path.join(srv.dir, 'planted.txt')));
  const listed = ok(await srv.req('GET', `${DIRS}${VOL}`)).contents.map((e) => e.name);
  assert.ok(!listed.includes('link.txt') && !listed.includes('linkdir'), listed.join(','));
  ok(await put('admin', `${VOL}/link.txt`, 'replaced'), 'overwrite replaces the link itself');
  assert.equal(fs.readFileSync(path.join(srv.dir, 'outside.txt'), 'utf8'), 'secret');
  fs.unlinkSync(path.join(volDir(), 'linkdir'));
});

test('permission matrix: owner, READ VOLUME, WRITE VOLUME, nobody (hidden looks missing)', async () => {
  ok(await put('admin', `${VOL}/m/data.txt`, 'data'));
  ok(await put('owner', '/Volumes/fc/fs/own/o.txt', 'owned'));
  const hidden = (res, what) => assertError(res, 404, res.json && res.json.error_code === 'CATALOG_NOT_FOUND' ? 'CATALOG_NOT_FOUND' : 'NOT_FOUND');
  const expect = {
    // who: [read vol, write vol, read own, write own]
    owner: [404, 404, 200, 200],
    reader: [200, 403, 200, 403],
    writer: [403, 200, 403, 200],
    user: [404, 404, 404, 404], // USE CATALOG + USE SCHEMA, nothing on the volumes
    nobody: [404, 404, 404, 404],
  };
  for (const [who, [rv, wv, ro, wo]] of Object.entries(expect)) {
    for (const [vol, r, w] of [['vol', rv, wv], ['own', ro, wo]]) {
      const base = `/Volumes/fc/fs/${vol}`;
      const file = vol === 'vol' ? `${base}/m/data.txt` : `${base}/o.txt`;
      const get = await as(who, 'GET', `${FILES}${file}`);
      const list = await as(who, 'GET', `${DIRS}${base}`);
      const up = await put(who, `${base}/m/${who}.txt`, who);
      const mk = await as(who, 'PUT', `${DIRS}${base}/d-${who}`);
      for (const [res, want, what] of [[get, r, 'get'], [list, r, 'list'], [up, w, 'upload'], [mk, w, 'mkdir']]) {
        assert.equal(res.status, want, `${who} ${what} ${vol}: ${res.text}`);
        if (want === 403) assertError(res, 403, 'PERMISSION_DENIED');
        if (want === 404) hidden(res, `${who} ${what} ${vol}`);
      }
      if (w === 200) {
        ok(await as(who, 'DELETE', `${FILES}${base}/m/${who}.txt`));
        ok(await as(who, 'DELETE', `${DIRS}${base}/d-${who}`));
      } else {
        assert.equal((await as(who, 'DELETE', `${FILES}${file}`)).status, w);
      }
    }
  }
  // the original bytes survived every refused write
  assert.equal((await download('admin', `${VOL}/m/data.txt`)).body.toString(), 'data');
  assert.equal((await download('admin', '/Volumes/fc/fs/own/o.txt')).body.toString(), 'owned');

  // hidden is exactly missing: the same answer for a volume that does not exist
  const hid = await as('user', 'GET', `${FILES}${VOL}/m/data.txt`);
  const mis = await as('user', 'GET', `${FILES}/Volumes/fc/fs/nosuch/m/data.txt`);
  assert.equal(hid.status, mis.status);
  assert.equal(hid.json.error_code, mis.json.error_code);
  assert.equal(hid.json.message.replace('vol', 'X'), mis.json.message.replace('nosuch', 'X'));
  const hidN = await as('nobody', 'GET', `${FILES}${VOL}/m/data.txt`);
  const misN = await as('nobody', 'GET', `${FILES}/Volumes/nocat/fs/vol/m/data.txt`);
  assert.equal(hidN.status, misN.status);
  assert.equal(hidN.json.error_code, misN.json.error_code);
  assert.equal(hidN.json.message.replace('fc', 'X'), misN.json.message.replace('nocat', 'X'));
});

test('an upload refused on its head never reads the body', async () => {
  // a 900 MB Content-Length from a reader: answered 403 at once, before any body byte is sent
  const res = await new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1', () => {
      sock.write(`PUT ${FILES}${VOL}/big-refused.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tok.reader}\r\n` +
        'Content-Length: 900000000\r\n\r\n');
    });
    let text = '';
    sock.on('data', (d) => { text += d.toString('latin1'); if (text.includes('\r\n\r\n') && text.includes('}')) { sock.destroy(); resolve(text); } });
    sock.on('error', reject);
    setTimeout(() => { sock.destroy(); resolve(text); }, 5000).unref();
  });
  assert.match(res, /^HTTP\/1\.1 403 /);
  assert.match(res, /PERMISSION_DENIED/);
  // overwrite=false on an existing file: 409 on the head as well
  ok(await put('admin', `${VOL}/exists.txt`, 'x'));
  const res2 = await rawRequest(srv.port, `PUT ${FILES}${VOL}/exists.txt?overwrite=false HTTP/1.1\r\nHost: x\r\n` +
    `Authorization: Bearer ${srv.token}\r\nContent-Length: 900000000\r\n\r\n`, 3000);
  assert.match(res2, /^HTTP\/1\.1 409 /);
  assert.deepEqual(tmpFiles(), []);
});

test('an upload cut off mid-body leaves no file and no temp file', async () => {
  const target = `${VOL}/cut/partial.bin`;
  await new Promise((resolve) => {
    const sock = net.connect(srv.port, '127.0.0.1', () => {
      sock.write(`PUT ${FILES}${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${srv.token}\r\nContent-Length: 4000000\r\n\r\n`);
      sock.write(Buffer.alloc(1500000, 0x61));
      setTimeout(() => { sock.destroy(); resolve(); }, 300);
    });
    sock.on('error', () => resolve());
  });
  let left = tmpFiles();
  for (let i = 0; i < 50 && left.length; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = tmpFiles();
  }
  assert.deepEqual(left, [], 'the temp file of the cut upload is gone');
  assertError(await srv.req('GET', `${FILES}${target}`), 404, 'NOT_FOUND');
  assert.ok(!fs.existsSync(path.join(volDir(), 'cut', 'partial.bin')));
  // the server keeps serving
  ok(await put('admin', target, 'whole'));
  assert.equal((await download('admin', target)).body.toString(), 'whole');
});

test('every change writes one audit row (service filesystem); reads write none', async () => {
  const ids = {};
  const rid = (res) => res.headers.get('x-request-id');
  ids.put = rid(await put('admin', `${VOL}/aud/a.txt`, 'a'));
  ids.get = rid(await srv.req('GET', `${FILES}${VOL}/aud/a.txt`));
  ids.list = rid(await srv.req('GET', `${DIRS}${VOL}/aud`));
  ids.mkdir = rid(await srv.req('PUT', `${DIRS}${VOL}/aud/d`));
  ids.rmdir = rid(await srv.req('DELETE', `${DIRS}${VOL}/aud/d`));
  ids.del = rid(await srv.req('DELETE', `${FILES}${VOL}/aud/a.txt`));
  ids.denied = rid(await put('reader', `${VOL}/aud/no.txt`, 'no'));
  ids.conflict = rid(await put('admin', `${VOL}/exists.txt`, 'x', '?overwrite=false'));
  const events = [];
  let token;
  do {
    const res = await srv.req('GET', `/api/2.0/weir/audit?service_name=filesystem${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
    assert.equal(res.status, 200, res.text);
    events.push(...res.json.events);
    token = res.json.next_page_token;
  } while (token);
  const of = (id) => events.filter((e) => e.request_id === id);
  const want = { put: ['filesPut', 200], mkdir: ['directoriesPut', 200], rmdir: ['directoriesDelete', 200], del: ['filesDelete', 200], denied: ['filesPut', 403], conflict: ['filesPut', 409] };
  for (const [k, [action, status]] of Object.entries(want)) {
    const rows = of(ids[k]);
    assert.equal(rows.length, 1, `${k}: ${rows.length} rows`);
    assert.equal(rows[0].service_name, 'filesystem');
    assert.equal(rows[0].action_name, action, k);
    assert.equal(rows[0].response.status_code, status, k);
    assert.equal(rows[0].securable, 'fc.fs.vol', k);
  }
  assert.equal(of(ids.put)[0].request_params.path, `Volumes/fc/fs/vol/aud/a.txt`);
  assert.equal(of(ids.get).length, 0, 'downloads are not audited');
  assert.equal(of(ids.list).length, 0, 'listings are not audited');
});

test("a deleted volume's files are removed after the delete, directly and with its schema (force)", async () => {
  const mk = async (schema, name) => {
    const v = ok(await srv.req('POST', `${UC}/volumes`, { body: { name, catalog_name: 'fc', schema_name: schema, volume_type: 'MANAGED' } }));
    ok(await put('admin', `/Volumes/fc/${schema}/${name}/d/x.bin`, crypto.randomBytes(1000)));
    const dir = path.join(srv.data, 'volumes', v.volume_id);
    assert.ok(fs.existsSync(path.join(dir, 'd', 'x.bin')));
    return dir;
  };
  const a = await mk('fs', 'doomed');
  const keep = await mk('fs', 'kept');
  ok(await srv.req('DELETE', `${UC}/volumes/fc.fs.doomed`));
  assert.equal(fs.existsSync(a), false, 'the volume directory is gone');
  assert.ok(fs.existsSync(keep), 'another volume keeps its files');
  assert.ok(fs.existsSync(volDir()), 'and so does the first volume');
  // a volume deleted with its schema (force) loses its files too
  ok(await srv.req('POST', `${UC}/schemas`, { body: { name: 'gone', catalog_name: 'fc' } }));
  const b = await mk('gone', 'inside');
  ok(await srv.req('DELETE', `${UC}/schemas/fc.gone?force=true`));
  assert.equal(fs.existsSync(b), false);
  // a refused delete removes nothing
  assertError(await srv.req('DELETE', `${UC}/volumes/fc.fs.kept`, { token: tok.reader }), 404, 'NOT_FOUND'); // hidden from the reader
  assert.ok(fs.existsSync(path.join(keep, 'd', 'x.bin')));
});
