import { useMemo } from 'react';
import type { LongTasks, Navigation, Performance, Resources } from '../api';
import { barOption, Chart, timeSeriesOption } from '../components/Chart';
import { Async, Badge, DataTable, Panel, SafeLink, Stat, Tabs } from '../components/ui';
import { useApp } from '../context';
import { countryName, fmtNum, fmtMs, fmtVital, rate, VITALS } from '../format';
import { useApi, useRange } from '../hooks';
import { useI18n, type Key } from '../i18n';
import { FilterLink } from '../Layout';
import { setParams, useLocation } from '../router';
import { analyticsQuery } from '../timerange';

const PCTS = ['p50', 'p75', 'p90', 'p95', 'p99'] as const;

export function MetricView({ d }: { d: Performance }) {
  const { t, lang } = useI18n();
  const m = d.metric;
  const unit = m === 'CLS' ? 'raw' : 'ms';
  const { from, to } = useRange();
  const series = useMemo(
    () => timeSeriesOption(PCTS.map((p, i) => ({ name: p, data: (d.series ?? []).map((row) => [row[0], row[i + 1] ?? null] as [number, number | null]) })), unit, { from, to }),
    [d, unit, from, to],
  );
  const hist = useMemo(
    () => barOption((d.histogram ?? []).map((b) => `${fmtVital(m, b.from)}–${fmtVital(m, b.to)}`), (d.histogram ?? []).map((b) => b.count), t('common.count')),
    [d, m, t],
  );
  const r = d.rating || rate(m, d.percentiles?.p75);
  const fmt = (v: number) => fmtVital(m, v);
  return (
    <>
      <div className="stats">
        {PCTS.map((p) => (
          <Stat key={p} testId={`pct-${p}`} label={`${m} ${p}`} value={fmtVital(m, d.percentiles?.[p])} kind={p === 'p75' ? r : undefined} sub={p === 'p75' && r ? <Badge kind={r}>{t(`rating.${r}` as Key)}</Badge> : undefined} />
        ))}
        <Stat label={t('common.count')} value={fmtNum(d.count, lang)} />
      </div>
      <div className="grid2">
        <Panel title={t('perf.overTime')}>
          <Chart option={series} testId="perf-series" />
        </Panel>
        <Panel title={t('perf.distribution')}>
          <Chart option={hist} testId="perf-histogram" />
        </Panel>
      </div>
      <div className="grid3">
        <Panel title={t('perf.byPage')}>
          <DataTable
            rows={d.by_page ?? []}
            pageSize={10}
            initialSort="count"
            columns={[
              { key: 'path', label: t('common.path'), render: (x) => <FilterLink k="path" v={x.path} />, sort: (x) => x.path },
              { key: 'count', label: t('common.count'), align: 'right', sort: (x) => x.count },
              { key: 'p75', label: 'p75', align: 'right', sort: (x) => x.p75, render: (x) => <span className={`rating-${rate(m, x.p75)}`}>{fmt(x.p75)}</span> },
            ]}
          />
        </Panel>
        <Panel title={t('perf.byBrowser')}>
          <DataTable
            rows={d.by_browser ?? []}
            pageSize={10}
            initialSort="count"
            columns={[
              { key: 'browser', label: t('common.browser'), render: (x) => <FilterLink k="browser" v={x.browser} />, sort: (x) => x.browser },
              { key: 'count', label: t('common.count'), align: 'right', sort: (x) => x.count },
              { key: 'p75', label: 'p75', align: 'right', sort: (x) => x.p75, render: (x) => <span className={`rating-${rate(m, x.p75)}`}>{fmt(x.p75)}</span> },
            ]}
          />
        </Panel>
        <Panel title={t('perf.byCountry')}>
          <DataTable
            testId="country-table"
            rows={d.by_country ?? []}
            pageSize={10}
            initialSort="count"
            columns={[
              { key: 'country', label: t('common.country'), render: (x) => <FilterLink k="country" v={x.country}>{countryName(x.country, lang)}</FilterLink>, sort: (x) => x.country },
              { key: 'count', label: t('common.count'), align: 'right', sort: (x) => x.count },
              { key: 'p75', label: 'p75', align: 'right', sort: (x) => x.p75, render: (x) => <span className={`rating-${rate(m, x.p75)}`}>{fmt(x.p75)}</span> },
            ]}
          />
        </Panel>
      </div>
    </>
  );
}

