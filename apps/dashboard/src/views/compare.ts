import type { DiagnosticsReport } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { Chart, type ChartSeries } from '../components/chart.js';
import type { LoadedReport } from '../data/read-report.js';
import { fmtMetric, fmtNumber, fmtPercent } from '../format.js';

interface Figure {
  key: string;
  label: string;
  a: number | null | undefined;
  b: number | null | undefined;
  format: (v: number | null | undefined) => string;
  /** true: higher is better; false: lower; undefined: neither. */
  higher?: boolean;
}

function figures(a: DiagnosticsReport, b: DiagnosticsReport): Figure[] {
  const out: Figure[] = [];
  const levels = Math.max(a.codebook?.perLevel.length ?? 0, b.codebook?.perLevel.length ?? 0);
  out.push({
    key: 'codebookSize',
    label: 'codebook size',
    a: a.codebook?.codebookSize,
    b: b.codebook?.codebookSize,
    format: fmtNumber,
  });
  out.push({
    key: 'bitsPerPosition',
    label: 'bits / position',
    a: a.rate?.bitsPerPosition,
    b: b.rate?.bitsPerPosition,
    format: fmtNumber,
  });
  for (let l = 0; l < levels; l++) {
    const la = a.codebook?.perLevel[l];
    const lb = b.codebook?.perLevel[l];
    out.push({
      key: `utilization-${l}`,
      label: `level ${l} utilization`,
      a: la?.utilization,
      b: lb?.utilization,
      format: fmtPercent,
      higher: true,
    });
    out.push({
      key: `perplexity-${l}`,
      label: `level ${l} perplexity`,
      a: la?.perplexity,
      b: lb?.perplexity,
      format: fmtNumber,
      higher: true,
    });
    out.push({
      key: `dead-${l}`,
      label: `level ${l} dead codes`,
      a: la?.dead.count,
      b: lb?.dead.count,
      format: fmtNumber,
      higher: false,
    });
  }
  const metrics = new Set([...Object.keys(a.metrics?.aggregate ?? {}), ...Object.keys(b.metrics?.aggregate ?? {})]);
  for (const name of metrics) {
    out.push({
      key: `mean-${name}`,
      label: `mean ${name}`,
      a: a.metrics?.aggregate[name]?.mean,
      b: b.metrics?.aggregate[name]?.mean,
      format: (v) => fmtMetric(name, v),
      higher: a.metrics?.higherIsBetter[name] ?? b.metrics?.higherIsBetter[name],
    });
  }
  return out;
}

function better(f: Figure): 'a' | 'b' | undefined {
  if (f.higher === undefined || f.a == null || f.b == null || f.a === f.b) return undefined;
  return f.a > f.b === f.higher ? 'a' : 'b';
}

/** Share of indices on each rank (most used first), the same x for codebooks of different sizes. */
function rankShares(r: DiagnosticsReport): number[] | undefined {
  const counts = r.codebook?.perLevel[0]?.counts;
  if (!counts) return undefined;
  const total = counts.reduce((s, c) => s + c, 0) || 1;
  return [...counts].sort((x, y) => y - x).map((c) => c / total);
}

/** Two reports side by side: key figures with the better one marked, usage curves overlaid, shared items. */
export function CompareView(props: {
  reports: readonly LoadedReport[];
  a?: string;
  b?: string;
  onPick(a: string | undefined, b: string | undefined): void;
}) {
  const usable = props.reports.filter((r) => r.report);
  const ra = usable.find((r) => r.key === props.a) ?? usable[0];
  const rb = usable.find((r) => r.key === props.b) ?? usable.find((r) => r !== ra);
  const picker = (which: 'a' | 'b', current?: LoadedReport) =>
    html`<label>${which.toUpperCase()}: <select data-testid=${`compare-${which}`} value=${current?.key ?? ''}
      onChange=${(e: Event) => {
        const v = (e.target as HTMLSelectElement).value;
        which === 'a' ? props.onPick(v, rb?.key) : props.onPick(ra?.key, v);
      }}>${usable.map((r) => html`<option value=${r.key}>${r.name}</option>`)}</select></label>`;
  const curve = useMemo(() => {
    if (!ra?.report || !rb?.report) return undefined;
    const sa = rankShares(ra.report);
    const sb = rankShares(rb.report);
    if (!sa || !sb) return undefined;
    const n = Math.max(sa.length, sb.length);
    const x = Float64Array.from({ length: n }, (_, i) => i + 1);
    const series: ChartSeries[] = [
      { label: `A: ${ra.name}`, values: Array.from({ length: n }, (_, i) => sa[i] ?? null) },
      { label: `B: ${rb.name}`, values: Array.from({ length: n }, (_, i) => sb[i] ?? null) },
    ];
    return { x, series };
  }, [ra, rb]);
  if (usable.length < 2 || !ra?.report || !rb?.report) {
    return html`<section class="view" data-testid="view-compare"><p class="note" data-testid="compare-need-two">
      Comparing needs two readable reports: start <code>mmtok dashboard a/report.json b/report.json</code>, or drop a second report onto the page.</p></section>`;
  }
  const A = ra.report;
  const B = rb.report;
  const shared = (A.metrics?.items ?? []).filter((i) => B.metrics?.items.some((j) => j.id === i.id));
  const primary = A.metrics?.primary ?? B.metrics?.primary;
  return html`<section class="view" data-testid="view-compare">
    <div class="pickers">${picker('a', ra)} ${picker('b', rb)}</div>
    <table class="grid compare" data-testid="compare-table">
      <thead><tr><th></th><th>A: ${A.tokenizer.name}</th><th>B: ${B.tokenizer.name}</th></tr></thead>
      <tbody>${figures(A, B).map((f) => {
        const win = better(f);
        return html`<tr data-figure=${f.key}>
          <th scope="row">${f.label}</th>
          <td class=${win === 'a' ? 'better' : ''} data-side="a" data-value=${f.a ?? ''}>${f.format(f.a)}</td>
          <td class=${win === 'b' ? 'better' : ''} data-side="b" data-value=${f.b ?? ''}>${f.format(f.b)}</td></tr>`;
      })}</tbody>
    </table>
    ${
      curve
        ? html`<h2>Code usage by rank (level 0, share of indices)</h2>
          <${Chart} x=${curve.x} series=${curve.series} xLabel="rank" yLabel="share" kind="line" logY=${true} testId="compare-usage" />`
        : null
    }
    ${
      shared.length && primary
        ? html`<h2>${primary} per item (items in both reports)</h2>
          <table class="grid" data-testid="compare-items"><thead><tr><th>item</th><th>A</th><th>B</th><th>B − A</th></tr></thead>
          <tbody>${shared.map((i) => {
            const va = i.values[primary];
            const vb = B.metrics?.items.find((j) => j.id === i.id)?.values[primary];
            return html`<tr><td class="id">${i.id}</td><td>${fmtMetric(primary, va)}</td><td>${fmtMetric(primary, vb)}</td>
              <td>${va != null && vb != null ? fmtMetric(primary, vb - va) : '—'}</td></tr>`;
          })}</tbody></table>`
        : null
    }
  </section>`;
}
