import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as api from '../src/index';
import { behaviourIntegration } from '../src/integrations/behaviour';
import { httpIntegration } from '../src/integrations/http';
import { identityIntegration, loadUid } from '../src/integrations/identity';
import { makeBrowserSend, KEEPALIVE_BUDGET } from '../src/transport';
import { DSN, INGEST, mockNetwork } from './helpers';

const net = mockNetwork((url) => new Response('{"ok":true}', { status: url.includes('/fail') ? 500 : 200, headers: { 'content-length': '11' } }));
beforeEach(() => {
  net.reset();
  sessionStorage.clear();
  localStorage.clear();
  document.cookie = '_vigil_uid=; max-age=0; path=/';
});
afterEach(async () => {
  await api.close();
  vi.useRealTimers();
});

describe('init and the API', () => {
  it('installs the default integrations, or a function of them', () => {
    const c = api.init({ dsn: DSN })!;
    expect(c.getIntegrationNames()).toEqual(['identity', 'clock', 'errors', 'httpErrors', 'http', 'behaviour', 'vitals']);
    const d = api.init({ dsn: DSN, integrations: (defaults) => defaults.filter((i) => i.name !== 'vitals') })!;
    expect(d.getIntegrationNames()).toEqual(['identity', 'clock', 'errors', 'httpErrors', 'http', 'behaviour']);
    const e = api.init({ dsn: DSN, integrations: [api.errorsIntegration()] })!;
    expect(e.getIntegrationNames()).toEqual(['errors']);
  });

  it('sends context with uid, sid, url, viewport, user and tags', async () => {
    api.init({ dsn: DSN, release: 'r1', environment: 'staging', integrations: [identityIntegration()] });
    api.setUser({ id: 'user-7' });
    api.setTag('plan', 'pro');
    api.setTags({ a: 'b' });
    api.addBreadcrumb({ category: 'custom', message: 'crumb' });
    const id = api.track('signup', { step: 2 });
    api.captureMessage('note');
    api.captureException(new Error('handled'));
    await api.flush();
    const b = net.batches[0]!;
    expect(b.sdk).toMatchObject({ name: '@vigil/browser', version: '0.1.0' });
    expect(b.context).toMatchObject({ release: 'r1', environment: 'staging', url: location.href, user: { id: 'user-7' }, tags: { plan: 'pro', a: 'b' }, viewport: { w: innerWidth, h: innerHeight } });
    expect(b.context.uid).toMatch(/^u_[\w-]{20}$/);
    expect(b.context.sid).toMatch(/^s_[\w-]{20}$/);
    const types = b.events.map((e) => `${e.type}:${e.name}`);
    expect(types).toEqual(['session:start', 'custom:signup', 'error:console', 'error:js']);
    expect(b.events[1]!.id).toBe(id);
    expect(b.events[3]!.breadcrumbs).toBeDefined();
    // a text/plain body: fetch sends a string body as text/plain, no preflight
    expect(typeof net.requests[0]!.init!.body).toBe('string');
    expect(net.requests[0]!.init!.headers).toBeUndefined();
    expect(net.requests[0]!.init!.keepalive).toBe(true);
  });

  it('does nothing when disabled or without a DSN', async () => {
    api.init({ dsn: DSN, enabled: false });
    api.track('x');
    api.init({});
    api.captureException(new Error('x'));
    await api.flush();
    expect(net.batches).toHaveLength(0);
  });

  it('sends with sendBeacon when the page is hidden, and events after that go at once', async () => {
    api.init({ dsn: DSN, integrations: [] });
    api.track('before hide');
    window.dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r)); // sending waits for activation (a resolved promise)
    expect(net.beacons).toHaveLength(1);
    expect(net.beacons[0]!.events.map((e) => e.name)).toEqual(['before hide']);
    api.track('while hidden');
    await new Promise((r) => setTimeout(r));
    expect(net.beacons).toHaveLength(2);
    expect(net.batches).toHaveLength(0);
  });
});

describe('prerendering', () => {
  it('sends nothing before activation, then what was captured meanwhile', async () => {
    Object.defineProperty(document, 'prerendering', { value: true, configurable: true });
    try {
      api.init({ dsn: DSN, integrations: [behaviourIntegration()] });
      api.track('while prerendering');
      const done = api.flush();
      await new Promise((r) => setTimeout(r, 20));
      expect(net.batches).toHaveLength(0);
      expect(net.beacons).toHaveLength(0);
      Object.defineProperty(document, 'prerendering', { value: false, configurable: true });
      document.dispatchEvent(new Event('prerenderingchange'));
      expect(await done).toBe(true);
      await api.flush();
      expect(net.events('custom').map((e) => e.name)).toEqual(['while prerendering']);
      expect(net.events('pageview')).toHaveLength(1); // the pageview waits for activation
    } finally {
      delete (document as { prerendering?: boolean }).prerendering;
    }
  });
});

