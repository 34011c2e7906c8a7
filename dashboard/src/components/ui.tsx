import { useMemo, useState, type ReactNode } from 'react';
import { ApiError } from '../api';
import type { Fetched } from '../hooks';
import { useI18n } from '../i18n';
import { safeHref } from '../safe';

export function Loading() {
  const { t } = useI18n();
  return (
    <div className="state state-loading" role="status" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      {t('common.loading')}
    </div>
  );
}

export function Empty({ text }: { text?: string }) {
  const { t } = useI18n();
  return <div className="state state-empty">{text ?? t('common.empty')}</div>;
}

export function ErrorState({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const { t } = useI18n();
  const missing = error instanceof ApiError && (error.status === 404 || error.status === 405 || error.status === 501) && error.code !== 'not_found_object';
  return (
    <div className="state state-error" role="alert">
      <strong>{t('common.error')}</strong>
      <span className="muted">
        {error instanceof ApiError ? `${error.status ? `HTTP ${error.status} · ` : ''}${error.code}${error.detail ? `: ${error.detail}` : ''}` : error.message}
      </span>
      {missing && <span className="muted">({t('common.notAvailable')})</span>}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

/** Renders a fetched value: spinner, error with retry, empty text, or `children(data)`. */
export function Async<T>({ f, empty, children }: { f: Fetched<T>; empty?: (d: T) => boolean; children: (d: T) => ReactNode }) {
  if (f.error) return <ErrorState error={f.error} onRetry={f.reload} />;
  if (f.data === undefined) return f.loading ? <Loading /> : <Empty />;
  if (empty && empty(f.data)) return <Empty />;
  return <>{children(f.data)}</>;
}

export function Panel({ title, actions, children, className }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`panel ${className ?? ''}`}>
      {(title || actions) && (
        <header className="panel-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="panel-actions">{actions}</div>}
        </header>
      )}
      <div className="panel-body">{children}</div>
    </section>
  );
}

/** A link only for http(s) URLs; anything else (javascript:, data:, …) is plain text. */
export function SafeLink({ url, children }: { url: unknown; children?: ReactNode }) {
  const h = safeHref(url);
  const text = children ?? (typeof url === 'string' ? url : '');
  if (!h) return <span className="url-text">{text}</span>;
  return (
    <a href={h} target="_blank" rel="noopener noreferrer nofollow">
      {text}
    </a>
  );
}

export function Tabs<K extends string>({ tabs, value, onChange }: { tabs: { key: K; label: ReactNode }[]; value: K; onChange: (k: K) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((tb) => (
        <button key={tb.key} type="button" role="tab" aria-selected={tb.key === value} className={tb.key === value ? 'active' : ''} onClick={() => onChange(tb.key)}>
          {tb.label}
        </button>
      ))}
    </div>
  );
}

export interface Column<R> {
  key: string;
  label: ReactNode;
  render?: (r: R) => ReactNode;
  /** Sort value; a column without one is not sortable. */
  sort?: (r: R) => number | string;
  align?: 'right' | 'left';
  className?: string;
}

/** A client-side sorted, paged table. */
export function DataTable<R>({
  rows,
  columns,
  pageSize = 20,
  initialSort,
  initialDesc = true,
  rowKey,
  emptyText,
  testId,
}: {
  rows: R[];
  columns: Column<R>[];
  pageSize?: number;
  initialSort?: string;
  initialDesc?: boolean;
  rowKey?: (r: R, i: number) => string | number;
  emptyText?: string;
  testId?: string;
}) {
  const { t } = useI18n();
  const [sortKey, setSortKey] = useState(initialSort);
  const [desc, setDesc] = useState(initialDesc);
  const [page, setPage] = useState(0);
  const sorted = useMemo(() => {
    const col = columns.find((c) => c.key === sortKey);
    if (!col?.sort) return rows;
    const s = col.sort;
    return [...rows].sort((a, b) => {
      const x = s(a);
      const y = s(b);
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return desc ? -c : c;
    });
  }, [rows, columns, sortKey, desc]);
  if (!rows.length) return <Empty text={emptyText} />;
  const pages = Math.max(1, Math.ceil(sorted.length / pageSize));
  const p = Math.min(page, pages - 1);
  const shown = sorted.slice(p * pageSize, (p + 1) * pageSize);
  return (
    <div className="table-wrap" data-testid={testId}>
      <table className="data">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} className={`${c.align === 'right' ? 'num' : ''} ${c.sort ? 'sortable' : ''}`} aria-sort={sortKey === c.key ? (desc ? 'descending' : 'ascending') : undefined}>
                {c.sort ? (
                  <button
                    type="button"
                    onClick={() => {
                      if (sortKey === c.key) setDesc(!desc);
                      else {
                        setSortKey(c.key);
                        setDesc(true);
                      }
                    }}
                  >
                    {c.label}
                    {sortKey === c.key ? (desc ? ' ▾' : ' ▴') : ''}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={rowKey ? rowKey(r, i) : i}>
              {columns.map((c) => (
                <td key={c.key} className={`${c.align === 'right' ? 'num' : ''} ${c.className ?? ''}`}>
                  {c.render ? c.render(r) : String((r as Record<string, unknown>)[c.key] ?? '')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {pages > 1 && (
        <div className="pager">
          <button type="button" disabled={p === 0} onClick={() => setPage(p - 1)}>
            {t('common.prev')}
          </button>
          <span>
            {p + 1} / {pages}
          </span>
          <button type="button" disabled={p >= pages - 1} onClick={() => setPage(p + 1)}>
            {t('common.next')}
          </button>
        </div>
      )}
    </div>
  );
}

/** Horizontal bars of value counts (tag distributions, status codes). */
export function BarList({ items, format }: { items: { label: string; count: number }[]; format?: (n: number) => string }) {
  if (!items.length) return <Empty />;
  const total = items.reduce((a, b) => a + b.count, 0) || 1;
  const max = Math.max(...items.map((i) => i.count), 1);
  return (
    <ul className="barlist">
      {items.map((i, k) => (
        <li key={k}>
          <span className="bar" style={{ width: `${(i.count / max) * 100}%` }} />
          <span className="bar-label">{i.label || '–'}</span>
          <span className="bar-value">
            {format ? format(i.count) : i.count} <span className="muted">({Math.round((i.count / total) * 100)}%)</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Badge({ kind, children }: { kind?: string; children: ReactNode }) {
  return <span className={`badge ${kind ? `badge-${kind}` : ''}`}>{children}</span>;
}

export function Stat({ label, value, sub, kind, testId }: { label: ReactNode; value: ReactNode; sub?: ReactNode; kind?: string; testId?: string }) {
  return (
    <div className={`stat ${kind ? `stat-${kind}` : ''}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub && <div className="stat-sub">{sub}</div>}
    </div>
  );
}
