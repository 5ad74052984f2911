// kill -9 durability loop. For --sync full and --sync normal: concurrent writes of every
// write-route family (UC catalog/schema/table, grants, tags, SCIM users, token create and
// revoke, MLflow registered models and versions, experiments, runs and log-batch metrics,
// OpenLineage events) with WEIR_KILL9_CONCURRENCY requests in flight; SIGKILL at a random
// moment 0.3-1 s into the load (counted from when every family has had a write answered, so
// a slow machine still covers them all); restart on the same data directory; every write whose 2xx
// answer had arrived must be there (read back one by one). Requests in flight at the kill
// (revocations included) are "unknown": either outcome is right. Both modes must lose
// nothing: a process crash cannot lose a WAL commit, whatever the sync setting (only an
// OS crash or power loss can, with normal). After each kill the files the crash left get
// PRAGMA integrity_check (on a copy, so the restart still recovers the originals); after
// the last restart every write of every cycle is read back again, and the server must stop
// cleanly. One summary line per mode on stdout.
//
// WEIR_KILL9_CYCLES (kills per mode, default 3), WEIR_KILL9_CONCURRENCY (default 24),
// WEIR_KILL9_SEED (random seed, printed) make longer or reproducible runs.
'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { boot, integrityCheck, sqliteCli } = require('./lib');

const CYCLES = Number(process.env.WEIR_KILL9_CYCLES || 3);
const CONCURRENCY = Number(process.env.WEIR_KILL9_CONCURRENCY || 24);
const SEED = Number(process.env.WEIR_KILL9_SEED || crypto.randomInt(1 << 30));
const UC = '/api/2.1/unity-catalog';
const ML = '/api/2.0/mlflow';
const SCIM = '/api/2.0/preview/scim/v2';

const FAMILIES = ['catalog', 'schema', 'table', 'grant', 'tag', 'scim_user', 'token_create', 'token_revoke',
  'model', 'model_version', 'experiment', 'run', 'log_batch', 'lineage'];

// Small deterministic PRNG (mulberry32) so a seed replays the same choices.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = encodeURIComponent;

// Everything one mode has written and learned. `acked` holds one record per acknowledged
// write: {family, cycle, check(srv) -> true when present}.
function newState(tag, rand) {
  return {
    tag, rand, seq: 0, cycle: 0,
    catalogs: [], schemas: [], tables: [], users: [], models: [], experiments: ['0'], runs: [],
    tokens: [],          // {id, value, verified, revoke: undefined|'inflight'|'acked'|'unknown'}
    ungranted: [],       // tables not yet granted on
    acked: [],
    counts: Object.fromEntries(FAMILIES.map((f) => [f, { acknowledged: 0, present: 0, lost: 0, unknown: 0 }])),
    unknowns: [],        // {family, check} of this cycle's unanswered writes that can be looked up
    probed: 0, committed: 0,
    lost: [],
    refused: [],
  };
}

const pick = (st, arr) => arr[Math.floor(st.rand() * arr.length)];

