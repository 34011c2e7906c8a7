/**
 * The batching transport: a bounded in-memory queue flushed as batches at `maxBatchEvents` events or
 * `flushInterval` ms (errors within `errorFlushInterval`), whichever comes first. Batches are split
 * so each body stays under `maxBatchBytes`. 429/503 `Retry-After` pauses sending; network failures
 * back off exponentially; every event that is not delivered is counted in `DropCounter`.
 *
 * The actual sending (fetch, keepalive, sendBeacon) is a `SendFunction` given by the platform.
 */
import { DropCounter } from './drops';
import { RateLimit } from './ratelimit';
import type { SendFunction, TransportOptions, TransportResponse, VigilEvent } from './types';

/** Stores unsent events across page loads (browser: localStorage). */
export interface EventStore {
  load(): VigilEvent[];
  save(events: VigilEvent[]): void;
}

export interface BatchQueueDeps {
  send: SendFunction;
  drops: DropCounter;
  /** The `sdk` and `context` members of the next batch. */
  header(): { sdk: Record<string, unknown>; context: Record<string, unknown> };
  /** Server − client clock offset in ms, added to every `ts` when a batch is built. */
  clockOffset(): number;
  /** Called before each flush (may add events). */
  beforeFlush?(unload: boolean): void;
  onResponse?(res: TransportResponse, sentAt: number, receivedAt: number): void;
  store?: EventStore;
  log?(...args: unknown[]): void;
}

const MAX_ATTEMPTS = 5;
const MAX_BACKOFF = 300_000;

/** UTF-8 length of a string without allocating. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n++;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

let encoder: { encode(s: string): Uint8Array } | undefined;
/** UTF-8 byte size of a body, measured with TextEncoder when available. */
export function byteSize(s: string): number {
  if (!encoder && typeof TextEncoder !== 'undefined') encoder = new TextEncoder();
  return encoder ? encoder.encode(s).length : utf8Length(s);
}

export class BatchQueue {
  readonly rateLimit = new RateLimit();
  private _queue: VigilEvent[] = [];
  private _attempts = new WeakMap<VigilEvent, number>();
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _timerDue = 0;
  private _backoffMs = 0;
  private _backoffUntil = 0;
  private _pending = new Set<Promise<boolean>>();
  private _unloadScheduled = false;
  private _stored = false;
  /** True while the page is hidden/unloading: events are sent immediately with `unload` set. */
  unloading = false;
  readonly opts: Required<TransportOptions>;

  constructor(private _deps: BatchQueueDeps, options: TransportOptions = {}) {
    this.opts = {
      maxBatchEvents: options.maxBatchEvents || 20,
      flushInterval: options.flushInterval ?? 5000,
      errorFlushInterval: options.errorFlushInterval ?? 1000,
      maxQueueSize: options.maxQueueSize || 500,
      maxBatchBytes: options.maxBatchBytes || 60000,
    };
  }

  /**
   * Turns on offline persistence: events that could not be sent (network down, unloading while
   * rate limited) are kept in `store` and re-queued from it now and on the next page load.
   */
  setStore(store: EventStore): void {
    this._deps.store = store;
    const saved = store.load();
    if (saved.length) {
      store.save([]);
      for (const e of saved) this.add(e);
    }
  }

  /** Events waiting to be sent. */
  get size(): number {
    return this._queue.length;
  }

  add(event: VigilEvent): void {
    if (this._queue.length >= this.opts.maxQueueSize) {
      this._deps.drops.record('queue_overflow');
      return;
    }
    this._queue.push(event);
    if (this.unloading) {
      if (!this._unloadScheduled) {
        this._unloadScheduled = true;
        Promise.resolve().then(() => {
          this._unloadScheduled = false;
          void this.flush(true);
        });
      }
    } else if (this._queue.length >= this.opts.maxBatchEvents) {
      void this.flush();
    } else {
      this._schedule(event.type === 'error' ? this.opts.errorFlushInterval : this.opts.flushInterval);
    }
  }

  private _schedule(delay: number): void {
    const due = Date.now() + delay;
    if (this._timer !== undefined && this._timerDue <= due) return;
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timerDue = due;
    this._timer = setTimeout(() => {
      this._timer = undefined;
      void this.flush();
    }, delay);
  }

  /**
   * Sends everything queued. With `unload`, the sender must use a mechanism that survives the page
   * going away. Resolves true when every batch was accepted.
   */
  flush(unload = false): Promise<boolean> {
    if (this._timer !== undefined) {
      clearTimeout(this._timer);
      this._timer = undefined;
    }
    if (this._deps.beforeFlush) this._deps.beforeFlush(unload);
    if (!this._queue.length) return this._settled();
    const t = Date.now();
    const blockedUntil = Math.max(this.rateLimit.until, this._backoffUntil);
    if (t < blockedUntil) {
      if (unload) this.persist();
      else this._schedule(blockedUntil - t);
      return Promise.resolve(false);
    }
    const events = this._queue.splice(0);
    const batches = this._split(events);
    const results: Promise<boolean>[] = [];
    for (const [body, evs] of batches) results.push(this._sendBatch(body, evs, unload));
    return Promise.all(results).then((r) => r.every(Boolean));
  }

  /** Resolves when all in-flight sends have finished. */
  private _settled(): Promise<boolean> {
    if (!this._pending.size) return Promise.resolve(true);
    return Promise.all([...this._pending]).then((r) => r.every(Boolean));
  }

