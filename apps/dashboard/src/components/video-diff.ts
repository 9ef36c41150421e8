import { html } from 'htm/preact';
import { useRef, useState } from 'preact/hooks';
import { differenceImage } from './image-diff.js';

function grab(
  v: HTMLVideoElement,
): { width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> } | undefined {
  if (!v.videoWidth) return undefined;
  const c = new OffscreenCanvas(v.videoWidth, v.videoHeight);
  const g = c.getContext('2d')!;
  g.drawImage(v, 0, 0);
  return { width: c.width, height: c.height, rgba: g.getImageData(0, 0, c.width, c.height).data };
}

/**
 * Original and reconstructed video side by side; seeking either seeks both, and the difference of
 * the frame on screen is drawn below.
 */
export function VideoDiff(props: { original?: string; reconstruction?: string; sources?: Record<string, string> }) {
  const a = useRef<HTMLVideoElement>(null);
  const b = useRef<HTMLVideoElement>(null);
  const diff = useRef<HTMLCanvasElement>(null);
  const [error, setError] = useState<string | undefined>();
  const sync = (from: HTMLVideoElement | null, to: HTMLVideoElement | null) => {
    if (from && to && Math.abs(from.currentTime - to.currentTime) > 0.01) to.currentTime = from.currentTime;
  };
  const drawDiff = () => {
    if (!a.current || !b.current || !diff.current) return;
    const fa = grab(a.current);
    const fb = grab(b.current);
    if (!fa || !fb || fa.width !== fb.width || fa.height !== fb.height) return;
    diff.current.width = fa.width;
    diff.current.height = fa.height;
    diff.current.getContext('2d')!.putImageData(differenceImage(fa, fb), 0, 0);
  };
  const seeked = (from: HTMLVideoElement | null, to: HTMLVideoElement | null) => {
    sync(from, to);
    drawDiff();
  };
  const failed = (role: string, url?: string) => () =>
    setError(
      `The ${role} video could not be loaded: ${(url && props.sources?.[url]) ?? url ?? 'no path in the report'}`,
    );
  return html`<div class="media-row" data-testid="video-diff">
    ${error ? html`<div class="problem" role="alert" data-testid="problem">${error}</div>` : null}
    <div class="side-by-side">
      <figure><video ref=${a} class="media" controls muted preload="auto" src=${props.original}
        onSeeked=${() => seeked(a.current, b.current)} onLoadedData=${drawDiff} onError=${failed('original', props.original)}></video>
        <figcaption>original</figcaption></figure>
      <figure><video ref=${b} class="media" controls muted preload="auto" src=${props.reconstruction}
        onSeeked=${() => seeked(b.current, a.current)} onLoadedData=${drawDiff} onError=${failed('reconstructed', props.reconstruction)}></video>
        <figcaption>reconstruction</figcaption></figure>
      <figure><canvas ref=${diff} class="media" aria-label="difference"></canvas><figcaption>|difference| of the frame shown × 4</figcaption></figure>
    </div>
  </div>`;
}
