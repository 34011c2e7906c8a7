import { useMemo } from 'react';
import type { Issue, Overview } from '../api';
import { IssueTable } from './Issues';
import { Chart, timeSeriesOption } from '../components/Chart';
import { Async, Badge, Panel, Stat } from '../components/ui';
import { useApp } from '../context';
import { change, fmtNum, fmtPct, fmtVital, rate, VITALS } from '../format';
import { useApi, useRange, type Fetched } from '../hooks';
import { useI18n, type Key } from '../i18n';
import { NavLink } from '../Layout';
import { useLocation } from '../router';
import { analyticsQuery } from '../timerange';

/** "+12.5%" with a colour telling whether the change is good. */
export function Trend({ cur, prev, higherIsBetter = true }: { cur: number | null | undefined; prev: number | null | undefined; higherIsBetter?: boolean }) {
  const { t } = useI18n();
  const c = change(cur, prev);
  if (c === null) return <span className="trend muted">– {t('overview.vsPrevious')}</span>;
  const good = c === 0 ? undefined : (c > 0) === higherIsBetter;
  return (
    <span className={`trend ${good === undefined ? '' : good ? 'trend-good' : 'trend-bad'}`}>
      {c > 0 ? '▲' : c < 0 ? '▼' : '•'} {(Math.abs(c) * 100).toFixed(1)}% <span className="muted">{t('overview.vsPrevious')}</span>
    </span>
  );
}

export function OverviewView({ d }: { d: Overview }) {
  const { t, lang } = useI18n();
  const p = d.previous ?? {};
  const { from, to } = useRange();
  const series = useMemo(
    () =>
      timeSeriesOption([
        { name: t('overview.pageviews'), data: d.series?.pageviews ?? [], area: true },
        { name: t('overview.errors'), data: d.series?.errors ?? [] },
      ], 'count', { from, to }),
    [d, t, from, to],
  );
  const stats: { key: Key; v: string; cur: number; prev?: number; good?: boolean; id: string }[] = [
    { id: 'pageviews', key: 'overview.pageviews', v: fmtNum(d.pageviews, lang), cur: d.pageviews, prev: p.pageviews },
    { id: 'users', key: 'overview.users', v: fmtNum(d.users, lang), cur: d.users, prev: p.users },
    { id: 'sessions', key: 'overview.sessions', v: fmtNum(d.sessions, lang), cur: d.sessions, prev: p.sessions },
    { id: 'errors', key: 'overview.errors', v: fmtNum(d.errors, lang), cur: d.errors, prev: p.errors, good: false },
    { id: 'error_rate', key: 'overview.errorRate', v: fmtPct(d.error_rate), cur: d.error_rate, prev: p.error_rate, good: false },
    { id: 'crash_free', key: 'overview.crashFree', v: fmtPct(d.crash_free_sessions), cur: d.crash_free_sessions, prev: p.crash_free_sessions },
  ];
  return (
    <>
      <div className="stats">
        {stats.map((s) => (
          <Stat key={s.id} testId={`stat-${s.id}`} label={t(s.key)} value={s.v} sub={<Trend cur={s.cur} prev={s.prev} higherIsBetter={s.good !== false} />} />
        ))}
      </div>
      <Panel title={t('overview.vitals')}>
        <div className="stats vitals">
          {VITALS.map((m) => {
            const v = d.vitals?.[m];
            const r = v?.rating || rate(m, v?.p75);
            return (
              <NavLink key={m} to="/performance" extra={{ metric: m }} className="stat-link">
                <Stat
                  testId={`vital-${m}`}
                  kind={r}
                  label={m}
                  value={fmtVital(m, v?.p75)}
                  sub={
                    <>
                      {r ? <Badge kind={r}>{t(`rating.${r}` as Key)}</Badge> : null} <span className="muted">{v ? `${fmtNum(v.count, lang)} ${t('overview.samples')}` : ''}</span>
                      {v && v.previous_p75 !== undefined && (
                        <div>
                          <Trend cur={v.p75} prev={v.previous_p75} higherIsBetter={false} />
                        </div>
                      )}
                    </>
                  }
                />
              </NavLink>
            );
          })}
        </div>
      </Panel>
      <Panel title={t('overview.traffic')}>
        <Chart option={series} testId="overview-chart" />
      </Panel>
    </>
  );
}

export function OverviewPage() {
  const { project, now } = useApp();
  const loc = useLocation();
  const f = useApi<Overview>(project ? `/projects/${project.id}/overview?${analyticsQuery(loc.params, now)}` : null, now);
  const { from } = useRange();
  const top = useApi<{ issues: Issue[] }>(project ? `/projects/${project.id}/issues?status=unresolved&sort=count&limit=5&since=${from}` : null, now);
  return (
    <div className="page" data-testid="page-overview">
      <Async f={f}>{(d) => <OverviewView d={d} />}</Async>
      <TopIssues f={top} />
    </div>
  );
}

function TopIssues({ f }: { f: Fetched<{ issues: Issue[] }> }) {
  const { t } = useI18n();
  return (
    <Panel title={t('overview.topIssues')} actions={<NavLink to="/issues" extra={{ sort: 'count' }}>{t('issues.back')} →</NavLink>}>
      <Async f={f} empty={(d) => !d.issues?.length}>
        {(d) => <IssueTable issues={d.issues} sortable={false} />}
      </Async>
    </Panel>
  );
}
