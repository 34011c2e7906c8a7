import { useEffect, useState } from 'react';
import { put } from '../api';
import { ErrorState } from '../components/ui';
import type { Issue } from '../api';
import { Async, Badge } from '../components/ui';
import { useApp } from '../context';
import { fmtAgo, fmtNum, fmtTime } from '../format';
import { useApi, useRange } from '../hooks';
import { useI18n, type Key } from '../i18n';
import { NavLink } from '../Layout';
import { setParams, useLocation } from '../router';

export const PAGE_SIZE = 25;
const STATUSES = ['unresolved', 'resolved', 'resolved_in_release', 'ignored'];
const SORTS: { key: string; label: Key }[] = [
  { key: 'last_seen', label: 'issues.lastSeen' },
  { key: 'first_seen', label: 'issues.firstSeen' },
  { key: 'count', label: 'common.count' },
  { key: 'users', label: 'common.users' },
];

/** The issue list query of the URL; `since` (ms) limits it to issues seen in the time range. */
export function issuesQuery(params: URLSearchParams, since?: number): string {
  const status = params.get('status') ?? 'unresolved';
  const page = Math.max(0, Number(params.get('page') || 0) | 0);
  const q = new URLSearchParams({ sort: params.get('sort') || 'last_seen', limit: String(PAGE_SIZE + 1), offset: String(page * PAGE_SIZE) });
  if (status && status !== 'all') q.set('status', status);
  const search = params.get('q');
  if (search) q.set('query', search);
  if (since) q.set('since', String(since));
  return q.toString();
}

export function StatusBadge({ issue }: { issue: Issue }) {
  const { t } = useI18n();
  return (
    <>
      <Badge kind={`status-${issue.status}`}>
        {t(`issues.status.${issue.status}` as Key) || issue.status}
        {issue.status === 'resolved_in_release' && issue.resolved_in_release ? ` ${issue.resolved_in_release}` : ''}
      </Badge>
      {issue.regressed && <Badge kind="poor">{t('issues.regressed')}</Badge>}
    </>
  );
}

export interface Selection {
  selected: Set<number>;
  setSelected: (s: Set<number>) => void;
}