describe('browser send', () => {
  it('uses keepalive while in-flight bytes stay under the budget, then plain fetch', async () => {
    const resolvers: Array<() => void> = [];
    const seen: RequestInit[] = [];
    net.fetchMock.mockImplementation(((_: unknown, init: RequestInit) => {
      seen.push(init);
      return new Promise<Response>((r) => resolvers.push(() => r(new Response(null, { status: 204 }))));
    }) as never);
    const send = makeBrowserSend(INGEST);
    const body = 'x'.repeat(25_000);
    const p1 = send({ body, bytes: 25_000, unload: false });
    const p2 = send({ body, bytes: 25_000, unload: false });
    const p3 = send({ body, bytes: 25_000, unload: false }); // 75 000 > budget
    await new Promise((r) => setTimeout(r)); // sending waits for activation (a resolved promise)
    expect(seen.map((i) => i.keepalive)).toEqual([true, true, false]);
    expect(KEEPALIVE_BUDGET).toBe(60_000);
    resolvers.forEach((r) => r());
    await Promise.all([p1, p2, p3]);
    void send({ body, bytes: 25_000, unload: false });
    await new Promise((r) => setTimeout(r));
    expect(seen[3]!.keepalive).toBe(true); // budget released
    resolvers.forEach((r) => r());
  });

  it('falls back to fetch when sendBeacon refuses', async () => {
    const send = makeBrowserSend('http://127.0.0.1:9999/other');
    (navigator.sendBeacon as unknown as ReturnType<typeof vi.fn>).mockReturnValueOnce(false);
    net.fetchMock.mockImplementation((() => Promise.resolve(new Response(null, { status: 204 }))) as never);
    const r = await send({ body: '{}', bytes: 2, unload: true });
    expect(r!.status).toBe(204);
  });
});

describe('httpIntegration', () => {
  it('reports fetch timing without query strings and never the SDK requests', async () => {
    api.init({ dsn: DSN, integrations: [httpIntegration({ slowThreshold: 0 })] });
    await fetch('/api/cart?token=secret', { method: 'PUT', body: 'abcd' });
    await fetch('/api/fail');
    await api.flush();
    await api.flush();
    const http = net.events('http');
    expect(http).toHaveLength(2);
    expect(http[0]).toMatchObject({ type: 'http', name: 'PUT', url: `${location.origin}/api/cart`, status: 200, size: 11, request_size: 4, slow: true, kind: 'fetch' });
    expect(http[0]!.duration).toBeGreaterThanOrEqual(0);
    expect(http[1]).toMatchObject({ name: 'GET', status: 500 });
    expect(http.some((e) => String(e.url).includes('/api/3/events'))).toBe(false);
  });

  it('can keep queries and send only slow requests', async () => {
    api.init({ dsn: DSN, integrations: [httpIntegration({ captureQuery: true, onlySlow: true, slowThreshold: 10_000 })] });
    await fetch('/fast?x=1');
    await api.flush();
    expect(net.events('http')).toHaveLength(0);
    await api.close();
    api.init({ dsn: DSN, integrations: [httpIntegration({ captureQuery: true })] });
    await fetch('/q?x=1');
    await api.flush();
    expect(net.events('http')[0]!.url).toBe(`${location.origin}/q?x=1`);
  });
});

