/** httpIntegration: timing of every fetch and XHR the page makes (never the SDK's own). */
import { addHttpHandler, type HttpRecord } from '@vigil/browser-utils';
import { stripQuery, type Integration, type VigilEvent } from '@vigil/core';

export interface HttpOptions {
  /** Keep query strings in reported URLs. Default false (they often hold tokens and personal data). */
  captureQuery?: boolean;
  /** Requests slower than this (ms) are marked `slow: true`. Default 1000. */
  slowThreshold?: number;
  /** Send only slow requests. Default false. */
  onlySlow?: boolean;
}

export function httpIntegration(options: HttpOptions = {}): Integration {
  const slow = options.slowThreshold ?? 1000;
  return {
    name: 'http',
    setup(client) {
      return addHttpHandler(
        client.guard('http', (r: HttpRecord) => {
          const duration = Math.max(0, Math.round(r.end - r.start));
          const isSlow = duration >= slow;
          if (options.onlySlow && !isSlow) return;
          const url = options.captureQuery ? r.url : stripQuery(r.url);
          const ev: Partial<VigilEvent> & { type: 'http' } = { type: 'http', ts: r.startTs, name: r.method, url, status: r.status, duration, kind: r.kind };
          if (r.responseSize !== undefined) ev.size = r.responseSize;
          if (r.requestSize !== undefined) ev.request_size = r.requestSize;
          if (isSlow) ev.slow = true;
          if (r.error) ev.error = r.error;
          client.addBreadcrumb({ category: 'http', message: `${r.method} ${url} ${r.status || r.error}`, data: { duration } });
          client.capture(ev);
        }),
      );
    },
  };
}
