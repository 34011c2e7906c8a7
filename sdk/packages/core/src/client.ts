/**
 * The client: owns options, scope, integrations and the transport, and runs every event through
 * the pipeline: defaults -> sampling -> error filters -> integrations -> breadcrumbs -> beforeSend ->
 * truncation -> queue.
 */
import { DropCounter } from './drops';
import { ingestUrl, parseDsn } from './dsn';
import { exceptionFields } from './exception';
import { Scope } from './scope';
import { BatchQueue, type Crumbs } from './transport';
import type {
  BatchContext,
  Breadcrumb,
  ClientHooks,
  ClientLike,
  EventHint,
  EventType,
  Integration,
  Level,
  Options,
  ResolvedOptions,
  SendFunction,
  StackFrame,
  User,
  VigilEvent,
} from './types';
import { debugLog, eventId, hash, matchesAny, normalize, truncate } from './utils';

export const SDK_VERSION = '0.1.0';

/** String limits of the protocol (protocol.md, "Event fields"). */
const LIMITS: Array<[string, number]> = [
  ['name', 256],
  ['message', 8192],
  ['url', 4096],
  ['referrer', 4096],
  ['level', 16],
  ['release', 200],
  ['environment', 64],
  ['uid', 128],
  ['sid', 128],
];

/** How the platform plugs into the client. */
export interface ClientSetup {
  /** `sdk.name` on the wire. */
  sdkName: string;
  /** Makes the sender for an endpoint URL. */
  makeSend(url: string, client: Client): SendFunction;
}

interface Installed {
  _i: Integration;
  _disabled: boolean;
  _teardown?: () => void;
}

export class Client implements ClientLike {
  readonly options: ResolvedOptions;
  readonly scope: Scope;
  readonly drops = new DropCounter();
  readonly transport: BatchQueue | undefined;
  readonly ingestUrl: string = '';
  clockOffset = 0;
  private _installed: Installed[] = [];
  private _hooks: { [K in keyof ClientHooks]?: Array<ClientHooks[K]> } = {};
  private _sampleCache: [string, boolean] | undefined;
  private _closed = false;

  constructor(options: Options, setup: ClientSetup) {
    this.options = {
      ...options,
      sampleRate: options.sampleRate ?? 1,
      maxBreadcrumbs: Math.min(100, Math.max(0, options.maxBreadcrumbs ?? 20)),
      enabled: options.enabled !== false,
      debug: !!options.debug,
    };
    this.scope = new Scope(this.options.maxBreadcrumbs);
    const dsn = options.dsn ? parseDsn(options.dsn) : undefined;
    if (options.dsn && !dsn) this.log('invalid DSN, SDK disabled:', options.dsn);
    if (!dsn || !this.options.enabled) return;
    this.ingestUrl = options.tunnel || ingestUrl(dsn);
    this.transport = new BatchQueue(
      {
        send: setup.makeSend(this.ingestUrl, this),
        drops: this.drops,
        header: () => ({ sdk: { name: setup.sdkName, version: SDK_VERSION }, context: this.getContext() }),
        clockOffset: () => this.clockOffset,
        beforeFlush: (unload) => this._emit('beforeFlush', unload),
        onResponse: (res, a, b) => this._emit('response', res, a, b),
        log: (...a) => this.log(...a),
      },
      options.transport,
    );
  }

  /** True when the client has somewhere to send events. */
  get active(): boolean {
    return !!this.transport && !this._closed;
  }

  /** Installs integrations; each is isolated (see `guard`). */
  setupIntegrations(integrations: Integration[]): void {
    if (!this.active) return;
    for (const integration of integrations) {
      if (this._entry(integration.name)) continue;
      const entry: Installed = { _i: integration, _disabled: false };
      this._installed.push(entry);
      if (!integration.setup) continue;
      try {
        const teardown = integration.setup(this);
        if (typeof teardown === 'function') entry._teardown = teardown;
      } catch (e) {
        this._disableIntegration(integration.name, e);
      }
    }
  }

  /** Names of installed integrations that are still enabled. */
  getIntegrationNames(): string[] {
    return this._installed.filter((i) => !i._disabled).map((i) => i._i.name);
  }

