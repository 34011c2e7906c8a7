import { useCallback, useEffect, useRef, useState } from 'react';
import { get } from './api';
import { useApp } from './context';
import { useLocation } from './router';
import { resolveRange, type Range } from './timerange';

export interface Fetched<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/** GETs `/api/v1` + path whenever path (or `tick`) changes; null path: nothing to load. */
export function useApi<T>(path: string | null, tick = 0): Fetched<T> {
  const [state, setState] = useState<{ data?: T; error: Error | null; loading: boolean; key?: string }>({ error: null, loading: !!path });
  const [bump, setBump] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    if (!path) {
      setState({ error: null, loading: false });
      return;
    }
    const my = ++seq.current;
    // Keep showing the previous data while the same view refreshes; clear it when the view changed.
    // A refresh of a preset range only moves from/to: keep the data on screen until the answer.
    setState((s) => ({ data: s.key && sameView(s.key, path) ? s.data : undefined, error: null, loading: true, key: s.key }));
    get<T>(path).then(
      (data) => my === seq.current && setState({ data, error: null, loading: false, key: path }),
      (error: Error) => my === seq.current && setState({ error, loading: false, key: path }),
    );
  }, [path, tick, bump]);
  const reload = useCallback(() => setBump((b) => b + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function usePersisted<T extends string>(key: string, initial: T): [T, (v: T) => void] {
  const [v, setV] = useState<T>(() => {
    try {
      return (localStorage.getItem(key) as T) || initial;
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (nv: T) => {
      setV(nv);
      try {
        localStorage.setItem(key, nv);
      } catch {
        /* storage blocked */
      }
    },
    [key],
  );
  return [v, set];
}

/** Whether two API paths differ at most in their from/to parameters. */
export function sameView(a: string, b: string): boolean {
  const strip = (p: string) => p.replace(/([?&])(from|to)=\d+/g, '$1');
  return strip(a) === strip(b);
}

/** The time range the pages query (for chart axes). */
export function useRange(): Range {
  const { now } = useApp();
  const loc = useLocation();
  return resolveRange(loc.params, now);
}