describe('behaviourIntegration', () => {
  it('sends a pageview, route changes with dwell time, and clicks with breadcrumbs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    api.init({ dsn: DSN, integrations: [behaviourIntegration()] });
    document.body.innerHTML = '<nav id="top"><button class="buy">Buy now</button></nav><input id="card" value="4242">';
    vi.setSystemTime(1_700_000_002_000);
    const start = location.href;
    history.pushState({}, '', '/products/1');
    vi.setSystemTime(1_700_000_002_500);
    (document.querySelector('button') as HTMLButtonElement).click();
    (document.querySelector('input') as HTMLInputElement).click();
    vi.setSystemTime(1_700_000_005_500);
    window.location.hash = '#reviews';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    api.captureException(new Error('after clicks'));
    await api.flush();
    const evs = net.events();
    const pv = evs.find((e) => e.type === 'pageview')!;
    expect(pv).toMatchObject({ url: start, navigationType: 'navigate' });
    const routes = evs.filter((e) => e.type === 'route');
    expect(routes[0]).toMatchObject({ url: `${location.origin}/products/1`, from: start, trigger: 'pushState', duration: 2000 });
    expect(routes[1]).toMatchObject({ url: `${location.origin}/products/1#reviews`, trigger: 'hashchange', duration: 3500 });
    const clicks = evs.filter((e) => e.type === 'click');
    expect(clicks[0]).toMatchObject({ name: 'nav#top > button.buy', text: 'Buy now' });
    expect(clicks[1]).toMatchObject({ name: 'input#card' });
    expect(clicks[1]!.text).toBeUndefined();
    expect(JSON.stringify(evs)).not.toContain('4242');
    const err = evs.find((e) => e.type === 'error')!;
    expect((err.breadcrumbs as Array<{ category: string }>).map((c) => c.category)).toEqual(['route', 'click', 'click', 'route']);
  });

  it('sends a pageview for a bfcache restore', async () => {
    api.init({ dsn: DSN, integrations: [behaviourIntegration()] });
    const pageshow = (persisted: boolean) => Object.assign(new Event('pageshow'), { persisted });
    window.dispatchEvent(pageshow(true));
    window.dispatchEvent(pageshow(false));
    await api.flush();
    expect(net.events('pageview').map((e) => e.navigationType)).toEqual(['navigate', 'back-forward-cache']);
  });

  it('sends an exit route with the dwell time on pagehide', async () => {
    api.init({ dsn: DSN, integrations: [behaviourIntegration({ pageviews: false })] });
    window.dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r));
    const exit = net.events('route')[0]!;
    expect(exit).toMatchObject({ exit: true, url: location.href });
    expect(exit.duration).toBeGreaterThanOrEqual(0);
  });
});

describe('identityIntegration', () => {
  it('keeps the uid in a first-party cookie and reuses it', () => {
    const uid = loadUid();
    expect(document.cookie).toContain(`_vigil_uid=${uid}`);
    expect(loadUid()).toBe(uid);
  });

  it('keeps the sid across reloads within 30 minutes and rolls it after inactivity', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_700_000_000_000);
    api.init({ dsn: DSN, integrations: [identityIntegration()] });
    const sid1 = api.getClient()!.getContext().sid;
    await api.close();
    vi.setSystemTime(1_700_000_000_000 + 29 * 60_000);
    api.init({ dsn: DSN, integrations: [identityIntegration()] });
    expect(api.getClient()!.getContext().sid).toBe(sid1);
    vi.setSystemTime(1_700_000_000_000 + 29 * 60_000 + 31 * 60_000);
    api.track('after a break');
    const sid2 = api.getClient()!.getContext().sid;
    expect(sid2).not.toBe(sid1);
    await api.flush();
    const all = net.batches.flatMap((b) => b.events.map((e) => [b.context.sid, e.type, e.name]));
    expect(all).toEqual([
      [sid1, 'session', 'start'],
      [sid1, 'session', 'end'],
      [sid2, 'session', 'start'],
      [sid2, 'custom', 'after a break'],
    ]);
  });

  it('falls back to localStorage when cookies are unavailable', () => {
    const get = vi.spyOn(document, 'cookie', 'get').mockReturnValue('');
    const set = vi.spyOn(document, 'cookie', 'set').mockImplementation(() => {});
    try {
      const uid = loadUid();
      expect(localStorage.getItem('_vigil_uid')).toBe(uid);
      expect(loadUid()).toBe(uid);
    } finally {
      get.mockRestore();
      set.mockRestore();
    }
  });
});

describe('integration isolation in the browser', () => {
  it('an integration that throws in a page event handler never reaches the page', async () => {
    const broken: api.Integration = {
      name: 'broken-clicks',
      setup(client) {
        document.addEventListener('click', client.guard('broken-clicks', () => {
          throw new Error('integration bug');
        }));
      },
    };
    api.init({ dsn: DSN, integrations: [broken, behaviourIntegration()] });
    const pageErrors: unknown[] = [];
    window.addEventListener('error', (e) => pageErrors.push(e));
    document.body.innerHTML = '<button>x</button><a href="#a">y</a>';
    expect(() => document.querySelector('button')!.click()).not.toThrow();
    document.querySelector('a')!.click();
    await api.flush();
    expect(pageErrors).toEqual([]);
    const self = net.events('error').filter((e) => e.sdk_error);
    expect(self).toHaveLength(1);
    expect(self[0]!.message).toBe('Vigil integration "broken-clicks" failed: Error: integration bug');
    expect(net.events('click')).toHaveLength(2); // the other integration keeps working
  });
});
