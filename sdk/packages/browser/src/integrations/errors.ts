/**
 * The error integrations:
 *  - errorsIntegration: uncaught errors, unhandled rejections and resource load failures, and the
 *    per-session deduplication of every error event;
 *  - httpErrorsIntegration: fetch/XHR network errors, timeouts and responses >= 400 (default on);
 *  - consoleErrorsIntegration: console.error calls (opt-in).
 * They are separate so that a bundle without fetch/XHR or console instrumentation stays small.
 */
import { addConsoleHandler, addHttpHandler, type HttpRecord } from '@vigil/browser-utils';
import { describe, errorKey, exceptionFields, hash, isError, stripQuery, type Integration, type VigilEvent } from '@vigil/core';

export interface ErrorsOptions {
  /** Report resource load failures (img, script, link, audio, video). Default true. */
  resources?: boolean;
  /** The same error (by fingerprint) is sent at most this many times per session. Default 5. */
  maxDuplicates?: number;
}

type ErrorEventFields = Partial<VigilEvent> & { type: 'error' };

const DEDUP_KEY = '_vigil_dd';

export function errorsIntegration(options: ErrorsOptions = {}): Integration {
  const max = options.maxDuplicates ?? 5;
  // Duplicate counts per session, kept in sessionStorage so that they survive reloads.
  let counts: Record<string, number> = {};
  let keys = 0; // in counts, kept here: Object.keys on every error cost more than the rest of the check
  let countsSid: string | undefined;
  let saveTimer: ReturnType<typeof setTimeout> | 0 = 0;
  return {
    name: 'errors',
    setup(client) {
      const capture = (fields: Partial<VigilEvent>, err?: unknown) =>
        client.capture({ type: 'error', name: 'js', level: 'error', handled: false, ...fields }, { originalException: err });
      const onError = client.guard('errors', (ev: Event) => {
        const t = ev.target as (Element & { src?: string; href?: string; currentSrc?: string }) | null;
        if (t && t.tagName) {
          // A resource failed: only a capture-phase listener sees it (the event does not bubble).
          if (options.resources === false) return;
          const tag = t.tagName.toLowerCase();
          const url = t.currentSrc || t.src || t.href || '';
          return capture({ name: 'resource', message: `Failed to load ${tag}: ${stripQuery(url)}`, url, resource: { tag, id: t.id || undefined } });
        }
        const e = ev as ErrorEvent;
        const err = e.error;
        if (!e.message && err == null) return;
        const f: Partial<VigilEvent> = err != null ? exceptionFields(err) : { message: e.message, exception: { type: 'Error', value: e.message } };
        if (!err && !e.filename && /^Script error\.?$/.test(e.message)) {
          // A cross-origin script without CORS: the browser hides everything.
          f.cross_origin = true;
          f.message = 'Script error.';
        }
        if (!f.frames && e.filename) f.frames = [{ url: e.filename, line: e.lineno, col: e.colno }];
        capture(f, err);
      });
      const onRejection = client.guard('errors', (ev: PromiseRejectionEvent) => {
        const r = ev.reason;
        const value = describe(r);
        capture(
          { name: 'promise', ...(isError(r) ? exceptionFields(r) : { message: `Non-Error promise rejection: ${value}`, exception: { type: 'UnhandledRejection', value } }) },
          r,
        );
      });
      addEventListener('error', onError, true);
      addEventListener('unhandledrejection', onRejection);
      return () => {
        removeEventListener('error', onError, true);
        removeEventListener('unhandledrejection', onRejection);
      };
    },
    processEvent(event, hint, client) {
      if (event.type != 'error' || hint.internal) return event;
      const sid = String(client.getContext().sid || '');
      try {
        if (sid !== countsSid) {
          countsSid = sid;
          const v = JSON.parse(sessionStorage.getItem(DEDUP_KEY) || '{}') as { s?: string; c?: Record<string, number> };
          counts = (v.s === sid && v.c) || {};
          keys = Object.keys(counts).length;
        }
      } catch {
        counts = {};
        keys = 0;
      }
      const k = hash(errorKey(event)).toString(36);
      const n = counts[k] || 0;
      // Bounded: a page throwing ever-new messages must not grow the stored map without end.
      if (!n && ++keys > 100) {
        counts = {};
        keys = 1;
      }
      if (n >= max) return null;
      counts[k] = n + 1;
      // Persisting costs ~0.1 ms (sessionStorage is synchronous): at most once a second.
      if (!saveTimer) {
        saveTimer = setTimeout(() => {
          saveTimer = 0;
          try {
            sessionStorage.setItem(DEDUP_KEY, JSON.stringify({ s: countsSid, c: counts }));
          } catch {
            /* storage unavailable: memory only */
          }
        }, 1000);
      }
      return event;
    },
  };
}

export interface HttpErrorsOptions {
  /** Responses with this status or higher are errors. Default 400. */
  minStatus?: number;
  /** Statuses that are never errors (e.g. 401 on a login probe). */
  ignoreStatus?: number[];
}

/** fetch/XHR network errors, timeouts and error statuses as `error` events of kind `http`. */
export function httpErrorsIntegration(options: HttpErrorsOptions = {}): Integration {
  const min = options.minStatus ?? 400;
  return {
    name: 'httpErrors',
    setup(client) {
      return addHttpHandler(
        client.guard('httpErrors', (r: HttpRecord) => {
          const st = r.status;
          if (r.error == 'abort' || (st && (st < min || (options.ignoreStatus || []).indexOf(st) > -1))) return;
          const url = stripQuery(r.url);
          const ev: ErrorEventFields = {
            type: 'error',
            name: 'http',
            level: 'error',
            message: `${r.method} ${url} ${st ? `responded ${st}` : `failed: ${r.error == 'timeout' ? 'timeout' : r.errorMessage}`}`,
            url,
            method: r.method,
            status: st,
            duration: Math.round(r.end - r.start),
            kind: r.kind,
            ts: r.startTs,
          };
          if (r.error == 'timeout') ev.timeout = true;
          client.capture(ev);
        }),
      );
    },
  };
}

/** console.error calls as `error` events of kind `console` (opt-in). */
export function consoleErrorsIntegration(): Integration {
  return {
    name: 'consoleErrors',
    setup(client) {
      return addConsoleHandler(
        client.guard('consoleErrors', (level: string, args: unknown[]) => {
          if (level != 'error') return;
          const err = args.find(isError);
          const ev: ErrorEventFields = { type: 'error', name: 'console', level: 'error', message: args.map((a) => (isError(a) ? String(a) : describe(a))).join(' ') };
          if (err) {
            const f = exceptionFields(err);
            ev.exception = f.exception;
            ev.frames = f.frames;
          }
          client.capture(ev);
        }),
      );
    },
  };
}
