/** PerformanceObserver and page-lifecycle helpers that never throw where something is unsupported. */

type PrerenderDocument = Document & { prerendering?: boolean; wasDiscarded?: boolean };

/** Observes `type` (buffered); returns a disconnect function, or undefined when unsupported. */
export function observe<T extends PerformanceEntry>(type: string, cb: (entries: T[]) => void): (() => void) | undefined {
  try {
    if (PerformanceObserver.supportedEntryTypes.indexOf(type) > -1) {
      const po = new PerformanceObserver((list) => cb(list.getEntries() as T[]));
      po.observe({ type, buffered: true });
      return () => po.disconnect();
    }
  } catch {
    /* unsupported */
  }
  return undefined;
}

/** The navigation entry of this document, if the browser has a sane one. */
export function navigationEntry(): (PerformanceNavigationTiming & { activationStart?: number }) | undefined {
  const e = performance.getEntriesByType && (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined);
  return e && e.responseStart > 0 && e.responseStart < performance.now() ? e : undefined;
}

/** Time at which a prerendered page was activated (0 when it was not prerendered). */
export function activationStart(): number {
  const e = navigationEntry();
  return (e && e.activationStart) || 0;
}

/** Navigation type the way web-vitals names it. */
export function navigationType(): string {
  const d = document as PrerenderDocument;
  const e = navigationEntry();
  return d.prerendering || activationStart() > 0 ? 'prerender' : d.wasDiscarded ? 'restore' : e ? e.type.replace(/_/g, '-') : 'navigate';
}

/** Calls `cb` each time the page is hidden (visibilitychange to hidden, or pagehide). */
export function onHidden(cb: (ev: Event) => void): () => void {
  const vis = (ev: Event): void => {
    if (document.visibilityState == 'hidden') cb(ev);
  };
  addEventListener('visibilitychange', vis, true);
  addEventListener('pagehide', cb, true);
  return () => {
    removeEventListener('visibilitychange', vis, true);
    removeEventListener('pagehide', cb, true);
  };
}

/** Runs `cb` once the page is activated (at once unless it is being prerendered). */
export function whenActivated(cb: () => void): void {
  // prerenderingchange fires once, at activation.
  if ((document as PrerenderDocument).prerendering) addEventListener('prerenderingchange', cb, true);
  else cb();
}
