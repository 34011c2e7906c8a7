/**
 * behaviourIntegration: page views, SPA route changes with dwell time, clicks (selector path and
 * short text, never input values), and breadcrumbs for each.
 */
import { addRouteHandler, clickTarget, navigationType, selectorPath, shortText, whenActivated } from '@vigil/browser-utils';
import type { Integration, VigilEvent } from '@vigil/core';

export interface BehaviourOptions {
  /** Send a `pageview` on load and bfcache restore. Default true. */
  pageviews?: boolean;
  /** Send a `route` event on pushState/replaceState/popstate/hashchange and on leaving. Default true. */
  routes?: boolean;
  /** Send a `click` event per click. Default true (breadcrumbs are kept either way). */
  clicks?: boolean;
}

export function behaviourIntegration(options: BehaviourOptions = {}): Integration {
  return {
    name: 'behaviour',
    setup(client) {
      const g = <A extends unknown[]>(fn: (...a: A) => void) => client.guard('behaviour', fn);
      const offs: Array<() => void> = [];
      let routeStart = Date.now();
      const on = (target: EventTarget, type: string, fn: (e: Event) => void, capture = true): void => {
        target.addEventListener(type, fn, capture);
        offs.push(() => target.removeEventListener(type, fn, capture));
      };
      const pageview = (navType: string): void => {
        routeStart = Date.now();
        if (options.pageviews === false) return;
        client.capture({ type: 'pageview', url: location.href, navigationType: navType, referrer: document.referrer || undefined });
      };
      whenActivated(g(() => pageview(navigationType())));
      on(window, 'pageshow', g((e: Event) => {
        if ((e as PageTransitionEvent).persisted) pageview('back-forward-cache');
      }));

      offs.push(
        addRouteHandler(
          g((from: string, to: string, trigger: string) => {
            const t = Date.now();
            const dwell = t - routeStart;
            routeStart = t;
            client.addBreadcrumb({ category: 'route', message: to, data: { from, trigger } });
            if (options.routes === false) return;
            client.capture({ type: 'route', url: to, from, trigger, duration: dwell, referrer: from });
          }),
        ),
      );
      on(window, 'pagehide', g(() => {
        if (options.routes === false) return;
        client.capture({ type: 'route', url: location.href, exit: true, duration: Date.now() - routeStart });
      }));

      let lastEl: Element | null = null;
      let lastRaw: EventTarget | null = null;
      let lastAt = 0;
      on(document, 'click', g((e: Event) => {
        const el = clickTarget(e.target as Element | null);
        if (!el || !el.tagName) return;
        const t = Date.now();
        // A click on a <label> is followed by a synthetic click on its input: one user click.
        if (el === lastEl && e.target !== lastRaw && t - lastAt < 50) return;
        lastEl = el;
        lastRaw = e.target;
        lastAt = t;
        const selector = selectorPath(el);
        const text = shortText(el);
        client.addBreadcrumb({ category: 'click', message: selector, data: text ? { text } : undefined });
        if (options.clicks === false) return;
        const ev: Partial<VigilEvent> & { type: 'click' } = { type: 'click', name: selector };
        if (text) ev.text = text;
        const me = e as MouseEvent;
        if (typeof me.clientX === 'number') {
          ev.x = Math.round(me.clientX);
          ev.y = Math.round(me.clientY);
        }
        client.capture(ev);
      }));
      return () => offs.forEach((f) => f());
    },
  };
}
