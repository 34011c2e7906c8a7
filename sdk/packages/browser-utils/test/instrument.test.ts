import { afterEach, describe, expect, it, vi } from 'vitest';
import { addHttpHandler, ignoreUrl, nativeFetch, type HttpRecord } from '../src/http';
import { addRouteHandler } from '../src/history';
import { addConsoleHandler } from '../src/console';

afterEach(() => vi.restoreAllMocks());

describe('fetch instrumentation', () => {
  it('reports method, absolute URL, status, timing and size; ignores the SDK endpoint', async () => {
    const calls: string[] = [];
    const mock = vi.fn((input: RequestInfo | URL) => {
      calls.push(String(input));
      if (String(input).includes('fail')) return Promise.reject(new TypeError('Failed to fetch'));
      return Promise.resolve(new Response('hello', { status: String(input).includes('missing') ? 404 : 200, headers: { 'content-length': '5' } }));
    });
    window.fetch = mock as unknown as typeof fetch;
    const recs: HttpRecord[] = [];
    const off = addHttpHandler((r) => recs.push(r));
    ignoreUrl('http://127.0.0.1:9/api/1/events?key=k');
    expect(window.fetch).not.toBe(mock);

    await fetch('/api/items?page=2', { method: 'post', body: 'abc' });
    await fetch(new URL('https://other.example/missing'));
    await expect(fetch('https://other.example/fail')).rejects.toThrow('Failed to fetch');
    await fetch('http://127.0.0.1:9/api/1/events?key=k', { method: 'POST', body: '{}' });
    await nativeFetch()!('https://other.example/native');

    expect(calls).toHaveLength(5);
    expect(recs).toHaveLength(3);
    expect(recs[0]).toMatchObject({ kind: 'fetch', method: 'POST', url: `${location.origin}/api/items?page=2`, status: 200, responseSize: 5, requestSize: 3 });
    expect(recs[0]!.end).toBeGreaterThanOrEqual(recs[0]!.start);
    expect(recs[1]).toMatchObject({ method: 'GET', url: 'https://other.example/missing', status: 404 });
    expect(recs[2]).toMatchObject({ status: 0, error: 'network', errorMessage: 'Failed to fetch' });
    off();
    await fetch('/after');
    expect(recs).toHaveLength(3);
  });
});

describe('history instrumentation', () => {
  it('reports real URL changes from pushState, replaceState and popstate', () => {
    const seen: Array<[string, string, string]> = [];
    addRouteHandler((from, to, trigger) => seen.push([from, to, trigger]));
    const start = location.href;
    history.pushState({}, '', '/a');
    history.pushState({}, '', '/a'); // same URL: nothing
    history.replaceState({}, '', '/b?x=1');
    window.dispatchEvent(new PopStateEvent('popstate'));
    expect(seen).toEqual([
      [start, `${location.origin}/a`, 'pushState'],
      [`${location.origin}/a`, `${location.origin}/b?x=1`, 'replaceState'],
    ]);
  });
});

describe('console instrumentation', () => {
  it('passes calls through and does not recurse', () => {
    const orig = vi.fn();
    console.error = orig;
    const seen: unknown[][] = [];
    addConsoleHandler((level, args) => {
      seen.push([level, ...args]);
      console.error('from handler'); // must not loop
    });
    console.error('boom', 1);
    expect(seen).toEqual([['error', 'boom', 1]]);
    expect(orig).toHaveBeenCalledWith('boom', 1);
    expect(orig).toHaveBeenCalledWith('from handler');
  });
});
