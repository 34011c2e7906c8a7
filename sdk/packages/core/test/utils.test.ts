import { describe, expect, it } from 'vitest';
import { parseDsn, ingestUrl } from '../src/dsn';
import { parseRetryAfter, RateLimit } from '../src/ratelimit';
import { Scope } from '../src/scope';
import { DropCounter } from '../src/drops';
import { exceptionFields } from '../src/exception';
import { describe as describeValue, hash, matchesAny, normalize, randomId, stripQuery, truncate } from '../src/utils';
import { byteSize, utf8Length } from '../src/transport';
import { offsetFromResponse } from '../src/clock';

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });

describe('dsn', () => {
  it('parses DSNs and builds the ingest URL', () => {
    const d = parseDsn('http://3f9c0d5e8a7b4c1d9e2f6a0b1c2d3e4f@127.0.0.1:8080/1')!;
    expect(d).toEqual({ protocol: 'http', publicKey: '3f9c0d5e8a7b4c1d9e2f6a0b1c2d3e4f', host: '127.0.0.1:8080', path: '', projectId: '1' });
    expect(ingestUrl(d)).toBe('http://127.0.0.1:8080/api/1/events?key=3f9c0d5e8a7b4c1d9e2f6a0b1c2d3e4f');
    expect(ingestUrl(parseDsn('https://k@vigil.example.com/sub/42')!)).toBe('https://vigil.example.com/sub/api/42/events?key=k');
  });
  it('rejects malformed DSNs', () => {
    for (const bad of ['', 'nonsense', 'http://127.0.0.1/1', 'ftp://k@h/1', 'http://k@h/']) expect(parseDsn(bad), bad).toBeUndefined();
  });
});

describe('utils', () => {
  it('makes protocol-valid ids', () => {
    const ids = new Set(Array.from({ length: 200 }, () => randomId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z_-]{22}$/);
  });
  it('truncates without splitting surrogate pairs', () => {
    expect(truncate('abcdef', 3)).toBe('abc');
    expect(truncate('ab\u{1F600}', 3)).toBe('ab');
    expect(truncate('abc', 10)).toBe('abc');
  });
  it('matches strings and regexps', () => {
    expect(matchesAny('ResizeObserver loop limit exceeded', ['ResizeObserver'])).toBe(true);
    expect(matchesAny('x', [/^y/])).toBe(false);
    expect(matchesAny('abc', undefined)).toBe(false);
  });
  it('normalizes cycles, depth, long strings and odd values', () => {
    const o: Record<string, unknown> = { s: 'x'.repeat(2000), n: NaN, f: () => 1, u: undefined, arr: [1, 2] };
    o.self = o;
    const n = normalize(o, 3, 100) as Record<string, unknown>;
    expect((n.s as string).length).toBe(100);
    expect(n.n).toBe('NaN');
    expect(n.f).toBe('[function]');
    expect('u' in n).toBe(false);
    expect(n.self).toBe('[circular]');
    expect(n.arr).toEqual([1, 2]);
    expect(normalize({ a: { b: { c: { d: 1 } } } }, 2)).toEqual({ a: { b: '[object]' } });
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
    expect(describeValue('s')).toBe('s');
  });
  it('strips queries and fragments', () => {
    expect(stripQuery('https://a.example/p?token=1#x')).toBe('https://a.example/p');
    expect(stripQuery('/p#x')).toBe('/p');
  });
  it('hashes stably', () => {
    expect(hash('abc')).toBe(hash('abc'));
    expect(hash('abc')).not.toBe(hash('abd'));
  });
  it('measures UTF-8 sizes', () => {
    for (const s of ['abc', 'é', '€', '\u{1F600}', 'mixed é € \u{1F600}']) expect(utf8Length(s)).toBe(Buffer.byteLength(s));
    expect(byteSize('€€')).toBe(6);
  });
});

describe('exceptionFields', () => {
  it('describes Errors with frames', () => {
    const f = exceptionFields(new TypeError('x is undefined'));
    expect(f.message).toBe('TypeError: x is undefined');
    expect(f.exception).toEqual({ type: 'TypeError', value: 'x is undefined' });
    expect(f.frames!.length).toBeGreaterThan(0);
  });
  it('describes non-Errors', () => {
    expect(exceptionFields('plain')).toEqual({ message: 'plain', exception: { type: 'Error', value: 'plain' } });
    expect(exceptionFields({ message: 'obj' }, 'UnhandledRejection').exception).toEqual({ type: 'UnhandledRejection', value: 'obj' });
    expect(exceptionFields({ code: 7 }).message).toBe('{"code":7}');
  });
});

