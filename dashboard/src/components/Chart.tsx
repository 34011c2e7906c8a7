import { useEffect, useRef, useState } from 'react';
import { useTheme } from '../theme';
import { fmtMs } from '../format';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Option = Record<string, any>;

type ECharts = typeof import('./../echarts-setup').default;
let loading: Promise<ECharts> | null = null;
function loadECharts(): Promise<ECharts> {
  if (!loading) loading = import('../echarts-setup').then((m) => m.default);
  return loading;
}

/** An ECharts canvas; ECharts itself is loaded on first use. */
export function Chart({ option, height = 260, testId }: { option: Option; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const { theme } = useTheme();
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let chart: ReturnType<ECharts['init']> | null = null;
    let ro: ResizeObserver | null = null;
    let dead = false;
    loadECharts().then(
      (echarts) => {
        if (dead || !el.current) return;
        try {
          chart = echarts.init(el.current, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
          chart.setOption({ backgroundColor: 'transparent', animation: false, ...option });
          if (typeof ResizeObserver !== 'undefined') {
            ro = new ResizeObserver(() => chart?.resize());
            ro.observe(el.current);
          }
        } catch (e) {
          setFailed(String((e as Error).message || e));
        }
      },
      (e) => !dead && setFailed(String(e)),
    );
    return () => {
      dead = true;
      ro?.disconnect();
      chart?.dispose();
    };
  }, [option, theme]);
  if (failed) return <div className="state state-error">{failed}</div>;
  return <div className="chart" ref={el} style={{ height }} data-testid={testId} />;
}

const fmtAxisTime = (v: number) => {
  const d = new Date(v);
  return `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

/** Line chart of [t, v] series. */
export function timeSeriesOption(
  series: { name: string; data: [number, number | null][]; area?: boolean }[],
  unit: 'count' | 'ms' | 'ratio' | 'raw' = 'count',
  range?: { from: number; to: number },
): Option {
  const fmt = (v: number) => (unit === 'ms' ? fmtMs(v) : unit === 'ratio' ? `${(v * 100).toFixed(1)}%` : unit === 'raw' ? v.toFixed(3) : String(Math.round(v * 100) / 100));
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (v === null || v === undefined ? '–' : fmt(v)) },
    legend: { top: 0, type: 'scroll' },
    grid: { left: 56, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'time', min: range?.from, max: range?.to, axisLabel: { formatter: fmtAxisTime, hideOverlap: true } },
    yAxis: { type: 'value', axisLabel: { formatter: fmt } },
    series: series.map((s) => ({ name: s.name, type: 'line', showSymbol: s.data.length <= 48, connectNulls: false, data: s.data, areaStyle: s.area ? { opacity: 0.15 } : undefined })),
  };
}

/** Bar chart of labelled values. */
export function barOption(labels: string[], values: number[], name = ''): Option {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 56, right: 16, top: 16, bottom: 40 },
    xAxis: { type: 'category', data: labels, axisLabel: { hideOverlap: true } },
    yAxis: { type: 'value' },
    series: [{ name, type: 'bar', data: values }],
  };
}
