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

function readCookie(name: string): string | undefined {
  try {
    const m = new RegExp('(?:^|; )' + name + '=([^;]*)').exec(document.cookie);
    return m ? decodeURIComponent(m[1]!) : undefined;
  } catch {
    return undefined;
  }
}

function storage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    return window[kind];
  } catch {
    return undefined;
  }
}

/** Reads or creates the persistent user id. */
export function loadUid(options: IdentityOptions = {}): string {
  const name = options.cookieName || '_vigil_uid';
  const ls = storage('localStorage');
  let uid = readCookie(name);
  if (!uid) {
    try {
      uid = (ls && ls.getItem(name)) || undefined;
    } catch {
      /* no storage */
    }
  }
  if (!uid || !/^[\w-]{8,64}$/.test(uid)) uid = 'u_' + randomId(20);
  const days = options.cookieDays ?? 180;
  try {
    document.cookie =
      `${name}=${uid}; max-age=${days * 86400}; path=/; SameSite=Lax` +
      (options.cookieDomain ? `; domain=${options.cookieDomain}` : '') +
      (location.protocol === 'https:' ? '; Secure' : '');
  } catch {
    /* cookies blocked */
  }
  if (readCookie(name) !== uid) {
    try {
      if (ls) ls.setItem(name, uid);
    } catch {
      /* nowhere to keep it: the uid lives for this page only */
    }
  }
  return uid;
}

export function identityIntegration(options: IdentityOptions = {}): Integration {
  const timeout = options.sessionTimeout ?? 30 * 60_000;
  let state: SessionState | undefined;
  let lastWrite = 0;
  let rotating = false;
  const save = (): void => {
    lastWrite = Date.now();
    try {
      const ss = storage('sessionStorage');
      if (ss && state) ss.setItem(SID_KEY, JSON.stringify(state));
    } catch {
      /* memory only */
    }
  };
  const startSession = (client: ClientLike, t: number): void => {
    state = { id: 's_' + randomId(20), start: t, last: t };
    client.setContext('sid', state.id);
    save();
    client.capture({ type: 'session', name: 'start', ts: t });
  };
  return {
    name: 'identity',
    setup(client) {
      client.setContext('uid', loadUid(options));
      const t = Date.now();
      try {
        const ss = storage('sessionStorage');
        const s = ss && (JSON.parse(ss.getItem(SID_KEY) || 'null') as SessionState | null);
        if (s && typeof s.id === 'string' && t - s.last < timeout) state = s;
      } catch {
        /* corrupt or unavailable: start a new session */
      }
      if (state) {
        client.setContext('sid', state.id);
        state.last = t;
        save();
      } else startSession(client, t);
    },
    processEvent(event, _hint, client) {
      if (!state || rotating) return event;
      const t = Date.now();
      if (t - state.last >= timeout && event.type !== 'session') {
        // The session expired: send what was queued under the old id, then start a new one.
        rotating = true;
        try {
          const old = state;
          client.capture({ type: 'session', name: 'end', ts: old.last, duration: old.last - old.start });
          void client.flush();
          startSession(client, t);
        } finally {
          rotating = false;
        }
        return event;
      }
      state.last = t;
      if (t - lastWrite > 1000) save();
      return event;
    },
  };
}