// One write of a family: {method, path, body, ack(json) -> check(srv), check}, or null when
// what it needs (a parent acknowledged earlier) does not exist yet. ack records what the
// 2xx answer created and returns the read-back; `check`, when the write can be looked up
// without its answer, tells whether an unanswered (unknown) write had committed.
const OPS = {
  catalog(st) {
    const name = `${st.tag}_c${++st.seq}`;
    return {
      method: 'POST', path: `${UC}/catalogs`, body: { name, comment: 'kill9' },
      check: async (s) => (await get(s, `${UC}/catalogs/${name}`)) === 200,
      ack() { st.catalogs.push(name); return this.check; },
    };
  },
  schema(st) {
    if (!st.catalogs.length) return null;
    const cat = pick(st, st.catalogs);
    const name = `s${++st.seq}`;
    const full = `${cat}.${name}`;
    return {
      method: 'POST', path: `${UC}/schemas`, body: { catalog_name: cat, name },
      check: async (s) => (await get(s, `${UC}/schemas/${full}`)) === 200,
      ack() { st.schemas.push(full); return this.check; },
    };
  },
  table(st) {
    if (!st.schemas.length) return null;
    const [cat, sch] = pick(st, st.schemas).split('.');
    const name = `t${++st.seq}`;
    const full = `${cat}.${sch}.${name}`;
    return {
      method: 'POST', path: `${UC}/tables`,
      body: {
        catalog_name: cat, schema_name: sch, name, table_type: 'EXTERNAL', data_source_format: 'DELTA',
        storage_location: `s3://kill9/${full}`,
        columns: [{ name: 'id', type_text: 'INT', type_name: 'INT', position: 0 }],
      },
      check: async (s) => (await get(s, `${UC}/tables/${full}`)) === 200,
      ack() { st.tables.push(full); st.ungranted.push(full); return this.check; },
    };
  },
  grant(st) {
    if (!st.ungranted.length) return null;
    const full = st.ungranted.splice(Math.floor(st.rand() * st.ungranted.length), 1)[0];
    const principal = st.users.length && st.rand() < 0.7 ? pick(st, st.users).userName : 'admins';
    const privs = st.rand() < 0.5 ? ['SELECT'] : ['MODIFY', 'SELECT'];
    return {
      method: 'PATCH', path: `${UC}/permissions/table/${full}`, body: { changes: [{ principal, add: privs }] },
      ack() { return this.check; },
      check: async (s) => {
        const r = await s.req('GET', `${UC}/permissions/table/${full}`);
        if (r.status !== 200) throw new Error(`GET permissions ${full}: ${r.status} ${r.text}`);
        const a = (r.json.privilege_assignments || []).find((x) => x.principal === principal);
        return !!a && privs.every((p) => a.privileges.includes(p));
      },
    };
  },
  tag(st) {
    if (!st.tables.length) return null;
    const full = pick(st, st.tables);
    const key = `k${++st.seq}`;
    const value = `v${st.seq}`;
    return {
      method: 'POST', path: `${UC}/entity-tag-assignments`,
      body: { entity_type: 'tables', entity_name: full, tag_key: key, tag_value: value },
      ack() { return this.check; },
      check: async (s) => {
        const r = await s.req('GET', `${UC}/entity-tag-assignments/tables/${full}/tags/${key}`);
        if (r.status === 404) return false;
        if (r.status !== 200) throw new Error(`GET tag ${full}/${key}: ${r.status} ${r.text}`);
        return r.json.tag_value === value;
      },
    };
  },
  scim_user(st) {
    const userName = `${st.tag}u${++st.seq}@example.com`;
    return {
      method: 'POST', path: `${SCIM}/Users`, body: { userName, displayName: `kill9 ${st.seq}` },
      ack: (j) => {
        const id = j.id;
        st.users.push({ id, userName });
        return async (s) => {
          const r = await s.req('GET', `${SCIM}/Users/${enc(id)}`);
          if (r.status === 404) return false;
          if (r.status !== 200) throw new Error(`GET user ${id}: ${r.status} ${r.text}`);
          return r.json.userName === userName;
        };
      },
      check: async (s) => {
        const r = await s.req('GET', `${SCIM}/Users?filter=${enc(`userName eq "${userName}"`)}`);
        if (r.status !== 200) throw new Error(`GET users by name ${userName}: ${r.status} ${r.text}`);
        return r.json.totalResults === 1;
      },
    };
  },
  token_create(st) {
    return {
      method: 'POST', path: '/api/2.0/token/create', body: { comment: `kill9 ${++st.seq}`, lifetime_seconds: 86400 },
      ack: (j) => {
        const t = { id: j.token_info.token_id, value: j.token_value, verified: false, revoke: undefined };
        st.tokens.push(t);
        return async (s) => {
          // a token revoked after it was verified once is not checked again
          if (t.verified && t.revoke) return true;
          const r = await s.req('GET', '/api/2.0/weir/noop', { token: t.value });
          if (r.status !== 200 && r.status !== 401) throw new Error(`noop with token: ${r.status} ${r.text}`);
          if (r.status === 200) t.verified = true;
          return r.status === 200;
        };
      },
    };
  },
  // Only tokens whose creation was already read back after a restart are revoked, so a
  // refused token proves the revocation and not a lost creation.
  token_revoke(st) {
    const cands = st.tokens.filter((t) => t.verified && !t.revoke);
    if (!cands.length) return null;
    const t = pick(st, cands);
    t.revoke = 'inflight';
    return {
      method: 'POST', path: '/api/2.0/token/delete', body: { token_id: t.id },
      check: async (s) => {
        const r = await s.req('GET', '/api/2.0/weir/noop', { token: t.value });
        if (r.status !== 200 && r.status !== 401) throw new Error(`noop with revoked token: ${r.status} ${r.text}`);
        return r.status === 401;
      },
      ack() { t.revoke = 'acked'; return this.check; },
      unknown: () => { t.revoke = 'unknown'; },
      refused: () => { t.revoke = undefined; },
    };
  },
  model(st) {
    const name = `${st.tag}_m${++st.seq}`;
    return {
      method: 'POST', path: `${ML}/registered-models/create`, body: { name, description: 'kill9' },
      check: async (s) => (await get(s, `${ML}/registered-models/get?name=${name}`)) === 200,
      ack() { st.models.push(name); return this.check; },
    };
  },
  model_version(st) {
    if (!st.models.length) return null;
    const name = pick(st, st.models);
    return {
      method: 'POST', path: `${ML}/model-versions/create`, body: { name, source: `s3://kill9/${name}/${++st.seq}` },
      ack: (j) => {
        const v = j.model_version.version;
        const source = j.model_version.source;
        return async (s) => {
          const r = await s.req('GET', `${ML}/model-versions/get?name=${name}&version=${v}`);
          if (r.status === 404) return false;
          if (r.status !== 200) throw new Error(`GET version ${name}/${v}: ${r.status} ${r.text}`);
          return r.json.model_version.source === source;
        };
      },
    };
  },
  experiment(st) {
    const name = `${st.tag} exp ${++st.seq}`;
    return {
      method: 'POST', path: `${ML}/experiments/create`, body: { name },
      ack: (j) => {
        const id = j.experiment_id;
        st.experiments.push(id);
        return async (s) => {
          const r = await s.req('GET', `${ML}/experiments/get?experiment_id=${id}`);
          if (r.status === 404) return false;
          if (r.status !== 200) throw new Error(`GET experiment ${id}: ${r.status} ${r.text}`);
          return r.json.experiment.name === name;
        };
      },
      check: async (s) => (await get(s, `${ML}/experiments/get-by-name?experiment_name=${enc(name)}`)) === 200,
    };
  },
  run(st) {
    const experiment_id = pick(st, st.experiments);
    return {
      method: 'POST', path: `${ML}/runs/create`, body: { experiment_id, run_name: `r${++st.seq}`, start_time: Date.now() },
      ack: (j) => {
        const id = j.run.info.run_id;
        st.runs.push(id);
        return async (s) => {
          const r = await s.req('GET', `${ML}/runs/get?run_id=${id}`);
          if (r.status === 404) return false;
          if (r.status !== 200) throw new Error(`GET run ${id}: ${r.status} ${r.text}`);
          return r.json.run.info.experiment_id === experiment_id;
        };
      },
    };
  },
  log_batch(st) {
    if (!st.runs.length) return null;
    const run_id = pick(st, st.runs);
    const key = `b${++st.seq}`;
    const n = 1 + Math.floor(st.rand() * 20);
    const metrics = Array.from({ length: n }, (_, i) => ({ key, value: i / 2, timestamp: 1000 + i, step: i }));
    return {
      method: 'POST', path: `${ML}/runs/log-batch`, body: { run_id, metrics, params: [{ key: `p${st.seq}`, value: String(n) }] },
      ack() { return this.check; },
      check: async (s) => {
        const r = await s.req('GET', `${ML}/metrics/get-history?run_id=${run_id}&metric_key=${key}`);
        if (r.status !== 200) throw new Error(`get-history ${run_id}/${key}: ${r.status} ${r.text}`);
        const got = (r.json.metrics || []).length;
        // a batch is one transaction: all of its points or none
        if (got !== 0 && got !== n) throw new Error(`log-batch ${run_id}/${key}: ${got} of ${n} points after the crash`);
        return got === n;
      },
    };
  },
  lineage(st) {
    const n = ++st.seq;
    const ns = `kill9${st.tag}`;
    return {
      method: 'POST', path: '/api/v1/lineage',
      body: {
        eventType: 'COMPLETE', eventTime: new Date().toISOString(),
        run: { runId: crypto.randomUUID(), facets: {} }, job: { namespace: ns, name: `job${n}`, facets: {} },
        inputs: [{ namespace: ns, name: `in${n}` }], outputs: [{ namespace: ns, name: `out${n}` }],
        producer: 'https://github.com/weir/tests/faults', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
      },
      ack() { return this.check; },
      check: async (s) => {
        const r = await s.req('GET', `/api/v1/lineage?nodeId=${enc(`dataset:${ns}:out${n}`)}&depth=1`);
        if (r.status === 404) return false;
        if (r.status !== 200) throw new Error(`GET lineage out${n}: ${r.status} ${r.text}`);
        return r.json.graph.some((x) => x.id === `job:${ns}:job${n}`);
      },
    };
  },
};