const NAV_PARTS = ['dns', 'tcp', 'tls', 'request', 'response', 'ttfb', 'dom_ready', 'load'] as const;

export function NavigationView({ d }: { d: Navigation }) {
  const { t } = useI18n();
  const parts = NAV_PARTS.filter((k) => k !== 'ttfb' || d.ttfb !== undefined);
  const max = Math.max(1, ...parts.map((k) => Number(d[k]) || 0));
  return (
    <ul className="barlist" data-testid="navigation">
      {parts.map((k) => (
        <li key={k}>
          <span className="bar" style={{ width: `${((Number(d[k]) || 0) / max) * 100}%` }} />
          <span className="bar-label">{t(`perf.${k}` as Key)}</span>
          <span className="bar-value">{fmtMs(d[k])}</span>
        </li>
      ))}
    </ul>
  );
}

export function PerformancePage() {
  const { t, lang } = useI18n();
  const { project, now } = useApp();
  const loc = useLocation();
  const metric = (VITALS as readonly string[]).includes(loc.params.get('metric') || '') ? loc.params.get('metric')! : 'LCP';
  const base = `/projects/${project!.id}/performance`;
  const perf = useApi<Performance>(`${base}?${analyticsQuery(loc.params, now, { metric })}`, now);
  const nav = useApi<Navigation>(`${base}/navigation?${analyticsQuery(loc.params, now)}`, now);
  const res = useApi<Resources>(`${base}/resources?${analyticsQuery(loc.params, now)}`, now);
  const lt = useApi<LongTasks>(`${base}/long-tasks?${analyticsQuery(loc.params, now)}`, now);
  const { from, to } = useRange();
  const ltOption = useMemo(() => timeSeriesOption([{ name: t('perf.longTaskCount'), data: lt.data?.series ?? [] }], 'count', { from, to }), [lt.data, t, from, to]);
  return (
    <div className="page" data-testid="page-performance">
      <Tabs tabs={VITALS.map((v) => ({ key: v, label: v }))} value={metric} onChange={(k) => setParams({ metric: k === 'LCP' ? null : k })} />
      <Async f={perf}>{(d) => <MetricView d={d} />}</Async>
      <div className="grid2">
        <Panel title={t('perf.navigation')}>
          <Async f={nav}>{(d) => <NavigationView d={d} />}</Async>
        </Panel>
        <Panel title={t('perf.longTasks')}>
          <Async f={lt}>
            {(d) => (
              <>
                <div className="stats">
                  <Stat label={t('perf.longTaskCount')} value={fmtNum(d.count, lang)} />
                  <Stat label={t('perf.tbt')} value={fmtMs(d.tbt?.p75)} />
                </div>
                <Chart option={ltOption} height={180} />
              </>
            )}
          </Async>
        </Panel>
      </div>
      <Panel title={t('perf.slowest')}>
        <Async f={res}>
          {(d) => (
            <DataTable
              testId="resources-table"
              rows={d.slowest ?? []}
              initialSort="p75"
              columns={[
                { key: 'url', label: t('perf.url'), className: 'url-cell', render: (x) => <SafeLink url={x.url} />, sort: (x) => x.url },
                { key: 'type', label: t('perf.type'), sort: (x) => x.type },
                { key: 'count', label: t('common.count'), align: 'right', sort: (x) => x.count },
                { key: 'p75', label: 'p75', align: 'right', sort: (x) => x.p75, render: (x) => fmtMs(x.p75) },
                { key: 'failed', label: t('perf.failed'), align: 'right', sort: (x) => x.failed },
              ]}
            />
          )}
        </Async>
      </Panel>
    </div>
  );
}
