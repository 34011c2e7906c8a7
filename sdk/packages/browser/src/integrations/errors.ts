/**
 * errorsIntegration: uncaught errors, unhandled rejections, resource load failures, fetch/XHR
 * failures, and (opt-in) console.error — deduplicated per session by fingerprint.
 */
import { addConsoleHandler, addHttpHandler, type HttpRecord } from '@vigil/browser-utils';
import { describe, errorKey, exceptionFields, hash, isError, stripQuery, type Integration, type VigilEvent } from '@vigil/core';

export interface ErrorsOptions {
  /** Report `console.error` calls as `error` events of kind `console`. Default false. */
  console?: boolean;
  /** Report resource load failures (img, script, link, audio, video). Default true. */
  resources?: boolean;
  /**
   * Report fetch/XHR failures: network errors, timeouts, and responses with status >= `minStatus`
   * (default 400) unless listed in `ignoreStatus`. `false` turns it off.
   */
  http?: boolean | { minStatus?: number; ignoreStatus?: number[] };
  /** The same error (by fingerprint) is sent at most this many times per session. Default 5. */
  maxDuplicates?: number;
}

const DEDUP_KEY = '_vigil_dd';

/** Per-session duplicate counter, kept in sessionStorage so it survives reloads. */
class Deduper {
  private _sid = '';
  private _counts: Record<string, number> = {};
  constructor(private _max: number) {}

  /** True when `key` was already seen `max` times in session `sid`; counts it otherwise. */
  seen(sid: string, key: string): boolean {
    if (sid !== this._sid) this._load(sid);
    const k = hash(key).toString(36);
    const n = this._counts[k] || 0;
    if (n >= this._max) return true;
    this._counts[k] = n + 1;
    try {
      sessionStorage.setItem(DEDUP_KEY, JSON.stringify({ s: sid, c: this._counts }));
    } catch {
      /* storage unavailable: memory only */
    }
    return false;
  }

  private _load(sid: string): void {
    this._sid = sid;
    this._counts = {};
    try {
      const v = JSON.parse(sessionStorage.getItem(DEDUP_KEY) || 'null') as { s: string; c: Record<string, number> } | null;
      if (v && v.s === sid) this._counts = v.c;
    } catch {
      /* ignore corrupt state */
    }
  }
}

export function errorsIntegration(options: ErrorsOptions = {}): Integration {
  const dedup = new Deduper(options.maxDuplicates ?? 5);
  return {
    name: 'errors',
    setup(client) {
      const g = <A extends unknown[]>(fn: (...a: A) => void) => client.guard('errors', fn);
      const offs: Array<() => void> = [];
      const onError = g((ev: Event) => {
        const t = ev.target as Element | null;
        if (t && t !== (window as unknown) && t.tagName) {
          if (options.resources === false) return;
          const tag = t.tagName.toLowerCase();
          const url = (t as HTMLImageElement).currentSrc || (t as HTMLScriptElement).src || (t as HTMLLinkElement).href || '';
          client.capture({
            type: 'error',
            name: 'resource',
            level: 'error',
            message: `Failed to load ${tag}: ${stripQuery(url)}`,
            url,
            resource: { tag, id: t.id || undefined },
          });
          return;
        }
        const e = ev as ErrorEvent;
        if (!e.message && !e.error) return;
        const fields: Partial<VigilEvent> = e.error !== undefined && e.error !== null ? exceptionFields(e.error) : { message: e.message, exception: { type: 'Error', value: e.message } };
        if (/^Script error\.?$/.test(e.message || '') && !e.filename && !e.error) {
          fields.cross_origin = true;
          fields.message = 'Script error.';
        }
        if (!fields.frames && e.filename) fields.frames = [{ url: e.filename, line: e.lineno, col: e.colno }];
        client.capture({ type: 'error', name: 'js', level: 'error', handled: false, ...fields }, { originalException: e.error });
      });
      addEventListener('error', onError, true);
      offs.push(() => removeEventListener('error', onError, true));

      const onRejection = g((ev: PromiseRejectionEvent) => {
        const reason = ev.reason;
        let fields: Partial<VigilEvent>;
        if (isError(reason)) fields = exceptionFields(reason);
        else {
          const value = describe(reason);
          fields = { message: `Non-Error promise rejection: ${value}`, exception: { type: 'UnhandledRejection', value } };
        }
        client.capture({ type: 'error', name: 'promise', level: 'error', handled: false, ...fields }, { originalException: reason });
      });
      addEventListener('unhandledrejection', onRejection);
      offs.push(() => removeEventListener('unhandledrejection', onRejection));

      if (options.http !== false) {
        const cfg = typeof options.http === 'object' ? options.http : {};
        const min = cfg.minStatus ?? 400;
        offs.push(
          addHttpHandler(
            g((r: HttpRecord) => {
              if (r.error === 'abort') return;
              const url = stripQuery(r.url);
              const failed = r.status === 0;
              if (!failed && (r.status < min || (cfg.ignoreStatus && cfg.ignoreStatus.indexOf(r.status) !== -1))) return;
              const message = failed
                ? `${r.method} ${url} failed: ${r.error === 'timeout' ? 'timeout' : r.errorMessage || 'network error'}`
                : `${r.method} ${url} responded ${r.status}`;
              const ev: Partial<VigilEvent> & { type: 'error' } = {
                type: 'error',
                name: 'http',
                level: 'error',
                message,
                url,
                method: r.method,
                status: r.status,
                duration: Math.max(0, Math.round(r.end - r.start)),
                kind: r.kind,
                ts: r.startTs,
              };
              if (r.error === 'timeout') ev.timeout = true;
              client.capture(ev);
            }),
          ),
        );
      }

      if (options.console) {
        offs.push(
          addConsoleHandler(
            g((level: 'error' | 'warn', args: unknown[]) => {
              if (level !== 'error') return;
              const err = args.find(isError);
              const message = args.map((a) => (isError(a) ? String(a) : describe(a))).join(' ');
              const ev: Partial<VigilEvent> & { type: 'error' } = { type: 'error', name: 'console', level: 'error', message };
              if (err) {
                const f = exceptionFields(err);
                ev.exception = f.exception;
                if (f.frames) ev.frames = f.frames;
              }
              client.capture(ev);
            }),
          ),
        );
      }
      return () => offs.forEach((f) => f());
    },
    processEvent(event, hint, client) {
      if (event.type !== 'error' || hint.internal) return event;
      const sid = String(client.getContext().sid || '');
      return dedup.seen(sid, errorKey(event)) ? null : event;
    },
  };
}