async function get(s, p) {
  const r = await s.req('GET', p);
  if (r.status !== 200 && r.status !== 404) throw new Error(`GET ${p}: ${r.status} ${r.text}`);
  return r.status;
}

// Parents first, one at a time, so that the dependent families (tables, grants, tags,
// versions, metrics) have something to write to from the start of the first load. They are
// acknowledged writes like the others and counted so.
const SEED_OPS = ['catalog', 'schema', 'schema', 'table', 'table', 'table', 'table', 'model', 'experiment', 'run', 'run'];
async function seedParents(st, srv) {
  for (const fam of SEED_OPS) {
    const op = OPS[fam](st);
    const res = await srv.req(op.method, op.path, { body: op.body });
    assert.ok(res.status >= 200 && res.status < 300, `${fam} ${op.path}: ${res.status} ${res.text}`);
    st.counts[fam].acknowledged++;
    st.acked.push({ family: fam, cycle: st.cycle, check: op.ack(res.json), what: `${op.method} ${op.path} ${JSON.stringify(op.body).slice(0, 200)}` });
  }
}

// Whether every family that can be written now has had a write acknowledged.
function covered(st) {
  return FAMILIES.every((f) => st.counts[f].acknowledged > 0 ||
    (f === 'token_revoke' && !st.tokens.some((t) => t.verified && !t.revoke)));
}

