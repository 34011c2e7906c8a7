import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setCsrfToken } from '../src/api';
import { SettingsPage } from '../src/pages/Settings';
import { BehaviourPage } from '../src/pages/Behaviour';
import { flush, mockFetch, project, render, withApp, type Mounted } from './helpers';

let m: Mounted | null = null;
beforeEach(() => setCsrfToken('csrf-s'));
afterEach(() => {
  m?.unmount();
  m = null;
  vi.restoreAllMocks();
});
const text = (el: Element) => el.textContent ?? '';
const button = (root: Element, label: string) => [...root.querySelectorAll('button')].find((b) => text(b).trim() === label) as HTMLButtonElement;

describe('settings', () => {
  it('shows the DSN; disable and rotate send CSRF-protected writes and reload the projects', async () => {
    window.history.replaceState(null, '', '/settings?project=1');
    const reload = vi.fn(async () => {});
    const calls = mockFetch((u, init) => {
      if (u.pathname === '/api/v1/projects/1' && init.method === 'PUT') return { body: { ...project, enabled: false } };
      if (u.pathname === '/api/v1/projects/1/rotate-key') return { body: { ...project, key: 'new' } };
      return undefined;
    });
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    m = await render(withApp(<SettingsPage />, { reloadProjects: reload }));
    expect(text(m.container.querySelector('[data-testid=dsn-1]')!)).toBe(project.dsn);
    await act(async () => button(m!.container, 'Disable').click());
    await flush();
    await act(async () => button(m!.container, 'Rotate key').click());
    await flush();
    const put = calls.find((c) => c.init.method === 'PUT')!;
    expect(JSON.parse(String(put.init.body))).toEqual({ enabled: false });
    expect((put.init.headers as Record<string, string>)['X-CSRF-Token']).toBe('csrf-s');
    const rot = calls.find((c) => c.url.pathname.endsWith('/rotate-key'))!;
    expect(rot.init.method).toBe('POST');
    expect(reload).toHaveBeenCalledTimes(2);
  });
  it('project settings form round-trips the settings JSON', async () => {
    window.history.replaceState(null, '', '/settings?project=1&tab=project');
    const settings = {
      filters: { allowed_domains: [], deny_ips: [], deny_releases: [], deny_environments: [], deny_messages: [], browser_extensions: true, known_noise: true, bots: true, localhost: false, legacy_browsers: false, outliers: true },
      quotas: { rate: 0, burst: 0, daily: 0 },
      scrub_keys: [],
      scrub_defaults: true,
      ip_policy: 'drop',
    };
    const calls = mockFetch((u, init) => {
      if (u.pathname === '/api/v1/projects/1/settings') return { body: init.method === 'PUT' ? JSON.parse(String(init.body)) : settings };
      if (u.pathname === '/api/v1/projects/1/stats/filtered') return { body: { filtered: { bots: 3 }, total: 3, days: 30 } };
      if (u.pathname === '/api/v1/users') return { body: { users: [] } };
      if (u.pathname === '/api/v1/projects/1/members') return { body: { user_ids: [] } };
      return undefined;
    });
    m = await render(withApp(<SettingsPage />));
    await flush();
    const bots = [...m.container.querySelectorAll('label.check')].find((l) => text(l).includes('bots'))!.querySelector('input')!;
    await act(async () => bots.click());
    const form = m.container.querySelector('form.settings-form')!;
    await act(async () => form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true })));
    await flush();
    const put = calls.find((c) => c.init.method === 'PUT')!;
    expect(JSON.parse(String(put.init.body))).toEqual({ ...settings, filters: { ...settings.filters, bots: false } });
    expect(text(m.container)).toContain('Saved');
  });
});

describe('behaviour', () => {
  it('timeline by uid lists the events, links errors to their issue, shows URLs as text unless http(s)', async () => {
    window.history.replaceState(null, '', '/behaviour?project=1&tab=timeline&uid=u1');
    const calls = mockFetch((u) =>
      u.pathname === '/api/v1/projects/1/behaviour/timeline'
        ? {
            body: {
              events: [
                { event_id: 'a', ts: 1, type: 'pageview', url: 'https://shop.example/' },
                { event_id: 'b', ts: 2, type: 'click', name: 'button#buy', url: 'javascript:alert(1)' },
                { event_id: 'c', ts: 3, type: 'error', name: 'js', message: '<img src=x onerror=alert(1)>', issue_id: 9 },
              ],
            },
          }
        : undefined,
    );
    m = await render(withApp(<BehaviourPage />));
    await flush();
    expect(calls[0].url.searchParams.get('uid')).toBe('u1');
    const items = m.container.querySelectorAll('[data-testid=timeline] li');
    expect(items.length).toBe(3);
    expect(m.container.querySelector('img')).toBeNull();
    const hrefs = [...m.container.querySelectorAll('[data-testid=timeline] a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['https://shop.example/', '/issues/9?project=1']);
  });
});