  /** Serializes events into bodies of at most `maxBatchBytes` (one event alone may exceed it). */
  private _split(events: VigilEvent[]): Array<[string, VigilEvent[]]> {
    const head = this._deps.header();
    const drops = this._deps.drops.take();
    if (drops) head.sdk.drops = drops;
    const prefix = JSON.stringify(head).slice(0, -1) + ',"events":[';
    const offset = this._deps.clockOffset();
    const max = this.opts.maxBatchBytes;
    const out: Array<[string, VigilEvent[]]> = [];
    let parts: string[] = [];
    let evs: VigilEvent[] = [];
    let size = utf8Length(prefix) + 2;
    for (const e of events) {
      const s = JSON.stringify({ ...e, ts: Math.round(e.ts + offset) });
      const n = utf8Length(s) + 1;
      if (parts.length && (size + n > max || parts.length >= 1000)) {
        out.push([prefix + parts.join(',') + ']}', evs]);
        parts = [];
        evs = [];
        size = utf8Length(prefix) + 2;
      }
      parts.push(s);
      evs.push(e);
      size += n;
    }
    if (parts.length) out.push([prefix + parts.join(',') + ']}', evs]);
    // Drop counts travel with the first batch; if it fails they are restored below.
    if (drops && out.length) this._dropReports.set(out[0]![1], drops);
    return out;
  }

  private _dropReports = new WeakMap<VigilEvent[], Partial<Record<string, number>>>();

  private _sendBatch(body: string, events: VigilEvent[], unload: boolean): Promise<boolean> {
    const sentAt = Date.now();
    const p = this._deps
      .send({ body, bytes: byteSize(body), unload })
      .then(
        (res) => this._onResult(res, events, sentAt),
        (err) => {
          this._deps.log?.('send failed', err);
          this._retry(events, 'network_error', unload);
          return false;
        },
      )
      .then((ok) => {
        this._pending.delete(p);
        return ok;
      });
    this._pending.add(p);
    return p;
  }

  private _onResult(res: TransportResponse | undefined, events: VigilEvent[], sentAt: number): boolean | Promise<boolean> {
    if (!res) return this._delivered();
    const receivedAt = Date.now();
    if (this._deps.onResponse) this._deps.onResponse(res, sentAt, receivedAt);
    const st = res.status;
    if (st >= 200 && st < 300) {
      if (st === 200 && res.text) {
        return res.text().then(
          (t) => {
            try {
              const j = JSON.parse(t) as { rejected?: unknown[] };
              if (j.rejected && j.rejected.length) this._deps.drops.record('rejected', j.rejected.length);
            } catch {
              /* a 200 without a body is a full accept */
            }
            return this._delivered();
          },
          () => this._delivered(),
        );
      }
      return this._delivered();
    }
    if (this.rateLimit.update(st, res.headers.get('Retry-After'), receivedAt)) {
      this._deps.log?.('rate limited until', new Date(this.rateLimit.until).toISOString());
      this._requeue(events, 'rate_limited', false);
      this._schedule(this.rateLimit.until - receivedAt);
      return false;
    }
    if (st >= 500) {
      this._retry(events, 'send_error', false);
      return false;
    }
    // 4xx: the batch will never be accepted; retrying would only repeat the failure.
    this._deps.log?.('batch refused with status', st);
    this._deps.drops.record('send_error', events.length);
    this._restoreDrops(events);
    return false;
  }

  private _delivered(): boolean {
    this._backoffMs = 0;
    this._backoffUntil = 0;
    if (this._stored && this._deps.store) {
      this._stored = false;
      this._deps.store.save([]);
    }
    return true;
  }

  private _restoreDrops(events: VigilEvent[]): void {
    const d = this._dropReports.get(events);
    if (d) this._deps.drops.restore(d);
  }

  /** Puts events back at the front of the queue, dropping those over their attempt budget. */
  private _requeue(events: VigilEvent[], reason: 'rate_limited' | 'network_error' | 'send_error', countAttempt: boolean): void {
    this._restoreDrops(events);
    const keep: VigilEvent[] = [];
    for (const e of events) {
      const n = (this._attempts.get(e) || 0) + (countAttempt ? 1 : 0);
      if (n >= MAX_ATTEMPTS) {
        this._deps.drops.record(reason);
        continue;
      }
      this._attempts.set(e, n);
      keep.push(e);
    }
    const room = this.opts.maxQueueSize - this._queue.length;
    if (keep.length > room) this._deps.drops.record(reason, keep.length - Math.max(room, 0));
    this._queue = keep.slice(0, Math.max(room, 0)).concat(this._queue);
  }

  private _retry(events: VigilEvent[], reason: 'network_error' | 'send_error', unload: boolean): void {
    this._requeue(events, reason, true);
    this._backoffMs = Math.min(MAX_BACKOFF, this._backoffMs ? this._backoffMs * 2 : 1000);
    this._backoffUntil = Date.now() + this._backoffMs;
    this.persist();
    if (!unload) this._schedule(this._backoffMs);
  }

  /** Writes the queue to the offline store, if there is one. */
  persist(): void {
    if (!this._deps.store || !this._queue.length) return;
    this._deps.store.save(this._queue.slice());
    this._stored = true;
  }

  /** Network came back: retry now. */
  resume(): void {
    this._backoffUntil = 0;
    this._backoffMs = 0;
    if (this._queue.length) void this.flush();
  }

  /** Stops timers. */
  stop(): void {
    if (this._timer !== undefined) clearTimeout(this._timer);
    this._timer = undefined;
  }
}