// One worker: writes of random families until `stop` is set. In-flight requests that fail
// once the kill is under way are unknown; any other failure fails the test.
async function worker(st, srv, ctl) {
  while (!ctl.stop) {
    let fam;
    let op = null;
    for (let tries = 0; !op && tries < 8; tries++) {
      fam = pick(st, FAMILIES);
      op = OPS[fam](st);
    }
    if (!op) { fam = 'catalog'; op = OPS.catalog(st); }
    let res;
    try {
      res = await srv.req(op.method, op.path, { body: op.body });
    } catch (e) {
      if (!ctl.stop) throw new Error(`${fam} ${op.method} ${op.path} failed before the kill: ${e.message}\n${srv.log().slice(-3000)}`);
      st.counts[fam].unknown++;
      if (op.unknown) op.unknown();
      if (op.check) st.unknowns.push({ family: fam, check: op.check });
      continue;
    }
    if (res.status >= 200 && res.status < 300) {
      const check = op.ack(res.json);
      st.counts[fam].acknowledged++;
      st.acked.push({ family: fam, cycle: st.cycle, check, what: `${op.method} ${op.path} ${JSON.stringify(op.body).slice(0, 200)}` });
    } else {
      if (op.refused) op.refused();
      st.refused.push(`${fam}: ${res.status} ${res.text.slice(0, 300)}`);
    }
  }
}

