/**
 * Public types of the Vigil SDK. The wire shapes (`VigilEvent`, `BatchContext`, `Batch`) follow
 * docs/protocol.md version 1; keep them in step with it.
 */

/** Event types the server accepts (protocol.md, "Event fields"). */
export type EventType =
  | 'error'
  | 'vital'
  | 'http'
  | 'resource'
  | 'pageview'
  | 'route'
  | 'click'
  | 'custom'
  | 'session';

/** Error kinds: the `name` of an `error` event. */
export type ErrorKind = 'js' | 'promise' | 'resource' | 'http' | 'console';

export type Level = 'fatal' | 'error' | 'warning' | 'info' | 'debug';

/** One parsed stack frame, top of the stack first. */
export interface StackFrame {
  /** Script URL (or `<anonymous>`, `native`). */
  url?: string;
  /** Function name, when the engine gave one. */
  fn?: string;
  line?: number;
  col?: number;
}

/**
 * One event as sent on the wire. Typed fields become columns on the server; every other field is
 * kept in the event's stored `data`.
 */
export interface VigilEvent {
  type: EventType;
  /** Milliseconds since the epoch. The SDK stores the raw client time and adds the clock offset when it sends. */
  ts: number;
  /** Event id (22 chars of [0-9A-Za-z_-]) so a retried batch is stored once. */
  id?: string;
  name?: string;
  value?: number;
  duration?: number;
  status?: number;
  level?: Level;
  message?: string;
  url?: string;
  referrer?: string;
  fingerprint?: string | string[];
  release?: string;
  environment?: string;
  uid?: string;
  sid?: string;
  /** Anything else (frames, exception, breadcrumbs, attribution, props …). */
  [key: string]: unknown;
}

/** What every event of a batch shares (protocol.md `context`). */
export interface BatchContext {
  release?: string;
  environment?: string;
  uid?: string;
  sid?: string;
  url?: string;
  referrer?: string;
  user?: User;
  tags?: Record<string, string>;
  viewport?: { w: number; h: number };
  [key: string]: unknown;
}

/** The user set by `setUser`. Only `id` is used for identity; all fields are sent as given. */
export interface User {
  id?: string;
  email?: string;
  username?: string;
  [key: string]: unknown;
}

/** A breadcrumb: something that happened before an error. */
export interface Breadcrumb {
  /** `click`, `route`, `http`, `console`, `custom`, … */
  category: string;
  message?: string;
  level?: Level;
  /** Client time in ms; filled in by `addBreadcrumb` when absent. */
  ts?: number;
  data?: Record<string, unknown>;
}

/** Extra information handed along with an event through the pipeline (never sent). */
export interface EventHint {
  /** The original thrown value, for `captureException`. */
  originalException?: unknown;
  /** Set by integrations for events that must bypass `ignoreErrors` & co (SDK self-errors). */
  internal?: boolean;
}

/** Server response as the transport sees it (a `fetch` `Response` satisfies it). */
export interface TransportResponse {
  status: number;
  headers: { get(name: string): string | null };
  text?: () => Promise<string>;
}

/** One request the batching transport asks its sender to make. */
export interface TransportRequest {
  /** The serialized batch (`{sdk, context, events}`). */
  body: string;
  /** UTF-8 size of `body` in bytes. */
  bytes: number;
  /** True while the page is being hidden or unloaded: the sender must use a mechanism that survives it. */
  unload: boolean;
}

/**
 * Sends one batch. Resolves with the response, or `undefined` when the mechanism gives none
 * (sendBeacon). Rejects on network failure.
 */
export type SendFunction = (request: TransportRequest) => Promise<TransportResponse | undefined>;

/** Reasons an event can be dropped; each drop is counted and reported in `sdk.drops`. */
export type DropReason =
  | 'sample_rate'
  | 'before_send'
  | 'event_processor'
  | 'ignored'
  | 'deduplicated'
  | 'queue_overflow'
  | 'rate_limited'
  | 'network_error'
  | 'send_error'
  | 'rejected'
  | 'disabled';

/**
 * A function-style integration. `setup` runs once when the client starts; it may return a teardown
 * function. `processEvent` sees every event before `beforeSend`. An integration that throws (in
 * setup, processEvent, or any callback wrapped by `client.guard`) is disabled and reported once.
 */
export interface Integration {
  name: string;
  setup?(client: ClientLike): void | (() => void);
  processEvent?(event: VigilEvent, hint: EventHint, client: ClientLike): VigilEvent | null;
}

