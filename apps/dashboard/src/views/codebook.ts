import type { DiagnosticsReport, LevelStats } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { Chart, type ChartSeries } from '../components/chart.js';
import { fmtNumber, fmtPercent } from '../format.js';

/** Longest dead-id list written out on the page. */
const MAX_IDS_SHOWN = 200;

function range(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => i);
}

function LevelCharts({ level }: { level: LevelStats }) {
  const [logY, setLogY] = useState(false);
  const charts = useMemo(() => {
    if (!level.counts) return undefined;
    const byId = level.counts;
    const sorted = Float64Array.from(byId).sort().reverse();
    return {
      x: range(byId.length),
      byId: [{ label: 'count', values: byId }] as ChartSeries[],
      sorted: [{ label: 'count', values: sorted }] as ChartSeries[],
    };
  }, [level]);
  if (!charts) {
    return html`<p class="note">This report keeps no per-code counts (codebooks above 65,536 codes omit them), so no histograms.</p>`;
  }
  return html`<div>
    <label class="toggle"><input type="checkbox" checked=${logY} onChange=${(e: Event) => setLogY((e.target as HTMLInputElement).checked)} /> log scale</label>
    <h3>Usage by code id</h3>
    <${Chart} x=${charts.x} series=${charts.byId} xLabel="code id" yLabel="count" kind="bars" logY=${logY} testId=${`hist-id-${level.level}`} />
    <h3>Usage sorted (most used first)</h3>
    <${Chart} x=${charts.x} series=${charts.sorted} xLabel="rank" yLabel="count" kind="bars" logY=${logY} testId=${`hist-sorted-${level.level}`} />
  </div>`;
}

function StructureCharts({ level }: { level: LevelStats }) {
  if (level.fsq) {
    return html`<div data-testid="fsq-occupancy"><h3>FSQ level occupancy per dimension</h3>
      <div class="small-multiples">${level.fsq.map(
        (d) => html`<div>
          <p class="note">dimension ${d.dimension}: ${d.levels} levels, ${fmtPercent(d.utilization)} used, normalized entropy ${fmtNumber(d.normalizedEntropy)}</p>
          <${Chart} x=${range(d.levels)} series=${[{ label: 'share', values: d.occupancy }]} xLabel="level value" yLabel="share" kind="bars" height=${140} />
        </div>`,
      )}</div></div>`;
  }
  if (level.lfq) {
    const lfq = level.lfq;
    return html`<div data-testid="lfq-balance"><h3>LFQ bit balance</h3>
      <p class="note">P(bit = 1) per dimension (0.5 is balanced); mean |correlation| between bits ${fmtNumber(lfq.meanAbsCorrelation)}</p>
      <${Chart} x=${range(lfq.balance.length)} series=${[{ label: 'P(bit = 1)', values: lfq.balance }]} xLabel="bit (0 = most significant)" yLabel="P(1)" kind="bars" height=${160} />
    </div>`;
  }
  return null;
}

function HistoryCharts({ report }: { report: DiagnosticsReport }) {
  const h = report.history;
  if (!h?.length) return html`<p class="note" data-testid="no-history">No training history in this report.</p>`;
  const x = Float64Array.from(h, (e) => e.step);
  const names = [...new Set(h.flatMap((e) => Object.keys(e.values)))];
  return html`<div data-testid="history">${names.map(
    (name) =>
      html`<h3>${name}</h3><${Chart} x=${x} series=${[{ label: name, values: h.map((e) => e.values[name] ?? null) }]} xLabel="step" yLabel=${name} kind="line" height=${160} />`,
  )}</div>`;
}

/** Per-level codebook health: numbers, usage histograms, dead codes, FSQ/LFQ structure, history. */
export function CodebookView({ report }: { report: DiagnosticsReport }) {
  const cb = report.codebook;
  const [levelIndex, setLevel] = useState(0);
  if (!cb) {
    return html`<section class="view" data-testid="view-codebook"><p class="note">This report has no codebook statistics (the tokenizer's quantizer is inside an ONNX encoder, or the report was written without them).</p></section>`;
  }
  const level = cb.perLevel[Math.min(levelIndex, cb.perLevel.length - 1)];
  return html`<section class="view" data-testid="view-codebook">
    ${
      cb.perLevel.length > 1
        ? html`<nav class="levels" aria-label="quantizer level">${cb.perLevel.map(
            (l, i) =>
              html`<button class=${i === levelIndex ? 'active' : ''} data-testid=${`level-${l.level}`} onClick=${() => setLevel(i)}>level ${l.level}</button>`,
          )}</nav>`
        : null
    }
    ${
      cb.joint
        ? html`<p class="note">Joint over ${cb.levels} levels: ${fmtNumber(cb.joint.distinct)} distinct tuples, perplexity ${fmtNumber(cb.joint.perplexity)}, normalized entropy ${fmtNumber(cb.joint.normalizedEntropy)}</p>`
        : null
    }
    <h2>Level ${level.level}</h2>
    <div class="stats">
      <div class="stat"><span class="label">utilization</span><span class="value" data-testid=${`utilization-${level.level}`} data-value=${level.utilization}>${fmtPercent(level.utilization)}</span><span class="sub">${fmtNumber(level.used)} of ${fmtNumber(level.codebookSize)} codes</span></div>
      <div class="stat"><span class="label">perplexity</span><span class="value" data-testid=${`perplexity-${level.level}`} data-value=${level.perplexity}>${fmtNumber(level.perplexity)}</span><span class="sub">of ${fmtNumber(level.codebookSize)} possible</span></div>
      <div class="stat"><span class="label">normalized entropy</span><span class="value">${fmtNumber(level.normalizedEntropy)}</span><span class="sub">${fmtNumber(level.entropyBits)} bits</span></div>
      <div class="stat"><span class="label">dead codes</span><span class="value" data-testid=${`dead-${level.level}`} data-value=${level.dead.count}>${fmtNumber(level.dead.count)}</span><span class="sub">${'absolute' in level.dead.threshold ? `count ≤ ${level.dead.threshold.absolute}` : `< ${level.dead.threshold.relativeToMean} × mean`}</span></div>
      <div class="stat"><span class="label">gini</span><span class="value">${fmtNumber(level.gini)}</span><span class="sub">${level.topKShare.map((t) => `top-${t.k} ${fmtPercent(t.share)}`).join(' · ')}</span></div>
    </div>
    <${LevelCharts} level=${level} />
    <details class="dead-ids" data-testid="dead-ids">
      <summary>Dead code ids (${fmtNumber(level.dead.count)})</summary>
      <p><code>${level.dead.ids.slice(0, MAX_IDS_SHOWN).join(', ') || 'none'}</code>${
        level.dead.ids.length > MAX_IDS_SHOWN || level.dead.idsTruncated
          ? ` … and ${fmtNumber(level.dead.count - Math.min(level.dead.ids.length, MAX_IDS_SHOWN))} more`
          : ''
      }</p>
    </details>
    <${StructureCharts} level=${level} />
    <h2>Training history</h2>
    <${HistoryCharts} report=${report} />
  </section>`;
}