  /**
   * Wraps a callback of an integration: if it throws, the integration is disabled, its teardown
   * runs, the failure is reported once as an SDK self-error, and the caller (the page) sees nothing.
   */
  guard<A extends unknown[], R>(name: string, fn: (...args: A) => R): (...args: A) => R | undefined {
    return (...args: A) => {
      const entry = this._entry(name);
      if (!entry || !entry._disabled) {
        try {
          return fn(...args);
        } catch (e) {
          this._disableIntegration(name, e);
        }
      }
      return undefined;
    };
  }

  private _entry(name: string): Installed | undefined {
    return this._installed.find((i) => i._i.name == name);
  }

  private _disableIntegration(name: string, err: unknown): void {
    const entry = this._entry(name);
    if (!entry || entry._disabled) return;
    entry._disabled = true;
    this.log(`integration ${name} failed and was disabled:`, err);
    if (entry._teardown) {
      try {
        entry._teardown();
      } catch {
        /* already failing: nothing more to do */
      }
    }
    const f = exceptionFields(err);
    this.capture(
      {
        type: 'error',
        name: 'js',
        level: 'warning',
        ...f,
        message: truncate(`Vigil integration "${name}" failed: ${f.message}`, 8192),
        sdk_error: { integration: name },
        fingerprint: ['vigil-sdk-error', name],
      },
      { internal: true, originalException: err },
    );
  }

  on<K extends keyof ClientHooks>(hook: K, callback: ClientHooks[K]): () => void {
    const list = (this._hooks[hook] || (this._hooks[hook] = [])) as Array<ClientHooks[K]>;
    list.push(callback);
    return () => {
      const i = list.indexOf(callback);
      if (i !== -1) list.splice(i, 1);
    };
  }

  private _emit<K extends keyof ClientHooks>(hook: K, ...args: Parameters<ClientHooks[K]>): void {
    for (const cb of (this._hooks[hook] || []).slice()) {
      try {
        (cb as (...a: unknown[]) => void)(...args);
      } catch (e) {
        this.log(hook, e);
      }
    }
  }

  setContext(key: string, value: unknown): void {
    this.scope.context[key] = value;
  }

  getContext(): BatchContext {
    const { release, environment } = this.options;
    const { context, user, tags } = this.scope;
    return {
      ...context,
      release: release && truncate(release, 200),
      environment: environment && truncate(environment, 64),
      user,
      tags: Object.keys(tags).length ? { ...tags } : undefined,
    };
  }

  /** Whether this session's events are sent: a stable function of the session id. */
  isSampled(): boolean {
    const rate = this.options.sampleRate;
    if (rate >= 1) return true;
    if (rate <= 0) return false;
    const sid = String(this.scope.context.sid || '');
    if (this._sampleCache && this._sampleCache[0] === sid) return this._sampleCache[1];
    const sampled = sid ? hash(sid) / 4294967296 < rate : Math.random() < rate;
    this._sampleCache = [sid, sampled];
    return sampled;
  }

  /**
   * Runs an event through the pipeline and queues it. Returns the event id, or undefined when the
   * event was dropped.
   */
  capture(partial: Partial<VigilEvent> & { type: EventType }, hint: EventHint = {}): string | undefined {
    const transport = this.transport;
    if (!transport || this._closed) return undefined;
    let event = partial as VigilEvent;
    if (event.ts === undefined) event.ts = Date.now();
    if (!event.id) event.id = eventId();
    if (!this.isSampled()) {
      this.drops.record('sample_rate');
      return undefined;
    }
    const isErr = event.type === 'error';
    if (isErr && !hint.internal && this._isFiltered(event)) {
      this.drops.record('ignored');
      return undefined;
    }
    for (const entry of this._installed) {
      const proc = entry._i.processEvent;
      if (entry._disabled || !proc) continue;
      let next: VigilEvent | null | undefined;
      try {
        next = proc.call(entry._i, event, hint, this);
      } catch (e) {
        this._disableIntegration(entry._i.name, e);
        continue;
      }
      if (!next) {
        this.drops.record(isErr ? 'deduplicated' : 'event_processor');
        return undefined;
      }
      event = next;
    }
    if (isErr && !event.breadcrumbs) {
      const crumbs: Crumbs = this.scope.getBreadcrumbs();
      if (crumbs.length) {
        event.breadcrumbs = crumbs;
        // Without beforeSend nothing changes them before sending: the transport uses their JSON.
        if (!this.options.beforeSend) crumbs._json = this.scope._crumbsJson();
      }
    }
    if (this.options.beforeSend && !hint.internal) {
      let out: VigilEvent | null = event;
      try {
        out = this.options.beforeSend(event, hint);
      } catch (e) {
        this.log('beforeSend', e);
      }
      if (!out) {
        this.drops.record('before_send');
        return undefined;
      }
      event = out;
    }
    for (const [k, max] of LIMITS) if (typeof event[k] == 'string') event[k] = truncate(event[k] as string, max);
    transport.add(event);
    this._emit('afterCapture', event);
    return event.id;
  }

