/** console.error / console.warn instrumentation (opt-in, used by the errors integration). */
import { originalConsole } from '@vigil/core';

export type ConsoleHandler = (level: 'error' | 'warn', args: unknown[]) => void;

const handlers: ConsoleHandler[] = [];
let patched = false;
let inside = false;

export function addConsoleHandler(handler: ConsoleHandler): () => void {
  handlers.push(handler);
  if (!patched && typeof console !== 'undefined') {
    patched = true;
    for (const level of ['error', 'warn'] as const) {
      const orig = console[level];
      originalConsole[level] = orig;
      console[level] = function (...args: unknown[]) {
        if (!inside) {
          inside = true; // a handler that logs must not recurse
          for (const h of handlers.slice()) {
            try {
              h(level, args);
            } catch {
              /* guarded by the client */
            }
          }
          inside = false;
        }
        return orig.apply(console, args);
      };
    }
  }
  return () => {
    const i = handlers.indexOf(handler);
    if (i !== -1) handlers.splice(i, 1);
  };
}
