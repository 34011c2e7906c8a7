import { useEffect, useState } from 'react';
import type { StoredEvent } from '../api';
import { Async, BarList, Badge, DataTable, Panel, SafeLink, Tabs } from '../components/ui';
import { useApp } from '../context';
import { fmtMs, fmtNum, fmtTime } from '../format';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { FilterLink, NavLink } from '../Layout';
import { setParams, useLocation } from '../router';
import { asText } from '../safe';
import { analyticsQuery } from '../timerange';

interface Pages { pages: { path: string; views: number; users: number; avg_dwell_ms?: number | null; median_dwell_ms?: number | null }[] }
interface Flows { flows: { from: string; to: string; count: number }[] }
interface Clicks { clicks: { selector: string; text: string; count: number }[] }
interface Custom { events: { name: string; count: number; users: number; props: Record<string, { value: string; count: number }[]> }[] }

const TABS = ['pages', 'flows', 'clicks', 'custom', 'timeline'] as const;
type Tab = (typeof TABS)[number];

export function Timeline({ events }: { events: StoredEvent[] }) {
  const { lang } = useI18n();
  return (
    <ol className="timeline" data-testid="timeline">
      {events.map((e, i) => (
        <li key={e.event_id || i} className={`tl-${e.type}`}>
          <span className="nowrap muted">{fmtTime(e.ts, lang)}</span> <Badge kind={e.type === 'error' ? 'poor' : undefined}>{e.type}</Badge> <strong>{e.name ?? ''}</strong>{' '}
          {e.type === 'error' ? (
            e.issue_id ? (
              <NavLink to={`/issues/${e.issue_id}`}>{e.message ?? ''}</NavLink>
            ) : (
              <span>{e.message ?? ''}</span>
            )
          ) : e.message ? (
            <span>{e.message}</span>
          ) : null}{' '}
          {e.value !== null && e.value !== undefined && <span className="muted">{e.name === 'CLS' ? e.value : fmtMs(e.value)}</span>}{' '}
          {e.url && (
            <span className="muted url-text">
              <SafeLink url={e.url} />
            </span>
          )}
        </li>
      ))}
    </ol>
  );
}

function TimelineTab() {
  const { t } = useI18n();
  const { project } = useApp();
  const loc = useLocation();
  const uid = loc.params.get('uid') || '';
  const sid = loc.params.get('sid') || '';
  const [kind, setKind] = useState<'uid' | 'sid'>(sid ? 'sid' : 'uid');
  const [value, setValue] = useState(sid || uid);
  useEffect(() => {
    setKind(sid ? 'sid' : 'uid');
    setValue(sid || uid);
  }, [uid, sid]);
  const q = sid ? `sid=${encodeURIComponent(sid)}` : uid ? `uid=${encodeURIComponent(uid)}` : null;
  const f = useApi<{ events: StoredEvent[] }>(q ? `/projects/${project!.id}/behaviour/timeline?${q}` : null);
  return (
    <Panel title={t('beh.timeline')}>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ uid: kind === 'uid' ? value : null, sid: kind === 'sid' ? value : null });
        }}
      >
        <select value={kind} onChange={(e) => setKind(e.target.value as 'uid' | 'sid')} aria-label="id kind">
          <option value="uid">uid</option>
          <option value="sid">sid</option>
        </select>
        <input data-testid="timeline-id" value={value} onChange={(e) => setValue(e.target.value)} placeholder={t('beh.timelineHelp')} size={40} />
        <button type="submit">{t('beh.show')}</button>
      </form>
      {q ? <Async f={f} empty={(d) => !d.events?.length}>{(d) => <Timeline events={d.events} />}</Async> : <p className="muted">{t('beh.timelineHelp')}</p>}
    </Panel>
  );
}

