// Page lifecycle end to end: a page restored from the back/forward cache and a page prerendered by
// Speculation Rules, in real Chromium against a real `vigil serve`, checked through the read API.
// The SDK must report vitals for these the way web-vitals does (web-vitals reports LCP, FCP, TTFB
// again after a bfcache restore, and CLS/INP of the restored page, with navigationType
// 'back-forward-cache'; a prerendered page's vitals are relative to activationStart, with
// navigationType 'prerender'), and rate them with the web-vitals thresholds.
//
// Two things of this environment shape the tests:
// - playwright-core launches Chromium with --disable-back-forward-cache (Chromium then reports
//   BackForwardCacheDisabledByCommandLine): the bfcache test leaves that one default switch out.
// - Chromium does not prerender while DevTools is attached to the tab without tab-target support,
//   which is how playwright-core attaches (the prerender fails with PrerenderingDisabledByDevTools):
//   the prerender test runs Chromium with no driver at all (same switches, fresh profile) and the
//   pages drive themselves.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLSThresholds, FCPThresholds, INPThresholds, LCPThresholds, TTFBThresholds } from 'web-vitals';
import { CHROMIUM_ARGS, launchBrowser, startPages, startVigil, waitForEvents } from './harness.mjs';

let vigil;
let pages;

before(async () => {
  vigil = await startVigil();
  pages = await startPages(vigil);
});

after(async () => {
  await pages?.stop();
  await vigil?.stop();
});

const THRESHOLDS = { LCP: LCPThresholds, INP: INPThresholds, CLS: CLSThresholds, FCP: FCPThresholds, FP: FCPThresholds, TTFB: TTFBThresholds };
const webVitalsRating = (name, value) => {
  const [good, poor] = THRESHOLDS[name];
  return value > poor ? 'poor' : value > good ? 'needs-improvement' : 'good';
};
const vitals = (events, name) => events.filter((e) => e.type === 'vital' && e.name === name);
const byNav = (events, name, navigationType) => vitals(events, name).filter((e) => e.data.navigationType === navigationType);

/** Every rated vital carries the rating web-vitals' own thresholds give its value. */
function assertRatings(events) {
  const rated = events.filter((e) => e.type === 'vital' && THRESHOLDS[e.name]);
  assert.ok(rated.length > 0);
  for (const e of rated) assert.equal(e.data.rating, webVitalsRating(e.name, e.value), `${e.name} ${e.value} (${e.data.navigationType})`);
}

