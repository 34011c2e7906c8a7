// Time ranges: presets relative to now, or a custom [from, to) in ms since the epoch.
export const PRESETS: Record<string, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
};

export const FILTER_KEYS = ['release', 'environment', 'browser', 'os', 'device', 'country', 'path'] as const;

export interface Range {
  from: number;
  to: number;
  preset: string; // '1h' … or 'custom'
}

/** Resolves the URL's range; `now` is rounded by the caller to keep queries cacheable. */
export function resolveRange(params: URLSearchParams, now: number): Range {
  const r = params.get('range') || '24h';
  if (r === 'custom') {
    const from = Number(params.get('from'));
    const to = Number(params.get('to'));
    if (Number.isFinite(from) && Number.isFinite(to) && from > 0 && to > from) return { from, to, preset: 'custom' };
  }
  const d = PRESETS[r] ?? PRESETS['24h'];
  return { from: now - d, to: now, preset: PRESETS[r] ? r : '24h' };
}

/** The analytics query string: from, to and the filters of the URL. */
export function analyticsQuery(params: URLSearchParams, now: number, extra: Record<string, string | number | undefined> = {}): string {
  const { from, to } = resolveRange(params, now);
  const q = new URLSearchParams({ from: String(from), to: String(to) });
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v) q.set(k, v);
  }
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') q.set(k, String(v));
  return q.toString();
}

/** `<input type="datetime-local">` value of a timestamp, in local time. */
export function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}
export function fromLocalInput(v: string): number {
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : NaN;
}
