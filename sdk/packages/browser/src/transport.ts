/**
 * Browser sending: `sendBeacon` while the page is being hidden or unloaded; otherwise `fetch` with
 * `keepalive` while the bytes in flight stay under the browser's 64 KiB keepalive budget (we keep
 * 60 KB), else a plain `fetch`. Bodies are strings, so the request is `text/plain`: a CORS "simple"
 * request with no preflight. The SDK sends with the fetch from before instrumentation.
 */
import { nativeFetch, whenActivated } from '@vigil/browser-utils';
import type { EventStore, SendFunction, VigilEvent } from '@vigil/core';

export const KEEPALIVE_BUDGET = 60_000;

export function makeBrowserSend(url: string): SendFunction {
  let inFlight = 0;
  const post = (body: string, bytes: number): Promise<Response> => {
    const f = nativeFetch();
    if (!f) return Promise.reject(new Error('fetch unavailable'));
    const keepalive = inFlight + bytes <= KEEPALIVE_BUDGET;
    if (keepalive) inFlight += bytes;
    const done = (): void => {
      if (keepalive) inFlight -= bytes;
    };
    return f(url, { method: 'POST', body, keepalive, credentials: 'omit', mode: 'cors' }).then(
      (r) => (done(), r),
      (e: unknown) => {
        done();
        throw e;
      },
    );
  };
  // A prerendered page sends nothing before it is activated (it may never be shown); then it sends
  // what it captured meanwhile.
  const activated = new Promise<void>((r) => whenActivated(r));
  return (req) => activated.then(() => {
    if (req.unload && typeof navigator !== 'undefined' && navigator.sendBeacon) {
      try {
        // A string body is sent as text/plain;charset=UTF-8.
        if (navigator.sendBeacon(url, req.body)) return Promise.resolve(undefined);
      } catch {
        /* fall back to fetch below */
      }
    }
    return post(req.body, req.bytes);
  });
}

const STORE_KEY = '_vigil_q';

/** Offline store in localStorage: the newest 200 unsent events. */
export const localStorageStore: EventStore = {
  load() {
    try {
      const v = JSON.parse(localStorage.getItem(STORE_KEY) || '[]') as VigilEvent[];
      return v.filter((e) => e && typeof e.type == 'string' && typeof e.ts == 'number');
    } catch {
      return [];
    }
  },
  save(events) {
    try {
      if (events.length) localStorage.setItem(STORE_KEY, JSON.stringify(events.slice(-200)));
      else localStorage.removeItem(STORE_KEY);
    } catch {
      /* storage full or unavailable: the events stay in memory only */
    }
  },
};
