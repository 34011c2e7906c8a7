/**
 * fetch and XMLHttpRequest instrumentation. The page's `fetch` and `XMLHttpRequest.prototype`
 * are patched once; any number of handlers subscribe. Requests to URLs registered with
 * `ignoreUrl` (the SDK's own endpoint) are never reported, and the SDK sends with `nativeFetch`,
 * the fetch from before the patch.
 */

/** One finished request. */
export interface HttpRecord {
  kind: 'fetch' | 'xhr';
  method: string;
  /** Absolute URL as requested (with query). */
  url: string;
  /** HTTP status; 0 when the request failed without a response. */
  status: number;
  /** `performance.now()` at start and end. */
  start: number;
  end: number;
  /** Client `Date.now()` at start. */
  startTs: number;
  /** Response size in bytes when known (Content-Length, or the XHR response text). */
  responseSize?: number;
  /** Request body size in bytes when it is a string. */
  requestSize?: number;
  /** 'network' (no response), 'timeout', 'abort' — set when `status` is 0. */
  error?: 'network' | 'timeout' | 'abort';
  /** The error message for failures. */
  errorMessage?: string;
}

export type HttpHandler = (rec: HttpRecord) => void;

const handlers: HttpHandler[] = [];
const ignored: string[] = [];
let patched = false;
let origFetch: typeof fetch | undefined;

/** Never report requests whose URL starts with `prefix`. */
export function ignoreUrl(prefix: string): void {
  const p = prefix.split('?')[0]!;
  if (p && ignored.indexOf(p) === -1) ignored.push(p);
}

export function isIgnoredUrl(url: string): boolean {
  for (const p of ignored) if (url.indexOf(p) === 0) return true;
  return false;
}

/** The fetch from before instrumentation (bound to the window). */
export function nativeFetch(): typeof fetch | undefined {
  if (origFetch) return origFetch;
  return typeof fetch === 'function' ? fetch.bind(globalThis) : undefined;
}

function absolute(url: string): string {
  try {
    return new URL(url, location.href).href;
  } catch {
    return url;
  }
}

function bodySize(body: unknown): number | undefined {
  if (typeof body === 'string') return body.length;
  if (body && typeof (body as Blob).size === 'number') return (body as Blob).size;
  if (body && typeof (body as ArrayBuffer).byteLength === 'number') return (body as ArrayBuffer).byteLength;
  return undefined;
}

function emit(rec: HttpRecord): void {
  if (isIgnoredUrl(rec.url)) return;
  for (const h of handlers.slice()) {
    try {
      h(rec);
    } catch {
      /* handlers are guarded by the client; never let one reach the page */
    }
  }
}

/** Subscribes to finished requests; returns an unsubscribe function. */
export function addHttpHandler(handler: HttpHandler): () => void {
  handlers.push(handler);
  patch();
  return () => {
    const i = handlers.indexOf(handler);
    if (i !== -1) handlers.splice(i, 1);
  };
}

function patch(): void {
  if (patched || typeof window === 'undefined') return;
  patched = true;
  patchFetch();
  patchXhr();
}

function patchFetch(): void {
  if (typeof window.fetch !== 'function') return;
  origFetch = window.fetch.bind(window);
  const orig = window.fetch;
  window.fetch = function vigilFetch(this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let url = '';
    let method = 'GET';
    try {
      if (typeof input === 'string') url = input;
      else if (input instanceof URL) url = input.href;
      else if (input && typeof (input as Request).url === 'string') {
        url = (input as Request).url;
        method = (input as Request).method || method;
      }
      if (init && init.method) method = init.method;
    } catch {
      /* exotic input: report without URL */
    }
    const rec: HttpRecord = {
      kind: 'fetch',
      method: method.toUpperCase(),
      url: absolute(url),
      status: 0,
      start: performance.now(),
      end: 0,
      startTs: Date.now(),
      requestSize: init ? bodySize(init.body) : undefined,
    };
    const p = orig.apply(this === undefined ? window : (this as Window), [input, init] as [RequestInfo, RequestInit]);
    p.then(
      (res) => {
        rec.end = performance.now();
        rec.status = res.status;
        const len = res.headers && res.headers.get('content-length');
        if (len) rec.responseSize = +len;
        emit(rec);
      },
      (err: unknown) => {
        rec.end = performance.now();
        const name = err && (err as Error).name;
        rec.error = name === 'AbortError' ? 'abort' : name === 'TimeoutError' ? 'timeout' : 'network';
        rec.errorMessage = err ? String((err as Error).message || err) : 'fetch failed';
        emit(rec);
      },
    );
    return p;
  } as typeof fetch;
}

interface VigilXhr extends XMLHttpRequest {
  __vigil?: HttpRecord;
}

function patchXhr(): void {
  if (typeof XMLHttpRequest === 'undefined') return;
  const proto = XMLHttpRequest.prototype;
  const open = proto.open;
  const send = proto.send;
  proto.open = function (this: VigilXhr, method: string, url: string | URL) {
    try {
      this.__vigil = {
        kind: 'xhr',
        method: String(method).toUpperCase(),
        url: absolute(String(url)),
        status: 0,
        start: 0,
        end: 0,
        startTs: 0,
      };
    } catch {
      /* never break open() */
    }
    // eslint-disable-next-line prefer-rest-params
    return open.apply(this, arguments as unknown as Parameters<typeof open>);
  } as typeof proto.open;
  proto.send = function (this: VigilXhr, body?: Document | XMLHttpRequestBodyInit | null) {
    const rec = this.__vigil;
    if (rec && !isIgnoredUrl(rec.url)) {
      rec.start = performance.now();
      rec.startTs = Date.now();
      rec.requestSize = bodySize(body);
      let outcome: HttpRecord['error'];
      const done = (): void => {
        this.removeEventListener('loadend', done);
        rec.end = performance.now();
        rec.status = this.status;
        if (!rec.status) {
          rec.error = outcome || 'network';
          rec.errorMessage = rec.error === 'timeout' ? 'XHR timed out' : rec.error === 'abort' ? 'XHR aborted' : 'XHR network error';
        } else {
          try {
            const len = this.getResponseHeader('content-length');
            if (len) rec.responseSize = +len;
            else if (this.responseType === '' || this.responseType === 'text') rec.responseSize = this.responseText.length;
          } catch {
            /* size unknown */
          }
        }
        emit(rec);
      };
      this.addEventListener('timeout', () => (outcome = 'timeout'));
      this.addEventListener('abort', () => (outcome = 'abort'));
      this.addEventListener('loadend', done);
    }
    return send.call(this, body);
  };
}
