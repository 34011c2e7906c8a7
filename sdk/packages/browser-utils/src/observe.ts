/** PerformanceObserver helpers that never throw where an entry type is unsupported. */

/** Observes `type` (buffered); returns a disconnect function, or undefined when unsupported. */
export function observe<T extends PerformanceEntry>(type: string, cb: (entries: T[]) => void): (() => void) | undefined {
  try {
    if (typeof PerformanceObserver === 'undefined' || PerformanceObserver.supportedEntryTypes.indexOf(type) === -1) return undefined;
    const po = new PerformanceObserver((list) => cb(list.getEntries() as T[]));
    po.observe({ type, buffered: true } as PerformanceObserverInit);
    return () => po.disconnect();
  } catch {
    return undefined;
  }
}

/** The navigation entry of this document, if the browser has one. */
export function navigationEntry(): PerformanceNavigationTiming | undefined {
  try {
    const e = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    return e && e.responseStart > 0 && e.responseStart < performance.now() ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Time at which a prerendered page was activated (0 when it was not prerendered). */
export function activationStart(): number {
  const e = navigationEntry() as (PerformanceNavigationTiming & { activationStart?: number }) | undefined;
  return (e && e.activationStart) || 0;
}

/** Navigation type the way web-vitals names it. */
export function navigationType(): string {
  if (typeof document !== 'undefined' && (document as Document & { prerendering?: boolean }).prerendering) return 'prerender';
  const e = navigationEntry();
  if (!e) return 'navigate';
  if (activationStart() > 0) return 'prerender';
  if ((document as Document & { wasDiscarded?: boolean }).wasDiscarded) return 'restore';
  return e.type.replace(/_/g, '-');
}

/**
 * Calls `cb` once when the page is hidden (visibilitychange to hidden, or pagehide), every time it
 * happens. Returns a remove function.
 */
export function onHidden(cb: (ev: Event) => void): () => void {
  const vis = (ev: Event): void => {
    if (document.visibilityState === 'hidden') cb(ev);
  };
  addEventListener('visibilitychange', vis, true);
  addEventListener('pagehide', cb, true);
  return () => {
    removeEventListener('visibilitychange', vis, true);
    removeEventListener('pagehide', cb, true);
  };
}

/** Runs `cb` once the page is activated (immediately unless it is being prerendered). */
export function whenActivated(cb: () => void): void {
  if ((document as Document & { prerendering?: boolean }).prerendering) {
    addEventListener('prerenderingchange', () => cb(), { capture: true, once: true } as AddEventListenerOptions);
  } else cb();
}
