import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// Charts draw on a canvas (not in happy-dom): stand in a div that records the option.
vi.mock('../src/components/Chart', async (orig) => {
  const real = await orig<typeof import('../src/components/Chart')>();
  return { ...real, Chart: ({ testId }: { testId?: string }) => <div data-testid={testId ?? 'chart'} className="chart-stub" /> };
});

import { App } from '../src/App';
import { DataTable, SafeLink } from '../src/components/ui';
import { EventView, IssueDetailPage } from '../src/pages/IssueDetail';
import { IssuesPage } from '../src/pages/Issues';
import { OverviewView } from '../src/pages/Overview';
import { MetricView } from '../src/pages/Performance';
import { ApiHealthView } from '../src/pages/ApiHealth';
import { event, issue, overview, performance, xssMessage } from './fixtures';
import { flush, mockFetch, render, withApp, type Mounted } from './helpers';

let m: Mounted | null = null;
beforeEach(() => {
  window.history.replaceState(null, '', '/');
  localStorage.clear();
});
afterEach(() => {
  m?.unmount();
  m = null;
});

const text = (el: Element) => el.textContent ?? '';

describe('attacker-controlled text', () => {
  it('renders messages, frames and breadcrumbs as text, and javascript: URLs without a link', async () => {
    m = await render(withApp(<EventView ev={event} />));
    const c = m.container;
    expect(c.querySelector('img')).toBeNull();
    expect(c.querySelector('script')).toBeNull();
    expect(c.querySelector('b')).toBeNull();
    expect(text(c.querySelector('[data-testid=event-message]')!)).toContain('<img src=x onerror=alert(1)>');
    expect(text(c.querySelector('[data-testid=breadcrumbs]')!)).toContain('<script>alert(1)</script>');
    expect(text(c)).toContain('javascript:alert(1)');
    for (const a of c.querySelectorAll('a')) expect(a.getAttribute('href')).not.toMatch(/^\s*javascript:/i);
    // The https frame URL is a link; the javascript: one is text.
    const links = [...c.querySelectorAll('[data-testid=stack] a')].map((a) => a.getAttribute('href'));
    expect(links).toEqual(['https://shop.example/app.3f2a.js']);
    // Source context of the first frame.
    expect(text(c.querySelector('.src-line.current')!)).toContain('var o = null; return o.x;');
  });
  it('SafeLink', async () => {
    m = await render(
      <div>
        <SafeLink url="https://ok.example/" />
        <SafeLink url="javascript:alert(1)" />
      </div>,
    );
    expect(m.container.querySelectorAll('a').length).toBe(1);
    expect(m.container.querySelector('a')!.getAttribute('rel')).toContain('noopener');
    expect(text(m.container)).toContain('javascript:alert(1)');
  });
});

describe('DataTable', () => {
  const rows = Array.from({ length: 25 }, (_, i) => ({ name: `r${i}`, n: (i * 7) % 25 }));
  it('sorts by a column and pages', async () => {
    m = await render(<DataTable rows={rows} pageSize={10} initialSort="n" columns={[{ key: 'name', label: 'Name', sort: (r) => r.name }, { key: 'n', label: 'N', sort: (r) => r.n, align: 'right' }]} />);
    const firstCell = () => text(m!.container.querySelector('tbody tr td:nth-child(2)')!);
    expect(firstCell()).toBe('24');
    expect(m.container.querySelectorAll('tbody tr').length).toBe(10);
    const nBtn = m.container.querySelectorAll('th button')[1] as HTMLButtonElement;
    await act(async () => nBtn.click());
    expect(firstCell()).toBe('0');
    const next = [...m.container.querySelectorAll('.pager button')].find((b) => text(b) === 'Next') as HTMLButtonElement;
    await act(async () => next.click());
    expect(text(m.container.querySelector('.pager span')!)).toBe('2 / 3');
  });
});

