import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client } from '../src/client';
import { clockIntegration } from '../src/clock';
import type { Integration, Options, TransportRequest, VigilEvent } from '../src/types';

const DSN = 'http://pubkey123@127.0.0.1:9000/7';

function make(options: Options = {}, integrations: Integration[] = []) {
  const sent: Array<{ sdk: Record<string, unknown>; context: Record<string, unknown>; events: VigilEvent[] }> = [];
  const urls: string[] = [];
  let reply: () => Promise<unknown> = () => Promise.resolve({ status: 204, headers: { get: () => null } });
  const client = new Client(
    { dsn: DSN, ...options },
    {
      sdkName: '@vigil/test',
      makeSend: (url) => {
        urls.push(url);
        return (req: TransportRequest) => {
          sent.push(JSON.parse(req.body));
          return reply() as never;
        };
      },
    },
  );
  client.setupIntegrations(integrations);
  const events = async () => {
    await client.flush();
    return sent.flatMap((b) => b.events);
  };
  return { client, sent, urls, events, setReply: (r: typeof reply) => (reply = r) };
}

beforeEach(() => vi.spyOn(console, 'warn').mockImplementation(() => {}));
afterEach(() => vi.restoreAllMocks());

describe('Client', () => {
  it('stays inactive without a valid DSN or when disabled', () => {
    expect(new Client({}, { sdkName: 'x', makeSend: () => () => Promise.resolve(undefined) }).capture({ type: 'custom', name: 'a' })).toBeUndefined();
    expect(new Client({ dsn: 'bad' }, { sdkName: 'x', makeSend: () => () => Promise.resolve(undefined) }).active).toBe(false);
    expect(make({ enabled: false }).client.active).toBe(false);
  });

  it('posts to the DSN endpoint, or to the tunnel', () => {
    expect(make().urls).toEqual(['http://127.0.0.1:9000/api/7/events?key=pubkey123']);
    expect(make({ tunnel: '/vigil-tunnel' }).urls).toEqual(['/vigil-tunnel']);
  });

  it('fills ts and id, and sends release/environment/user/tags in context', async () => {
    const { client, sent, events } = make({ release: 'shop@1.0', environment: 'prod' });
    client.setUser({ id: 42 as unknown as string, email: 'a@example.com' });
    client.setTag('plan', 'pro');
    client.setTag('region', 'eu');
    const before = Date.now();
    const id = client.capture({ type: 'custom', name: 'checkout', props: { total: 12.5, items: ['a'] } });
    const [e] = await events();
    expect(e!.id).toBe(id);
    expect(e!.id).toMatch(/^[0-9A-Za-z_-]{22}$/);
    expect(e!.ts).toBeGreaterThanOrEqual(before);
    expect(e).toMatchObject({ type: 'custom', name: 'checkout', props: { total: 12.5, items: ['a'] } });
    expect(sent[0]!.context).toEqual({ release: 'shop@1.0', environment: 'prod', user: { id: '42', email: 'a@example.com' }, tags: { plan: 'pro', region: 'eu' } });
    expect(sent[0]!.sdk).toEqual({ name: '@vigil/test', version: '0.1.0' });
  });

  it('captures exceptions and messages with the right kinds', async () => {
    const { client, events } = make();
    client.captureException(new RangeError('bad range'));
    client.captureMessage('hello', 'warning');
    const [a, b] = await events();
    expect(a).toMatchObject({ type: 'error', name: 'js', level: 'error', message: 'RangeError: bad range', exception: { type: 'RangeError', value: 'bad range' }, handled: true });
    expect((a!.frames as unknown[]).length).toBeGreaterThan(0);
    expect(b).toMatchObject({ type: 'error', name: 'console', level: 'warning', message: 'hello' });
  });

  it('attaches breadcrumbs to errors only, through beforeBreadcrumb', async () => {
    const { client, events } = make({ maxBreadcrumbs: 2, beforeBreadcrumb: (c) => (c.message === 'secret' ? null : c) });
    client.addBreadcrumb({ category: 'click', message: 'one' });
    client.addBreadcrumb({ category: 'click', message: 'secret' });
    client.addBreadcrumb({ category: 'click', message: 'two' });
    client.addBreadcrumb({ category: 'route', message: 'three' });
    client.capture({ type: 'custom', name: 'x' });
    client.captureException(new Error('e'));
    const evs = await events();
    expect(evs[0]!.breadcrumbs).toBeUndefined();
    expect((evs[1]!.breadcrumbs as Array<{ message: string }>).map((c) => c.message)).toEqual(['two', 'three']);
  });

  it('serializes each breadcrumb once for all the errors that carry it', async () => {
    const serialized: Record<string, number> = {};
    const { client, events } = make({
      // A crumb that counts how often it is serialized.
      beforeBreadcrumb: (c) => ({ ...c, toJSON: () => ((serialized[c.message!] = (serialized[c.message!] || 0) + 1), { category: c.category, message: c.message }) }),
    });
    client.addBreadcrumb({ category: 'click', message: 'a' });
    for (let i = 0; i < 3; i++) client.captureMessage(`first ${i}`);
    client.addBreadcrumb({ category: 'route', message: 'b' });
    client.captureException(new Error('second'));
    const evs = await events();
    expect(evs.map((e) => (e.breadcrumbs as Array<{ message: string }>).map((c) => c.message))).toEqual([['a'], ['a'], ['a'], ['a', 'b']]);
    expect(serialized).toEqual({ a: 1, b: 1 });
  });

  it('lets beforeSend edit breadcrumbs (they are then serialized with the event)', async () => {
    const { client, events } = make({
      beforeSend: (e) => {
        for (const c of (e.breadcrumbs as Array<{ message?: string }>) || []) c.message = c.message!.replace(/token=\w+/, 'token=[x]');
        return e;
      },
    });
    client.addBreadcrumb({ category: 'http', message: 'GET /a?token=secret1' });
    client.captureMessage('one');
    await client.flush();
    client.addBreadcrumb({ category: 'http', message: 'GET /b?token=secret2' });
    client.captureMessage('two');
    const evs = await events();
    expect(JSON.stringify(evs)).not.toContain('secret');
    expect((evs[1]!.breadcrumbs as Array<{ message: string }>).map((c) => c.message)).toEqual(['GET /a?token=[x]', 'GET /b?token=[x]']);
  });

  it('applies beforeSend, ignoreErrors, denyUrls and allowUrls', async () => {
    const { client, events, sent } = make({
      beforeSend: (e) => (e.message === 'drop me' ? null : { ...e, extra: 'added' }),
      ignoreErrors: ['ResizeObserver loop', /^Ignored/],
      denyUrls: [/extensions\//],
      allowUrls: ['https://shop.example.com'],
    });
    client.captureMessage('drop me');
    client.captureMessage('ResizeObserver loop limit exceeded');
    client.captureException(new Error('Ignored thing'));
    client.capture({ type: 'error', name: 'js', message: 'ext', frames: [{ url: 'chrome-extension://abc/extensions/x.js' }] });
    client.capture({ type: 'error', name: 'js', message: 'other site', frames: [{ url: 'https://cdn.other.com/x.js' }] });
    client.capture({ type: 'error', name: 'js', message: 'ours', frames: [{ url: 'https://shop.example.com/app.js' }] });
    client.capture({ type: 'error', name: 'js', message: 'no url' });
    const evs = await events();
    expect(evs.map((e) => e.message)).toEqual(['ours', 'no url']);
    expect(evs[0]!.extra).toBe('added');
    // the drops travel to the server with the batch
    expect(sent[0]!.sdk.drops).toEqual({ before_send: 1, ignored: 4 });
  });

  it('keeps the event when beforeSend throws', async () => {
    const { client, events } = make({ beforeSend: () => { throw new Error('user bug'); } });
    client.capture({ type: 'custom', name: 'kept' });
    expect((await events()).map((e) => e.name)).toEqual(['kept']);
  });

  it('truncates typed fields to the protocol limits', async () => {
    const { client, events } = make();
    client.capture({ type: 'error', name: 'js', message: 'm'.repeat(10_000), url: 'u'.repeat(5000), level: 'error', release: 'r'.repeat(300), environment: 'e'.repeat(100), sid: 's'.repeat(200) });
    client.capture({ type: 'custom', name: 'n'.repeat(300) });
    const [e, c] = await events();
    expect((e!.message as string).length).toBe(8192);
    expect((e!.url as string).length).toBe(4096);
    expect((e!.release as string).length).toBe(200);
    expect((e!.environment as string).length).toBe(64);
    expect((e!.sid as string).length).toBe(128);
    expect((c!.name as string).length).toBe(256);
  });

  it('samples per session: all or nothing for one sid, about the rate across sids', async () => {
    const { client, events } = make({ sampleRate: 0.5 });
    let kept = 0;
    for (let s = 0; s < 400; s++) {
      client.setContext('sid', `s_${s}`);
      const a = client.capture({ type: 'custom', name: 'a' });
      const b = client.capture({ type: 'custom', name: 'b' });
      expect(!!a).toBe(!!b);
      if (a) kept++;
    }
    expect(kept).toBeGreaterThan(140);
    expect(kept).toBeLessThan(260);
    expect((await events()).length).toBe(kept * 2);
    expect(make({ sampleRate: 0 }).client.capture({ type: 'custom', name: 'x' })).toBeUndefined();
  });

  it('isolates integrations: a throwing one is disabled and reported once', async () => {
    let calls = 0;
    const fragile: Integration = {
      name: 'fragile',
      setup(c) {
        const handler = c.guard('fragile', () => {
          calls++;
          throw new Error('integration bug');
        });
        // the "page" calls the handler twice; neither call may throw
        expect(handler()).toBeUndefined();
        expect(handler()).toBeUndefined();
      },
    };
    const broken: Integration = { name: 'broken', setup() { throw new TypeError('setup bug'); } };
    const badProcessor: Integration = { name: 'proc', processEvent() { throw new Error('proc bug'); } };
    const { client, events } = make({}, [fragile, broken, badProcessor]);
    client.capture({ type: 'custom', name: 'still works' });
    expect(calls).toBe(1);
    expect(client.getIntegrationNames()).toEqual([]);
    const evs = await events();
    const selfErrors = evs.filter((e) => e.sdk_error);
    expect(selfErrors.map((e) => (e.sdk_error as { integration: string }).integration).sort()).toEqual(['broken', 'fragile', 'proc']);
    for (const e of selfErrors) expect(e).toMatchObject({ type: 'error', name: 'js', level: 'warning' });
    expect(evs.some((e) => e.name === 'still works')).toBe(true);
  });

  it('runs processEvent and drops on null', async () => {
    const { client, events } = make({}, [{ name: 'filter', processEvent: (e) => (e.name === 'no' ? null : { ...e, seen: true }) }]);
    client.capture({ type: 'custom', name: 'no' });
    client.capture({ type: 'custom', name: 'yes' });
    const evs = await events();
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({ name: 'yes', seen: true });
  });

  it('corrects timestamps with the clock integration', async () => {
    const { client, sent, setReply } = make({}, [clockIntegration()]);
    setReply(() => Promise.resolve({ status: 204, headers: { get: (n: string) => (n === 'Server-Timing' ? `vigil;desc="${Date.now() + 60_000}"` : null) } }));
    client.capture({ type: 'custom', name: 'first' });
    await client.flush();
    expect(Math.abs(client.clockOffset - 60_000)).toBeLessThan(1000);
    const t = Date.now();
    client.capture({ type: 'custom', name: 'second' });
    await client.flush();
    const second = sent[1]!.events[0]!;
    expect(second.ts - t).toBeGreaterThan(59_000);
    expect(second.ts - t).toBeLessThan(61_000);
  });

  it('flush with a timeout resolves false when the server is slow; close stops capture', async () => {
    const { client, setReply } = make();
    setReply(() => new Promise(() => {}));
    client.capture({ type: 'custom', name: 'x' });
    expect(await client.flush(50)).toBe(false);
    setReply(() => Promise.resolve({ status: 204, headers: { get: () => null } }));
    await client.close(10);
    expect(client.capture({ type: 'custom', name: 'after close' })).toBeUndefined();
  });
});
