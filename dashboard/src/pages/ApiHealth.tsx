import { useMemo } from 'react';
import type { ApiEndpoint } from '../api';
import { barOption, Chart } from '../components/Chart';
import { Async, Badge, DataTable, Panel } from '../components/ui';
import { useApp } from '../context';
import { fmtMs, fmtNum, fmtPct } from '../format';
import { useApi } from '../hooks';
import { useI18n } from '../i18n';
import { useLocation } from '../router';
import { analyticsQuery } from '../timerange';

const statusKind = (s: string) => (s.startsWith('5') || s === '0' ? 'poor' : s.startsWith('4') ? 'needs-improvement' : 'good');

export function ApiHealthView({ endpoints }: { endpoints: ApiEndpoint[] }) {
  const { t, lang } = useI18n();
  const totals = useMemo(() => {
    const m = new Map<string, number>();
    for (const e of endpoints) for (const [s, n] of Object.entries(e.statuses ?? {})) m.set(s, (m.get(s) ?? 0) + n);
    return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }, [endpoints]);
  const option = useMemo(() => barOption(totals.map((x) => x[0]), totals.map((x) => x[1]), t('common.count')), [totals, t]);
  return (
    <>
      <Panel title={t('api.endpoints')}>
        <DataTable
          testId="api-table"
          rows={endpoints}
          initialSort="error_rate"
          rowKey={(e) => `${e.method} ${e.pattern}`}
          columns={[
            { key: 'method', label: t('api.method'), render: (e) => <Badge>{e.method}</Badge>, sort: (e) => e.method },
            { key: 'pattern', label: t('api.pattern'), className: 'url-cell', render: (e) => <span className="mono">{e.pattern}</span>, sort: (e) => e.pattern },
            { key: 'count', label: t('common.count'), align: 'right', sort: (e) => e.count, render: (e) => fmtNum(e.count, lang) },
            { key: 'error_rate', label: t('api.errorRate'), align: 'right', sort: (e) => e.error_rate, render: (e) => <span className={e.error_rate > 0.05 ? 'rating-poor' : ''}>{fmtPct(e.error_rate)}</span> },
            { key: 'p75', label: 'p75', align: 'right', sort: (e) => e.p75, render: (e) => fmtMs(e.p75) },
            { key: 'p95', label: 'p95', align: 'right', sort: (e) => e.p95, render: (e) => fmtMs(e.p95) },
            {
              key: 'statuses',
              label: t('api.statusCodes'),
              render: (e) => (
                <span className="chips">
                  {Object.entries(e.statuses ?? {}).map(([s, n]) => (
                    <Badge key={s} kind={statusKind(s)}>
                      {s}: {n}
                    </Badge>
                  ))}
                </span>
              ),
            },
          ]}
        />
      </Panel>
      <Panel title={t('api.statusCodes')}>{totals.length ? <Chart option={option} height={220} /> : null}</Panel>
    </>
  );
}

export function ApiHealthPage() {
  const { project, now } = useApp();
  const loc = useLocation();
  const f = useApi<{ endpoints: ApiEndpoint[] }>(`/projects/${project!.id}/api-health?${analyticsQuery(loc.params, now)}`, now);
  return (
    <div className="page" data-testid="page-api-health">
      <Async f={f} empty={(d) => !d.endpoints?.length}>
        {(d) => <ApiHealthView endpoints={d.endpoints} />}
      </Async>
    </div>
  );
}