describe('page lifecycle end to end', () => {
  it('reports vitals again after a back/forward cache restore, as web-vitals does', async () => {
    const browser = await launchBrowser({ ignoreDefaultArgs: ['--disable-back-forward-cache'] });
    try {
      const page = await browser.context.newPage();
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Page.enable');
      const notRestored = [];
      cdp.on('Page.backForwardCacheNotUsed', (e) => notRestored.push(e.notRestoredExplanations.map((x) => x.reason)));
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e));

      await page.goto(`${pages.url}/bfcache.html`, { waitUntil: 'load' });
      await waitForEvents(vigil, 'bfcache', (ev) => vitals(ev, 'FCP').length && vitals(ev, 'TTFB').length);
      await page.click('#next'); // a same-site navigation: the page (with the SDK running) goes into the cache
      await page.waitForURL('**/bfcache-next.html');
      await page.goBack({ waitUntil: 'commit' }); // no load event on a restore
      await page.waitForFunction(() => window.__shows && window.__shows.length === 2);

      // The page really was restored from the cache: the SDK (pagehide, not unload; no open
      // connection) did not make it ineligible.
      assert.deepEqual(notRestored, [], `not restored from the bfcache: ${JSON.stringify(notRestored)}`);
      assert.deepEqual(await page.evaluate(() => window.__shows), [false, true], 'pageshow.persisted on the way back');
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].type), 'navigate', 'no new navigation entry for a restore');

      // An interaction on the restored page (INP of the restore), then leave (CLS, INP, TBT on hide).
      await page.click('#slow');
      await page.waitForFunction(() => document.getElementById('slow').textContent === 'done 2');
      await page.waitForTimeout(300);
      await page.goto('about:blank');
      const restoredNames = ['TTFB', 'FCP', 'LCP', 'CLS', 'INP'];
      const events = await waitForEvents(
        vigil,
        'bfcache',
        (ev) => restoredNames.every((n) => byNav(ev, n, 'back-forward-cache').length) && vitals(ev, 'TBT').length >= 2,
      );
      await page.close();
      assert.deepEqual(pageErrors, []);

      // A pageview for the load and one for the restore.
      assert.deepEqual(events.filter((e) => e.type === 'pageview').map((e) => e.data.navigationType), ['navigate', 'back-forward-cache']);

      // The load's vitals, then each metric again for the restored page, with its own metric id.
      for (const n of ['TTFB', 'FCP', 'LCP']) {
        assert.equal(byNav(events, n, 'navigate').length, 1, `${n} of the load`);
        assert.equal(byNav(events, n, 'back-forward-cache').length, 1, `${n} of the restore`);
        assert.notEqual(byNav(events, n, 'navigate')[0].data.metric_id, byNav(events, n, 'back-forward-cache')[0].data.metric_id);
      }
      // After a restore web-vitals reports TTFB 0, and FCP/LCP as the time from pageshow to the
      // next frames: short, and not the load's values.
      assert.equal(byNav(events, 'TTFB', 'back-forward-cache')[0].value, 0);
      for (const n of ['FCP', 'LCP']) {
        const v = byNav(events, n, 'back-forward-cache')[0].value;
        assert.ok(v > 0 && v < 1000, `${n} after the restore: ${v}`);
      }
      // CLS and INP of the restored page start over: INP is the click after the restore.
      assert.equal(byNav(events, 'CLS', 'back-forward-cache').length, 1);
      const inp = byNav(events, 'INP', 'back-forward-cache');
      assert.equal(inp.length, 1);
      assert.ok(inp[0].value >= 150, `INP after the restore: ${inp[0].value}`);
      assert.match(inp[0].data.attribution.interactionTarget, /slow/);
      assertRatings(events);

      // TBT of the restored page counts the long tasks after the restore only (like CLS and INP,
      // it starts over), not those of the first visit again.
      const restore = events.find((e) => e.type === 'pageview' && e.data.navigationType === 'back-forward-cache');
      const tasksAfter = vitals(events, 'longtask').filter((e) => e.ts >= restore.ts);
      const tbt = vitals(events, 'TBT').at(-1);
      assert.ok(tbt.ts >= restore.ts);
      assert.ok(tasksAfter.length >= 1, 'the slow click is a long task');
      assert.equal(tbt.data.longTasks, tasksAfter.length, JSON.stringify({ tbt: tbt.data, tasks: vitals(events, 'longtask').map((e) => [e.value, e.ts - restore.ts]) }));
      const expected = tasksAfter.reduce((s, e) => s + Math.max(0, e.value - 50), 0);
      assert.ok(Math.abs(tbt.value - expected) <= 1, `TBT ${tbt.value}, long tasks after the restore ${expected}`);
    } finally {
      await browser.close();
    }
  });

  it('reports a prerendered page relative to its activation, and sends nothing before it', async () => {
    // No driver (see the top of the file): the initiator page navigates to the prerendered page once
    // that has loaded, and the prerendered page leaves 1.5 s after its activation.
    const profile = mkdtempSync(join(tmpdir(), 'vigil-e2e-chromium-'));
    const chromium = spawn(process.env.CHROMIUM || '/usr/bin/chromium', [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, `${pages.url}/prerender.html`], { stdio: 'ignore', detached: true });
    let events;
    try {
      events = await waitForEvents(
        vigil,
        'prerender',
        (ev) => ev.some((e) => e.name === 'raw-paints') && ['LCP', 'CLS'].every((n) => vitals(ev, n).length) && ev.some((e) => e.type === 'route' && e.data.exit),
        20_000,
      );
    } finally {
      // The whole process group: the browser's helper processes write to the profile too.
      const signal = (sig) => {
        try {
          process.kill(-chromium.pid, sig);
        } catch {}
      };
      signal('SIGTERM');
      await Promise.race([new Promise((r) => chromium.once('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
      signal('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    }

    // It really was prerendered, then activated.
    const state = events.find((e) => e.name === 'prerender-state').data.props;
    assert.equal(state.startedPrerendering, true, 'the page was prerendered (Speculation Rules)');
    assert.ok(state.activationStart > 0, `activationStart ${state.activationStart}`);

    // Nothing reached the server before the activation, though the SDK started (and captured a
    // session start and a track() call) while prerendering.
    const early = events.filter((e) => e.received_at < state.activatedAt);
    assert.deepEqual(early.map((e) => `${e.type}:${e.name} ${e.received_at - state.activatedAt} ms`), []);
    assert.equal(events.find((e) => e.name === 'captured-while-prerendering').data.props.prerendering, true);
    assert.equal(events.filter((e) => e.type === 'session' && e.name === 'start').length, 1);

    // One pageview, after activation, and every vital with navigationType 'prerender'.
    assert.deepEqual(events.filter((e) => e.type === 'pageview').map((e) => e.data.navigationType), ['prerender']);
    for (const n of ['TTFB', 'FCP', 'LCP', 'CLS', 'FP', 'navigation']) {
      assert.equal(vitals(events, n).length, 1, n);
      assert.equal(vitals(events, n)[0].data.navigationType, 'prerender', n);
    }
    // Relative to activationStart, as web-vitals: the document arrived before the activation, so
    // TTFB (and the load time) is 0; FCP and LCP are the paint times less activationStart.
    assert.equal(vitals(events, 'TTFB')[0].value, 0);
    assert.equal(vitals(events, 'navigation')[0].value, 0);
    const raw = events.find((e) => e.name === 'raw-paints').data.props;
    assert.ok(raw.fcp > state.activationStart, 'a prerendered page paints only once activated');
    assert.ok(Math.abs(vitals(events, 'FCP')[0].value - (raw.fcp - state.activationStart)) <= 1, `FCP ${vitals(events, 'FCP')[0].value}, raw ${raw.fcp} - ${state.activationStart}`);
    assert.ok(Math.abs(vitals(events, 'LCP')[0].value - (raw.lcp - state.activationStart)) <= 1, `LCP ${vitals(events, 'LCP')[0].value}, raw ${raw.lcp} - ${state.activationStart}`);
    const fp = vitals(events, 'FP')[0].value;
    assert.ok(fp > 0 && fp <= vitals(events, 'FCP')[0].value + 1, `FP ${fp}: relative to activation too`);
    assertRatings(events);
  });
});
