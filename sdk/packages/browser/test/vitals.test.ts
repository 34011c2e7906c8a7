import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// web-vitals is exercised for real in the Chromium e2e tests; here its callbacks are driven by hand.
const callbacks: Record<string, (m: unknown) => void> = {};
vi.mock('web-vitals/attribution', () => {
  const reg = (name: string) => (cb: (m: unknown) => void) => {
    callbacks[name] = cb;
  };
  return { onLCP: reg('LCP'), onINP: reg('INP'), onCLS: reg('CLS'), onFCP: reg('FCP'), onTTFB: reg('TTFB') };
});

/** A PerformanceObserver whose entries the test pushes. */
class FakeObserver {
  static supportedEntryTypes = ['paint', 'longtask', 'resource', 'navigation'];
  static all: FakeObserver[] = [];
  type = '';
  constructor(private cb: (list: { getEntries(): PerformanceEntry[] }) => void) {
    FakeObserver.all.push(this);
  }
  observe(o: { type: string }) {
    this.type = o.type;
  }
  disconnect() {
    FakeObserver.all = FakeObserver.all.filter((x) => x !== this);
  }
  static push(type: string, entries: Array<Partial<PerformanceEntry> & Record<string, unknown>>) {
    for (const o of FakeObserver.all) if (o.type === type) o.cb({ getEntries: () => entries as PerformanceEntry[] });
  }
}
(globalThis as Record<string, unknown>).PerformanceObserver = FakeObserver;

const { close, flush, initWithoutDefaults } = await import('../src/sdk');
const { vitalsIntegration, rate, navigationBreakdown } = await import('../src/integrations/vitals');
const { DSN, mockNetwork } = await import('./helpers');

const net = mockNetwork();
beforeEach(() => net.reset());
afterEach(async () => {
  await close();
});

describe('ratings', () => {
  it('use the web-vitals thresholds', () => {
    expect(rate('LCP', 2500)).toBe('good');
    expect(rate('LCP', 2501)).toBe('needs-improvement');
    expect(rate('LCP', 4001)).toBe('poor');
    expect(rate('INP', 200)).toBe('good');
    expect(rate('INP', 500)).toBe('needs-improvement');
    expect(rate('INP', 501)).toBe('poor');
    expect(rate('CLS', 0.1)).toBe('good');
    expect(rate('CLS', 0.26)).toBe('poor');
    expect(rate('FCP', 1801)).toBe('needs-improvement');
    expect(rate('TTFB', 1801)).toBe('poor');
    expect(rate('FP', 100)).toBe('good');
    expect(rate('TBT', 650)).toBe('poor');
    expect(rate('longtask', 100)).toBeUndefined();
  });
});

