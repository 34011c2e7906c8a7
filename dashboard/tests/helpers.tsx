import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { AppContext, type AppState } from '../src/context';
import type { Project, User } from '../src/api';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Mounted {
  container: HTMLElement;
  root: Root;
  unmount: () => void;
}

export async function render(node: ReactNode): Promise<Mounted> {
  const container = document.createElement('div');
  document.body.appendChild(container);
  const root = createRoot(container);
  await act(async () => root.render(node));
  return {
    container,
    root,
    unmount: () => {
      act(() => root.unmount());
      container.remove();
    },
  };
}

/** Lets pending promises (fetches) settle inside act(). */
export async function flush(times = 5) {
  for (let i = 0; i < times; i++) await act(async () => new Promise((r) => setTimeout(r, 0)));
}

export const project: Project = { id: 1, name: 'shop', key: 'k'.repeat(32), dsn: 'http://kkk@127.0.0.1:8080/1', enabled: true, allowed_origins: [] };
export const admin: User = { id: 1, email: 'admin@localhost', role: 'admin' };

export function withApp(node: ReactNode, over: Partial<AppState> = {}) {
  const state: AppState = {
    user: admin,
    projects: [project],
    projectsError: null,
    project,
    now: 1_763_900_000_000,
    refresh: () => {},
    reloadProjects: async () => {},
    logout: () => {},
    ...over,
  };
  return <AppContext.Provider value={state}>{node}</AppContext.Provider>;
}

export type Route = (url: URL, init: RequestInit) => { status?: number; body?: unknown; headers?: Record<string, string> } | undefined;

/** Replaces fetch with `route`; records every call. */
export function mockFetch(route: Route) {
  const calls: { url: URL; init: RequestInit }[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://dash.test');
    calls.push({ url, init });
    const r = route(url, init) ?? { status: 404, body: { error: 'not_found', detail: 'no such route' } };
    const status = r.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(r.body ?? {}), { status, headers: { 'Content-Type': 'application/json', ...(r.headers ?? {}) } });
  }) as typeof fetch;
  return calls;
}
