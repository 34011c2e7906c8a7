/** Small platform-neutral helpers. */

const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';

/** A random id of `length` chars of [0-9A-Za-z_-] (protocol.md: 8–64 chars). */
export function randomId(length = 22): string {
  const bytes = new Uint8Array(length);
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint8Array): Uint8Array } }).crypto;
  if (c && c.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < length; i++) bytes[i] = (Math.random() * 256) | 0;
  let out = '';
  for (let i = 0; i < length; i++) out += ID_CHARS[bytes[i]! & 63];
  return out;
}

let idPrefix = '';
let idCounter = 0;

/**
 * A unique event id (22 chars): 16 random chars drawn once per page, then a per-page counter. As
 * unique as a fresh random id across pages, without a crypto call per event.
 */
export function eventId(): string {
  if (!idPrefix) idPrefix = randomId(16);
  // 36^5 + n has exactly 6 base-36 digits for n < 36^6 - 36^5 (about two billion events).
  return idPrefix + (60466176 + idCounter++).toString(36);
}

/** 32-bit FNV-1a hash of a string, as an unsigned number. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Cuts a string to at most `max` UTF-16 units (never splitting a surrogate pair). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}

/** True if `value` matches any pattern: substring for strings, `test` for regular expressions. */
export function matchesAny(value: string, patterns: Array<string | RegExp> | undefined): boolean {
  if (!patterns) return false;
  for (const p of patterns) {
    if (typeof p === 'string' ? value.indexOf(p) !== -1 : p.test(value)) return true;
  }
  return false;
}

export function isError(v: unknown): v is Error {
  if (v instanceof Error) return true;
  const tag = Object.prototype.toString.call(v);
  return tag === '[object Error]' || tag === '[object DOMException]' || tag === '[object Exception]';
}

/**
 * Makes an arbitrary value safe and small to serialize: strings cut to `maxString`, depth limited,
 * cycles and functions replaced, at most 100 array items / object keys.
 */
export function normalize(value: unknown, depth = 6, maxString = 1024, seen: unknown[] = []): unknown {
  const t = typeof value;
  if (t === 'string') return truncate(value as string, maxString);
  if (t === 'number') return isFinite(value as number) ? value : String(value);
  if (value == null || t === 'boolean') return value;
  if (t !== 'object') return t === 'function' ? '[function]' : String(value);
  if (seen.indexOf(value) !== -1) return '[circular]';
  if (depth <= 0) return '[object]';
  if (isError(value)) return truncate(String(value), maxString);
  seen.push(value);
  const isArr = Array.isArray(value);
  const out: Record<string, unknown> = isArr ? ([] as unknown as Record<string, unknown>) : {};
  let n = 0;
  for (const k of Object.keys(value as object)) {
    if (++n > 100) break;
    let v: unknown;
    try {
      v = (value as Record<string, unknown>)[k];
    } catch {
      v = '[unreadable]';
    }
    v = normalize(v, depth - 1, maxString, seen);
    if (v !== undefined) out[isArr ? k : truncate(k, 128)] = v;
  }
  seen.pop();
  return out;
}

/** Shortest readable form of any thrown or rejected value. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    const s = JSON.stringify(normalize(v, 3, 200));
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

/** Strips query and fragment from a URL string (privacy default). */
export function stripQuery(url: string): string {
  const i = url.search(/[?#]/);
  return i === -1 ? url : url.slice(0, i);
}

/** The console of the page before anything wrapped it (set by the console instrumentation). */
export const originalConsole: { warn?: (...a: unknown[]) => void; error?: (...a: unknown[]) => void } = {};

/** Logs through the original console, only when `debug` is on. */
export function debugLog(enabled: boolean, ...args: unknown[]): void {
  if (enabled) (originalConsole.warn || console.warn).call(console, '[vigil]', ...args);
}
