/**
 * vitalsIntegration: Core Web Vitals from `web-vitals` (attribution build) — LCP, INP, CLS, FCP,
 * TTFB — plus first paint, long tasks and total blocking time, the navigation timing breakdown, and
 * resource timing (slow and failed resources as events, everything else aggregated).
 */
import { activationStart, isIgnoredUrl, navigationEntry, navigationType, observe, onHidden, whenActivated } from '@vigil/browser-utils';
import { stripQuery, type Integration, type VigilEvent } from '@vigil/core';
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals/attribution';
import type { MetricWithAttribution } from 'web-vitals/attribution';

export interface VitalsOptions {
  /** Report every change of LCP/CLS/INP instead of the final value. Default false. */
  reportAllChanges?: boolean;
  /** Send a `vital` event per long task (at most `maxLongTasks`) and TBT. Default true. */
  longTasks?: boolean;
  maxLongTasks?: number;
  /** Resource timing: slow/failed resource events and a per-page summary. Default true. */
  resources?: boolean;
  /** A resource slower than this (ms) is sent as its own `resource` event. Default 1000. */
  slowResourceThreshold?: number;
  /** At most this many individual `resource` events per page. Default 20. */
  maxResourceEvents?: number;
}

type Rating = 'good' | 'needs-improvement' | 'poor';

/** Ratings with the web-vitals thresholds (FP uses FCP's; TBT uses Lighthouse's 200/600 ms). */
export const THRESHOLDS: Record<string, [number, number]> = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  FCP: [1800, 3000],
  FP: [1800, 3000],
  TTFB: [800, 1800],
  TBT: [200, 600],
};

export function rate(name: string, value: number): Rating | undefined {
  const t = THRESHOLDS[name];
  if (!t) return undefined;
  return value > t[1] ? 'poor' : value > t[0] ? 'needs-improvement' : 'good';
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

/** Keeps the primitive, serializable part of a web-vitals attribution object. */
function pickAttribution(a: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) {
    if (typeof v === 'number') out[k] = k === 'largestShiftValue' ? v : r1(v);
    else if (typeof v === 'string') out[k] = v.length > 256 ? v.slice(0, 256) : v;
  }
  return out;
}

/** Navigation timing breakdown (ms relative to activation for prerendered pages). */
export function navigationBreakdown(e: PerformanceNavigationTiming, act: number): Record<string, number> {
  const rel = (t: number): number => r1(Math.max(0, t - act));
  return {
    redirect: r1(e.redirectEnd - e.redirectStart),
    dns: r1(e.domainLookupEnd - e.domainLookupStart),
    tcp: r1(e.connectEnd - e.connectStart),
    tls: e.secureConnectionStart > 0 ? r1(e.connectEnd - e.secureConnectionStart) : 0,
    request: r1(e.responseStart - e.requestStart),
    response: r1(e.responseEnd - e.responseStart),
    ttfb: rel(e.responseStart),
    domInteractive: rel(e.domInteractive),
    domReady: rel(e.domContentLoadedEventEnd),
    load: rel(e.loadEventEnd),
    transferSize: e.transferSize || 0,
  };
}

interface TypeSummary {
  count: number;
  bytes: number;
  duration: number;
  slow: number;
  failed: number;
}

