// Everything that came from a monitored page (messages, URLs, breadcrumbs) is attacker-controlled.
// It is rendered as text by React; the only place a string becomes markup is an href, and only
// http(s) URLs get one.

/** The URL if it is an absolute http: or https: URL, else null. */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 8192) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  return u.href;
}

/** A value of unknown shape as display text. */
export function asText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

/** An event's `data`, parsed when the server sent it as a JSON string. */
export function eventData(v: unknown): Record<string, unknown> {
  if (typeof v === 'string') {
    try {
      const o = JSON.parse(v);
      return o && typeof o === 'object' ? o : {};
    } catch {
      return {};
    }
  }
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}
