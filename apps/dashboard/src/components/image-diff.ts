import { psnr } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fetchMedia } from '../data/fetch-media.js';
import type { Problem } from '../data/problem.js';
import { fmtFixed } from '../format.js';
import { ProblemBox } from './problem-box.js';

/** Difference amplification: reconstruction errors are a few levels, invisible at 1×. */
export const GAIN = 4;

export interface Pixels {
  width: number;
  height: number;
  rgba: Uint8ClampedArray<ArrayBuffer>;
}

export async function decodePixels(blob: Blob): Promise<Pixels> {
  const bitmap = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width: canvas.width, height: canvas.height, rgba: ctx.getImageData(0, 0, canvas.width, canvas.height).data };
}

function rgb(p: Pixels): Uint8Array {
  const out = new Uint8Array(p.width * p.height * 3);
  for (let i = 0, j = 0; i < p.rgba.length; i += 4, j += 3) {
    out[j] = p.rgba[i];
    out[j + 1] = p.rgba[i + 1];
    out[j + 2] = p.rgba[i + 2];
  }
  return out;
}

/** |a − b| per channel, amplified, as an opaque image. */
export function differenceImage(a: Pixels, b: Pixels): ImageData {
  const out = new ImageData(a.width, a.height);
  for (let i = 0; i < a.rgba.length; i += 4) {
    out.data[i] = Math.abs(a.rgba[i] - b.rgba[i]) * GAIN;
    out.data[i + 1] = Math.abs(a.rgba[i + 1] - b.rgba[i + 1]) * GAIN;
    out.data[i + 2] = Math.abs(a.rgba[i + 2] - b.rgba[i + 2]) * GAIN;
    out.data[i + 3] = 255;
  }
  return out;
}

export function PixelCanvas({ image, label }: { image: ImageData; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    c.getContext('2d')!.putImageData(image, 0, 0);
  }, [image]);
  return html`<figure><canvas ref=${ref} class="media" aria-label=${label}></canvas><figcaption>${label}</figcaption></figure>`;
}

/** What could be shown; either image may be missing (its problem says why), and then there is no difference. */
interface Loaded {
  original?: ImageData;
  reconstruction?: ImageData;
  difference?: ImageData;
  psnr?: number;
  sizeMismatch?: string;
}

/** Original, reconstruction and their amplified difference, side by side; whichever loaded when one did not. */
export function ImageDiff(props: { original?: string; reconstruction?: string; sources?: Record<string, string> }) {
  const [state, setState] = useState<{ loaded?: Loaded; problems: Problem[] }>({ problems: [] });
  useEffect(() => {
    let live = true;
    (async () => {
      const problems: Problem[] = [];
      const images: (Pixels | undefined)[] = [];
      for (const [role, url] of [
        ['original image', props.original],
        ['reconstructed image', props.reconstruction],
      ] as const) {
        if (!url) {
          problems.push({
            title: `The report names no ${role} for this item`,
            detail: 'Only the metrics can be shown.',
          });
          images.push(undefined);
          continue;
        }
        const got = await fetchMedia(url, role, props.sources);
        if ('problem' in got) {
          problems.push(got.problem);
          images.push(undefined);
          continue;
        }
        try {
          images.push(await decodePixels(got.blob));
        } catch (e) {
          problems.push({
            title: `The ${role} could not be decoded`,
            detail: `${props.sources?.[url] ?? url}: ${String(e)}`,
          });
          images.push(undefined);
        }
      }
      const [a, b] = images;
      const loaded: Loaded = {
        original: a && new ImageData(a.rgba, a.width, a.height),
        reconstruction: b && new ImageData(b.rgba, b.width, b.height),
      };
      if (a && b) {
        if (a.width === b.width && a.height === b.height) {
          loaded.difference = differenceImage(a, b);
          loaded.psnr = psnr(rgb(a), rgb(b));
        } else {
          loaded.sizeMismatch = `original ${a.width}×${a.height}, reconstruction ${b.width}×${b.height}`;
        }
      }
      if (live) setState({ loaded, problems });
    })();
    return () => {
      live = false;
    };
  }, [props.original, props.reconstruction, props.sources]);
  const l = state.loaded;
  return html`<div class="media-row" data-testid="image-diff">
    ${state.problems.map((p) => html`<${ProblemBox} problem=${p} />`)}
    ${
      l
        ? html`<div class="side-by-side">
            ${l.original ? html`<${PixelCanvas} image=${l.original} label="original" />` : null}
            ${l.reconstruction ? html`<${PixelCanvas} image=${l.reconstruction} label="reconstruction" />` : null}
            ${l.difference ? html`<${PixelCanvas} image=${l.difference} label=${`|difference| × ${GAIN}`} />` : null}
          </div>
          <${Note} loaded=${l} />`
        : null
    }
  </div>`;
}

/** Under the images: the PSNR measured here, or why there is no difference image. */
function Note({ loaded: l }: { loaded: Loaded }) {
  if (l.difference) {
    return html`<p class="note" data-testid="page-psnr" data-value=${l.psnr}>PSNR measured in the page: ${fmtFixed(l.psnr, 2)} dB</p>`;
  }
  if (l.sizeMismatch) return html`<p class="note">No difference view: the sizes differ (${l.sizeMismatch}).</p>`;
  if (!l.original && !l.reconstruction) return null;
  const [shown, missing] = l.original ? ['original', 'reconstruction'] : ['reconstruction', 'original'];
  return html`<p class="note" data-testid="shown-alone" data-missing=${missing}>Only the ${shown} is shown: the ${missing} could not be loaded, so there is no difference image.</p>`;
}