describe('vitalsIntegration', () => {
  it('maps web-vitals metrics with attribution onto vital events', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [vitalsIntegration()] });
    callbacks.INP!({
      name: 'INP', value: 312.4, rating: 'needs-improvement', delta: 312.4, id: 'v5-1', navigationType: 'navigate', entries: [],
      attribution: { interactionTarget: 'button#slow', interactionType: 'pointer', inputDelay: 1.26, processingDuration: 290.04, presentationDelay: 21.1, loadState: 'complete', processedEventEntries: [{}], longAnimationFrameEntries: [] },
    });
    callbacks.CLS!({ name: 'CLS', value: 0.123456, rating: 'needs-improvement', delta: 0.123456, id: 'v5-2', navigationType: 'back-forward-cache', entries: [], attribution: { largestShiftTarget: 'div#banner', largestShiftValue: 0.1, loadState: 'complete' } });
    await flush();
    const [inp, cls] = net.events('vital');
    expect(inp).toMatchObject({
      type: 'vital', name: 'INP', value: 312.4, rating: 'needs-improvement', metric_id: 'v5-1', navigationType: 'navigate',
      attribution: { interactionTarget: 'button#slow', interactionType: 'pointer', inputDelay: 1.3, processingDuration: 290, presentationDelay: 21.1, loadState: 'complete' },
    });
    expect((inp!.attribution as Record<string, unknown>).processedEventEntries).toBeUndefined();
    expect(cls).toMatchObject({ name: 'CLS', value: 0.123456, navigationType: 'back-forward-cache', attribution: { largestShiftTarget: 'div#banner' } });
  });

  it('reports first paint, long tasks, and TBT on hide', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [vitalsIntegration({ maxLongTasks: 2 })] });
    FakeObserver.push('paint', [{ name: 'first-paint', startTime: 120.44 }, { name: 'first-contentful-paint', startTime: 130 }]);
    FakeObserver.push('longtask', [
      { name: 'self', startTime: 200, duration: 120, attribution: [{ containerType: 'window' }] },
      { name: 'self', startTime: 400, duration: 70 },
      { name: 'self', startTime: 600, duration: 250 },
    ]);
    window.dispatchEvent(new Event('pagehide'));
    await Promise.resolve();
    await flush();
    const v = net.events('vital');
    expect(v.find((e) => e.name === 'FP')).toMatchObject({ value: 120.4, rating: 'good' });
    const lt = v.filter((e) => e.name === 'longtask');
    expect(lt).toHaveLength(2); // capped
    expect(lt[0]).toMatchObject({ value: 120, duration: 120, start: 200, attribution: { name: 'self', containerType: 'window' } });
    expect(v.find((e) => e.name === 'TBT')).toMatchObject({ value: 70 + 20 + 200, longTasks: 3, rating: 'needs-improvement' });
  });

  it('starts TBT over after a bfcache restore, like web-vitals starts CLS and INP over', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [vitalsIntegration()] });
    FakeObserver.push('paint', [{ name: 'first-contentful-paint', startTime: 100 }]);
    FakeObserver.push('longtask', [{ name: 'self', startTime: 200, duration: 120 }]);
    window.dispatchEvent(new Event('pagehide'));
    // Restored: web-vitals reports TTFB 0 at once with navigationType 'back-forward-cache'.
    callbacks.TTFB!({ name: 'TTFB', value: 0, rating: 'good', delta: 0, id: 'v5-9', navigationType: 'back-forward-cache', entries: [], attribution: {} });
    window.dispatchEvent(new Event('pagehide')); // no long task since the restore: TBT 0
    FakeObserver.push('longtask', [{ name: 'self', startTime: 5000, duration: 90 }]);
    window.dispatchEvent(new Event('pagehide'));
    await Promise.resolve();
    await flush();
    const tbt = net.events('vital').filter((e) => e.name === 'TBT');
    expect(tbt.map((e) => [e.value, e.longTasks])).toEqual([[70, 1], [0, 0], [40, 1]]);
  });

  it('sends slow and failed resources individually and one summary for all', async () => {
    initWithoutDefaults({ dsn: DSN, integrations: [vitalsIntegration({ slowResourceThreshold: 1000, maxResourceEvents: 3 })] });
    const entries = Array.from({ length: 300 }, (_, i) => ({
      name: `https://cdn.example.com/img/${i}.png?sig=abc`, initiatorType: i % 3 ? 'img' : 'script', duration: i < 5 ? 1500 : 20,
      transferSize: 1000, startTime: 10, responseStart: 15, responseStatus: i === 299 ? 404 : 200,
    }));
    entries.push({ name: 'http://127.0.0.1:9999/api/3/events?key=pk', initiatorType: 'fetch', duration: 5000, transferSize: 0, startTime: 0, responseStart: 0, responseStatus: 204 });
    FakeObserver.push('resource', entries);
    window.dispatchEvent(new Event('pagehide'));
    await Promise.resolve();
    await flush();
    const res = net.events('resource');
    expect(res).toHaveLength(3); // capped
    expect(res[0]).toMatchObject({ type: 'resource', name: 'script', url: 'https://cdn.example.com/img/0.png', duration: 1500, slow: true, size: 1000, status: 200, ttfb: 5 });
    const summary = net.events('vital').find((e) => e.name === 'resources')!;
    expect(summary.value).toBe(300); // the SDK's own request is not counted
    const byType = summary.byType as Record<string, { count: number; bytes: number; slow: number; failed: number }>;
    expect(byType.script!.count + byType.img!.count).toBe(300);
    expect(byType.img!.failed).toBe(1);
    expect(byType.script!.slow + byType.img!.slow).toBe(5);
    expect(net.events().length).toBeLessThan(10);
  });

  it('computes the navigation timing breakdown relative to activation', () => {
    const e = {
      redirectStart: 0, redirectEnd: 0, domainLookupStart: 10, domainLookupEnd: 25, connectStart: 25, connectEnd: 60, secureConnectionStart: 40,
      requestStart: 61, responseStart: 161, responseEnd: 201, domInteractive: 300, domContentLoadedEventEnd: 350, loadEventEnd: 500, transferSize: 4096,
    } as unknown as PerformanceNavigationTiming;
    expect(navigationBreakdown(e, 0)).toEqual({ redirect: 0, dns: 15, tcp: 35, tls: 20, request: 100, response: 40, ttfb: 161, domInteractive: 300, domReady: 350, load: 500, transferSize: 4096 });
    expect(navigationBreakdown(e, 200)).toMatchObject({ ttfb: 0, domReady: 150, load: 300 });
  });
});
