// First contentful paint of the web UI's pages from a warm server, measured in Debian's
// Chromium with the Performance API: each page loaded RUNS times in a fresh context after a
// warm-up load (server warm; the browser's cache warm for the hashed assets, as for a user
// coming back, and a cold-cache run too). Also the time until the view's data is on screen
// (the page's own <h1> or table appears). Prints one JSON line per page and a summary.
// Usage: cd tests && WEIR_BIN=$PWD/../build/weir node ../bench/ui/fcp.js [RUNS]
'use strict';
const path = require('node:path');
const lib = require(path.resolve(__dirname, '../../tests/browser/lib.js'));

const RUNS = Number(process.argv[2] || 15);

async function setup(srv) {
  const wh = (await srv.req('GET', '/api/2.0/sql/warehouses')).json.warehouses[0].id;
  await srv.req('POST', '/api/2.1/unity-catalog/catalogs', { body: { name: 'main' } });
  await srv.req('POST', '/api/2.1/unity-catalog/schemas', { body: { name: 'sales', catalog_name: 'main' } });
  for (let i = 0; i < 200; i++) await srv.req('POST', '/api/2.1/unity-catalog/schemas', { body: { name: `s${i}`, catalog_name: 'main' } });
  const st = (s) => srv.req('POST', '/api/2.0/sql/statements', { body: { statement: s, warehouse_id: wh, wait_timeout: '30s' } });
  await st('CREATE TABLE main.sales.orders (id INT, note STRING)');
  await st("INSERT INTO main.sales.orders VALUES (1, 'a'), (2, 'b')");
}

const PAGES = [
  ['/signin', 'h1'],
  ['/', 'h1'],
  ['/explore', 'table'],
  ['/explore/main/sales/orders', 'table'],
  ['/explore/main/sales/orders?tab=sample', 'table'],
  ['/admin/audit', 'table'],
];

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { median: Math.round(q(0.5) * 10) / 10, p95: Math.round(q(0.95) * 10) / 10, max: Math.round(s[s.length - 1] * 10) / 10 };
}

async function measure(browser, srv, cookie, url, sel, warmCache) {
  const context = await browser.newContext({ baseURL: srv.base });
  await context.addCookies([{ name: 'weir_session', value: cookie, url: srv.base, httpOnly: true, sameSite: 'Strict' }]);
  const page = await context.newPage();
  page.setDefaultTimeout(60000);
  if (warmCache) await page.goto(url); // the assets in this context's cache
  const t0 = Date.now();
  await page.goto(url);
  await page.locator(sel).first().waitFor();
  const ready = Date.now() - t0;
  const fcp = await page.evaluate(() => new Promise((resolve) => {
    const e = performance.getEntriesByName('first-contentful-paint')[0];
    if (e) return resolve(e.startTime);
    new PerformanceObserver((l) => resolve(l.getEntries()[0].startTime)).observe({ type: 'paint', buffered: true });
  }));
  // the server's share: request start to response end of the document and its assets
  const served = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource').filter((r) => r.name.includes('/assets/') && r.initiatorType !== 'fetch');
    const span = (e) => (e.responseEnd && e.requestStart ? e.responseEnd - e.requestStart : 0);
    return Math.max(span(nav), ...res.map(span), 0);
  });
  await context.close();
  return { fcp, ready, served };
}

(async () => {
  const srv = await lib.startServer(['--quiet']);
  const browser = await lib.launch();
  try {
    await setup(srv);
    const res = await fetch(srv.base + '/api/2.0/weir/ui/session', { method: 'POST', headers: { authorization: `Bearer ${srv.token}` } });
    const cookie = /weir_session=([^;]+)/.exec(res.headers.get('set-cookie'))[1];
    for (const [url, sel] of PAGES) await measure(browser, srv, cookie, url, sel, false); // warm the server
    const all = [];
    for (const warm of [false, true]) {
      for (const [url, sel] of PAGES) {
        const f = [], r = [], sv = [];
        for (let i = 0; i < RUNS; i++) {
          const m = await measure(browser, srv, cookie, url, sel, warm);
          f.push(m.fcp);
          r.push(m.ready);
          sv.push(m.served);
        }
        const line = { page: url, cache: warm ? 'warm' : 'cold', runs: RUNS, fcp_ms: stats(f), data_on_screen_ms: stats(r), shell_and_assets_served_ms: stats(sv) };
        all.push(line);
        console.log(JSON.stringify(line));
      }
    }
    const worst = Math.max(...all.map((l) => l.fcp_ms.p95));
    const worstMedian = Math.max(...all.map((l) => l.fcp_ms.median));
    console.log(`summary: first contentful paint, worst page median ${worstMedian} ms, worst page p95 ${worst} ms (target < 500 ms); load average ${require('node:os').loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  } finally {
    await browser.close();
    await srv.stop();
  }
})().catch((e) => { console.error(e); process.exit(1); });
