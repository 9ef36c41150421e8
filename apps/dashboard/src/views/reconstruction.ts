import { type DiagnosticsReport, type ItemMetrics, worstItems } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { AudioView } from '../components/audio-view.js';
import { ImageDiff } from '../components/image-diff.js';
import { VideoDiff } from '../components/video-diff.js';
import { VideoFrames } from '../components/video-frames.js';
import { frameStills, itemMedia } from '../data/media.js';
import { fmtMetric } from '../format.js';

interface Sort {
  column: string;
  descending: boolean;
}

function sortItems(items: readonly ItemMetrics[], sort: Sort): ItemMetrics[] {
  return [...items].sort((a, b) => {
    if (sort.column === 'id') return sort.descending ? b.id.localeCompare(a.id) : a.id.localeCompare(b.id);
    const va = a.values[sort.column];
    const vb = b.values[sort.column];
    // Missing values go last whatever the direction.
    if (va == null || vb == null) return (va == null ? 1 : 0) - (vb == null ? 1 : 0);
    return sort.descending ? vb - va : va - vb;
  });
}

function MediaPanel({ item, sources }: { item: ItemMetrics; sources?: Record<string, string> }) {
  const media = itemMedia(item);
  // A video item's worst frames (metrics, stills) come with or without playable clips.
  const frames =
    item.video || frameStills(item).length ? html`<${VideoFrames} item=${item} sources=${sources} />` : null;
  if (!media) {
    if (frames) return frames;
    return html`<div class="problem" role="status" data-testid="no-media">
      <strong>No media for ${item.id}</strong>
      <p>This item has no media clips in the report, so only its metrics can be shown. Items with <code>media</code> (<code>[{ label, mime, src }]</code>, as mmtok diagnose writes them) are shown side by side here.</p>
    </div>`;
  }
  const props = { original: media.original, reconstruction: media.reconstruction, sources };
  if (media.kind === 'audio') return html`<${AudioView} ...${props} />`;
  if (media.kind === 'video') return html`<${VideoDiff} ...${props} />${frames}`;
  return html`<${ImageDiff} ...${props} />`;
}

/** Sortable per-item metrics (worst first by default) and the selected item's media. */
export function ReconstructionView({
  report,
  sources,
}: {
  report: DiagnosticsReport;
  sources?: Record<string, string>;
}) {
  const m = report.metrics;
  const columns = useMemo(() => (m ? [...new Set(m.items.flatMap((i) => Object.keys(i.values)))] : []), [m]);
  const [sort, setSort] = useState<Sort | undefined>();
  const [selected, setSelected] = useState<string | undefined>();
  if (!m || m.items.length === 0) {
    return html`<section class="view" data-testid="view-reconstruction"><p class="note">This report has no per-item reconstruction metrics.</p></section>`;
  }
  const items = sort ? sortItems(m.items, sort) : worstItems(report);
  const current = m.items.find((i) => i.id === selected) ?? items[0];
  const header = (column: string) => {
    const active = sort?.column === column;
    const arrow = active ? (sort.descending ? ' ▼' : ' ▲') : '';
    const dir = m.higherIsBetter[column];
    return html`<th scope="col" aria-sort=${active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button class="sort" data-testid=${`sort-${column}`} onClick=${() => setSort({ column, descending: active ? !sort.descending : false })}>
        ${column}${dir === undefined ? '' : dir ? ' ↑' : ' ↓'}${arrow}</button></th>`;
  };
  return html`<section class="view" data-testid="view-reconstruction">
    <p class="note">${sort ? `Sorted by ${sort.column}.` : `Worst first by ${m.primary ?? 'the first metric'}.`} Click a row to see the item.</p>
    <div class="table-scroll"><table class="grid items" data-testid="items-table">
      <thead><tr>${header('id')}${columns.map(header)}</tr></thead>
      <tbody>${items.map(
        (
          it,
        ) => html`<tr class=${it === current ? 'selected' : ''} data-item=${it.id} onClick=${() => setSelected(it.id)}>
          <td class="id">${it.id}</td>
          ${columns.map((c) => html`<td data-metric=${c} data-value=${it.values[c] ?? ''}>${fmtMetric(c, it.values[c])}</td>`)}
        </tr>`,
      )}</tbody>
    </table></div>
    <h2 data-testid="media-title">${current.id}</h2>
    <${MediaPanel} key=${`${report.createdAt}:${current.id}`} item=${current} sources=${sources} />
  </section>`;
}