/** The part of the client integrations use (see `Client`). */
export interface ClientLike {
  /** `init` options with defaults applied. */
  readonly options: ResolvedOptions;
  /**
   * Runs an event through the pipeline (sampling, filters, integrations, beforeSend, truncation) and
   * queues it. Fills `ts` and `id` when absent. Returns the event id, or undefined when dropped.
   */
  capture(event: Partial<VigilEvent> & { type: EventType }, hint?: EventHint): string | undefined;
  /** Adds a breadcrumb (through `beforeBreadcrumb`) to the ring buffer attached to errors. */
  addBreadcrumb(crumb: Breadcrumb): void;
  /**
   * Wraps a callback registered by integration `integration` (an event listener, an observer): if it
   * throws, the integration is disabled and reported once, and the caller sees `undefined`.
   */
  guard<A extends unknown[], R>(integration: string, fn: (...args: A) => R): (...args: A) => R | undefined;
  /** Subscribes to a client hook; returns the unsubscribe function. */
  on<K extends keyof ClientHooks>(hook: K, callback: ClientHooks[K]): () => void;
  /** Sets a member of the `context` every batch carries (`uid`, `sid`, `url`, …); undefined omits it. */
  setContext(key: string, value: unknown): void;
  /** The `context` of the next batch. */
  getContext(): BatchContext;
  /** Sends everything queued; resolves false on failure or timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Client clock offset to server time in ms (server − client), added to `ts` when sending. */
  clockOffset: number;
  /** Where batches are posted (the DSN's endpoint or `tunnel`). */
  readonly ingestUrl: string;
  /** The batching transport (undefined when the SDK is disabled). */
  readonly transport?: import('./transport').BatchQueue;
}

/** Hooks the client emits. */
export interface ClientHooks {
  /** A response from the server arrived; `sentAt`/`receivedAt` are client `Date.now()` values. */
  response: (response: TransportResponse, sentAt: number, receivedAt: number) => void;
  /** Just before a batch is built: last chance to add events (vitals on unload) or refresh context. */
  beforeFlush: (unload: boolean) => void;
  /** An event was accepted into the queue. */
  afterCapture: (event: VigilEvent) => void;
  /** The client is closing. */
  close: () => void;
}

/** Transport options. */
export interface TransportOptions {
  /** Send a batch once it holds this many events. Default 50. */
  maxBatchEvents?: number;
  /** Send a batch this long after its first event, in ms. Default 5000. */
  flushInterval?: number;
  /** Errors are sent at most this long after capture, in ms. Default 1000. */
  errorFlushInterval?: number;
  /** Most events held in memory; more are dropped as `queue_overflow`. Default 500. */
  maxQueueSize?: number;
  /** Largest batch body in bytes (keepalive / sendBeacon limit is 64 KiB in total). Default 60000. */
  maxBatchBytes?: number;
}

/** Options of `init`. */
export interface Options {
  /** `http(s)://<public_key>@<host>[:port]/<project_id>`. Without it the SDK stays disabled. */
  dsn?: string;
  release?: string;
  environment?: string;
  /** Fraction of sessions (0…1) whose events are sent. Decided per session. Default 1. */
  sampleRate?: number;
  /** Integrations: an array (replaces the defaults), or a function given the defaults. */
  integrations?: Integration[] | ((defaults: Integration[]) => Integration[]);
  /** Last look at every event; return null to drop it. */
  beforeSend?: (event: VigilEvent, hint: EventHint) => VigilEvent | null;
  /** Last look at every breadcrumb; return null to drop it. */
  beforeBreadcrumb?: (crumb: Breadcrumb) => Breadcrumb | null;
  /** Breadcrumbs kept (ring buffer) and attached to errors. Default 20, at most 100. */
  maxBreadcrumbs?: number;
  /** Error messages to drop: substrings or regular expressions. */
  ignoreErrors?: Array<string | RegExp>;
  /** Drop errors whose script URL matches one of these. */
  denyUrls?: Array<string | RegExp>;
  /** Keep only errors whose script URL matches one of these (when set). */
  allowUrls?: Array<string | RegExp>;
  /** Send batches to this URL (same-origin proxy) instead of the DSN's endpoint. */
  tunnel?: string;
  /** Log what the SDK does to the console. */
  debug?: boolean;
  /** False: capture nothing. Default true. */
  enabled?: boolean;
  /** Batching and queue settings. */
  transport?: TransportOptions;
}

/** Options after defaults were applied. */
export interface ResolvedOptions extends Options {
  sampleRate: number;
  maxBreadcrumbs: number;
  enabled: boolean;
  debug: boolean;
}
