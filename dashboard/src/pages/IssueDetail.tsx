import { useCallback, useEffect, useState } from 'react';
import { ApiError, put, type Issue, type StoredEvent, type TagCounts, type User } from '../api';
import { Async, BarList, Badge, ErrorState, Panel, SafeLink, Tabs } from '../components/ui';
import { useApp } from '../context';
import { fmtNum, fmtTime } from '../format';
import { useApi } from '../hooks';
import { useI18n, type Key } from '../i18n';
import { NavLink } from '../Layout';
import { setParams, useLocation } from '../router';
import { asText, eventData } from '../safe';
import { StatusBadge } from './Issues';

export interface Frame {
  url?: string;
  fn?: string;
  line?: number;
  col?: number;
  in_app?: boolean;
  pre_context?: string[];
  context_line?: string;
  post_context?: string[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : undefined);

/** Stack frames of an event's data, whatever the SDK that sent it called the fields. */
export function framesOf(data: Record<string, unknown>): Frame[] {
  const ex = (data.exception ?? {}) as Record<string, unknown>;
  const st = (data.stacktrace ?? ex.stacktrace ?? {}) as Record<string, unknown>;
  const raw = [data.frames, ex.frames, st.frames].find(Array.isArray) as unknown[] | undefined;
  if (!raw) return [];
  return raw
    .filter((f): f is Record<string, unknown> => !!f && typeof f === 'object')
    .map((f) => ({
      url: str(f.url) ?? str(f.filename) ?? str(f.abs_path),
      fn: str(f.fn) ?? str(f.function),
      line: num(f.line) ?? num(f.lineno),
      col: num(f.col) ?? num(f.colno),
      in_app: typeof f.in_app === 'boolean' ? f.in_app : undefined,
      pre_context: strs(f.pre_context),
      context_line: str(f.context_line),
      post_context: strs(f.post_context),
    }));
}

export interface Crumb {
  ts?: number;
  category: string;
  level?: string;
  message: string;
  data?: unknown;
}
export function breadcrumbsOf(data: Record<string, unknown>): Crumb[] {
  const raw = data.breadcrumbs;
  const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' && Array.isArray((raw as { values?: unknown }).values) ? (raw as { values: unknown[] }).values : [];
  return list
    .filter((c): c is Record<string, unknown> => !!c && typeof c === 'object')
    .map((c) => ({
      ts: num(c.ts) ?? (num(c.timestamp) !== undefined ? num(c.timestamp)! * (num(c.timestamp)! < 1e12 ? 1000 : 1) : undefined),
      category: str(c.category) ?? str(c.type) ?? '',
      level: str(c.level),
      message: str(c.message) ?? '',
      data: c.data,
    }));
}

export function StackTrace({ frames }: { frames: Frame[] }) {
  const { t } = useI18n();
  if (!frames.length) return <div className="state state-empty">{t('issues.noStack')}</div>;
  return (
    <ol className="frames" data-testid="stack">
      {frames.map((f, i) => (
        <li key={i} className={f.in_app === false ? 'frame not-app' : 'frame'}>
          <div className="frame-head">
            <code className="fn">{f.fn || '?'}</code> <span className="muted">at</span> <SafeLink url={f.url}>{f.url || '<unknown>'}</SafeLink>
            {f.line !== undefined && (
              <span className="muted">
                :{f.line}
                {f.col !== undefined ? `:${f.col}` : ''}
              </span>
            )}
          </div>
          {f.context_line !== undefined && (
            <pre className="source">
              {(f.pre_context ?? []).map((l, k, a) => (
                <div key={`p${k}`} className="src-line">
                  <span className="ln">{f.line !== undefined ? f.line - a.length + k : ''}</span>
                  {l}
                </div>
              ))}
              <div className="src-line current">
                <span className="ln">{f.line ?? ''}</span>
                {f.context_line}
              </div>
              {(f.post_context ?? []).map((l, k) => (
                <div key={`n${k}`} className="src-line">
                  <span className="ln">{f.line !== undefined ? f.line + k + 1 : ''}</span>
                  {l}
                </div>
              ))}
            </pre>
          )}
        </li>
      ))}
    </ol>
  );
}

export function Breadcrumbs({ crumbs }: { crumbs: Crumb[] }) {
  const { t, lang } = useI18n();
  if (!crumbs.length) return <div className="state state-empty">{t('issues.noBreadcrumbs')}</div>;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="breadcrumbs">
        <thead>
          <tr>
            <th>{t('common.time')}</th>
            <th>{t('issues.category')}</th>
            <th>{t('issues.level')}</th>
            <th>{t('issues.message')}</th>
          </tr>
        </thead>
        <tbody>
          {crumbs.map((c, i) => (
            <tr key={i}>
              <td className="nowrap">{c.ts ? fmtTime(c.ts, lang) : ''}</td>
              <td>
                <Badge>{c.category}</Badge>
              </td>
              <td>{c.level ?? ''}</td>
              <td className="crumb-msg">
                {c.message}
                {c.data !== undefined && c.data !== null && <div className="muted small mono">{asText(c.data)}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EventView({ ev }: { ev: StoredEvent }) {
  const { t, lang } = useI18n();
  const data = eventData(ev.data);
  const ex = (data.exception ?? {}) as Record<string, unknown>;
  const ctx: [string, unknown][] = [
    ['time', fmtTime(ev.ts, lang)],
    ['url', ev.url],
    ['release', ev.release],
    ['environment', ev.environment],
    ['browser', [ev.browser, ev.browser_version].filter(Boolean).join(' ')],
    ['os', [ev.os, ev.os_version].filter(Boolean).join(' ')],
    ['device', ev.device],
    ['country', [ev.country, ev.region, ev.city].filter(Boolean).join(' / ')],
    ['uid', ev.uid],
    ['sid', ev.sid],
    ['status', ev.status],
  ];
  return (
    <div className="event" data-testid="event">
      <div className="event-message" data-testid="event-message">
        {str(ex.type) && !(ev.message || '').startsWith(str(ex.type)!) && <strong>{str(ex.type)}: </strong>}
        {ev.message || str(ex.value) || ''}
      </div>
      <Panel title={t('issues.stack')}>
        <StackTrace frames={framesOf(data)} />
      </Panel>
      <Panel title={t('issues.breadcrumbs')}>
        <Breadcrumbs crumbs={breadcrumbsOf(data)} />
      </Panel>
      <Panel title={t('issues.context')}>
        <dl className="kv">
          {ctx
            .filter(([, v]) => v !== undefined && v !== null && v !== '')
            .map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{k === 'url' ? <SafeLink url={v} /> : asText(v)}</dd>
              </div>
            ))}
          {ev.uid && (
            <div>
              <dt />
              <dd>
                <NavLink to="/behaviour" extra={{ tab: 'timeline', uid: ev.uid }}>
                  {t('beh.timeline')} →
                </NavLink>
              </dd>
            </div>
          )}
        </dl>
      </Panel>
    </div>
  );
}

function Actions({ issue, onChanged }: { issue: Issue; onChanged: (i: Issue) => void }) {
  const { t } = useI18n();
  const { project } = useApp();
  const [release, setRelease] = useState(issue.last_release || '');
  const [err, setErr] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  // Everyone the issue can be assigned to (the project's members and the admins); any member may read it.
  const users = useApi<{ users: User[] }>(`/projects/${project!.id}/members`);
  const act = async (body: Record<string, unknown>) => {
    setBusy(true);
    setErr(null);
    try {
      const r = await put<Issue>(`/projects/${project!.id}/issues/${issue.id}`, body);
      onChanged(r && typeof r === 'object' && 'id' in r ? r : { ...issue, ...(body as Partial<Issue>) });
    } catch (e) {
      setErr(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  const open = issue.status === 'unresolved';
  return (
    <div className="issue-actions" data-testid="issue-actions">
      {open ? (
        <>
          <button type="button" className="primary" disabled={busy} onClick={() => act({ status: 'resolved' })}>
            {t('issues.resolve')}
          </button>
          <span className="inline-form">
            <input aria-label={t('issues.releasesSeen')} value={release} onChange={(e) => setRelease(e.target.value)} placeholder="app@1.2.3" size={12} />
            <button type="button" disabled={busy || !release} onClick={() => act({ status: 'resolved_in_release', release })}>
              {t('issues.resolveInRelease')}
            </button>
          </span>
          <select
            aria-label={t('issues.ignore')}
            disabled={busy}
            value=""
            onChange={(e) => {
              const v = e.target.value;
              if (v === 'forever') act({ status: 'ignored' });
              if (v === 'count') act({ status: 'ignored', ignore_until_count: 100 });
              if (v === '24h') act({ status: 'ignored', ignore_until: Date.now() + 86_400_000 });
            }}
          >
            <option value="">{t('issues.ignore')}…</option>
            <option value="forever">{t('issues.ignoreForever')}</option>
            <option value="count">{t('issues.ignore100')}</option>
            <option value="24h">{t('issues.ignore24h')}</option>
          </select>
        </>
      ) : (
        <button type="button" disabled={busy} onClick={() => act({ status: 'unresolved' })}>
          {t('issues.reopen')}
        </button>
      )}
      <label>
        {t('issues.assign')}{' '}
        <select
          data-testid="assign"
          disabled={busy || !users.data}
          value={issue.assignee ? String(issue.assignee) : ''}
          onChange={(e) => act({ assignee: e.target.value ? Number(e.target.value) : null })}
        >
          <option value="">{t('issues.unassigned')}</option>
          {(users.data?.users ?? []).map((u) => (
            <option key={u.id} value={u.id}>
              {u.email}
            </option>
          ))}
        </select>
      </label>
      {err && <ErrorState error={err} />}
    </div>
  );
}

export function IssueDetailPage({ id }: { id: string }) {
  const { t, lang } = useI18n();
  const { project, now } = useApp();
  const loc = useLocation();
  const base = `/projects/${project!.id}/issues/${encodeURIComponent(id)}`;
  const issueF = useApi<Issue>(base, now);
  const eventsF = useApi<{ events: StoredEvent[] }>(`${base}/events?limit=20`, now);
  const tagsF = useApi<TagCounts>(`${base}/tags`, now);
  // The answer of the last action, shown until the refetch it triggers arrives.
  const [local, setLocal] = useState<Issue | null>(null);
  useEffect(() => setLocal(null), [issueF.data]);
  const reloadIssue = issueF.reload;
  const onChanged = useCallback(
    (i: Issue) => {
      setLocal(i);
      reloadIssue();
    },
    [reloadIssue],
  );
  const tab = loc.params.get('tab') || 'event';
  return (
    <div className="page" data-testid="page-issue">
      <NavLink to="/issues" className="back">
        ← {t('issues.back')}
      </NavLink>
      <Async f={issueF}>
        {(fetched) => {
          const issue = local && local.id === fetched.id ? local : fetched;
          return (
            <>
              <header className="issue-head">
                <h1 data-testid="issue-title">
                  <span className={`level level-${issue.level}`} /> {issue.title}
                </h1>
                <div className="muted">{issue.culprit}</div>
                <div className="issue-meta">
                  <StatusBadge issue={issue} />
                  <span>
                    {t('common.count')}: <strong>{fmtNum(issue.count, lang)}</strong>
                  </span>
                  <span>
                    {t('common.users')}: <strong>{fmtNum(issue.users, lang)}</strong>
                  </span>
                  <span>
                    {t('issues.firstSeen')}: {fmtTime(issue.first_seen, lang)} {issue.first_release && <Badge>{issue.first_release}</Badge>}
                  </span>
                  <span>
                    {t('issues.lastSeen')}: {fmtTime(issue.last_seen, lang)} {issue.last_release && <Badge>{issue.last_release}</Badge>}
                  </span>
                </div>
                <Actions issue={issue} onChanged={onChanged} />
              </header>
            </>
          );
        }}
      </Async>
      <Tabs
        tabs={[
          { key: 'event', label: t('issues.event') },
          { key: 'events', label: t('issues.latestEvents') },
          { key: 'tags', label: t('issues.tags') },
        ]}
        value={tab as 'event'}
        onChange={(k) => setParams({ tab: k === 'event' ? null : k }, { replace: true })}
      />
      {tab === 'event' && (
        <div className="issue-body">
          <Async f={eventsF} empty={(d) => !d.events?.length}>
            {(d) => {
              const sel = d.events.find((e) => e.event_id === loc.params.get('event')) ?? d.events[0];
              return <EventView ev={sel} />;
            }}
          </Async>
          <aside className="issue-side">
            <Async f={tagsF}>
              {(tags) => (
                <>
                  <Panel title={t('issues.releases')}>
                    <BarList items={(tags.release ?? []).map((x) => ({ label: x.value, count: x.count }))} />
                  </Panel>
                  <Panel title={t('issues.browsers')}>
                    <BarList items={(tags.browser ?? []).map((x) => ({ label: x.value, count: x.count }))} />
                  </Panel>
                </>
              )}
            </Async>
          </aside>
        </div>
      )}
      {tab === 'events' && (
        <Async f={eventsF} empty={(d) => !d.events?.length}>
          {(d) => (
            <div className="table-wrap">
              <table className="data" data-testid="issue-events">
                <thead>
                  <tr>
                    <th>{t('common.time')}</th>
                    <th>{t('issues.message')}</th>
                    <th>release</th>
                    <th>{t('common.browser')}</th>
                    <th>URL</th>
                  </tr>
                </thead>
                <tbody>
                  {d.events.map((e) => (
                    <tr key={e.event_id}>
                      <td className="nowrap">
                        <button type="button" className="linklike" onClick={() => setParams({ tab: null, event: e.event_id })}>
                          {fmtTime(e.ts, lang)}
                        </button>
                      </td>
                      <td>{e.message}</td>
                      <td>{e.release}</td>
                      <td>{[e.browser, e.browser_version].filter(Boolean).join(' ')}</td>
                      <td className="url-cell">
                        <SafeLink url={e.url} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Async>
      )}
      {tab === 'tags' && (
        <Async f={tagsF}>
          {(tags) => (
            <div className="grid2">
              {Object.entries(tags).map(([k, vals]) => (
                <Panel key={k} title={k}>
                  <BarList items={(Array.isArray(vals) ? vals : []).map((x) => ({ label: x.value, count: x.count }))} />
                </Panel>
              ))}
            </div>
          )}
        </Async>
      )}
    </div>
  );
}

