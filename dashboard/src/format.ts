// Number, duration and vital formatting, and the web-vitals rating thresholds.
export const VITALS = ['LCP', 'INP', 'CLS', 'FCP', 'TTFB'] as const;

export const THRESHOLDS: Record<string, [number, number]> = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  FCP: [1800, 3000],
  TTFB: [800, 1800],
};

export type Rating = 'good' | 'needs-improvement' | 'poor';

export function rate(metric: string, v: number | null | undefined): Rating | undefined {
  const t = THRESHOLDS[metric];
  if (!t || v === null || v === undefined || !Number.isFinite(v)) return undefined;
  return v <= t[0] ? 'good' : v <= t[1] ? 'needs-improvement' : 'poor';
}

export function fmtNum(v: number | null | undefined, lang = 'en'): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return new Intl.NumberFormat(lang === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 2 : 0 }).format(v);
}

export function fmtPct(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(digits)}%`;
}

export function fmtMs(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1000) return `${(v / 1000).toFixed(2)} s`;
  return `${Math.round(v)} ms`;
}

export function fmtVital(metric: string, v: number | null | undefined): string {
  if (metric === 'CLS') return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
  return fmtMs(v);
}

export function fmtTime(ms: number | null | undefined, lang = 'en'): string {
  if (!ms) return '–';
  return new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'short', timeStyle: 'medium' } as Intl.DateTimeFormatOptions);
}

export function fmtAgo(ms: number | null | undefined, now = Date.now(), lang = 'en'): string {
  if (!ms) return '–';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  const rtf = new Intl.RelativeTimeFormat(lang === 'zh' ? 'zh-CN' : 'en', { numeric: 'auto' });
  if (s < 60) return rtf.format(-s, 'second');
  if (s < 3600) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.round(s / 3600), 'hour');
  return rtf.format(-Math.round(s / 86400), 'day');
}

/** Relative change of `cur` against `prev`, or null when there is no base. */
export function change(cur: number | null | undefined, prev: number | null | undefined): number | null {
  if (cur === null || cur === undefined || prev === null || prev === undefined || !Number.isFinite(cur) || !Number.isFinite(prev) || prev === 0) return null;
  return (cur - prev) / Math.abs(prev);
}

export function countryName(code: string, lang = 'en'): string {
  if (!code) return '–';
  try {
    const n = new Intl.DisplayNames([lang === 'zh' ? 'zh-CN' : 'en'], { type: 'region' }).of(code.toUpperCase());
    return n && n !== code.toUpperCase() ? `${n} (${code.toUpperCase()})` : code;
  } catch {
    return code;
  }
}