export function BehaviourPage() {
  const { t, lang } = useI18n();
  const { project, now } = useApp();
  const loc = useLocation();
  const tab = (TABS as readonly string[]).includes(loc.params.get('tab') || '') ? (loc.params.get('tab') as Tab) : 'pages';
  const base = `/projects/${project!.id}/behaviour`;
  const qs = analyticsQuery(loc.params, now);
  const pages = useApi<Pages>(tab === 'pages' ? `${base}/pages?${qs}` : null, now);
  const flows = useApi<Flows>(tab === 'flows' ? `${base}/flows?${qs}` : null, now);
  const clicks = useApi<Clicks>(tab === 'clicks' ? `${base}/clicks?${qs}` : null, now);
  const custom = useApi<Custom>(tab === 'custom' ? `${base}/custom?${qs}` : null, now);
  return (
    <div className="page" data-testid="page-behaviour">
      <Tabs tabs={TABS.map((k) => ({ key: k, label: t(`beh.${k}`) }))} value={tab} onChange={(k) => setParams({ tab: k === 'pages' ? null : k })} />
      {tab === 'pages' && (
        <Panel title={t('beh.pages')}>
          <Async f={pages}>
            {(d) => (
              <DataTable
                rows={d.pages ?? []}
                initialSort="views"
                columns={[
                  { key: 'path', label: t('common.path'), render: (x) => <FilterLink k="path" v={x.path} />, sort: (x) => x.path },
                  { key: 'views', label: t('beh.views'), align: 'right', sort: (x) => x.views, render: (x) => fmtNum(x.views, lang) },
                  { key: 'users', label: t('common.users'), align: 'right', sort: (x) => x.users, render: (x) => fmtNum(x.users, lang) },
                  { key: 'dwell', label: t('beh.avgDwell'), align: 'right', sort: (x) => x.avg_dwell_ms ?? x.median_dwell_ms ?? -1, render: (x) => fmtMs(x.avg_dwell_ms ?? x.median_dwell_ms) },
                ]}
              />
            )}
          </Async>
        </Panel>
      )}
      {tab === 'flows' && (
        <Panel title={t('beh.flows')}>
          <Async f={flows}>
            {(d) => (
              <DataTable
                rows={d.flows ?? []}
                initialSort="count"
                columns={[
                  { key: 'from', label: t('beh.fromRoute'), sort: (x) => x.from, className: 'mono' },
                  { key: 'arrow', label: '', render: () => '→' },
                  { key: 'to', label: t('beh.toRoute'), sort: (x) => x.to, className: 'mono' },
                  { key: 'count', label: t('common.count'), align: 'right', sort: (x) => x.count },
                ]}
              />
            )}
          </Async>
        </Panel>
      )}
      {tab === 'clicks' && (
        <Panel title={t('beh.clicks')}>
          <Async f={clicks}>
            {(d) => (
              <DataTable
                rows={d.clicks ?? []}
                initialSort="count"
                columns={[
                  { key: 'selector', label: t('beh.selector'), sort: (x) => x.selector, className: 'mono url-cell' },
                  { key: 'text', label: t('beh.text'), sort: (x) => x.text },
                  { key: 'count', label: t('common.count'), align: 'right', sort: (x) => x.count },
                ]}
              />
            )}
          </Async>
        </Panel>
      )}
      {tab === 'custom' && (
        <Async f={custom} empty={(d) => !d.events?.length}>
          {(d) => (
            <div className="grid2">
              {d.events.map((e) => (
                <Panel key={e.name} title={e.name}>
                  <p>
                    {t('common.count')}: <strong>{fmtNum(e.count, lang)}</strong> · {t('common.users')}: <strong>{fmtNum(e.users, lang)}</strong>
                  </p>
                  {Object.entries(e.props ?? {}).map(([k, vals]) => (
                    <div key={k} className="prop">
                      <h3 className="mono">{k}</h3>
                      <BarList items={(vals ?? []).map((v) => ({ label: asText(v.value), count: v.count }))} />
                    </div>
                  ))}
                </Panel>
              ))}
            </div>
          )}
        </Async>
      )}
      {tab === 'timeline' && <TimelineTab />}
    </div>
  );
}
