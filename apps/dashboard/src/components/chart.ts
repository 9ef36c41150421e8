import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: ArrayLike<number | null>;
  color?: string;
}

export interface ChartProps {
  /** x values, shared by every series. */
  x: ArrayLike<number>;
  series: readonly ChartSeries[];
  xLabel: string;
  yLabel: string;
  kind?: 'bars' | 'line';
  logY?: boolean;
  height?: number;
  /** For tests and screen readers. */
  testId?: string;
}

const COLORS = ['#3b6fd8', '#d8663b', '#3bab6f', '#9b4fd0'];

/** A uPlot chart owned by one preact component: created on mount, rebuilt when its data change. */
export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const width = Math.max(320, Math.min(900, el.clientWidth || 640));
    const bars = props.kind === 'bars' ? uPlot.paths.bars?.({ size: [0.9, 40], align: 0 }) : undefined;
    const opts: uPlot.Options = {
      width,
      height: props.height ?? 200,
      legend: { show: props.series.length > 1 },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: props.logY ? { distr: 3 } : {} },
      axes: [{ label: props.xLabel }, { label: props.yLabel, size: 60 }],
      series: [
        {},
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? COLORS[i % COLORS.length],
          fill: props.kind === 'bars' ? `${s.color ?? COLORS[i % COLORS.length]}99` : undefined,
          width: props.kind === 'bars' ? 0 : 1.5,
          points: { show: props.kind !== 'bars' && props.x.length < 60 },
          ...(bars ? { paths: bars } : {}),
        })),
      ],
    };
    // Log scales cannot show zeros: leave them out (a gap) rather than invent a value.
    const data = [
      Array.from(props.x),
      ...props.series.map((s) => Array.from(s.values, (v) => (props.logY && v !== null && v <= 0 ? null : v))),
    ] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    return () => plot.destroy();
  }, [props.x, props.series, props.kind, props.logY, props.height, props.xLabel, props.yLabel]);
  return html`<div class="chart" ref=${host} data-testid=${props.testId} role="img" aria-label=${`${props.yLabel} by ${props.xLabel}`}></div>`;
}