describe('pages with fixture data', () => {
  it('overview shows the numbers, trends and vital ratings', async () => {
    m = await render(withApp(<OverviewView d={overview} />));
    const c = m.container;
    expect(text(c.querySelector('[data-testid=stat-pageviews]')!)).toContain('1,200');
    expect(text(c.querySelector('[data-testid=stat-pageviews]')!)).toContain('20.0%');
    expect(text(c.querySelector('[data-testid=stat-error_rate]')!)).toContain('3.08%');
    expect(c.querySelector('[data-testid=stat-errors] .trend-good')).not.toBeNull(); // fewer errors is good
    expect(text(c.querySelector('[data-testid=vital-LCP]')!)).toContain('2.30 s');
    expect(text(c.querySelector('[data-testid=vital-INP]')!)).toContain('Needs improvement');
    expect(text(c.querySelector('[data-testid=vital-CLS]')!)).toContain('Poor');
  });
  it('performance shows percentiles and the country table', async () => {
    m = await render(withApp(<MetricView d={performance} />));
    expect(text(m.container.querySelector('[data-testid=pct-p99]')!)).toContain('6.00 s');
    expect(text(m.container.querySelector('[data-testid=country-table]')!)).toContain('Germany');
  });
  it('api health lists endpoints sorted by error rate', async () => {
    m = await render(
      withApp(
        <ApiHealthView
          endpoints={[
            { method: 'GET', pattern: '/v1/cart', count: 10, error_rate: 0.01, p75: 120, p95: 300, statuses: { '200': 9, '500': 1 } },
            { method: 'POST', pattern: '/v1/pay', count: 5, error_rate: 0.4, p75: 900, p95: 2000, statuses: { '200': 3, '502': 2 } },
          ]}
        />,
      ),
    );
    expect(text(m.container.querySelector('[data-testid=api-table] tbody tr')!)).toContain('/v1/pay');
  });
  it('issues list fetches with the URL state and links to the detail', async () => {
    window.history.replaceState(null, '', '/issues?project=1&sort=count&q=boom');
    const calls = mockFetch((u) => (u.pathname === '/api/v1/projects/1/issues' ? { body: { issues: [issue] } } : undefined));
    m = await render(withApp(<IssuesPage />));
    await flush();
    expect(calls[0].url.searchParams.get('sort')).toBe('count');
    expect(calls[0].url.searchParams.get('query')).toBe('boom');
    const link = m.container.querySelector('a.issue-link')!;
    expect(link.getAttribute('href')).toBe('/issues/7?project=1');
    expect(text(link)).toContain(xssMessage);
    expect(m.container.querySelector('img')).toBeNull();
  });
  it('issues list bulk-resolves the selected issues', async () => {
    window.history.replaceState(null, '', '/issues?project=1');
    const second = { ...issue, id: 8, title: 'TypeError: x' };
    const calls = mockFetch((u, init) => {
      if (init.method === 'PUT') return { body: { ...issue, status: 'resolved' } };
      if (u.pathname === '/api/v1/projects/1/issues') return { body: { issues: [issue, second] } };
      return undefined;
    });
    m = await render(withApp(<IssuesPage />));
    await flush();
    const all = m.container.querySelector('thead input[type=checkbox]') as HTMLInputElement;
    await act(async () => all.click());
    expect(text(m.container.querySelector('[data-testid=bulk-bar]')!)).toContain('2');
    const resolve = [...m.container.querySelectorAll('[data-testid=bulk-bar] button')].find((b) => text(b) === 'Resolve') as HTMLButtonElement;
    await act(async () => resolve.click());
    await flush();
    const puts = calls.filter((c) => c.init.method === 'PUT').map((c) => [c.url.pathname, String(c.init.body)]);
    expect(puts).toEqual([
      ['/api/v1/projects/1/issues/7', '{"status":"resolved"}'],
      ['/api/v1/projects/1/issues/8', '{"status":"resolved"}'],
    ]);
    expect(calls.filter((c) => c.url.pathname === '/api/v1/projects/1/issues').length).toBe(2); // reloaded
  });

  it('issue detail acts on the issue with PUT', async () => {
    window.history.replaceState(null, '', '/issues/7?project=1');
    let status = issue.status;
    const calls = mockFetch((u, init) => {
      if (u.pathname === '/api/v1/projects/1/issues/7' && init.method === 'PUT') {
        status = JSON.parse(String(init.body)).status;
        return { body: { ...issue, status } };
      }
      if (u.pathname === '/api/v1/projects/1/issues/7') return { body: { ...issue, status } };
      if (u.pathname.endsWith('/events')) return { body: { events: [event] } };
      if (u.pathname.endsWith('/tags')) return { body: { browser: [{ value: 'Chrome', count: 3 }], release: [{ value: 'shop@1.0.1', count: 3 }] } };
      if (u.pathname === '/api/v1/users') return { body: { users: [{ id: 1, email: 'admin@localhost', role: 'admin' }] } };
      return undefined;
    });
    m = await render(withApp(<IssueDetailPage id="7" />));
    await flush();
    expect(text(m.container.querySelector('[data-testid=issue-title]')!)).toContain(xssMessage);
    expect(m.container.querySelector('[data-testid=stack]')).not.toBeNull();
    expect(text(m.container)).toContain('Releases affected');
    const resolve = [...m.container.querySelectorAll('[data-testid=issue-actions] button')].find((b) => text(b) === 'Resolve') as HTMLButtonElement;
    await act(async () => resolve.click());
    await flush();
    const putCall = calls.find((c) => c.init.method === 'PUT')!;
    expect(JSON.parse(String(putCall.init.body))).toEqual({ status: 'resolved' });
    expect(text(m.container.querySelector('[data-testid=issue-actions]')!)).toContain('Reopen');
  });
});

