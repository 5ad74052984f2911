// The official Databricks JS SDK (@databricks/sdk-experimental 0.17.0, pinned) drives Weir's
// Files API over a Unity Catalog volume unchanged: files.createDirectory, upload,
// getMetadata (content-length, content-type, last-modified from the headers of a HEAD),
// download (a stream, with its headers), listDirectoryContents (paged by the SDK's own
// iterator), getDirectoryMetadata, delete and deleteDirectory, and the SDK's error types for
// a missing file, an existing one with overwrite=false and a non-empty directory.
// SDK 0.17.0's generated `upload` sends no body (it drops `contents`), so the file it makes
// is empty; the test uploads bytes with fetch as well and reads them back with the SDK.
'use strict';
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { startServer } = require('../http/lib');
const { makeHome, removeHome, patClient, all } = require('./lib');

let srv;
let home;
let w;
const VOL = '/Volumes/sdkf/s/landing';

async function bytesOf(stream) {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

before(async () => {
  srv = await startServer();
  home = makeHome();
  w = patClient(srv.base, srv.token, home);
  await w.catalogs.create({ name: 'sdkf' });
  await w.schemas.create({ name: 's', catalog_name: 'sdkf' });
  await w.volumes.create({ catalog_name: 'sdkf', schema_name: 's', name: 'landing', volume_type: 'MANAGED' });
});
after(async () => {
  removeHome(home);
  await srv.stop();
});

test('createDirectory, upload, getMetadata and download through the SDK', async () => {
  await w.files.createDirectory({ directory_path: `${VOL}/in/2024` });
  await w.files.getDirectoryMetadata({ directory_path: `${VOL}/in/2024` });

  await w.files.upload({ file_path: `${VOL}/in/2024/sdk.txt`, overwrite: true });
  const meta0 = await w.files.getMetadata({ file_path: `${VOL}/in/2024/sdk.txt` });
  assert.equal(meta0['content-length'], '0');

  const data = crypto.randomBytes(300000);
  const put = await fetch(`${srv.base}/api/2.0/fs/files${VOL}/in/2024/data.bin`, {
    method: 'PUT', body: data, headers: { authorization: `Bearer ${srv.token}`, 'content-type': 'application/octet-stream' },
  });
  assert.equal(put.status, 200);

  const meta = await w.files.getMetadata({ file_path: `${VOL}/in/2024/data.bin` });
  assert.equal(meta['content-length'], String(data.length));
  assert.equal(meta['content-type'], 'application/octet-stream');
  assert.ok(Math.abs(Date.parse(meta['last-modified']) - Date.now()) < 60000, meta['last-modified']);

  const down = await w.files.download({ file_path: `${VOL}/in/2024/data.bin` });
  assert.equal(down['content-length'], String(data.length));
  assert.equal(down['content-type'], 'application/octet-stream');
  assert.ok((await bytesOf(down.contents)).equals(data), 'downloaded bytes differ');
});

test('listDirectoryContents pages through every entry with the SDK iterator', async () => {
  await w.files.createDirectory({ directory_path: `${VOL}/many/sub/` });
  for (let i = 0; i < 7; i++) await w.files.upload({ file_path: `${VOL}/many/f${i}.csv` });
  const entries = await all(w.files.listDirectoryContents({ directory_path: `${VOL}/many`, page_size: 3 }));
  assert.deepEqual(entries.map((e) => e.name), ['f0.csv', 'f1.csv', 'f2.csv', 'f3.csv', 'f4.csv', 'f5.csv', 'f6.csv', 'sub']);
  const sub = entries[7];
  assert.equal(sub.is_directory, true);
  assert.equal(sub.path, `${VOL}/many/sub`);
  assert.equal(entries[0].is_directory, false);
  assert.equal(entries[0].file_size, 0);
  assert.equal(typeof entries[0].last_modified, 'number');
});

test('delete and deleteDirectory; the SDK sees Weir\'s errors as Databricks\' (404, 409, 400)', async () => {
  await w.files.createDirectory({ directory_path: `${VOL}/gone` });
  await w.files.upload({ file_path: `${VOL}/gone/x.txt` });
  await assert.rejects(w.files.upload({ file_path: `${VOL}/gone/x.txt`, overwrite: false }),
    (e) => e.statusCode === 409 && e.errorCode === 'ALREADY_EXISTS');
  await assert.rejects(w.files.deleteDirectory({ directory_path: `${VOL}/gone` }),
    (e) => e.statusCode === 400 && e.errorCode === 'FILES_API_DIRECTORY_IS_NOT_EMPTY');
  await w.files.delete({ file_path: `${VOL}/gone/x.txt` });
  await assert.rejects(w.files.getMetadata({ file_path: `${VOL}/gone/x.txt` }), (e) => e.statusCode === 404);
  await assert.rejects(w.files.download({ file_path: `${VOL}/gone/x.txt` }),
    (e) => e.statusCode === 404 && e.errorCode === 'NOT_FOUND');
  await w.files.deleteDirectory({ directory_path: `${VOL}/gone` });
  await assert.rejects(w.files.getDirectoryMetadata({ directory_path: `${VOL}/gone` }), (e) => e.statusCode === 404);
  await assert.rejects(w.files.listDirectoryContents({ directory_path: `${VOL}/gone` }).next(), (e) => e.statusCode === 404);
});
