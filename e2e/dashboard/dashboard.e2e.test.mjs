// Dashboard end to end: a real `vigil serve` serving dashboard/dist, a test page that sends events
// with the real SDK (sdk/packages/browser/dist/vigil.min.js), and Debian's Chromium driving the
// dashboard. Screenshots of every page go to test-artifacts/dashboard/. Any JavaScript dialog
// (alert/confirm/prompt) fails the run: attacker-controlled text must never execute.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, launchBrowser, root, startVigil } from '../sdk/harness.mjs';

const ARTIFACTS = join(root, 'test-artifacts/dashboard');
const PASSWORD = 'e2e-password-123'; // what startVigil sets as VIGIL_ADMIN_PASSWORD for `serve`
// The CLI (`project create`, run before `serve`) may be the first to open the data directory and
// create the admin: give it the same password.
process.env.VIGIL_ADMIN_PASSWORD = PASSWORD;
const XSS = '<img src=x onerror=alert(1)>';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let vigil;
let pages;
let browser;
let page;
const dialogs = [];
const pageErrors = [];

async function startTestPages(v) {
  const port = await freePort();
  const sdk = readFileSync(join(root, 'sdk/packages/browser/dist/vigil.min.js'));
  const html = readFileSync(join(root, 'e2e/dashboard/pages/app.html'), 'utf8').replaceAll('{{DSN}}', v.dsn);
  const server = createServer((req, res) => {
    const api = /^\/v1\/items\/\d+\?status=(\d{3})$/.exec(req.url);
    if (api) {
      res.writeHead(+api[1], { 'Content-Type': 'application/json' });
      return res.end('{}');
    }
    if (req.url === '/vigil.min.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      return res.end(sdk);
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => server.close(r)) };
}

async function apiGet(path) {
  const r = await fetch(`${vigil.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${vigil.token}` } });
  return { status: r.status, body: r.status < 300 ? await r.json().catch(() => null) : await r.text() };
}

/** Whether the server has this analytics endpoint yet (a missing route answers 404). */
async function has(path) {
  return (await apiGet(`/projects/${vigil.projectId}${path}`)).status === 200;
}

/** Waits until the page's URL matches (history API navigations included). */
async function urlMatches(re) {
  await page.waitForFunction((src) => new RegExp(src).test(location.pathname + location.search), re.source, { timeout: 10_000 });
}

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Waits until the page shows content or an error state (never a blank or endless spinner). */
async function settled(testId) {
  await page.waitForSelector(`[data-testid=${testId}]`, { timeout: 10_000 });
  await page.waitForFunction(() => !document.querySelector('.state-loading'), null, { timeout: 10_000 });
}

