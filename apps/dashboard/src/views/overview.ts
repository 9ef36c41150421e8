import type { DiagnosticsReport } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { fmtMetric, fmtNumber, fmtPercent } from '../format.js';

function Row({ label, children }: { label: string; children: unknown }) {
  return html`<tr><th scope="row">${label}</th><td>${children}</td></tr>`;
}

/** Tokenizer identity, data summary, rate, verdict with its alarms, and metric aggregates. */
export function OverviewView({ report }: { report: DiagnosticsReport }) {
  const t = report.tokenizer;
  const d = report.data;
  const v = report.verdict;
  const agg = report.metrics?.aggregate ?? {};
  return html`<section class="view" data-testid="view-overview">
    <div class="cards">
      <div class="card">
        <h2>Tokenizer</h2>
        <table class="kv"><tbody>
          <${Row} label="name"><span data-testid="tokenizer-name">${t.name}</span><//>
          ${t.version ? html`<${Row} label="version">${t.version}<//>` : null}
          ${t.modality ? html`<${Row} label="modality">${t.modality}<//>` : null}
          ${t.hash ? html`<${Row} label="hash"><code>${t.hash}</code><//>` : null}
          ${
            t.quantizer
              ? html`<${Row} label="quantizer">${t.quantizer.type}, ${fmtNumber(t.quantizer.codebookSize)} codes × ${t.quantizer.levels} level${t.quantizer.levels === 1 ? '' : 's'}<//>`
              : null
          }
        </tbody></table>
      </div>
      <div class="card">
        <h2>Data</h2>
        <table class="kv"><tbody>
          ${d.name ? html`<${Row} label="name">${d.name}<//>` : null}
          <${Row} label="items"><span data-testid="data-items" data-value=${d.items}>${fmtNumber(d.items)}</span><//>
          ${d.tokens !== undefined ? html`<${Row} label="tokens">${fmtNumber(d.tokens)}<//>` : null}
          ${d.durationSeconds !== undefined ? html`<${Row} label="duration">${fmtNumber(d.durationSeconds)} s<//>` : null}
          ${d.sampleRate !== undefined ? html`<${Row} label="sample rate">${fmtNumber(d.sampleRate)} Hz<//>` : null}
          ${d.frameRate !== undefined ? html`<${Row} label="frame rate">${fmtNumber(d.frameRate)} fps<//>` : null}
          ${report.rate ? html`<${Row} label="bits / position">${fmtNumber(report.rate.bitsPerPosition)}<//>` : null}
          ${report.rate?.bitsPerPixel !== undefined ? html`<${Row} label="bits / pixel">${fmtNumber(report.rate.bitsPerPixel)}<//>` : null}
          ${report.rate?.bitsPerSecond !== undefined ? html`<${Row} label="bits / second">${fmtNumber(report.rate.bitsPerSecond)}<//>` : null}
          ${report.createdAt ? html`<${Row} label="created">${report.createdAt}<//>` : null}
          ${report.generator ? html`<${Row} label="generator">${report.generator}<//>` : null}
        </tbody></table>
      </div>
      <div class="card">
        <h2>Verdict</h2>
        ${
          v
            ? html`<p><span class=${`badge ${v.status}`} data-testid="verdict">${v.status}</span></p>
                ${
                  v.alarms.length
                    ? html`<ul class="alarms" data-testid="alarms">${v.alarms.map(
                        (a) =>
                          html`<li class=${a.severity}><strong>${a.code}</strong> (level ${a.level}, ${a.severity}): ${a.message}</li>`,
                      )}</ul>`
                    : html`<p class="note">No alarms.</p>`
                }`
            : html`<p class="note">This report has no codebook statistics, so no verdict.</p>`
        }
      </div>
    </div>
    ${
      report.codebook
        ? html`<h2>Codebook at a glance</h2>
          <table class="grid"><thead><tr><th>level</th><th>used</th><th>utilization</th><th>perplexity</th><th>dead</th></tr></thead>
          <tbody>${report.codebook.perLevel.map(
            (l) => html`<tr>
              <td>${l.level}</td><td>${fmtNumber(l.used)} / ${fmtNumber(l.codebookSize)}</td>
              <td data-testid=${`overview-utilization-${l.level}`} data-value=${l.utilization}>${fmtPercent(l.utilization)}</td>
              <td data-testid=${`overview-perplexity-${l.level}`} data-value=${l.perplexity}>${fmtNumber(l.perplexity)}</td>
              <td>${fmtNumber(l.dead.count)}</td></tr>`,
          )}</tbody></table>`
        : null
    }
    ${
      Object.keys(agg).length
        ? html`<h2>Reconstruction (over ${fmtNumber(report.metrics?.items.length ?? 0)} items)</h2>
          <table class="grid"><thead><tr><th>metric</th><th>mean</th><th>min</th><th>max</th><th>std</th><th>count</th></tr></thead>
          <tbody>${Object.entries(agg).map(
            ([name, a]) => html`<tr>
              <td>${name}${report.metrics?.higherIsBetter[name] === undefined ? '' : report.metrics.higherIsBetter[name] ? ' ↑' : ' ↓'}</td>
              <td data-testid=${`aggregate-${name}-mean`} data-value=${a.mean}>${fmtMetric(name, a.mean)}</td>
              <td>${fmtMetric(name, a.min)}</td><td>${fmtMetric(name, a.max)}</td><td>${fmtMetric(name, a.std)}</td>
              <td>${a.count}${a.nonFinite ? ` (+${a.nonFinite} non-finite)` : ''}</td></tr>`,
          )}</tbody></table>`
        : null
    }
  </section>`;
}
