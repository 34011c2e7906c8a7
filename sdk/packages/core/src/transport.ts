/**
 * The batching transport: a bounded in-memory queue flushed as batches at `maxBatchEvents` events (in
 * the next task) or `flushInterval` ms (errors within `errorFlushInterval`), whichever comes first.
 * Batches are split so each body stays under `maxBatchBytes` and holds at most `maxBatchEvents`
 * events. Events are serialized only when a batch is built (breadcrumbs arrive pre-serialized, see
 * `Crumbs`), and each body's size is the sum of its events' sizes, not measured again. 429/503
 * `Retry-After` pauses sending; network failures and other 5xx back off exponentially (at most
 * `MAX_ATTEMPTS` per event); every event that is not delivered is counted in `DropCounter` and the
 * counts travel in `sdk.drops` of the next request.
 *
 * The actual sending (fetch, keepalive, sendBeacon) is a `SendFunction` given by the platform.
 * Not thread-safe; one instance per client, used from the page's main thread.
 */
import { DropCounter } from './drops';
import { RateLimit } from './ratelimit';
import type { Breadcrumb, DropReason, SendFunction, TransportOptions, TransportResponse, VigilEvent } from './types';

/**
 * An error's `breadcrumbs` as the client attaches them: with their JSON and its UTF-8 size when
 * nothing may change them before sending (no `beforeSend`), so a batch of errors does not serialize
 * the same breadcrumbs once per error. JSON.stringify of an array ignores the extra member.
 */
export type Crumbs = Breadcrumb[] & { _json?: [json: string, bytes: number] };

/** Stores unsent events across page loads (browser: localStorage). */
export interface EventStore {
  load(): VigilEvent[];
  save(events: VigilEvent[]): void;
}

/** What the queue needs from its client. */
export interface BatchQueueDeps {
  /** Sends one serialized batch. */
  send: SendFunction;
  /** Where drops are counted (and taken from for each batch's `sdk.drops`). */
  drops: DropCounter;
  /** The `sdk` and `context` members of the next batch. */
  header(): { sdk: Record<string, unknown>; context: Record<string, unknown> };
  /** Server − client clock offset in ms, added to every `ts` when a batch is built. */
  clockOffset(): number;
  /** Called before each flush (may add events). */
  beforeFlush?(unload: boolean): void;
  /** Every server response, with the client times the request left and the answer came back. */
  onResponse?(res: TransportResponse, sentAt: number, receivedAt: number): void;
  /** Offline store (set by `setStore`). */
  store?: EventStore;
  /** Debug logging. */
  log?(...args: unknown[]): void;
}

const MAX_ATTEMPTS = 5;
const MAX_BACKOFF = 300_000;

let encoder: { encode(s: string): Uint8Array } | undefined;

/** UTF-8 size of a string in bytes: TextEncoder when the string is not pure ASCII. */
export function byteSize(s: string): number {
  // The regex scan is native and far cheaper than encoding; most payloads are ASCII.
  if (!/[^\x00-\x7f]/.test(s)) return s.length;
  if (!encoder && typeof TextEncoder != 'undefined') encoder = new TextEncoder();
  return encoder ? encoder.encode(s).length : utf8Length(s);
}

