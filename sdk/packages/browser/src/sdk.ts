/**
 * The public API: `initWithoutDefaults` (`init` adds the default integrations, see init.ts) and the
 * functions that act on the client it created.
 */
import { ignoreUrl, onHidden } from '@vigil/browser-utils';
import { Client, normalize, type Breadcrumb, type Integration, type Level, type Options, type User, type VigilEvent } from '@vigil/core';
import { makeBrowserSend } from './transport';

/** Options of `init` (see `Options` in @vigil/core for each field). */
export type BrowserOptions = Options;

let current: Client | undefined;

/** The client created by the last `init`, if any. */
export function getClient(): Client | undefined {
  return current;
}

/**
 * Starts the SDK with exactly the integrations given in `options.integrations` (no defaults).
 * `init` is this plus the default integrations; use this directly to keep bundles small.
 */
export function initWithoutDefaults(options: BrowserOptions = {}): Client | undefined {
  if (current) current.close(0);
  const i = options.integrations;
  // Outside a browser (server-side rendering) the client stays inactive.
  const browser = typeof window != 'undefined';
  const client = (current = new Client(browser ? options : { ...options, enabled: false }, { sdkName: '@vigil/browser', makeSend: makeBrowserSend }));
  const transport = client.transport;
  if (!transport) return client;
  ignoreUrl(client.ingestUrl);
  // Context every batch shares, refreshed when a batch is built.
  client.on('beforeFlush', () => {
    client.setContext('url', location.href);
    client.setContext('referrer', document.referrer || undefined);
    client.setContext('viewport', { w: innerWidth, h: innerHeight });
  });
  // Page lifecycle: on hide, send everything with sendBeacon; events arriving while hidden go at once.
  const listeners: Array<[string, () => void]> = [
    ['visibilitychange', () => (transport.unloading = document.visibilityState != 'visible')],
    ['pageshow', () => (transport.unloading = false)],
    ['online', () => transport.resume()],
  ];
  const offHidden = onHidden(() => {
    transport.unloading = true;
    transport.flush(true);
  });
  for (const [type, fn] of listeners) addEventListener(type, fn);
  client.on('close', () => {
    offHidden();
    for (const [type, fn] of listeners) removeEventListener(type, fn);
  });
  client.setupIntegrations(typeof i == 'function' ? i([]) : i || []);
  return client;
}

/** Captures an exception (any thrown value). Returns the event id. */
export function captureException(err: unknown, extra?: Partial<VigilEvent>): string | undefined {
  return current && current.captureException(err, extra);
}

/** Captures a message as an error event of kind `console`. Returns the event id. */
export function captureMessage(message: string, level?: Level): string | undefined {
  return current && current.captureMessage(message, level);
}

/** Sends a `custom` event named `name` with properties `props` (normalized, strings cut to 1024). */
export function track(name: string, props?: Record<string, unknown>): string | undefined {
  if (!current) return undefined;
  current.addBreadcrumb({ category: 'custom', message: name });
  return current.capture({ type: 'custom', name: String(name), props: props && normalize(props, 5) });
}

/** Sets (or with null clears) the user sent in every batch's context. */
export function setUser(user: User | null): void {
  if (current) current.setUser(user);
}

export function setTag(key: string, value: string): void {
  if (current) current.setTag(key, value);
}

export function setTags(tags: Record<string, string>): void {
  for (const k in tags) setTag(k, tags[k]!);
}

export function addBreadcrumb(crumb: Breadcrumb): void {
  if (current) current.addBreadcrumb(crumb);
}

/** Sends everything queued. Resolves true when it was all accepted within `timeoutMs`. */
export function flush(timeoutMs?: number): Promise<boolean> {
  return current ? current.flush(timeoutMs) : Promise.resolve(true);
}

/** Flushes and stops the SDK. */
export function close(timeoutMs?: number): Promise<boolean> {
  const c = current;
  current = undefined;
  return c ? c.close(timeoutMs) : Promise.resolve(true);
}

export type { Integration };
