// The URL is the state: the path is the page (/overview, /issues/42 …) and the query holds the
// project, the time range, filters, tabs and paging, so every view is a shareable link.
import { useSyncExternalStore } from 'react';

export interface Loc {
  path: string;
  params: URLSearchParams;
  search: string;
}

const listeners = new Set<() => void>();
let snapshot: Loc | null = null;

function read(): Loc {
  const search = window.location.search;
  const path = window.location.pathname;
  if (!snapshot || snapshot.path !== path || snapshot.search !== search) {
    snapshot = { path, search, params: new URLSearchParams(search) };
  }
  return snapshot;
}

function emit() {
  for (const l of listeners) l();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', emit);

export function useLocation(): Loc {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    read,
    read,
  );
}

export function currentLocation(): Loc {
  return read();
}

/** Builds "path?query" from params; empty values are dropped. */
export function href(path: string, params: Record<string, string | number | null | undefined> | URLSearchParams = {}): string {
  const q = new URLSearchParams();
  const entries = params instanceof URLSearchParams ? [...params.entries()] : Object.entries(params);
  for (const [k, v] of entries) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  emit();
}

/** Changes some query parameters of the current URL (null removes one). */
export function setParams(changes: Record<string, string | number | null | undefined>, opts: { replace?: boolean } = {}): void {
  const loc = read();
  const q = new URLSearchParams(loc.params);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') q.delete(k);
    else q.set(k, String(v));
  }
  navigate(href(loc.path, q), opts);
}

/** The params that carry over between pages (project, range, filters). */
export const GLOBAL_PARAMS = ['project', 'range', 'from', 'to', 'refresh', 'release', 'environment', 'browser', 'os', 'device', 'country', 'path'];

export function globalParams(params: URLSearchParams, extra: Record<string, string | number | null | undefined> = {}): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of GLOBAL_PARAMS) {
    const v = params.get(k);
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  return q;
}
