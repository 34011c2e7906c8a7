// End-to-end tests of @vigil/browser: real Chromium -> real `vigil serve` -> read API.
// Run with `npm run test:e2e:sdk` (VIGIL_BIN overrides build/bin/vigil).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startPages, startVigil, waitForEvents } from './harness.mjs';

let vigil;
let pages;
let browser;

before(async () => {
  vigil = await startVigil();
  pages = await startPages(vigil);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await pages?.stop();
  await vigil?.stop();
});

/** Opens a scenario page; collects page errors (exceptions that reached the page). */
async function open(scenario, query = '') {
  const page = await browser.context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e));
  await page.goto(`${pages.url}/${scenario}.html${query}`, { waitUntil: 'load' });
  return { page, pageErrors };
}

/** Leaves the page the way a user does: navigating elsewhere (pagehide + visibility hidden). */
async function leave(page) {
  await page.goto('about:blank');
  await page.close();
}

const byType = (events, type, name) => events.filter((e) => e.type === type && (name === undefined || e.name === name));

describe('browser SDK end to end', () => {
  it('captures every error kind with its fields', async () => {
    const { page } = await open('errors');
    const events = await waitForEvents(vigil, 'errors', (ev) => byType(ev, 'error').length >= 9);
    const errors = byType(events, 'error');
    const js = errors.find((e) => e.name === 'js' && /reading 'x'/.test(e.message));
    assert.ok(js, 'uncaught TypeError');
    assert.equal(js.level, 'error');
    assert.equal(js.data.exception.type, 'TypeError');
    assert.equal(js.data.handled, false);
    assert.ok(js.data.frames.some((f) => f.fn === 'explode' && f.url.endsWith('/errors.html') && f.line > 0), JSON.stringify(js.data.frames));
    assert.ok(js.uid && js.sid, 'identity on errors');
    assert.equal(js.environment, 'e2e');

    const cross = errors.find((e) => e.name === 'js' && e.message === 'Script error.');
    assert.ok(cross, 'cross-origin script error');
    assert.equal(cross.data.cross_origin, true);
    assert.ok(!JSON.stringify(cross).includes('secret detail'), 'nothing of the cross-origin message leaks');

    const promises = errors.filter((e) => e.name === 'promise');
    assert.ok(promises.some((e) => e.message === 'RangeError: rejected with an Error' && e.data.exception.type === 'RangeError'));
    assert.ok(promises.some((e) => e.message === 'Non-Error promise rejection: {"code":42}' && e.data.exception.type === 'UnhandledRejection'));

    const resources = errors.filter((e) => e.name === 'resource');
    const tags = resources.map((e) => e.data.resource.tag).sort();
    assert.deepEqual(tags, ['img', 'link', 'script'], JSON.stringify(resources.map((e) => e.message)));
    const img = resources.find((e) => e.data.resource.tag === 'img');
    assert.equal(img.url, `${pages.url}/missing.png?v=1`);
    assert.equal(img.path, '/missing.png');

    const con = errors.find((e) => e.name === 'console');
    assert.equal(con.message, 'console says {"a":1}');

    const handled = errors.find((e) => e.message === 'Error: handled and captured');
    assert.equal(handled.data.handled, true);
    assert.deepEqual(handled.data.breadcrumbs.at(-1), { category: 'custom', message: 'before the handled error: ü €', ts: handled.data.breadcrumbs.at(-1).ts });
    // every event id is the SDK's (retries dedup)
    for (const e of errors) assert.match(e.event_id, /^[0-9A-Za-z_-]{22}$/);
    await leave(page);
  });

  it('delivers a synchronous burst of errors larger than the queue, each with its breadcrumbs', async () => {
    const { page } = await open('burst');
    const events = await waitForEvents(vigil, 'burst', (ev) => byType(ev, 'error').length >= 600);
    const errors = byType(events, 'error');
    assert.equal(errors.length, 600);
    assert.equal(new Set(errors.map((e) => e.message)).size, 600);
    assert.ok(errors.every((e) => e.data.breadcrumbs.length === 1 && e.data.breadcrumbs[0].message === 'before the burst'));
    assert.ok(errors.every((e) => !e.data.sdk.drops), 'nothing dropped');
    await leave(page);
  });

  it('reports INP with attribution for a click handler that blocks > 100 ms, plus load vitals', async () => {
    const { page } = await open('inp');
    await page.click('#slow');
    await page.waitForFunction(() => document.getElementById('slow').textContent === 'done');
    await page.waitForTimeout(300);
    await leave(page);
    const events = await waitForEvents(vigil, 'inp', (ev) => ['INP', 'LCP', 'FCP', 'TTFB', 'FP', 'navigation'].every((n) => byType(ev, 'vital', n).length));
    const inp = byType(events, 'vital', 'INP')[0];
    assert.ok(inp.value >= 100, `INP ${inp.value}`);
    assert.ok(['needs-improvement', 'poor', 'good'].includes(inp.data.rating));
    assert.equal(inp.data.rating, inp.value > 500 ? 'poor' : inp.value > 200 ? 'needs-improvement' : 'good');
    assert.match(inp.data.attribution.interactionTarget, /slow/);
    assert.equal(inp.data.attribution.interactionType, 'pointer');
    assert.ok(inp.data.attribution.processingDuration >= 100);
    const nav = byType(events, 'vital', 'navigation')[0];
    for (const k of ['dns', 'tcp', 'tls', 'request', 'response', 'domReady', 'load', 'ttfb']) assert.equal(typeof nav.data.timing[k], 'number', k);
    assert.ok(nav.data.timing.load >= nav.data.timing.domReady);
    assert.equal(nav.value, nav.data.timing.load);
    const lcp = byType(events, 'vital', 'LCP')[0];
    assert.ok(lcp.value > 0 && lcp.data.attribution);
    assert.equal(byType(events, 'pageview').length, 1);
    const clicks = byType(events, 'click');
    assert.equal(clicks[0].name, 'button#slow');
    assert.equal(clicks[0].data.text, 'Slow button');
  });

  it('reports CLS for a layout shift', async () => {
    const { page } = await open('cls');
    await page.waitForFunction(() => window.__shifted === true);
    await page.waitForTimeout(300);
    await leave(page);
    const events = await waitForEvents(vigil, 'cls', (ev) => byType(ev, 'vital', 'CLS').length > 0);
    const cls = byType(events, 'vital', 'CLS')[0];
    assert.ok(cls.value > 0.05, `CLS ${cls.value}`);
    assert.equal(cls.data.rating, cls.value > 0.25 ? 'poor' : cls.value > 0.1 ? 'needs-improvement' : 'good');
    assert.ok(cls.data.attribution.largestShiftTarget, JSON.stringify(cls.data.attribution));
  });

  it('reports long tasks and TBT', async () => {
    const { page } = await open('longtask');
    await page.waitForFunction(() => window.__blocked === true);
    await page.waitForTimeout(200);
    await leave(page);
    const events = await waitForEvents(vigil, 'longtask', (ev) => byType(ev, 'vital', 'longtask').length >= 2 && byType(ev, 'vital', 'TBT').length > 0);
    const lts = byType(events, 'vital', 'longtask').map((e) => e.value).sort((a, b) => b - a);
    assert.ok(lts[0] >= 190, `long tasks ${lts}`);
    assert.ok(lts[1] >= 110, `long tasks ${lts}`);
    const tbt = byType(events, 'vital', 'TBT')[0];
    assert.ok(tbt.value >= 150 + 70 - 5, `TBT ${tbt.value}`);
    assert.ok(tbt.data.longTasks >= 2);
  });

  it('reports a failing fetch and a 500 XHR as errors and as http timings', async () => {
    const { page } = await open('http');
    await page.waitForFunction(() => window.__done === 4);
    const events = await waitForEvents(vigil, 'http', (ev) => byType(ev, 'error', 'http').length >= 2 && byType(ev, 'http').length >= 4);
    const errs = byType(events, 'error', 'http');
    const xhr500 = errs.find((e) => e.status === 500);
    assert.equal(xhr500.data.method, 'POST');
    assert.equal(xhr500.data.kind, 'xhr');
    assert.equal(xhr500.url, `${pages.url}/status/500`, 'query stripped');
    const netErr = errs.find((e) => e.status === 0);
    assert.equal(netErr.url, 'http://127.0.0.1:9/unreachable');
    assert.match(netErr.message, /^GET http:\/\/127\.0\.0\.1:9\/unreachable failed: /);
    const http = byType(events, 'http');
    const ok = http.find((e) => e.url === `${pages.url}/status/200`);
    assert.equal(ok.name, 'GET');
    assert.equal(ok.status, 200);
    assert.ok(ok.duration >= 0);
    const slow = http.find((e) => e.url === `${pages.url}/slow`);
    assert.ok(slow.duration >= 280, `slow ${slow.duration}`);
    assert.ok(!http.some((e) => e.url.includes('/api/')), 'the SDK never reports its own requests');
    assert.ok(!JSON.stringify(events).includes('token=secret'), 'queries are not sent');
    await leave(page);
  });

  it('tracks SPA navigation with dwell time per route', async () => {
    const { page } = await open('spa');
    await page.evaluate(() => window.__run());
    const events = await waitForEvents(vigil, 'spa', (ev) => byType(ev, 'route').length >= 4);
    const routes = byType(events, 'route').filter((e) => !e.data.exit);
    // Chrome fires popstate before hashchange for a fragment navigation; whichever comes first reports it.
    assert.deepEqual(routes.map((r) => r.data.trigger), ['pushState', 'replaceState', routes[2].data.trigger, 'popstate']);
    assert.ok(['popstate', 'hashchange'].includes(routes[2].data.trigger));
    assert.equal(routes[0].url, `${pages.url}/spa/products`);
    assert.equal(routes[0].data.from, `${pages.url}/spa.html`);
    assert.equal(routes[0].path, '/spa/products');
    assert.equal(routes[2].url, `${pages.url}/spa/products?sort=price#reviews`);
    for (const r of routes.slice(1)) assert.ok(r.duration >= 150 && r.duration < 2000, `dwell ${r.duration}`);
    const click = byType(events, 'click')[0];
    assert.equal(click.name, 'nav#nav > a.link');
    assert.equal(click.data.text, 'Products');
    await leave(page);
    const after = await waitForEvents(vigil, 'spa', (ev) => byType(ev, 'route').some((e) => e.data.exit));
    assert.ok(byType(after, 'route').find((e) => e.data.exit).duration >= 0);
  });

  it('sends track() events with user, tags and context', async () => {
    const { page } = await open('track');
    const events = await waitForEvents(vigil, 'track', (ev) => byType(ev, 'custom').length > 0);
    const c = byType(events, 'custom', 'checkout')[0];
    assert.deepEqual(c.data.props, { total: 99.5, items: 3, coupon: null });
    assert.equal(c.environment, 'e2e');
    assert.equal(c.url, `${pages.url}/track.html`);
    assert.match(c.uid, /^u_/);
    assert.match(c.sid, /^s_/);
    assert.deepEqual(c.data.context.user, { id: 'user-42' });
    assert.deepEqual(c.data.context.tags, { plan: 'pro' });
    assert.deepEqual(c.data.context.viewport, { w: 1280, h: 720 });
    assert.equal(c.data.sdk.name, '@vigil/browser');
    assert.ok(Math.abs(c.ts - c.received_at) < 5000, 'ts close to server time');
    const session = byType(events, 'session', 'start');
    assert.equal(session.length, 1);
    assert.equal(session[0].sid, c.sid);
    await leave(page);
  });

  it('delivers the unload flush when the user leaves right away', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${pages.url}/unload.html`, { waitUntil: 'domcontentloaded' });
    await page.goto('about:blank'); // well before the 5 s batch timer
    const events = await waitForEvents(vigil, 'unload', (ev) => byType(ev, 'custom', 'before-leaving').length > 0 && byType(ev, 'pageview').length > 0, 8000);
    assert.equal(byType(events, 'custom', 'before-leaving')[0].data.props.n, 1);
    await page.close();
  });

  it('works under a strict CSP (no eval, no inline script, no workers)', async () => {
    const { page, pageErrors } = await open('csp');
    await page.click('#b');
    const events = await waitForEvents(vigil, 'csp', (ev) => byType(ev, 'custom', 'csp-ok').length && byType(ev, 'error').length && byType(ev, 'click').length && byType(ev, 'pageview').length);
    assert.equal(byType(events, 'error')[0].message, 'Error: error under CSP');
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.equal(pageErrors.length, 1, 'only the page\'s own deliberate error');
    await leave(page);
  });

  it('an integration forced to throw is disabled and reported once; the page keeps working', async () => {
    const { page, pageErrors } = await open('broken');
    await page.click('#ok');
    await page.click('#ok');
    assert.equal(await page.textContent('#out'), 'clicked 2');
    assert.deepEqual(pageErrors, []);
    const events = await waitForEvents(vigil, 'broken', (ev) => byType(ev, 'error').filter((e) => e.data.sdk_error).length >= 2 && byType(ev, 'click').length >= 2);
    const self = byType(events, 'error').filter((e) => e.data.sdk_error);
    assert.deepEqual(self.map((e) => e.data.sdk_error.integration).sort(), ['forced-failure', 'forced-setup-failure']);
    assert.ok(self.every((e) => e.level === 'warning'));
    assert.ok(self.some((e) => e.message === 'Vigil integration "forced-failure" failed: Error: forced integration failure'));
    assert.equal(byType(events, 'click').length, 2, 'other integrations still run');
    await leave(page);
  });

  it('counts dropped events by reason and reports them with the next batch', async () => {
    const { page } = await open('drops');
    await waitForEvents(vigil, 'drops', (ev) => byType(ev, 'custom').length >= 4);
    await page.evaluate(() => Vigil.track('after the burst'));
    const events = await waitForEvents(vigil, 'drops', (ev) => byType(ev, 'custom').length >= 5);
    const burst = byType(events, 'custom', 'burst');
    assert.deepEqual(burst.map((e) => e.data.props.i), [0, 1, 2, 3]);
    assert.deepEqual(burst[0].data.sdk.drops, { queue_overflow: 6 });
    const after = byType(events, 'custom', 'after the burst')[0];
    assert.equal(after.data.sdk.drops, undefined, 'counts are reported once');
    await leave(page);
  });

  it('the async loader snippet replays calls made before the SDK loaded', async () => {
    const { page } = await open('loader');
    const events = await waitForEvents(vigil, 'loader', (ev) => byType(ev, 'custom', 'queued-before-load').length > 0);
    assert.deepEqual(byType(events, 'custom', 'queued-before-load')[0].data.context.user, { id: 'early-user' });
    await leave(page);
  });
});
