import type { ItemMetrics } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { frameStills } from '../data/media.js';
import { fmtFixed, fmtMetric, fmtNumber } from '../format.js';
import { ImageDiff } from './image-diff.js';

/**
 * A video item's per-frame quality as the report keeps it: frame count, flicker, the worst frames
 * with their PSNR/SSIM, and the stills of those frames (original, reconstruction, difference).
 */
export function VideoFrames({ item, sources }: { item: ItemMetrics; sources?: Record<string, string> }) {
  const v = item.video;
  const stills = frameStills(item);
  const fps = v?.fps;
  const hasSsim = v?.worstFrames.some((w) => w.ssim !== undefined);
  return html`<div class="video-frames" data-testid="video-frames">
    ${
      v
        ? html`<p class="note">${v.frames} frames${fps ? ` at ${fmtNumber(fps)} fps` : ''} · temporal flicker ${fmtMetric('flicker', v.flicker)}</p>
          <h3>Worst frames</h3>
          <table class="grid" data-testid="worst-frames">
            <thead><tr><th>frame</th>${fps ? html`<th>time (s)</th>` : null}<th>PSNR (dB)</th>${hasSsim ? html`<th>SSIM</th>` : null}</tr></thead>
            <tbody>${v.worstFrames.map(
              (w) => html`<tr data-frame=${w.frame}>
                <td>${w.frame}</td>
                ${fps ? html`<td>${fmtFixed(w.frame / fps, 2)}</td>` : null}
                <td data-metric="psnr" data-value=${w.psnr ?? ''}>${fmtMetric('psnr', w.psnr)}</td>
                ${hasSsim ? html`<td data-metric="ssim" data-value=${w.ssim ?? ''}>${fmtMetric('ssim', w.ssim)}</td>` : null}
              </tr>`,
            )}</tbody>
          </table>`
        : null
    }
    ${stills.map(
      (s) => html`<section key=${s.frame} class="frame-stills" data-testid="frame-stills" data-frame=${s.frame}>
        <h3>Frame ${s.frame}</h3>
        <${ImageDiff} original=${s.original} reconstruction=${s.reconstruction} sources=${sources} />
      </section>`,
    )}
  </div>`;
}
