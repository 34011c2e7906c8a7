/**
 * Entry of the CDN bundle (dist/vigil.min.js, global `Vigil`): the public API and every integration.
 * Replays calls queued by the async loader snippet (`window.Vigil.q`) once the SDK has loaded.
 */
import { addBreadcrumb, captureException, captureMessage, init, setTag, setTags, setUser, track } from './index';

export {
  init,
  initWithoutDefaults,
  getDefaultIntegrations,
  getClient,
  captureException,
  captureMessage,
  track,
  setUser,
  setTag,
  setTags,
  addBreadcrumb,
  flush,
  close,
  errorsIntegration,
  httpErrorsIntegration,
  consoleErrorsIntegration,
  httpIntegration,
  behaviourIntegration,
  identityIntegration,
  vitalsIntegration,
  clockIntegration,
  offlineIntegration,
  SDK_VERSION,
} from './index';

/** The calls the loader snippet queues. */
const queueable: Record<string, (...a: never[]) => unknown> = { init, captureException, captureMessage, track, setUser, setTag, setTags, addBreadcrumb };

type Queued = [string, never[]];
const stub = (globalThis as { Vigil?: { q?: Queued[] } }).Vigil;
const q = stub && stub.q;
if (q) {
  // init first, whatever order the page called things in.
  for (const [method, args] of q.filter((c) => c[0] == 'init').concat(q.filter((c) => c[0] != 'init'))) {
    try {
      queueable[method]!(...args);
    } catch {
      /* a bad queued call must not stop the others */
    }
  }
  q.length = 0;
}