async function waitFor(fn, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('dashboard', () => {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    vigil = await startVigil(['--dashboard-dir', join(root, 'dashboard/dist')]);
    pages = await startTestPages(vigil);
    browser = await launchBrowser();
    browser.context.on('page', (p) => p.on('dialog', (d) => (dialogs.push(`${d.type()}: ${d.message()}`), d.dismiss())));
    page = await browser.context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('dialog', (d) => (dialogs.push(`${d.type()}: ${d.message()}`), d.dismiss().catch(() => {})));
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    // Traffic from the real SDK: page views, clicks, a route change, a custom event, two errors.
    const shop = await browser.context.newPage();
    await shop.goto(`${pages.url}/shop`);
    await shop.click('#buy');
    await shop.click('#cart');
    await shop.evaluate(() => Promise.all([fetch('/v1/items/1?status=200'), fetch('/v1/items/2?status=200'), fetch('/v1/items/3?status=503')]));
    await shop.evaluate(() => window.explodeCheckout());
    await sleep(50);
    await shop.evaluate(() => window.captureBadUrl());
    await shop.evaluate(() => window.Vigil.flush());
    await waitFor(async () => {
      const r = await apiGet(`/projects/${vigil.projectId}/issues?status=&limit=50`);
      return r.status === 200 && r.body.issues.some((i) => i.title.includes(XSS)) && r.body.issues.some((i) => i.title.includes('javascript:alert(1)'));
    }, 'the two issues');
    await shop.close();

    // Overview and performance numbers come from per-minute rollups, which the server writes once
    // a later minute has been seen (docs/rollups.md). Send a marker event two and a half minutes
    // ahead (accepted: under the 5-minute clamp) until the overview counts the page views.
    await waitFor(async () => {
      await fetch(`${vigil.url}/api/${vigil.projectId}/events?key=${vigil.key}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: JSON.stringify({ events: [{ type: 'custom', name: 'e2e-rollup-tick', ts: Date.now() + 150_000 }] }),
      });
      const r = await apiGet(`/projects/${vigil.projectId}/overview`);
      if (r.status === 404) return true; // not served yet: the overview test says so
      return r.status === 200 && r.body.pageviews >= 1;
    }, 'the overview rollups', 45_000).catch((e) => console.log(`# ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await pages?.stop();
    await vigil?.stop();
  });

  test('the server serves the dashboard as an SPA', async () => {
    for (const p of ['/', '/overview', '/issues/1']) {
      const r = await fetch(`${vigil.url}${p}`);
      assert.equal(r.status, 200, p);
      assert.match(await r.text(), /<div id="root">/, p);
    }
  });

  test('login redirects back and shows the overview', async () => {
    await page.goto(`${vigil.url}/overview`);
    await urlMatches(/\/login/);
    await page.waitForSelector('input[name=email]');
    await shot('01-login');
    await page.fill('input[name=email]', 'admin@localhost');
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await urlMatches(/\/overview\?.*project=/);
    await settled('page-overview');
    await shot('02-overview');
  });

  test('overview is populated by the SDK events', async (t) => {
    if (!(await has('/overview'))) {
      assert.ok(await page.locator('[data-testid=page-overview] .state-error').isVisible(), 'error state without the endpoint');
      return t.skip('pending: GET /projects/<id>/overview is not served yet');
    }
    const pv = await page.textContent('[data-testid=stat-pageviews] .stat-value');
    assert.ok(Number(pv.replace(/[^0-9]/g, '')) >= 1, `page views: ${pv}`);
    const errors = await page.textContent('[data-testid=stat-errors] .stat-value');
    assert.ok(Number(errors.replace(/[^0-9]/g, '')) >= 2, `errors: ${errors}`);
  });

  test('time range: presets and custom go to the URL', async () => {
    const asked = page.waitForRequest((r) => r.url().includes('/overview?'));
    await page.click('[data-testid=range-1h]');
    await urlMatches(/range=1h/);
    const q = new URL((await asked).url()).searchParams;
    assert.equal(Number(q.get('to')) - Number(q.get('from')), 3_600_000, 'the overview is asked for one hour');
    await settled('page-overview');
    await shot('03-overview-1h');
    await page.click('[data-testid=range-7d]');
    await urlMatches(/range=7d/);
    await page.click('[data-testid=range-custom]');
    await page.click('.custom-range button[type=submit]');
    await urlMatches(/range=custom&from=\d+&to=\d+/);
    await settled('page-overview');
    await page.click('[data-testid=range-24h]');
    await urlMatches(/range=24h/);
  });

  test('issues list and the detail of the HTML-message issue (stack, breadcrumbs, as text)', async () => {
    await page.click('.mainnav a[href^="/issues"]');
    await settled('page-issues');
    await page.waitForSelector('[data-testid=issues-table]');
    await shot('04-issues');
    await page.click(`a.issue-link:has-text("${XSS}")`);
    await urlMatches(/\/issues\/\d+/);
    await settled('page-issue');
    const title = await page.textContent('[data-testid=issue-title]');
    assert.ok(title.includes(XSS), title);
    assert.equal(await page.locator('main img').count(), 0, 'no <img> from the message');
    const eventsReady = (await page.locator('[data-testid=event]').count()) > 0;
    if (eventsReady) {
      const stack = await page.textContent('[data-testid=stack]');
      assert.match(stack, /checkoutExplode/);
      const crumbs = await page.locator('[data-testid=breadcrumbs] tbody tr').count();
      assert.ok(crumbs >= 1, 'breadcrumbs');
    }
    await shot('05-issue-detail');
    if (!eventsReady) assert.fail('GET /issues/<id>/events did not answer: no stack or breadcrumbs to show');
  });

  test('a javascript: URL is text, never a link', async () => {
    await page.goto(`${vigil.url}/issues?project=${vigil.projectId}`);
    await settled('page-issues');
    await page.click('a.issue-link:has-text("javascript:alert(1)")');
    await settled('page-issue');
    await page.waitForSelector('[data-testid=event]', { timeout: 10_000 });
    const ctx = await page.textContent('[data-testid=event]');
    assert.ok(ctx.includes('javascript:alert(1)'), 'the URL is displayed');
    const bad = await page.$$eval('a', (as) => as.map((a) => a.getAttribute('href') || '').filter((h) => /^\s*javascript:/i.test(h)));
    assert.deepEqual(bad, []);
    // Clicking the displayed URL does nothing.
    await page.click('[data-testid=event] .url-text >> nth=0');
    await sleep(200);
    await shot('06-issue-javascript-url');
  });

  test('issue actions: resolve and reopen', async () => {
    await page.click('[data-testid=issue-actions] button.primary');
    await page.waitForSelector('[data-testid=issue-actions] button:has-text("Reopen")');
    await page.click('[data-testid=issue-actions] button:has-text("Reopen")');
    await page.waitForSelector('[data-testid=issue-actions] button.primary');
    // Assign to the admin; the assignment survives a reload.
    await page.waitForSelector('[data-testid=assign]:not([disabled])');
    await page.selectOption('[data-testid=assign]', { label: 'admin@localhost' });
    await page.waitForFunction(() => document.querySelector('[data-testid=assign]').value !== '' && !document.querySelector('[data-testid=assign]').disabled);
    await page.reload();
    await page.waitForSelector('[data-testid=assign]:not([disabled])');
    assert.notEqual(await page.$eval('[data-testid=assign]', (s) => s.value), '', 'assigned after reload');
  });

  for (const [n, path, testId, endpoint] of [
    ['07-performance', '/performance', 'page-performance', '/performance?metric=LCP'],
    ['08-behaviour', '/behaviour', 'page-behaviour', '/behaviour/pages'],
    ['09-behaviour-custom', '/behaviour?tab=custom', 'page-behaviour', '/behaviour/custom'],
    ['10-api-health', '/api-health', 'page-api-health', '/api-health'],
    ['11-settings', '/settings', 'page-settings', null],
    ['12-settings-project', '/settings?tab=project', 'page-settings', '/settings'],
    ['13-settings-tokens', '/settings?tab=tokens', 'page-settings', null],
  ]) {
    test(`${path} renders (content or its error state)`, async (t) => {
      const sep = path.includes('?') ? '&' : '?';
      await page.goto(`${vigil.url}${path}${sep}project=${vigil.projectId}`);
      await settled(testId);
      await shot(n);
      if (endpoint && !(await has(endpoint))) {
        assert.ok((await page.locator('.state-error').count()) > 0, 'error state without the endpoint');
        t.skip(`pending: GET /projects/<id>${endpoint} is not served yet`);
      }
    });
  }

  test('behaviour: custom events with properties, and a session timeline by uid', async (t) => {
    if (!(await has('/behaviour/custom'))) return t.skip('pending: GET /projects/<id>/behaviour/custom is not served yet');
    await page.goto(`${vigil.url}/behaviour?tab=custom&project=${vigil.projectId}`);
    await settled('page-behaviour');
    await page.waitForSelector('text=checkout');
    assert.ok((await page.textContent('main')).includes('plan'), 'the props of the custom event');
    const ev = (await apiGet(`/projects/${vigil.projectId}/events?type=pageview&limit=10`)).body.events[0];
    await page.goto(`${vigil.url}/behaviour?tab=timeline&uid=${encodeURIComponent(ev.uid)}&project=${vigil.projectId}`);
    await settled('page-behaviour');
    await page.waitForSelector('[data-testid=timeline] li');
    assert.ok((await page.locator('[data-testid=timeline] li').count()) >= 3, 'pageview, clicks, errors …');
    await shot('09b-behaviour-timeline');
  });

  test('API health lists the endpoint the page called, with its status codes', async (t) => {
    if (!(await has('/api-health'))) return t.skip('pending: GET /projects/<id>/api-health is not served yet');
    await page.goto(`${vigil.url}/api-health?project=${vigil.projectId}`);
    await settled('page-api-health');
    const row = await page.textContent('[data-testid=api-table] tbody');
    assert.match(row, /\/v1\/items\/:id/);
    assert.match(row, /503/);
    await shot('10-api-health');
  });

  test('settings: the DSN of the project is shown', async () => {
    await page.goto(`${vigil.url}/settings?project=${vigil.projectId}`);
    await page.waitForSelector(`[data-testid=dsn-${vigil.projectId}]`);
    assert.ok((await page.textContent(`[data-testid=dsn-${vigil.projectId}]`)).includes(vigil.key));
  });

  test('settings: create a token and a project (CSRF-protected writes), switch project', async () => {
    await page.goto(`${vigil.url}/settings?tab=tokens&project=${vigil.projectId}`);
    await settled('page-settings');
    await page.fill('[data-testid=page-settings] form input', 'e2e-token');
    await page.click('[data-testid=page-settings] form button[type=submit]');
    await page.waitForSelector('[data-testid=new-token] code');
    await page.goto(`${vigil.url}/settings?project=${vigil.projectId}`);
    await page.fill('[data-testid=new-project]', 'second-site');
    await page.click('[data-testid=new-project] + button');
    await page.waitForSelector('[data-testid=project-switcher] option:has-text("second-site")', { state: 'attached' });
    const id = await page.$eval('[data-testid=project-switcher]', (s) => [...s.options].find((o) => o.textContent.includes('second-site')).value);
    await page.selectOption('[data-testid=project-switcher]', id);
    await urlMatches(new RegExp(`project=${id}`));
    await shot('13b-settings-projects');
    await page.goto(`${vigil.url}/issues?project=${id}`);
    await settled('page-issues');
    assert.equal(await page.locator('a.issue-link').count(), 0, 'the new project has no issues');
  });

  test('language switch to Simplified Chinese, persisted; dark theme', async () => {
    await page.goto(`${vigil.url}/overview?project=${vigil.projectId}`);
    await settled('page-overview');
    await page.selectOption('[data-testid=lang-switch]', 'zh');
    await page.waitForSelector('.mainnav a:has-text("概览")');
    await page.reload();
    await page.waitForSelector('.mainnav a:has-text("问题")');
    await settled('page-overview');
    await shot('14-overview-zh');
    await page.click('[data-testid=theme-toggle]');
    const theme = await page.evaluate(() => document.documentElement.dataset.theme);
    await settled('page-overview');
    await sleep(300);
    await shot(`15-overview-zh-${theme}`);
    await page.selectOption('[data-testid=lang-switch]', 'en');
  });

  test('footer carries the DB-IP attribution', async () => {
    assert.equal((await page.textContent('[data-testid=attribution]')).replace(/\s+/g, ' ').trim(), 'IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0');
  });

  test('logout ends the session', async () => {
    await page.click('[data-testid=logout]');
    await urlMatches(/\/login/);
    await page.goto(`${vigil.url}/issues?project=${vigil.projectId}`);
    await urlMatches(/\/login/);
  });

  test('no dialog was ever opened and no uncaught page error', () => {
    assert.deepEqual(dialogs, []);
    assert.deepEqual(pageErrors, []);
  });
});
