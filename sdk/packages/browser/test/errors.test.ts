import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { close, flush, initWithoutDefaults } from '../src/sdk';
import { consoleErrorsIntegration, errorsIntegration, httpErrorsIntegration } from '../src/integrations/errors';
import { identityIntegration } from '../src/integrations/identity';
import { DSN, mockNetwork } from './helpers';

const net = mockNetwork((url) => new Response('x', { status: url.includes('/500') ? 500 : url.includes('/404') ? 404 : 200 }));
beforeEach(() => {
  sessionStorage.clear();
  net.reset();
});
afterEach(async () => {
  await close();
});

function dispatchError(error: unknown, message: string, filename = '', lineno = 0, colno = 0): void {
  window.dispatchEvent(new ErrorEvent('error', { error, message, filename, lineno, colno }));
}

describe('errorsIntegration', () => {
  it('captures uncaught errors with parsed frames', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration()] });
    const err = new TypeError('x is undefined');
    err.stack = 'TypeError: x is undefined\n    at onClick (https://shop.example.com/app.js:1:3302)';
    dispatchError(err, 'Uncaught TypeError: x is undefined', 'https://shop.example.com/app.js', 1, 3302);
    await flush();
    const [e] = net.events('error');
    expect(e).toMatchObject({
      type: 'error',
      name: 'js',
      level: 'error',
      handled: false,
      message: 'TypeError: x is undefined',
      exception: { type: 'TypeError', value: 'x is undefined' },
      frames: [{ url: 'https://shop.example.com/app.js', fn: 'onClick', line: 1, col: 3302 }],
    });
  });

  it('marks "Script error." as cross-origin', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration()] });
    dispatchError(null, 'Script error.');
    await flush();
    expect(net.events('error')[0]).toMatchObject({ name: 'js', message: 'Script error.', cross_origin: true });
  });

  it('captures unhandled rejections with Error and non-Error reasons', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration()] });
    const fire = (reason: unknown) => {
      const ev = new Event('unhandledrejection') as Event & { reason: unknown; promise: Promise<unknown> };
      ev.reason = reason;
      window.dispatchEvent(ev);
    };
    fire(new RangeError('too far'));
    fire({ code: 42 });
    fire('just a string');
    await flush();
    const [a, b, c] = net.events('error');
    expect(a).toMatchObject({ name: 'promise', message: 'RangeError: too far', exception: { type: 'RangeError' } });
    expect(b).toMatchObject({ name: 'promise', message: 'Non-Error promise rejection: {"code":42}', exception: { type: 'UnhandledRejection', value: '{"code":42}' } });
    expect(c).toMatchObject({ name: 'promise', message: 'Non-Error promise rejection: just a string' });
  });

  it('captures resource load failures through the capture phase', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration()] });
    const img = document.createElement('img');
    img.setAttribute('src', 'https://cdn.example.com/missing.png?v=2');
    document.body.appendChild(img);
    img.dispatchEvent(new Event('error')); // does not bubble: only a capture listener sees it
    await flush();
    expect(net.events('error')[0]).toMatchObject({
      name: 'resource',
      message: 'Failed to load img: https://cdn.example.com/missing.png',
      url: 'https://cdn.example.com/missing.png?v=2',
      resource: { tag: 'img' },
    });
  });

  it('httpErrorsIntegration captures statuses >= minStatus', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration(), httpErrorsIntegration({ minStatus: 500 })] });
    await fetch('/api/404?q=secret');
    await fetch('/api/500?q=secret');
    window.fetch('/x'); // answered 200: nothing
    await flush();
    const errs = net.events('error');
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ name: 'http', status: 500, method: 'GET', url: `${location.origin}/api/500`, message: `GET ${location.origin}/api/500 responded 500` });
  });

  it('httpErrorsIntegration captures network failures of fetch and ignores listed statuses', async () => {
    const sent: string[] = [];
    net.fetchMock.mockImplementation(((input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes('/api/3/events')) {
        sent.push(String(init!.body));
        return Promise.resolve(new Response(null, { status: 204 }));
      }
      if (String(input).includes('/401')) return Promise.resolve(new Response('', { status: 401 }));
      return Promise.reject(new TypeError('Failed to fetch'));
    }) as never);
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration(), httpErrorsIntegration({ ignoreStatus: [401] })] });
    await fetch('/login/401');
    await expect(fetch('https://api.example.com/down')).rejects.toThrow();
    await flush();
    expect(sent).toHaveLength(1);
    const e = JSON.parse(sent[0]!).events[0];
    expect(e).toMatchObject({ name: 'http', status: 0, message: 'GET https://api.example.com/down failed: Failed to fetch' });
  });

  it('console.error is captured only with consoleErrorsIntegration', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration()] });
    console.error('not captured');
    await flush();
    expect(net.events('error')).toHaveLength(0);
    await close();
    initWithoutDefaults({ dsn: DSN, integrations: [errorsIntegration(), consoleErrorsIntegration()] });
    console.error('Payment failed', { code: 7 }, new Error('inner'));
    await flush();
    const e = net.events('error')[0]!;
    expect(e).toMatchObject({ name: 'console', level: 'error', message: 'Payment failed {"code":7} Error: inner', exception: { type: 'Error', value: 'inner' } });
  });

  it('deduplicates per session by fingerprint with a maximum count', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [identityIntegration(), errorsIntegration({ maxDuplicates: 2 })] });
    const err = new Error('same');
    for (let i = 0; i < 5; i++) dispatchError(err, 'same');
    dispatchError(new Error('different'), 'different');
    await flush();
    const errs = net.events('error');
    expect(errs.map((e) => e.message)).toEqual(['Error: same', 'Error: same', 'Error: different']);
    expect(net.batches.at(-1)!.sdk.drops).toEqual({ deduplicated: 3 });
  });

  it('keeps at most 100 fingerprints per session, then starts over', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [identityIntegration(), errorsIntegration({ maxDuplicates: 1 })] });
    const fire = (m: string) => dispatchError(new Error(m), m);
    for (let i = 0; i < 100; i++) fire(`distinct ${i}`);
    fire('distinct 0'); // still counted: dropped
    fire('distinct 100'); // the 101st fingerprint: the counts start over
    fire('distinct 0'); // sent again
    fire('distinct 100'); // counted since the restart: dropped
    await flush();
    const sent = net.events('error').map((e) => e.message);
    expect(sent).toHaveLength(102);
    expect(sent.slice(-2)).toEqual(['Error: distinct 100', 'Error: distinct 0']);
    expect(net.batches.flatMap((b) => (b.sdk.drops ? [b.sdk.drops] : []))).toEqual([{ deduplicated: 2 }]);
  });
});
