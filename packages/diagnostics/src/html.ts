import type { LevelStats } from './codebook-stats.js';
import { type DiagnosticsReport, type ItemMedia, type ItemMetrics, type MetricValue, worstItems } from './report.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: MetricValue | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 1000 ? v.toFixed(1) : v.toPrecision(digits);
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

/** Bars of `values` as inline SVG, `maxBars` at most (values summed into bins). */
function barChart(
  values: readonly number[],
  opts: { width?: number; height?: number; maxBars?: number; label: string; log?: boolean },
): string {
  const W = opts.width ?? 640;
  const H = opts.height ?? 120;
  const maxBars = opts.maxBars ?? 128;
  const binSize = Math.max(1, Math.ceil(values.length / maxBars));
  const bins: number[] = [];
  for (let i = 0; i < values.length; i += binSize) {
    let s = 0;
    for (let j = i; j < Math.min(values.length, i + binSize); j++) s += values[j];
    bins.push(s);
  }
  const tr = (v: number) => (opts.log ? Math.log10(1 + v) : v);
  const max = Math.max(...bins.map(tr), 1e-12);
  const bw = W / bins.length;
  const rects = bins
    .map((b, i) => {
      const h = (tr(b) / max) * (H - 2);
      return `<rect x="${(i * bw).toFixed(2)}" y="${(H - h).toFixed(2)}" width="${Math.max(bw - 0.5, 0.5).toFixed(2)}" height="${h.toFixed(2)}"><title>${escapeHtml(
        binSize === 1
          ? `code ${i}: ${b}`
          : `codes ${i * binSize}–${Math.min(values.length, (i + 1) * binSize) - 1}: ${b}`,
      )}</title></rect>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(opts.label)}">${rects}</svg>`;
}

function meter(v: number): string {
  const w = Math.max(0, Math.min(1, v)) * 100;
  return `<svg class="meter" viewBox="0 0 100 10" width="100" height="10"><rect width="100" height="10" class="bg"/><rect width="${w.toFixed(1)}" height="10"/></svg>`;
}

function lineChart(points: [number, number][], label: string): string {
  const W = 640;
  const H = 140;
  if (points.length === 0) return '';
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => (x1 === x0 ? W / 2 : ((x - x0) / (x1 - x0)) * (W - 20) + 10);
  const sy = (y: number) => (y1 === y0 ? H / 2 : H - 10 - ((y - y0) / (y1 - y0)) * (H - 20));
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
  return `<figure><figcaption>${escapeHtml(label)} (${fmt(y0)} … ${fmt(y1)})</figcaption><svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(label)}"><path d="${d}" fill="none" stroke="currentColor" stroke-width="1.5"/></svg></figure>`;
}

function levelSection(s: LevelStats): string {
  const top1 = s.topKShare.find((t) => t.k === 1)?.share;
  let html = `<h3>Level ${escapeHtml(s.level)}</h3>`;
  if (s.counts && s.counts.length > 0) {
    html += `<figure><figcaption>Usage by code index (log scale)</figcaption>${barChart(s.counts, { label: `usage histogram level ${s.level}`, log: true })}</figure>`;
    const sorted = [...s.counts].sort((a, b) => b - a);
    html += `<figure><figcaption>Rank–frequency (codes sorted by usage)</figcaption>${barChart(sorted, { label: `rank frequency level ${s.level}` })}</figure>`;
  } else {
    html += '<p class="note">Per-code counts were not stored in this report.</p>';
  }
  html += `<p>${escapeHtml(`Dead codes: ${s.dead.count}`)}${s.dead.ids.length ? ` <span class="ids">(${escapeHtml(s.dead.ids.slice(0, 64).join(', '))}${s.dead.ids.length > 64 || s.dead.idsTruncated ? ', …' : ''})</span>` : ''}${top1 !== undefined ? escapeHtml(` · top-1 share ${pct(top1)}`) : ''}</p>`;
  if (s.fsq) {
    html += `<table><thead><tr><th>FSQ dim</th><th>levels</th><th>utilization</th><th>norm. entropy</th><th>occupancy</th></tr></thead><tbody>${s.fsq
      .map(
        (d) =>
          `<tr><td>${d.dimension}</td><td>${d.levels}</td><td>${pct(d.utilization)}</td><td>${fmt(d.normalizedEntropy)}</td><td>${barChart(d.occupancy, { width: 160, height: 24, label: `dimension ${d.dimension} occupancy` })}</td></tr>`,
      )
      .join('')}</tbody></table>`;
  }
  if (s.lfq) {
    html += `<table><thead><tr><th>LFQ bit</th><th>P(1)</th><th>entropy (bits)</th></tr></thead><tbody>${s.lfq.balance
      .map((p, i) => `<tr><td>${i}</td><td>${fmt(p)} ${meter(p)}</td><td>${fmt(s.lfq!.entropyBits[i])}</td></tr>`)
      .join('')}</tbody></table><p>${escapeHtml(`Mean |bit correlation|: ${fmt(s.lfq.meanAbsCorrelation)}`)}</p>`;
  }
  return html;
}

/** One item's clips: <audio controls> for audio/*, <img> for image/*; only data: URIs (the page makes no fetches). */
function mediaSection(id: string, media: readonly ItemMedia[]): string {
  const cells = media
    .filter((x) => x.src.startsWith('data:'))
    .map((x) => {
      const src = escapeHtml(x.src);
      const body = x.mime.startsWith('audio/')
        ? `<audio controls preload="none" src="${src}"></audio>`
        : x.mime.startsWith('image/')
          ? `<img alt="${escapeHtml(x.label)}" src="${src}">`
          : `<a download href="${src}">${escapeHtml(x.label)}</a>`;
      return `<figure class="media"><figcaption>${escapeHtml(x.label)}</figcaption>${body}</figure>`;
    });
  return `<h3>${escapeHtml(id)}</h3><div class="media-row">${cells.join('')}</div>`;
}

/** A video item: per-frame summaries, then each worst frame's original and reconstruction side by side. */
function videoSection(it: ItemMetrics): string {
  const v = it.video!;
  const bits = [
    `${v.frames} frames${v.fps !== undefined ? ` at ${fmt(v.fps)} fps` : ''}`,
    `PSNR mean ${fmt(v.psnr.mean)} dB (min ${fmt(v.psnr.min)})`,
    v.ssim && `SSIM mean ${fmt(v.ssim.mean)} (min ${fmt(v.ssim.min)})`,
    `flicker ${fmt(v.flicker)}`,
  ].filter(Boolean);
  let html = `<h3>${escapeHtml(it.id)}</h3><p>${escapeHtml(bits.join(' · '))}</p>`;
  const stills = (it.media ?? []).filter((m) => m.frame !== undefined && m.src.startsWith('data:'));
  for (const w of v.worstFrames) {
    const at = v.fps ? ` (${(w.frame / v.fps).toFixed(2)} s)` : '';
    const caption = `frame ${w.frame}${at}: PSNR ${fmt(w.psnr)} dB${w.ssim !== undefined ? `, SSIM ${fmt(w.ssim)}` : ''}`;
    const cells = stills
      .filter((m) => m.frame === w.frame)
      .map(
        (m) =>
          `<figure class="media"><figcaption>${escapeHtml(m.label)}</figcaption><img alt="${escapeHtml(m.label)}" src="${escapeHtml(m.src)}"></figure>`,
      );
    html += `<p class="note">${escapeHtml(caption)}</p>${cells.length ? `<div class="media-row frame-pair">${cells.join('')}</div>` : ''}`;
  }
  return html;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#1b1f24;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #d8dee4;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}.chart rect{fill:#3b6fd8}.meter rect{fill:#3b6fd8}.meter rect.bg{fill:#e4e8ee}
.status{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff;font-weight:600}
.healthy{background:#2a8a4a}.warning{background:#c98a00}.collapsed{background:#c0392b}.insufficient-data{background:#57606a}.critical{color:#c0392b}.note,.ids{color:#57606a}
figure{margin:.5rem 0}figcaption{color:#57606a;font-size:12px}code{font-size:12px}
.media-row{display:flex;flex-wrap:wrap;gap:1rem}.media img{max-width:300px}.frame-pair img{image-rendering:pixelated;min-width:160px}`;

export interface HtmlOptions {
  title?: string;
  /** Per-item rows shown (worst first). Default 200. */
  maxItems?: number;
}

/** Renders a report as one self-contained HTML page (inline CSS and SVG; no scripts, no fetches). */
export function renderReportHtml(report: DiagnosticsReport, options: HtmlOptions = {}): string {
  const t = report.tokenizer;
  const title = options.title ?? `mmtok report — ${t.name}`;
  const parts: string[] = [];
  parts.push(`<h1>${escapeHtml(title)}</h1>`);
  const idBits = [
    t.name,
    t.version && `v${t.version}`,
    t.modality,
    t.quantizer && `${t.quantizer.type} K=${t.quantizer.codebookSize} × ${t.quantizer.levels}`,
  ]
    .filter(Boolean)
    .join(' · ');
  parts.push(
    `<p><strong>Tokenizer:</strong> ${escapeHtml(idBits)}${t.hash ? ` <code>${escapeHtml(t.hash)}</code>` : ''}</p>`,
  );
  const d = report.data;
  parts.push(
    `<p><strong>Data:</strong> ${escapeHtml([d.name, `${d.items} items`, d.tokens !== undefined && `${d.tokens} tokens`, d.durationSeconds !== undefined && `${fmt(d.durationSeconds)} s`].filter(Boolean).join(' · '))}${d.description ? `<br>${escapeHtml(d.description)}` : ''}</p>`,
  );
  if (report.createdAt)
    parts.push(
      `<p class="note">Created ${escapeHtml(report.createdAt)}${report.generator ? ` by ${escapeHtml(report.generator)}` : ''}</p>`,
    );

  if (report.verdict) {
    const v = report.verdict;
    parts.push(`<h2>Verdict <span class="status ${escapeHtml(v.status)}">${escapeHtml(v.status)}</span></h2>`);
    if (v.alarms.length) {
      parts.push(
        `<ul>${v.alarms.map((a) => `<li class="${escapeHtml(a.severity)}"><strong>${escapeHtml(a.code)}</strong> (${escapeHtml(a.severity)}): ${escapeHtml(a.message)}</li>`).join('')}</ul>`,
      );
    } else parts.push('<p>No alarms.</p>');
  }

  if (report.rate) {
    const r = report.rate;
    const rows = Object.entries(r).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${fmt(v as number)}</td></tr>`);
    parts.push(`<h2>Rate</h2><table><tbody>${rows.join('')}</tbody></table>`);
  }

  const cb = report.codebook;
  if (cb) {
    parts.push(
      `<h2>Codebook health</h2><p>${escapeHtml(`K = ${cb.codebookSize}, ${cb.levels} level(s), ${cb.rows} rows`)}</p>`,
    );
    parts.push(
      `<table><thead><tr><th>level</th><th>used / K</th><th>utilization</th><th>perplexity</th><th>norm. entropy</th><th>dead</th><th>top-1</th><th>Gini</th></tr></thead><tbody>${cb.perLevel
        .map(
          (s) =>
            `<tr><td>${s.level}</td><td>${s.used} / ${s.codebookSize}</td><td>${pct(s.utilization)} ${meter(s.utilization)}</td><td>${fmt(s.perplexity)}</td><td>${fmt(s.normalizedEntropy)}</td><td>${s.dead.count}</td><td>${fmt(s.topKShare.find((x) => x.k === 1)?.share)}</td><td>${fmt(s.gini)}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
    if (cb.joint) {
      parts.push(
        `<p>${escapeHtml(`Joint over levels: ${cb.joint.distinct} distinct tuples, perplexity ${fmt(cb.joint.perplexity)}, normalized entropy ${fmt(cb.joint.normalizedEntropy)}`)}</p>`,
      );
    }
    for (const s of cb.perLevel) parts.push(levelSection(s));
  }

  const m = report.metrics;
  if (m) {
    const names = Object.keys(m.aggregate);
    const dir = (n: string) => (m.higherIsBetter[n] === undefined ? '' : m.higherIsBetter[n] ? ' ↑' : ' ↓');
    parts.push(
      `<h2>Metrics</h2><table><thead><tr><th>metric</th><th>mean</th><th>min</th><th>max</th><th>std</th><th>n</th></tr></thead><tbody>${names
        .map((n) => {
          const a = m.aggregate[n];
          return `<tr><td>${escapeHtml(n + dir(n))}</td><td>${fmt(a.mean)}</td><td>${fmt(a.min)}</td><td>${fmt(a.max)}</td><td>${fmt(a.std)}</td><td>${a.count}${a.nonFinite ? ` (+${a.nonFinite} non-finite)` : ''}</td></tr>`;
        })
        .join('')}</tbody></table>`,
    );
    const maxItems = options.maxItems ?? 200;
    const items = worstItems(report);
    parts.push(`<h3>Items, worst first${m.primary ? ` by ${escapeHtml(m.primary)}` : ''}</h3>`);
    parts.push(
      `<table><thead><tr><th>item</th>${names.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr></thead><tbody>${items
        .slice(0, maxItems)
        .map(
          (it) => `<tr><td>${escapeHtml(it.id)}</td>${names.map((n) => `<td>${fmt(it.values[n])}</td>`).join('')}</tr>`,
        )
        .join('')}</tbody></table>`,
    );
    if (items.length > maxItems) parts.push(`<p class="note">${items.length - maxItems} more items not shown.</p>`);
  }

  const videos = worstItems(report).filter((it) => it.video);
  if (videos.length) {
    parts.push('<h2>Video: worst frames</h2>');
    for (const it of videos.slice(0, options.maxItems ?? 200)) parts.push(videoSection(it));
  }

  // Stills of video frames are shown above, paired by frame.
  const withMedia = (m?.items ?? [])
    .map((it) => ({ id: it.id, media: (it.media ?? []).filter((x) => x.frame === undefined) }))
    .filter((it) => it.media.length);
  if (withMedia.length) {
    parts.push('<h2>Listen and compare</h2>');
    for (const it of withMedia) parts.push(mediaSection(it.id, it.media));
  }

  if (report.history?.length) {
    parts.push('<h2>Training history</h2>');
    const names = new Set<string>();
    for (const h of report.history) for (const k of Object.keys(h.values)) names.add(k);
    for (const n of names) {
      const pts = report.history
        .filter((h) => typeof h.values[n] === 'number')
        .map((h) => [h.step, h.values[n] as number] as [number, number]);
      parts.push(lineChart(pts, n));
    }
  }

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
