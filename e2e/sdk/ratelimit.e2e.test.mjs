// The SDK against a rate-limited `vigil serve`: 429 + Retry-After pauses sending, nothing is lost
// or duplicated, and the SDK does not hammer the server while limited.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startPages, startVigil, waitForEvents } from './harness.mjs';

let vigil;
let pages;
let browser;

before(async () => {
  vigil = await startVigil(['--rate-limit', '2', '--rate-burst', '4']);
  pages = await startPages(vigil);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await pages?.stop();
  await vigil?.stop();
});

describe('rate limiting', () => {
  it('honours 429 Retry-After and eventually delivers every event once', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${pages.url}/ratelimit.html`);
    const events = await waitForEvents(vigil, 'ratelimit', (ev) => ev.length >= 10, 20_000);
    const is = events.map((e) => e.data.props.i).sort((a, b) => a - b);
    assert.deepEqual(is, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'every event exactly once');
    const received = events.map((e) => e.received_at);
    assert.ok(Math.max(...received) - Math.min(...received) >= 1500, 'the SDK waited for the quota');
    // Requests the page made to the ingest endpoint: the queue pauses instead of retrying at once.
    const posts = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/')).length);
    assert.ok(posts <= 20, `ingest requests: ${posts}`);
    await page.close();
  });
});
