/**
 * identityIntegration: a user id (`uid`) in a first-party cookie for 180 days (localStorage when
 * cookies are unavailable) and a session id (`sid`) in sessionStorage that expires after 30 minutes
 * without events. Emits `session` `start` / `end` events.
 */
import { randomId, type ClientLike, type Integration } from '@vigil/core';

export interface IdentityOptions {
  /** Cookie (and storage key) holding the user id. Default `_vigil_uid`. */
  cookieName?: string;
  /** Cookie lifetime in days. Default 180. */
  cookieDays?: number;
  /** Session inactivity timeout in ms. Default 30 minutes. */
  sessionTimeout?: number;
  /** Cookie domain, e.g. `.example.com` to share the uid across subdomains. Default: the host. */
  cookieDomain?: string;
}

interface SessionState {
  id: string;
  start: number;
  last: number;
}

const SID_KEY = '_vigil_sid';

/** Runs `fn`, returning undefined where storage or cookies throw (blocked, sandboxed, full). */
function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

const readCookie = (name: string) => safe(() => (new RegExp('(?:^|; )' + name + '=([^;]*)').exec(document.cookie) || [])[1]);

/**
 * Reads or creates the persistent user id: cookie first, localStorage when cookies do not stick.
 * The cookie is written only when the id is new (document.cookie is a synchronous IPC in Chromium).
 */
export function loadUid(options: IdentityOptions = {}): string {
  const name = options.cookieName || '_vigil_uid';
  let uid = readCookie(name);
  if (uid && /^[\w-]{8,64}$/.test(uid)) return uid;
  uid = safe(() => localStorage.getItem(name)) || '';
  if (!/^[\w-]{8,64}$/.test(uid)) uid = 'u_' + randomId(20);
  safe(
    () =>
      (document.cookie =
        `${name}=${uid}; max-age=${(options.cookieDays ?? 180) * 86400}; path=/; SameSite=Lax` +
        (options.cookieDomain ? '; domain=' + options.cookieDomain : '') +
        (location.protocol == 'https:' ? '; Secure' : '')),
  );
  if (readCookie(name) !== uid) safe(() => localStorage.setItem(name, uid!));
  return uid;
}

export function identityIntegration(options: IdentityOptions = {}): Integration {
  const timeout = options.sessionTimeout ?? 30 * 60_000;
  let state: SessionState | undefined;
  let lastWrite = 0;
  let rotating = false;
  const save = (t: number): void => {
    lastWrite = t;
    safe(() => sessionStorage.setItem(SID_KEY, JSON.stringify(state)));
  };
  const startSession = (client: ClientLike, t: number): void => {
    state = { id: 's_' + randomId(20), start: t, last: t };
    client.setContext('sid', state.id);
    save(t);
    client.capture({ type: 'session', name: 'start', ts: t });
  };
  return {
    name: 'identity',
    setup(client) {
      client.setContext('uid', loadUid(options));
      const t = Date.now();
      const s = safe(() => JSON.parse(sessionStorage.getItem(SID_KEY)!) as SessionState);
      if (s && s.id && t - s.last < timeout) {
        state = s;
        s.last = t;
        client.setContext('sid', s.id);
        save(t);
      } else startSession(client, t);
    },
    processEvent(event, _hint, client) {
      const t = Date.now();
      if (!state || rotating) return event;
      if (t - state.last >= timeout && event.type != 'session') {
        // The session expired: send what was queued under the old id, then start a new one.
        rotating = true;
        const old = state;
        client.capture({ type: 'session', name: 'end', ts: old.last, duration: old.last - old.start });
        client.flush();
        startSession(client, t);
        rotating = false;
      }
      state.last = t;
      if (t - lastWrite > 1000) save(t);
      return event;
    },
  };
}