export function vitalsIntegration(options: VitalsOptions = {}): Integration {
  return {
    name: 'vitals',
    setup(client) {
      const g = <A extends unknown[]>(fn: (...a: A) => void) => client.guard('vitals', fn);
      const offs: Array<() => void> = [];
      const vital = (name: string, value: number, extra?: Partial<VigilEvent>): void => {
        const ev: Partial<VigilEvent> & { type: 'vital' } = { ...extra, type: 'vital', name, value: name === 'CLS' ? value : r1(value) };
        const rating = rate(name, value);
        if (rating && !ev.rating) ev.rating = rating;
        client.capture(ev);
      };

      // Core Web Vitals: web-vitals handles bfcache restores, prerender activation and hidden pages.
      const report = g((m: MetricWithAttribution) => {
        vital(m.name, m.value, {
          rating: m.rating,
          delta: m.name === 'CLS' ? m.delta : r1(m.delta),
          metric_id: m.id,
          navigationType: m.navigationType,
          attribution: pickAttribution(m.attribution),
        });
      });
      const opts = { reportAllChanges: !!options.reportAllChanges };
      onLCP(report, opts);
      onINP(report, opts);
      onCLS(report, opts);
      onFCP(report, opts);
      onTTFB(report, opts);

      // A metric only counts if the page was visible when it happened (as web-vitals does).
      let firstHidden = document.visibilityState === 'hidden' && !(document as Document & { prerendering?: boolean }).prerendering ? 0 : Infinity;
      let fcp = 0;
      const off = observe<PerformanceEntry>('paint', g((entries: PerformanceEntry[]) => {
        for (const e of entries) {
          if (e.name === 'first-contentful-paint') fcp = e.startTime;
          if (e.name === 'first-paint' && e.startTime < firstHidden) {
            vital('FP', Math.max(0, e.startTime - activationStart()), { navigationType: navigationType() });
          }
        }
      }));
      if (off) offs.push(off);

      // Long tasks and TBT (blocking time past 50 ms of each long task after FCP).
      let tbt = 0;
      let longTasks = 0;
      let tbtSent = false;
      let tbtTasks = 0;
      const early: PerformanceEntry[] = [];
      if (options.longTasks !== false) {
        const max = options.maxLongTasks ?? 20;
        const offLt = observe<PerformanceEntry>('longtask', g((entries: PerformanceEntry[]) => {
          for (const e of entries) {
            if (fcp) tbt += Math.max(0, e.duration - 50);
            else early.push(e);
            longTasks++;
            if (longTasks > max) continue;
            const attr = (e as PerformanceEntry & { attribution?: Array<{ containerType?: string; containerSrc?: string; containerName?: string }> }).attribution;
            const a = attr && attr[0];
            vital('longtask', e.duration, {
              duration: r1(e.duration),
              start: r1(e.startTime),
              attribution: a ? { name: e.name, containerType: a.containerType, containerSrc: a.containerSrc ? stripQuery(a.containerSrc) : undefined } : { name: e.name },
            });
          }
        }));
        if (offLt) offs.push(offLt);
      }

      // Resources: slow and failed ones individually (capped), the rest as one summary per page.
      const slowAt = options.slowResourceThreshold ?? 1000;
      const maxRes = options.maxResourceEvents ?? 20;
      let resEvents = 0;
      let summary: Record<string, TypeSummary> = {};
      let resCount = 0;
      if (options.resources !== false) {
        const offRes = observe<PerformanceResourceTiming>('resource', g((entries: PerformanceResourceTiming[]) => {
          for (const e of entries) {
            if (isIgnoredUrl(e.name)) continue;
            const type = e.initiatorType || 'other';
            const s = summary[type] || (summary[type] = { count: 0, bytes: 0, duration: 0, slow: 0, failed: 0 });
            const status = (e as PerformanceResourceTiming & { responseStatus?: number }).responseStatus || 0;
            const failed = status >= 400;
            const slow = e.duration >= slowAt;
            s.count++;
            resCount++;
            s.bytes += e.transferSize || 0;
            s.duration = r1(s.duration + e.duration);
            if (slow) s.slow++;
            if (failed) s.failed++;
            if ((slow || failed) && resEvents < maxRes) {
              resEvents++;
              const ev: Partial<VigilEvent> & { type: 'resource' } = {
                type: 'resource',
                name: type,
                url: stripQuery(e.name),
                duration: r1(e.duration),
                size: e.transferSize || 0,
                ttfb: e.responseStart > 0 ? r1(e.responseStart - e.startTime) : undefined,
              };
              if (status) ev.status = status;
              if (slow) ev.slow = true;
              if (failed) ev.failed = true;
              client.capture(ev);
            }
          }
        }));
        if (offRes) offs.push(offRes);
      }

      // Navigation timing once the load event has finished (after activation when prerendered).
      let navSent = false;
      const sendNavigation = g(() => {
        if (navSent) return;
        const e = navigationEntry();
        if (!e || !e.loadEventEnd) return;
        navSent = true;
        const b = navigationBreakdown(e, activationStart());
        vital('navigation', b.load!, { duration: b.load, navigationType: navigationType(), timing: b });
      });
      whenActivated(() => {
        if (document.readyState === 'complete') setTimeout(sendNavigation, 0);
        else addEventListener('load', () => setTimeout(sendNavigation, 0), { once: true });
      });

      // On hide: TBT and the resource summary (the page may never come back).
      offs.push(
        onHidden(g(() => {
          firstHidden = Math.min(firstHidden, performance.now());
          sendNavigation();
          if (options.longTasks !== false && fcp && (!tbtSent || longTasks !== tbtTasks)) {
            // Tasks seen before FCP was known: only the part after FCP blocks.
            for (const e of early.splice(0)) tbt += Math.max(0, Math.min(e.duration, e.startTime + e.duration - fcp) - 50);
            tbtSent = true;
            tbtTasks = longTasks;
            vital('TBT', tbt, { longTasks });
          }
          if (resCount) {
            client.capture({ type: 'vital', name: 'resources', value: resCount, byType: summary });
            summary = {};
            resCount = 0;
          }
        })),
      );
      return () => offs.forEach((f) => f());
    },
  };
}