// Reads back `records` with a few requests in flight; returns how many were missing.
async function verify(st, srv, records, final) {
  let next = 0;
  let missing = 0;
  async function one() {
    while (next < records.length) {
      const rec = records[next++];
      const there = await rec.check(srv);
      if (!final) {
        if (there) st.counts[rec.family].present++;
      }
      if (!there && !rec.lost) {
        rec.lost = true;
        missing++;
        st.counts[rec.family].lost++;
        if (final) st.counts[rec.family].present--;
        st.lost.push(`${rec.family} (cycle ${rec.cycle}${final ? ', final sweep' : ''}): ${rec.what}`);
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, one));
  return missing;
}

async function killLoop(sync) {
  const rand = prng(SEED + (sync === 'full' ? 0 : 1));
  const st = newState(sync === 'full' ? 'kf' : 'kn', rand);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `weir-kill9-${sync}-`));
  const data = path.join(dir, 'data');
  const t0 = Date.now();
  const h = { srv: await boot({ data, sync }) };
  try {
    await cycles(st, sync, dir, data, t0, h);
  } catch (e) {
    await h.srv.kill9(); // never leave a server behind; the data directory stays for a look
    throw new Error(`${e.message}\n(--sync ${sync}, seed ${SEED}, data in ${dir})`, { cause: e });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// The kills of one mode, then the final sweep and a clean stop; h.srv is the live server.
async function cycles(st, sync, dir, data, t0, h) {
  const rand = st.rand;
  let srv = h.srv;
  const checks = [];
  let loadMs = 0;
  for (let c = 1; c <= CYCLES; c++) {
    st.cycle = c;
    const ctl = { stop: false };
    const from = st.acked.length;
    if (c === 1) await seedParents(st, srv);
    const killAt = 300 + Math.floor(rand() * 700);
    const tl = Date.now();
    const workers = Array.from({ length: CONCURRENCY }, () => worker(st, srv, ctl));
    let failed = null;
    const all = Promise.all(workers).catch((e) => { failed = e; ctl.stop = true; });
    // at most 20 s for coverage (the assertion below then says which family is missing)
    for (let w = 0; !covered(st) && !ctl.stop && w < 1000; w++) await new Promise((r) => setTimeout(r, 20));
    await Promise.race([all, new Promise((r) => setTimeout(r, killAt))]);
    ctl.stop = true;
    await srv.kill9();
    loadMs += Date.now() - tl;
    await all;
    if (failed) throw failed;
    const ic = integrityCheck(data, path.join(dir, 'check'));
    if (ic !== null) {
      assert.equal(ic, 'ok', `integrity_check after kill ${c}: ${ic}`);
      checks.push('ok');
    }
    srv = h.srv = await boot({ data, sync });
    await verify(st, srv, st.acked.slice(from), false);
    // either outcome is right for the unanswered writes; count the ones that committed
    for (const u of st.unknowns.splice(0)) {
      st.probed++;
      if (await u.check(srv)) st.committed++;
    }
  }
  // every cycle's writes again, after all the kills
  await verify(st, srv, st.acked, true);
  await srv.stop();
  const ic = integrityCheck(data, path.join(dir, 'check'));
  if (ic !== null) assert.equal(ic, 'ok', `integrity_check after the clean stop: ${ic}`);
  const ms = Date.now() - t0;

  const tot = { acknowledged: 0, present: 0, lost: 0, unknown: 0 };
  for (const f of FAMILIES) for (const k of Object.keys(tot)) tot[k] += st.counts[f][k];
  const fams = FAMILIES.map((f) => {
    const x = st.counts[f];
    return `${f} ${x.acknowledged}/${x.present}/${x.lost}/${x.unknown}`;
  }).join(', ');
  console.log(`kill9 --sync ${sync}: ${CYCLES} kills, ${CONCURRENCY} in flight, seed ${SEED}, ` +
    `${tot.acknowledged} acknowledged, ${tot.present} present, ${tot.lost} lost, ${tot.unknown} unknown ` +
    `(${st.committed} of the ${st.probed} that can be looked up had committed); ` +
    `integrity_check ${ic === null ? 'skipped (no sqlite3 shell)' : `ok ${checks.length + 1}/${checks.length + 1}`}; ` +
    `${(tot.acknowledged / (loadMs / 1000)).toFixed(0)} acknowledged writes/s under load; ${(ms / 1000).toFixed(1)} s; ` +
    `per family acknowledged/present/lost/unknown: ${fams}`);
  if (st.refused.length) console.log(`kill9 --sync ${sync}: refused:\n  ` + st.refused.slice(0, 20).join('\n  '));

  assert.deepEqual(st.lost, [], 'acknowledged writes lost under kill -9');
  assert.deepEqual(st.refused, [], 'writes refused during the load');
  for (const f of FAMILIES) {
    if (f === 'token_revoke' && CYCLES < 2) continue; // needs a token verified after an earlier kill
    assert.ok(st.counts[f].acknowledged > 0, `no ${f} write was acknowledged: the load does not cover it`);
  }
}

test('kill -9 under concurrent writes, --sync full: every acknowledged write survives', { timeout: 300000 }, async () => {
  if (!sqliteCli()) console.log('kill9: no sqlite3 shell; integrity_check skipped (scripts/deps.sh installs it)');
  await killLoop('full');
});

test('kill -9 under concurrent writes, --sync normal: every acknowledged write survives', { timeout: 300000 }, async () => {
  await killLoop('normal');
});