  private _isFiltered(event: VigilEvent): boolean {
    const o = this.options;
    const exc = event.exception as { type?: string; value?: string } | undefined;
    if (o.ignoreErrors && [event.message || '', exc ? `${exc.type}: ${exc.value}` : ''].some((t) => t && matchesAny(t, o.ignoreErrors))) return true;
    if (!o.denyUrls && !o.allowUrls) return false;
    const frames = event.frames as StackFrame[] | undefined;
    let url = (event.filename as string) || '';
    if (frames) for (const f of frames) if (f.url && /^[a-z][\w+.-]*:/i.test(f.url)) { url = f.url; break; }
    if (!url && event.name === 'resource') url = event.url || '';
    if (!url) return false;
    if (matchesAny(url, o.denyUrls)) return true;
    return !!o.allowUrls && o.allowUrls.length > 0 && !matchesAny(url, o.allowUrls);
  }

  /** Captures a thrown value as an `error` event of kind `js`. */
  captureException(err: unknown, extra?: Partial<VigilEvent>): string | undefined {
    return this.capture({ type: 'error', name: 'js', level: 'error', ...exceptionFields(err), handled: true, ...extra }, { originalException: err });
  }

  /** Captures a message as an `error` event of kind `console` (the protocol's kind for messages). */
  captureMessage(message: string, level: Level = 'info'): string | undefined {
    return this.capture({ type: 'error', name: 'console', level, message: String(message), captured: true });
  }

  addBreadcrumb(crumb: Breadcrumb): void {
    if (!this.active) return;
    let c: Breadcrumb | null = { ...crumb, ts: crumb.ts ?? Date.now() };
    if (c.message) c.message = truncate(c.message, 256);
    if (c.data) c.data = normalize(c.data, 3, 256) as Record<string, unknown>;
    if (this.options.beforeBreadcrumb) {
      try {
        c = this.options.beforeBreadcrumb(c);
      } catch (e) {
        this.log('beforeBreadcrumb', e);
      }
    }
    if (c) this.scope.addBreadcrumb(c);
  }

  setUser(user: User | null): void {
    this.scope.user = user ? (normalize(user, 3, 256) as User) : undefined;
    if (this.scope.user && this.scope.user.id !== undefined) this.scope.user.id = truncate(String(this.scope.user.id), 128);
  }

  setTag(key: string, value: string): void {
    this.scope.tags[truncate(String(key), 64)] = truncate(String(value), 256);
  }

  /** Sends everything queued; resolves false on failure or when `timeoutMs` passes first. */
  flush(timeoutMs?: number): Promise<boolean> {
    if (!this.transport) return Promise.resolve(true);
    const p = this.transport.flush();
    if (!timeoutMs) return p;
    return Promise.race([p, new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs))]);
  }

  /** Flushes, tears integrations down and stops capturing. */
  close(timeoutMs?: number): Promise<boolean> {
    if (this._closed) return Promise.resolve(true);
    return this.flush(timeoutMs).then((ok) => {
      this._closed = true;
      this._emit('close');
      for (const i of this._installed) {
        if (i._teardown && !i._disabled) {
          try {
            i._teardown();
          } catch {
            /* closing anyway */
          }
        }
      }
      this._installed = [];
      if (this.transport) this.transport.stop();
      return ok;
    });
  }

  log(...args: unknown[]): void {
    debugLog(this.options.debug, ...args);
  }
}
