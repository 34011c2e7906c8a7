// HTTP client of the dashboard (docs/api.md). The session is a cookie; every mutating request
// carries the session's CSRF token in X-CSRF-Token. A 401 anywhere sends the user to the login page.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly retryAfter?: number,
  ) {
    super(detail || code || `HTTP ${status}`);
  }
}

let csrfToken = '';
let unauthorizedHandler: () => void = () => {};

export function setCsrfToken(t: string): void {
  csrfToken = t || '';
}
export function getCsrfToken(): string {
  return csrfToken;
}
export function onUnauthorized(h: () => void): void {
  unauthorizedHandler = h;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (MUTATING.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let r: Response;
  try {
    r = await fetch('/api/v1' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiError(0, 'network', String((e as Error)?.message || e));
  }
  if (r.status === 401 && !path.startsWith('/auth/')) unauthorizedHandler();
  if (!r.ok) {
    let code = '';
    let detail = '';
    try {
      const j = await r.json();
      code = typeof j.error === 'string' ? j.error : '';
      detail = typeof j.detail === 'string' ? j.detail : '';
    } catch {
      /* not JSON */
    }
    const ra = Number(r.headers.get('Retry-After'));
    throw new ApiError(r.status, code || `http_${r.status}`, detail, Number.isFinite(ra) && ra > 0 ? ra : undefined);
  }
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);

// ---- shapes of docs/api.md ----

export interface User {
  id: number;
  email: string;
  role: 'admin' | 'member' | string;
  created_at?: number;
}
export interface AuthAnswer {
  user: User;
  csrf_token: string;
}
export interface Project {
  id: number;
  name: string;
  key: string;
  dsn: string;
  enabled: boolean;
  allowed_origins: string[];
  created_at?: number;
}
export interface Token {
  id: number;
  name: string;
  token?: string;
  created_at?: number;
  last_used_at?: number;
}
export type Series = [number, number][];
export interface VitalSummary {
  p75: number | null;
  previous_p75?: number | null;
  rating?: string;
  count: number;
}
export interface OverviewNumbers {
  pageviews: number;
  users: number;
  sessions: number;
  errors: number;
  error_rate: number;
  crash_free_sessions: number;
  vitals?: Record<string, VitalSummary>;
}
export interface Overview extends OverviewNumbers {
  previous?: Partial<OverviewNumbers>;
  series?: { pageviews?: Series; errors?: Series; [k: string]: Series | undefined };
}
export interface Percentiles {
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}
export interface Performance {
  metric: string;
  count: number;
  percentiles: Percentiles;
  rating?: string;
  series: number[][];
  histogram: { from: number; to: number; count: number }[];
  by_page: { path: string; count: number; p75: number }[];
  by_browser: { browser: string; count: number; p75: number }[];
  by_country: { country: string; count: number; p75: number }[];
}
export interface Navigation {
  count?: number;
  ttfb?: number | null;
  dns: number;
  tcp: number;
  tls: number;
  request: number;
  response: number;
  dom_ready: number;
  load: number;
}
export interface Resources {
  slowest: { url: string; type: string; count: number; p75: number; failed: number }[];
}
export interface LongTasks {
  count: number;
  tbt: { p75: number | null };
  series: Series;
}
export interface Issue {
  id: number;
  project_id: number;
  fingerprint: string;
  title: string;
  culprit: string;
  kind: string;
  level: string;
  count: number;
  users: number;
  sessions: number;
  first_seen: number;
  last_seen: number;
  first_release: string;
  last_release: string;
  status: 'unresolved' | 'resolved' | 'resolved_in_release' | 'ignored' | string;
  resolved_in_release?: string | null;
  ignore_until_count?: number | null;
  ignore_until?: number | null;
  regressed?: boolean;
  regressed_at?: number | null;
  assignee?: number | null;
}
export interface StoredEvent {
  event_id: string;
  ts: number;
  type: string;
  name?: string;
  value?: number | null;
  duration?: number | null;
  status?: number | null;
  uid?: string;
  sid?: string;
  release?: string;
  environment?: string;
  url?: string;
  path?: string;
  referrer?: string;
  browser?: string;
  browser_version?: string;
  os?: string;
  os_version?: string;
  device?: string;
  country?: string;
  region?: string;
  city?: string;
  issue_id?: number | null;
  level?: string;
  message?: string;
  data?: unknown;
}
export type TagCounts = Record<string, { value: string; count: number }[]>;
export interface ProjectSettings {
  filters: {
    allowed_domains: string[];
    deny_ips: string[];
    deny_releases: string[];
    deny_environments: string[];
    deny_messages: string[];
    browser_extensions: boolean;
    known_noise: boolean;
    bots: boolean;
    localhost: boolean;
    legacy_browsers: boolean;
    outliers: boolean;
  };
  quotas: { rate: number; burst: number; daily: number };
  scrub_keys: string[];
  scrub_defaults: boolean;
  ip_policy: 'drop' | 'anonymize' | 'keep' | string;
}
export interface ApiEndpoint {
  method: string;
  pattern: string;
  count: number;
  error_rate: number;
  p75: number;
  p95: number;
  statuses: Record<string, number>;
}
