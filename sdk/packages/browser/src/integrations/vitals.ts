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
    if (typeof v == 'number') out[k] = k == 'largestShiftValue' ? v : r1(v);
    else if (typeof v == 'string') out[k] = v.slice(0, 256);
  }
  return out;
}

/** Navigation timing breakdown (ms; the moments relative to activation for prerendered pages). */
export function navigationBreakdown(e: PerformanceNavigationTiming, act: number): Record<string, number> {
  const d = (a: number, b: number) => r1(a - b);
  const rel = (t: number) => r1(Math.max(0, t - act));
  return {
    redirect: d(e.redirectEnd, e.redirectStart),
    dns: d(e.domainLookupEnd, e.domainLookupStart),
    tcp: d(e.connectEnd, e.connectStart),
    tls: e.secureConnectionStart > 0 ? d(e.connectEnd, e.secureConnectionStart) : 0,
    request: d(e.responseStart, e.requestStart),
    response: d(e.responseEnd, e.responseStart),
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

type LongTask = PerformanceEntry & { attribution?: Array<{ containerType?: string; containerSrc?: string }> };

export function vitalsIntegration(options: VitalsOptions = {}): Integration {
  return {
    name: 'vitals',
    setup(client) {
      const g = <A extends unknown[]>(fn: (...a: A) => void) => client.guard('vitals', fn);
      const offs: Array<(() => void) | undefined> = [];
      const vital = (name: string, value: number, extra?: Partial<VigilEvent>): void => {
        client.capture({ rating: rate(name, value), ...extra, type: 'vital', name, value: name == 'CLS' ? value : r1(value) });
      };

      // Long tasks seen (for TBT) and how many the last TBT counted.
      const tasks: LongTask[] = [];
      let reportedTasks = -1;

      // Core Web Vitals: web-vitals handles bfcache restores, prerender activation and hidden pages.
      const report = g((m: MetricWithAttribution) => {
        // A bfcache restore starts a new visit: web-vitals reports TTFB (0) at once, then FCP and LCP
        // again, and starts CLS and INP over; TBT too starts over, with the long tasks from then on.
        if (m.name == 'TTFB' && m.navigationType == 'back-forward-cache') (tasks.length = 0), (reportedTasks = -1);
        vital(m.name, m.value, {
          rating: m.rating,
          delta: m.name == 'CLS' ? m.delta : r1(m.delta),
          metric_id: m.id,
          navigationType: m.navigationType,
          attribution: pickAttribution(m.attribution),
        });
      });
      const opts = { reportAllChanges: !!options.reportAllChanges };
      for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report, opts);

      // A paint only counts if the page was visible when it happened (as web-vitals does).
      let firstHidden = document.visibilityState == 'hidden' && !(document as Document & { prerendering?: boolean }).prerendering ? 0 : Infinity;
      let fcp = 0;
      offs.push(
        observe('paint', g((entries: PerformanceEntry[]) => {
          for (const e of entries) {
            if (e.name == 'first-contentful-paint') fcp = e.startTime;
            if (e.name == 'first-paint' && e.startTime < firstHidden) vital('FP', Math.max(0, e.startTime - activationStart()), { navigationType: navigationType() });
          }
        })),
      );

      // Long tasks (each, up to maxLongTasks) and TBT: the time past 50 ms of each long task after FCP.
      if (options.longTasks !== false) {
        const max = options.maxLongTasks ?? 20;
        offs.push(
          observe('longtask', g((entries: LongTask[]) => {
            for (const e of entries) {
              if (tasks.push(e) > max) continue;
              const a = e.attribution && e.attribution[0];
              vital('longtask', e.duration, {
                duration: r1(e.duration),
                start: r1(e.startTime),
                attribution: { name: e.name, containerType: a && a.containerType, containerSrc: a && a.containerSrc && stripQuery(a.containerSrc) },
              });
            }
          })),
        );
      }

      // Resources: slow and failed ones individually (capped), all of them in one summary per page.
      const slowAt = options.slowResourceThreshold ?? 1000;
      let budget = options.maxResourceEvents ?? 20;
      let summary: Record<string, TypeSummary> = {};
      let resCount = 0;
      if (options.resources !== false) {
        offs.push(
          observe('resource', g((entries: Array<PerformanceResourceTiming & { responseStatus?: number }>) => {
            for (const e of entries) {
              if (isIgnoredUrl(e.name)) continue;
              const type = e.initiatorType || 'other';
              const s = summary[type] || (summary[type] = { count: 0, bytes: 0, duration: 0, slow: 0, failed: 0 });
              const status = e.responseStatus || 0;
              const failed = status > 399;
              const slow = e.duration >= slowAt;
              resCount++;
              s.count++;
              s.bytes += e.transferSize || 0;
              s.duration = r1(s.duration + e.duration);
              s.slow += +slow;
              s.failed += +failed;
              if ((slow || failed) && budget-- > 0) {
                client.capture({
                  type: 'resource',
                  name: type,
                  url: stripQuery(e.name),
                  duration: r1(e.duration),
                  size: e.transferSize || 0,
                  ttfb: e.responseStart > 0 ? r1(e.responseStart - e.startTime) : undefined,
                  status: status || undefined,
                  slow: slow || undefined,
                  failed: failed || undefined,
                });
              }
            }
          })),
        );
      }

      // Navigation timing once the load event has finished (after activation when prerendered).
      let navSent = false;
      const sendNavigation = g(() => {
        const e = navigationEntry();
        if (navSent || !e || !e.loadEventEnd) return;
        navSent = true;
        const b = navigationBreakdown(e, activationStart());
        vital('navigation', b.load!, { duration: b.load, navigationType: navigationType(), timing: b });
      });
      whenActivated(() => {
        if (document.readyState == 'complete') setTimeout(sendNavigation);
        else addEventListener('load', () => setTimeout(sendNavigation), { once: true });
      });

      // On hide: TBT and the resource summary (the page may never come back).
      offs.push(
        onHidden(g(() => {
          firstHidden = Math.min(firstHidden, performance.now());
          sendNavigation();
          if (fcp && tasks.length != reportedTasks) {
            reportedTasks = tasks.length;
            let tbt = 0;
            for (const t of tasks) tbt += Math.max(0, Math.min(t.duration, t.startTime + t.duration - fcp) - 50);
            vital('TBT', tbt, { longTasks: tasks.length });
          }
          if (resCount) {
            vital('resources', resCount, { byType: summary });
            summary = {};
            resCount = 0;
          }
        })),
      );
      return () => offs.forEach((f) => f && f());
    },
  };
}