export function IssueTable({ issues, sortable = true, selection }: { issues: Issue[]; sortable?: boolean; selection?: Selection }) {
  const { t, lang } = useI18n();
  const loc = useLocation();
  const sort = loc.params.get('sort') || 'last_seen';
  const header = (key: string, label: Key) =>
    !sortable ? (
      <th className="num">{t(label)}</th>
    ) : (
    <th className={`num sortable`} aria-sort={sort === key ? 'descending' : undefined}>
      <button type="button" onClick={() => setParams({ sort: key, page: null })}>
        {t(label)}
        {sort === key ? ' ▾' : ''}
      </button>
    </th>
  );
  return (
    <div className="table-wrap">
      <table className="data issues" data-testid="issues-table">
        <thead>
          <tr>
            {selection && (
              <th>
                <input
                  type="checkbox"
                  aria-label={t('common.all')}
                  checked={issues.length > 0 && issues.every((i) => selection.selected.has(i.id))}
                  onChange={(e) => selection.setSelected(new Set(e.target.checked ? issues.map((i) => i.id) : []))}
                />
              </th>
            )}
            <th>{t('issues.title')}</th>
            <th>{t('common.status')}</th>
            {header('count', 'common.count')}
            {header('users', 'common.users')}
            {header('first_seen', 'issues.firstSeen')}
            {header('last_seen', 'issues.lastSeen')}
          </tr>
        </thead>
        <tbody>
          {issues.map((i) => (
            <tr key={i.id}>
              {selection && (
                <td>
                  <input
                    type="checkbox"
                    aria-label={`select ${i.id}`}
                    checked={selection.selected.has(i.id)}
                    onChange={(e) => {
                      const n = new Set(selection.selected);
                      if (e.target.checked) n.add(i.id);
                      else n.delete(i.id);
                      selection.setSelected(n);
                    }}
                  />
                </td>
              )}
              <td className="issue-title-cell">
                <NavLink to={`/issues/${i.id}`} className="issue-link">
                  <span className={`level level-${i.level}`} title={i.level} />
                  <span className="issue-title">{i.title}</span>
                </NavLink>
                <div className="muted small">
                  {i.culprit} {i.last_release ? `· ${i.last_release}` : ''}
                </div>
              </td>
              <td>
                <StatusBadge issue={i} />
              </td>
              <td className="num">{fmtNum(i.count, lang)}</td>
              <td className="num">{fmtNum(i.users, lang)}</td>
              <td className="num" title={fmtTime(i.first_seen, lang)}>
                {fmtAgo(i.first_seen, Date.now(), lang)}
              </td>
              <td className="num" title={fmtTime(i.last_seen, lang)}>
                {fmtAgo(i.last_seen, Date.now(), lang)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function IssuesPage() {
  const { t } = useI18n();
  const { project, now } = useApp();
  const loc = useLocation();
  const status = loc.params.get('status') ?? 'unresolved';
  const page = Math.max(0, Number(loc.params.get('page') || 0) | 0);
  const [search, setSearch] = useState(loc.params.get('q') || '');
  useEffect(() => setSearch(loc.params.get('q') || ''), [loc.params]);
  const { from } = useRange();
  const f = useApi<{ issues: Issue[] }>(project ? `/projects/${project.id}/issues?${issuesQuery(loc.params, from)}` : null, now);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [bulkError, setBulkError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setSelected(new Set()), [f.data]);
  const bulk = async (body: Record<string, unknown>) => {
    setBusy(true);
    setBulkError(null);
    try {
      for (const id of selected) await put(`/projects/${project!.id}/issues/${id}`, body);
    } catch (e) {
      setBulkError(e as Error);
    } finally {
      setBusy(false);
      f.reload();
    }
  };
  return (
    <div className="page" data-testid="page-issues">
      <div className="filters-row">
        <div className="tabs" role="tablist">
          {['all', ...STATUSES].map((s) => (
            <button key={s} type="button" role="tab" aria-selected={status === s} className={status === s ? 'active' : ''} onClick={() => setParams({ status: s === 'unresolved' ? null : s, page: null })}>
              {s === 'all' ? t('common.all') : t(`issues.status.${s}` as Key)}
            </button>
          ))}
        </div>
        <form
          className="search"
          onSubmit={(e) => {
            e.preventDefault();
            setParams({ q: search || null, page: null });
          }}
        >
          <input type="search" data-testid="issue-search" placeholder={t('issues.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />
          <button type="submit">{t('common.search')}</button>
        </form>
        <label>
          {t('issues.sort')}{' '}
          <select value={loc.params.get('sort') || 'last_seen'} onChange={(e) => setParams({ sort: e.target.value, page: null })}>
            {SORTS.map((s) => (
              <option key={s.key} value={s.key}>
                {t(s.label)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Async f={f}>
        {(d) => (
          <>
            {selected.size > 0 && (
              <div className="bulk-bar" data-testid="bulk-bar">
                <span>{selected.size} ✓</span>
                <button type="button" disabled={busy} onClick={() => bulk({ status: 'resolved' })}>
                  {t('issues.resolve')}
                </button>
                <button type="button" disabled={busy} onClick={() => bulk({ status: 'ignored' })}>
                  {t('issues.ignore')}
                </button>
                <button type="button" disabled={busy} onClick={() => bulk({ status: 'unresolved' })}>
                  {t('issues.reopen')}
                </button>
              </div>
            )}
            {bulkError && <ErrorState error={bulkError} />}
            {d.issues.length === 0 ? (
              <div className="state state-empty">{t('issues.none')}</div>
            ) : (
              <IssueTable issues={d.issues.slice(0, PAGE_SIZE)} selection={{ selected, setSelected }} />
            )}
            {(page > 0 || d.issues.length > PAGE_SIZE) && (
              <div className="pager">
                <button type="button" disabled={page === 0} onClick={() => setParams({ page: page - 1 || null })}>
                  {t('common.prev')}
                </button>
                <span>
                  {t('common.page')} {page + 1}
                </span>
                <button type="button" disabled={d.issues.length <= PAGE_SIZE} onClick={() => setParams({ page: page + 1 })}>
                  {t('common.next')}
                </button>
              </div>
            )}
          </>
        )}
      </Async>
    </div>
  );
}
