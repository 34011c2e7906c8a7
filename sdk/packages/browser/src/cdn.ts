/**
 * Entry of the CDN bundle (dist/vigil.min.js, global `Vigil`). Replays calls queued by the async
 * loader snippet (`window.Vigil.q`) once the real SDK has loaded.
 */
import * as api from './index';

export * from './index';

type Queued = [string, unknown[]];
const stub = (globalThis as { Vigil?: { q?: Queued[] } }).Vigil;
if (stub && Array.isArray(stub.q)) {
  const q = stub.q;
  // init first, whatever order the page called things in.
  q.sort((a, b) => (a[0] === 'init' ? -1 : b[0] === 'init' ? 1 : 0));
  for (const [method, args] of q) {
    const fn = (api as unknown as Record<string, unknown>)[method];
    if (typeof fn === 'function') {
      try {
        fn(...args);
      } catch {
        /* a bad queued call must not stop the others */
      }
    }
  }
  q.length = 0;
}
