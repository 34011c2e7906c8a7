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
  /** Request body size in bytes when it is a string, Blob or buffer. */
  requestSize?: number;
  /** 'network' (no response), 'timeout', 'abort' — set when `status` is 0. */
  error?: 'network' | 'timeout' | 'abort';
  /** The error message for failures. */
  errorMessage?: string;
}

export type HttpHandler = (rec: HttpRecord) => void;

const handlers: HttpHandler[] = [];
const ignored: string[] = [];
let origFetch: typeof fetch | undefined;
let patched = 0;

/** Never report requests whose URL starts with `prefix` (its query is ignored). */
export function ignoreUrl(prefix: string): void {
  ignored.push(prefix.split('?')[0]!);
}

export function isIgnoredUrl(url: string): boolean {
  return ignored.some((p) => p && url.indexOf(p) === 0);
}

/** The fetch from before instrumentation. */
export function nativeFetch(): typeof fetch | undefined {
  return origFetch || (typeof fetch == 'function' ? fetch.bind(globalThis) : undefined);
}

function absolute(url: string): string {
  try {
    return new URL(url, location.href).href;
  } catch {
    return url;
  }
}

function size(body: unknown): number | undefined {
  const b = body as { length?: number; size?: number; byteLength?: number } | null;
  return b ? (typeof body == 'string' ? b.length : b.size ?? b.byteLength) : undefined;
}

function record(kind: HttpRecord['kind'], method: string, url: string, body?: unknown): HttpRecord {
  return { kind, method: method.toUpperCase(), url: absolute(url), status: 0, start: performance.now(), end: 0, startTs: Date.now(), requestSize: size(body) };
}

function emit(rec: HttpRecord): void {
  rec.end = performance.now();
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
  if (!patched++ && typeof window != 'undefined') {
    patchFetch();
    patchXhr();
  }
  return () => {
    const i = handlers.indexOf(handler);
    if (i > -1) handlers.splice(i, 1);
  };
}

function patchFetch(): void {
  const orig = window.fetch;
  if (typeof orig != 'function') return;
  origFetch = orig.bind(window);
  window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
    const req = input as Request;
    const rec = record('fetch', (init && init.method) || req.method || 'GET', typeof input == 'string' ? input : req.url || String(input), init && init.body);
    const p = orig.apply(window, [input, init] as [RequestInfo, RequestInit]);
    p.then(
      (res) => {
        rec.status = res.status;
        const len = res.headers.get('content-length');
        if (len) rec.responseSize = +len;
        emit(rec);
      },
      (err: Error) => {
        const name = err && err.name;
        rec.error = name == 'AbortError' ? 'abort' : name == 'TimeoutError' ? 'timeout' : 'network';
        rec.errorMessage = String((err && err.message) || err);
        emit(rec);
      },
    );
    return p;
  } as typeof fetch;
}

const REC = Symbol();
type Xhr = XMLHttpRequest & { [REC]?: HttpRecord };

function patchXhr(): void {
  if (typeof XMLHttpRequest == 'undefined') return;
  const proto = XMLHttpRequest.prototype;
  const open = proto.open;
  const send = proto.send;
  proto.open = function (this: Xhr, method: string, url: string | URL) {
    this[REC] = record('xhr', String(method), String(url));
    // eslint-disable-next-line prefer-rest-params
    return open.apply(this, arguments as unknown as Parameters<typeof open>);
  } as typeof proto.open;
  proto.send = function (this: Xhr, body?: Document | XMLHttpRequestBodyInit | null) {
    const rec = this[REC];
    if (rec) {
      rec.start = performance.now();
      rec.startTs = Date.now();
      rec.requestSize = size(body);
      const on = (type: string, error?: HttpRecord['error']) =>
        this.addEventListener(type, () => {
          if (error) rec.error = error;
          else {
            rec.status = this.status;
            if (!rec.status) {
              rec.error = rec.error || 'network';
              rec.errorMessage = 'XHR ' + rec.error;
            } else {
              const len = this.getResponseHeader('content-length');
              if (len) rec.responseSize = +len;
              else if (!this.responseType || this.responseType == 'text') rec.responseSize = this.responseText.length;
            }
            emit(rec);
          }
        });
      on('timeout', 'timeout');
      on('abort', 'abort');
      on('loadend');
    }
    return send.call(this, body);
  };
}