describe('app shell', () => {
  it('goes to login on 401, logs in, keeps the CSRF token, shows the overview, switches language', async () => {
    window.history.replaceState(null, '', '/issues?range=7d');
    let loggedIn = false;
    const calls = mockFetch((u, init) => {
      const p = u.pathname;
      if (p === '/api/v1/auth/me') return loggedIn ? { body: { user: { id: 1, email: 'admin@localhost', role: 'admin' }, csrf_token: 'csrf-1' } } : { status: 401, body: { error: 'unauthorized' } };
      if (p === '/api/v1/auth/login') {
        const b = JSON.parse(String(init.body));
        if (b.password !== 'right-password') return { status: 401, body: { error: 'invalid_credentials' } };
        loggedIn = true;
        return { body: { user: { id: 1, email: 'admin@localhost', role: 'admin' }, csrf_token: 'csrf-1' } };
      }
      if (p === '/api/v1/auth/logout') return { status: 204 };
      if (p === '/api/v1/projects') return { body: { projects: [{ id: 3, name: 'shop', key: 'k', dsn: 'd', enabled: true, allowed_origins: [] }] } };
      if (p === '/api/v1/projects/3/overview') return { body: overview };
      if (p === '/api/v1/projects/3/issues') return { body: { issues: [issue] } };
      return undefined;
    });
    m = await render(<App />);
    await flush();
    expect(window.location.pathname).toBe('/login');
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/issues?range=7d');
    const form = m.container.querySelector('form')!;
    const email = form.querySelector('input[name=email]') as HTMLInputElement;
    const pw = form.querySelector('input[name=password]') as HTMLInputElement;
    const type = async (el: HTMLInputElement, v: string) => {
      await act(async () => {
        const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        setter.call(el, v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      });
    };
    await type(email, 'admin@localhost');
    await type(pw, 'wrong-password');
    await act(async () => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));
    await flush();
    expect(text(m.container)).toContain('Wrong email or password.');
    await type(pw, 'right-password');
    await act(async () => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));
    await flush(10);
    expect(window.location.pathname).toBe('/issues');
    const q = new URLSearchParams(window.location.search);
    expect(q.get('project')).toBe('3');
    expect(q.get('range')).toBe('7d');
    expect(text(m.container)).toContain(xssMessage);
    // Footer attribution
    expect(text(m.container.querySelector('[data-testid=attribution]')!)).toBe('IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0');
    // Navigate to the overview keeping project and range.
    const ov = [...m.container.querySelectorAll('.mainnav a')].find((a) => text(a) === 'Overview') as HTMLAnchorElement;
    expect(ov.getAttribute('href')).toBe('/overview?project=3&range=7d');
    await act(async () => ov.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0 })));
    await flush();
    expect(m.container.querySelector('[data-testid=stat-pageviews]')).not.toBeNull();
    // Language switch, persisted.
    const lang = m.container.querySelector('[data-testid=lang-switch]') as HTMLSelectElement;
    await act(async () => {
      lang.value = 'zh';
      lang.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(text(m.container)).toContain('页面浏览量');
    expect(localStorage.getItem('vigil.lang')).toBe('zh');
    // Logout sends the CSRF token.
    await act(async () => (m!.container.querySelector('[data-testid=logout]') as HTMLButtonElement).click());
    await flush();
    const out = calls.find((c) => c.url.pathname === '/api/v1/auth/logout')!;
    expect((out.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-1');
    expect(window.location.pathname).toBe('/login');
  });
  it('shows the error state when an endpoint is missing', async () => {
    window.history.replaceState(null, '', '/overview?project=3');
    mockFetch((u) => {
      if (u.pathname === '/api/v1/auth/me') return { body: { user: { id: 1, email: 'a@b', role: 'member' }, csrf_token: 'x' } };
      if (u.pathname === '/api/v1/projects') return { body: { projects: [{ id: 3, name: 'shop', key: 'k', dsn: 'd', enabled: true, allowed_origins: [] }] } };
      return undefined;
    });
    m = await render(<App />);
    await flush(10);
    expect(m.container.querySelector('.state-error')).not.toBeNull();
    expect(text(m.container)).toContain('HTTP 404');
  });
});