describe('rate limits', () => {
  it('parses Retry-After', () => {
    expect(parseRetryAfter('5', 0)).toBe(5000);
    expect(parseRetryAfter(null, 0)).toBe(60000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30000);
    expect(parseRetryAfter('garbage', 0)).toBe(60000);
  });
  it('tracks 429 and 503 only', () => {
    const r = new RateLimit();
    expect(r.update(500, '5', 1000)).toBe(false);
    expect(r.isLimited(1000)).toBe(false);
    expect(r.update(429, '2', 1000)).toBe(true);
    expect(r.isLimited(2999)).toBe(true);
    expect(r.isLimited(3000)).toBe(false);
    expect(r.update(503, '1', 1000)).toBe(true);
    expect(r.until).toBe(3000); // never shortened
  });
});

describe('scope', () => {
  it('keeps the newest breadcrumbs in order', () => {
    const s = new Scope(3);
    for (let i = 1; i <= 5; i++) s.addBreadcrumb({ category: 'c', message: String(i) });
    expect(s.getBreadcrumbs().map((c) => c.message)).toEqual(['3', '4', '5']);
    s.clearBreadcrumbs();
    expect(s.getBreadcrumbs()).toEqual([]);
    const none = new Scope(0);
    none.addBreadcrumb({ category: 'c' });
    expect(none.getBreadcrumbs()).toEqual([]);
  });

  it('gives the breadcrumbs as JSON with their UTF-8 size, following the ring buffer', () => {
    const s = new Scope(3);
    for (let i = 1; i <= 4; i++) s.addBreadcrumb({ category: 'c', message: `${i}é` });
    const check = () => {
      const [json, bytes] = s._crumbsJson();
      expect(JSON.parse(json)).toEqual(s.getBreadcrumbs());
      expect(bytes).toBe(Buffer.byteLength(json));
    };
    check();
    expect(s._crumbsJson()).toBe(s._crumbsJson()); // cached until the buffer changes
    s.addBreadcrumb({ category: 'c', message: '5€' });
    check();
    expect(s.getBreadcrumbs().map((c) => c.message)).toEqual(['3é', '4é', '5€']);
  });
});

describe('drop counter', () => {
  it('counts, takes and restores', () => {
    const d = new DropCounter();
    expect(d.take()).toBeUndefined();
    d.record('queue_overflow');
    d.record('queue_overflow', 2);
    d.record('sample_rate');
    const t = d.take();
    expect(t).toEqual({ queue_overflow: 3, sample_rate: 1 });
    expect(d.take()).toBeUndefined();
    d.restore(t);
    expect(d.peek()).toEqual({ queue_overflow: 3, sample_rate: 1 });
  });
});

describe('clock offset', () => {
  it('prefers Server-Timing and uses the round-trip midpoint', () => {
    const r = offsetFromResponse({ status: 204, headers: headers({ 'Server-Timing': 'vigil;desc="1700000005000", total;dur=0.2', Date: 'Tue, 14 Nov 2023 22:13:20 GMT' }) }, 1700000000000, 1700000000100);
    expect(r).toEqual({ offset: 4950, error: 50 });
  });
  it('falls back to Date with 1 s precision', () => {
    const sent = Date.parse('2023-11-14T22:13:20Z') - 10_000;
    const r = offsetFromResponse({ status: 204, headers: headers({ Date: 'Tue, 14 Nov 2023 22:13:20 GMT' }) }, sent, sent);
    expect(r).toEqual({ offset: 10_500, error: 500 });
  });
  it('gives nothing without time headers', () => {
    expect(offsetFromResponse({ status: 204, headers: headers({}) }, 0, 1)).toBeUndefined();
  });
});

describe('eventId', () => {
  it('is protocol-valid, unique within a page, and has a random part', async () => {
    const { eventId } = await import('../src/utils');
    const ids = Array.from({ length: 5000 }, () => eventId());
    expect(new Set(ids).size).toBe(5000);
    for (const id of ids.slice(0, 50)) expect(id).toMatch(/^[0-9A-Za-z_-]{22}$/);
    expect(ids[0]!.slice(0, 16)).toBe(ids[1]!.slice(0, 16));
  });
});
