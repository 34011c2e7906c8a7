// Answers shaped exactly like docs/api.md and docs/grouping.md.
import type { Issue, Overview, Performance, StoredEvent } from '../src/api';

export const overview: Overview = {
  pageviews: 1200,
  users: 340,
  sessions: 410,
  errors: 37,
  error_rate: 0.0308,
  crash_free_sessions: 0.975,
  vitals: {
    LCP: { p75: 2300, rating: 'good', count: 380 },
    INP: { p75: 260, rating: 'needs-improvement', count: 120 },
    CLS: { p75: 0.31, rating: 'poor', count: 370 },
    FCP: { p75: 1500, rating: 'good', count: 390 },
    TTFB: { p75: 700, rating: 'good', count: 400 },
  },
  previous: { pageviews: 1000, users: 300, sessions: 400, errors: 50, error_rate: 0.05, crash_free_sessions: 0.96 },
  series: {
    pageviews: [
      [1763896400000, 10],
      [1763896700000, 12],
    ],
    errors: [
      [1763896400000, 1],
      [1763896700000, 0],
    ],
  },
};

export const xssMessage = 'Error: <img src=x onerror=alert(1)>';

export const issue: Issue = {
  id: 7,
  project_id: 1,
  fingerprint: 'f'.repeat(32),
  title: xssMessage,
  culprit: 'explode (/app.js)',
  kind: 'js',
  level: 'error',
  count: 3,
  users: 2,
  sessions: 2,
  first_seen: 1763890000000,
  last_seen: 1763899000000,
  first_release: 'shop@1.0.0',
  last_release: 'shop@1.0.1',
  status: 'unresolved',
  resolved_in_release: null,
  ignore_until_count: null,
  ignore_until: null,
  regressed: false,
  regressed_at: null,
};

export const event: StoredEvent = {
  event_id: 'e1',
  ts: 1763899000000,
  type: 'error',
  name: 'js',
  message: xssMessage,
  url: 'javascript:alert(1)',
  release: 'shop@1.0.1',
  browser: 'Chrome',
  browser_version: '120',
  uid: 'u1',
  sid: 's1',
  issue_id: 7,
  data: JSON.stringify({
    exception: { type: 'Error', value: '<img src=x onerror=alert(1)>' },
    frames: [
      { url: 'https://shop.example/app.3f2a.js', fn: 'explode', line: 10, col: 5, context_line: 'var o = null; return o.x;', pre_context: ['function explode() {'], post_context: ['}'] },
      { url: 'javascript:alert(1)', fn: '<b>bold</b>', line: 1, col: 1 },
    ],
    breadcrumbs: [
      { category: 'click', message: '<script>alert(1)</script>', ts: 1763898990000 },
      { category: 'route', message: 'to /cart', ts: 1763898995000, data: { from: '/', to: '/cart' } },
    ],
  }),
};

export const performance: Performance = {
  metric: 'LCP',
  count: 380,
  percentiles: { p50: 1800, p75: 2300, p90: 3100, p95: 3900, p99: 6000 },
  rating: 'good',
  series: [[1763896400000, 1800, 2300, 3100, 3900, 6000, 20]],
  histogram: [
    { from: 0, to: 1000, count: 50 },
    { from: 1000, to: 2000, count: 200 },
  ],
  by_page: [
    { path: '/cart', count: 100, p75: 2600 },
    { path: '/', count: 280, p75: 2000 },
  ],
  by_browser: [{ browser: 'Chrome', count: 300, p75: 2200 }],
  by_country: [
    { country: 'DE', count: 120, p75: 2100 },
    { country: 'CN', count: 90, p75: 2900 },
  ],
};