/** UTF-8 length of a string computed in JS (fallback where TextEncoder is missing). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}

type Batch = [body: string, events: VigilEvent[], bytes: number, drops?: Partial<Record<DropReason, number>>];

export class BatchQueue {
  readonly rateLimit = new RateLimit();
  /** True while the page is hidden/unloading: events are sent immediately with `unload` set. */
  unloading = false;
  readonly opts: Required<TransportOptions>;
  private _queue: VigilEvent[] = [];
  private _attempts = new WeakMap<VigilEvent, number>();
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _due = 0;
  private _backoff = 0;
  private _backoffUntil = 0;
  private _pending = new Set<Promise<boolean>>();
  private _soon = false;
  private _stored = false;

  constructor(private _deps: BatchQueueDeps, o: TransportOptions = {}) {
    this.opts = {
      maxBatchEvents: o.maxBatchEvents || 50,
      flushInterval: o.flushInterval ?? 5000,
      errorFlushInterval: o.errorFlushInterval ?? 1000,
      maxQueueSize: o.maxQueueSize || 500,
      maxBatchBytes: o.maxBatchBytes || 60000,
    };
  }

  /**
   * Turns on offline persistence: events that could not be sent (network down, unloading while
   * rate limited) are kept in `store` and re-queued from it now and on the next page load.
   */
  setStore(store: EventStore): void {
    this._deps.store = store;
    const saved = store.load();
    store.save([]);
    saved.forEach((e) => this.add(e));
  }

  /** Events waiting to be sent. */
  get size(): number {
    return this._queue.length;
  }

  add(event: VigilEvent): void {
    const q = this._queue;
    const o = this.opts;
    if (q.length >= o.maxQueueSize) return this._deps.drops.record('queue_overflow');
    q.push(event);
    if (this.unloading) {
      if (!this._soon) {
        this._soon = true;
        Promise.resolve().then(() => {
          this._soon = false;
          this.flush(true);
        });
      }
    } else if (q.length >= Math.max(o.maxBatchEvents, o.maxQueueSize)) {
      // A synchronous burst (no task boundary) filled the queue: sent now, in full requests, rather
      // than overflowing it.
      this.flush();
    } else {
      // A full batch goes out in the next task: the call that filled it does not pay for building
      // and sending it.
      this._schedule(q.length >= o.maxBatchEvents ? 0 : event.type == 'error' ? o.errorFlushInterval : o.flushInterval);
    }
  }

  private _schedule(delay: number): void {
    const due = Date.now() + delay;
    if (this._timer !== undefined) {
      if (this._due <= due) return;
      clearTimeout(this._timer);
    }
    this._due = due;
    this._timer = setTimeout(() => this.flush(), delay);
  }

  /**
   * Sends everything queued. With `unload`, the sender must use a mechanism that survives the page
   * going away. Resolves true when every batch was accepted (or nothing was queued and nothing is
   * in flight).
   */
  flush(unload = false): Promise<boolean> {
    clearTimeout(this._timer);
    this._timer = undefined;
    const d = this._deps;
    if (d.beforeFlush) d.beforeFlush(unload);
    const all = (ps: Iterable<Promise<boolean>>) => Promise.all(ps).then((r) => r.every(Boolean));
    if (!this._queue.length) return all(this._pending);
    const t = Date.now();
    const blocked = Math.max(this.rateLimit.until, this._backoffUntil);
    if (t < blocked) {
      if (unload) this.persist();
      else this._schedule(blocked - t);
      return Promise.resolve(false);
    }
    return all(this._split(this._queue.splice(0)).map((b) => this._send(b, unload)));
  }

  /** Serializes events into bodies of at most `maxBatchBytes` (one event alone may exceed it). */
  private _split(events: VigilEvent[]): Batch[] {
    const d = this._deps;
    const head = d.header();
    const drops = d.drops.take();
    const offset = d.clockOffset();
    const out: Batch[] = [];
    let prefix = '';
    let parts: string[] = [];
    let evs: VigilEvent[] = [];
    let size = 0;
    const cut = (sdkDrops?: typeof drops) => {
      if (parts.length) out.push([prefix + parts.join() + ']}', evs, size]);
      head.sdk.drops = sdkDrops;
      prefix = JSON.stringify(head).slice(0, -1) + ',"events":[';
      // The prefix, the events (each counted with a comma), "]}", less the first event's comma.
      size = byteSize(prefix) + 1;
      parts = [];
      evs = [];
    };
    // Drop counts travel with the first body only; if it fails they are counted again.
    cut(drops);
    for (const e of events) {
      const pre = (e.breadcrumbs as Crumbs | undefined)?._json;
      let s = JSON.stringify({ ...e, ts: Math.round(e.ts + offset), breadcrumbs: pre ? undefined : e.breadcrumbs });
      let n = byteSize(s) + 1;
      if (pre) {
        s = s.slice(0, -1) + ',"breadcrumbs":' + pre[0] + '}';
        n += pre[1] + 15;
      }
      if (parts.length && (size + n > this.opts.maxBatchBytes || parts.length >= Math.min(this.opts.maxBatchEvents, 1000))) cut();
      parts.push(s);
      evs.push(e);
      size += n;
    }
    cut();
    if (out[0]) out[0][3] = drops;
    return out;
  }

  private _send(batch: Batch, unload: boolean): Promise<boolean> {
    const [body, events, bytes] = batch;
    const d = this._deps;
    const sentAt = Date.now();
    const p: Promise<boolean> = d
      .send({ body, bytes, unload })
      .then(
        (res) => {
          if (!res) return this._ok();
          const now = Date.now();
          if (d.onResponse) d.onResponse(res, sentAt, now);
          const st = res.status;
          if (st > 199 && st < 300) {
            // A 200 lists events the server refused; they are not retried, only counted.
            return st == 200 && res.text
              ? res.text().then(
                  (t) => {
                    try {
                      d.drops.record('rejected', JSON.parse(t).rejected.length);
                    } catch {
                      /* no rejection list: all accepted */
                    }
                    return this._ok();
                  },
                  () => this._ok(),
                )
              : this._ok();
          }
          if (this.rateLimit.update(st, res.headers.get('Retry-After'), now)) {
            this._requeue(batch, 'rate_limited', 0);
            this._schedule(this.rateLimit.until - now);
          } else if (st > 499) this._retry(batch, 'send_error', unload);
          else {
            // 4xx: the batch will never be accepted; retrying would only repeat the failure.
            d.drops.restore(batch[3]);
            d.drops.record('send_error', events.length);
          }
          return false;
        },
        (err) => {
          if (d.log) d.log('send failed', err);
          this._retry(batch, 'network_error', unload);
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

  private _ok(): true {
    this._backoff = this._backoffUntil = 0;
    if (this._stored) {
      this._stored = false;
      this._deps.store!.save([]);
    }
    return true;
  }

  /** Puts events back at the front of the queue, dropping those over their attempt budget. */
  private _requeue([, events, , drops]: Batch, reason: DropReason, attempt: number): void {
    const d = this._deps;
    d.drops.restore(drops);
    const keep = events.filter((e) => {
      const n = (this._attempts.get(e) || 0) + attempt;
      this._attempts.set(e, n);
      if (n < MAX_ATTEMPTS) return true;
      d.drops.record(reason);
      return false;
    });
    const room = Math.max(0, this.opts.maxQueueSize - this._queue.length);
    d.drops.record(reason, keep.length - room);
    this._queue = keep.slice(0, room).concat(this._queue);
  }

  private _retry(batch: Batch, reason: DropReason, unload: boolean): void {
    this._requeue(batch, reason, 1);
    this._backoff = Math.min(MAX_BACKOFF, this._backoff * 2 || 1000);
    this._backoffUntil = Date.now() + this._backoff;
    this.persist();
    if (!unload) this._schedule(this._backoff);
  }

  /** Writes the queue to the offline store, if there is one. */
  persist(): void {
    const store = this._deps.store;
    if (store && this._queue.length) {
      store.save(this._queue.slice());
      this._stored = true;
    }
  }

  /** Network came back: retry now. */
  resume(): void {
    this._backoff = this._backoffUntil = 0;
    if (this._queue.length) this.flush();
  }

  /** Stops timers. */
  stop(): void {
    clearTimeout(this._timer);
  }
}
