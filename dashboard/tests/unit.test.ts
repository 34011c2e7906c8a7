import { describe, expect, it, vi } from 'vitest';
import { api, ApiError, onUnauthorized, setCsrfToken } from '../src/api';
import { change, fmtMs, fmtVital, rate } from '../src/format';
import { en, translate, zh } from '../src/i18n';
import { href } from '../src/router';
import { safeHref } from '../src/safe';
import { analyticsQuery, resolveRange } from '../src/timerange';
import { issuesQuery } from '../src/pages/Issues';
import { breadcrumbsOf, framesOf } from '../src/pages/IssueDetail';
import { mockFetch } from './helpers';

describe('safeHref', () => {
  it.each([
    ['https://a.example/x?y=1', 'https://a.example/x?y=1'],
    ['http://a.example/', 'http://a.example/'],
    ['javascript:alert(1)', null],
    ['JaVaScRiPt:alert(1)', null],
    [' javascript:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['vbscript:x', null],
    ['/relative/path', null],
    ['', null],
    [42, null],
  ])('%s -> %s', (input, want) => expect(safeHref(input)).toBe(want));
});

describe('api client', () => {
  it('sends X-CSRF-Token on mutating requests only', async () => {
    const calls = mockFetch(() => ({ status: 200, body: { ok: true } }));
    setCsrfToken('tok123');
    await api('GET', '/projects');
    await api('POST', '/projects', { name: 'x' });
    await api('PUT', '/projects/1', { name: 'y' });
    await api('DELETE', '/tokens/1');
    const h = calls.map((c) => (c.init.headers as Record<string, string>)['X-CSRF-Token']);
    expect(h).toEqual([undefined, 'tok123', 'tok123', 'tok123']);
    expect(calls[1].init.body).toBe('{"name":"x"}');
    expect(calls[0].url.pathname).toBe('/api/v1/projects');
  });
  it('turns error bodies into ApiError and reports 401', async () => {
    const seen = vi.fn();
    onUnauthorized(seen);
    mockFetch((u) => (u.pathname.endsWith('/me') ? { status: 401, body: { error: 'unauthorized' } } : { status: 429, body: { error: 'too_many_attempts', detail: 'wait' }, headers: { 'Retry-After': '30' } }));
    await expect(api('GET', '/projects/1/overview')).rejects.toMatchObject({ status: 429, code: 'too_many_attempts', retryAfter: 30 });
    mockFetch(() => ({ status: 401, body: { error: 'unauthorized' } }));
    const e = await api('GET', '/projects').catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(seen).toHaveBeenCalledTimes(1);
  });
  it('answers undefined for 204', async () => {
    mockFetch(() => ({ status: 204 }));
    expect(await api('POST', '/auth/logout', {})).toBeUndefined();
  });
});

describe('time range and URL state', () => {
  const now = 1_763_900_000_000;
  it('resolves presets and custom ranges', () => {
    expect(resolveRange(new URLSearchParams('range=1h'), now)).toEqual({ from: now - 3_600_000, to: now, preset: '1h' });
    expect(resolveRange(new URLSearchParams(''), now).preset).toBe('24h');
    expect(resolveRange(new URLSearchParams('range=custom&from=100&to=200'), now)).toEqual({ from: 100, to: 200, preset: 'custom' });
    expect(resolveRange(new URLSearchParams('range=custom&from=300&to=200'), now).preset).toBe('24h');
    expect(resolveRange(new URLSearchParams('range=bogus'), now).preset).toBe('24h');
  });
  it('builds analytics queries with the filters of the URL', () => {
    const q = new URLSearchParams(analyticsQuery(new URLSearchParams('range=7d&browser=Chrome&project=1&country=DE'), now, { metric: 'INP' }));
    expect(q.get('from')).toBe(String(now - 7 * 86_400_000));
    expect(q.get('to')).toBe(String(now));
    expect(q.get('browser')).toBe('Chrome');
    expect(q.get('country')).toBe('DE');
    expect(q.get('metric')).toBe('INP');
    expect(q.has('project')).toBe(false);
  });
  it('builds issue list queries (status, sort, search, paging)', () => {
    const q = new URLSearchParams(issuesQuery(new URLSearchParams('page=2&sort=count&q=TypeError')));
    expect(Object.fromEntries(q)).toEqual({ sort: 'count', limit: '26', offset: '50', status: 'unresolved', query: 'TypeError' });
    expect(new URLSearchParams(issuesQuery(new URLSearchParams('status=all'))).has('status')).toBe(false);
    expect(new URLSearchParams(issuesQuery(new URLSearchParams(''), 1234)).get('since')).toBe('1234');
  });
  it('href drops empty params', () => {
    expect(href('/issues', { project: 1, q: '', x: null })).toBe('/issues?project=1');
  });
});

describe('formatting', () => {
  it('rates vitals with the web-vitals thresholds', () => {
    expect(rate('LCP', 2500)).toBe('good');
    expect(rate('LCP', 2501)).toBe('needs-improvement');
    expect(rate('LCP', 4001)).toBe('poor');
    expect(rate('INP', 200)).toBe('good');
    expect(rate('INP', 501)).toBe('poor');
    expect(rate('CLS', 0.1)).toBe('good');
    expect(rate('CLS', 0.2)).toBe('needs-improvement');
    expect(rate('FCP', 3001)).toBe('poor');
    expect(rate('TTFB', 800)).toBe('good');
    expect(rate('TTFB', 1801)).toBe('poor');
    expect(rate('LCP', null)).toBeUndefined();
  });
  it('formats', () => {
    expect(fmtMs(230.4)).toBe('230 ms');
    expect(fmtMs(1830)).toBe('1.83 s');
    expect(fmtVital('CLS', 0.12345)).toBe('0.123');
    expect(change(120, 100)).toBeCloseTo(0.2);
    expect(change(1, 0)).toBeNull();
  });
});

describe('i18n', () => {
  it('has every English key in Chinese, non-empty', () => {
    for (const k of Object.keys(en)) expect(zh[k as keyof typeof en], k).toBeTruthy();
    expect(Object.keys(zh).length).toBe(Object.keys(en).length);
  });
  it('substitutes variables', () => {
    expect(translate('zh', 'login.tooMany', { s: 30 })).toContain('30');
  });
});

describe('event data', () => {
  it('reads frames and breadcrumbs of several SDK shapes', () => {
    expect(framesOf({ frames: [{ url: 'a.js', fn: 'f', line: 1, col: 2 }] })).toEqual([{ url: 'a.js', fn: 'f', line: 1, col: 2, in_app: undefined, pre_context: undefined, context_line: undefined, post_context: undefined }]);
    expect(framesOf({ exception: { stacktrace: { frames: [{ filename: 'b.js', function: 'g', lineno: 3, colno: 4 }] } } })[0]).toMatchObject({ url: 'b.js', fn: 'g', line: 3, col: 4 });
    expect(framesOf({})).toEqual([]);
    expect(breadcrumbsOf({ breadcrumbs: { values: [{ category: 'ui', message: 'm', timestamp: 1763899000 }] } })[0]).toMatchObject({ category: 'ui', message: 'm', ts: 1763899000000 });
  });
});

import { sameView } from '../src/hooks';
describe('useApi view identity', () => {
  it('treats a moved range as the same view', () => {
    expect(sameView('/projects/1/overview?from=1&to=2&browser=x', '/projects/1/overview?from=5&to=9&browser=x')).toBe(true);
    expect(sameView('/projects/1/performance?from=1&to=2&metric=LCP', '/projects/1/performance?from=1&to=2&metric=INP')).toBe(false);
  });
});
