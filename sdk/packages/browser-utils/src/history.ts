/**
 * SPA navigation instrumentation: `history.pushState` / `replaceState` (patched), `popstate` and
 * `hashchange`. Handlers get the previous and the new URL, only when the URL actually changed.
 */
export type RouteHandler = (from: string, to: string, trigger: 'pushState' | 'replaceState' | 'popstate' | 'hashchange') => void;

const handlers: RouteHandler[] = [];
let patched = false;
let last = '';

function check(trigger: Parameters<RouteHandler>[2]): void {
  const to = location.href;
  if (to === last) return;
  const from = last;
  last = to;
  for (const h of handlers.slice()) {
    try {
      h(from, to, trigger);
    } catch {
      /* guarded by the client */
    }
  }
}

export function addRouteHandler(handler: RouteHandler): () => void {
  handlers.push(handler);
  if (!patched && typeof window !== 'undefined' && window.history) {
    patched = true;
    last = location.href;
    for (const m of ['pushState', 'replaceState'] as const) {
      const orig = history[m];
      history[m] = function (this: History, ...args: Parameters<History['pushState']>) {
        const r = orig.apply(this, args);
        check(m);
        return r;
      };
    }
    addEventListener('popstate', () => check('popstate'));
    addEventListener('hashchange', () => check('hashchange'));
  }
  return () => {
    const i = handlers.indexOf(handler);
    if (i !== -1) handlers.splice(i, 1);
  };
}
