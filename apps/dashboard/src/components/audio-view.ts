import { stftMagnitude } from '@mmtok/diagnostics';
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { fetchMedia } from '../data/fetch-media.js';
import type { Problem } from '../data/problem.js';
import { fmtFixed } from '../format.js';
import { ProblemBox } from './problem-box.js';

const WIDTH = 480;
/** Spectrograms past this length are drawn from the first part only, to keep the page responsive. */
const MAX_SECONDS = 30;

/** Decoding rate when the file's own is unknown (not WAV); only the drawings use it. */
const FALLBACK_RATE = 48000;

interface Track {
  url: string;
  samples: Float32Array;
  sampleRate: number;
  /** False when the file's rate could not be read and `sampleRate` is the fallback. */
  nativeRate: boolean;
}

/** The sample rate a WAV file declares in its fmt chunk; undefined for anything else. */
function wavSampleRate(bytes: ArrayBuffer): number | undefined {
  const v = new DataView(bytes);
  const tag = (at: number) => String.fromCharCode(...new Uint8Array(bytes, at, 4));
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return undefined;
  // Chunks: id, little-endian size, data padded to an even length. fmt data: format, channels, rate.
  let at = 12;
  while (at + 16 <= bytes.byteLength) {
    if (tag(at) === 'fmt ') return v.getUint32(at + 12, true);
    const size = v.getUint32(at + 4, true);
    at += 8 + size + (size % 2);
  }
  return undefined;
}

async function decodeAudio(blob: Blob): Promise<Omit<Track, 'url'>> {
  const bytes = await blob.arrayBuffer();
  const native = wavSampleRate(bytes);
  // decodeAudioData resamples to its context's rate: decode at the file's own so the drawings and the caption are true.
  const ctx = new OfflineAudioContext(1, 1, native ?? FALLBACK_RATE);
  const buffer = await ctx.decodeAudioData(bytes);
  return { samples: buffer.getChannelData(0), sampleRate: buffer.sampleRate, nativeRate: native !== undefined };
}

function drawWaveform(c: HTMLCanvasElement, x: Float32Array): void {
  const h = 80;
  c.width = WIDTH;
  c.height = h;
  const g = c.getContext('2d')!;
  g.fillStyle = '#f4f6fa';
  g.fillRect(0, 0, WIDTH, h);
  g.fillStyle = '#3b6fd8';
  const per = Math.max(1, Math.floor(x.length / WIDTH));
  for (let px = 0; px < WIDTH; px++) {
    let lo = 0;
    let hi = 0;
    for (let i = px * per; i < Math.min(x.length, (px + 1) * per); i++) {
      lo = Math.min(lo, x[i]);
      hi = Math.max(hi, x[i]);
    }
    const y0 = ((1 - hi) / 2) * h;
    const y1 = ((1 - lo) / 2) * h;
    g.fillRect(px, y0, 1, Math.max(1, y1 - y0));
  }
}

function drawSpectrogram(c: HTMLCanvasElement, x: Float32Array, sampleRate: number): void {
  const signal = Float64Array.from(x.subarray(0, Math.min(x.length, MAX_SECONDS * sampleRate)));
  const spec = stftMagnitude(signal, { windowLength: 512, hopLength: 256 });
  const h = 128;
  c.width = WIDTH;
  c.height = h;
  const img = new ImageData(WIDTH, h);
  let max = -Infinity;
  const db = new Float64Array(spec.data.length);
  for (let i = 0; i < db.length; i++) {
    db[i] = 20 * Math.log10(spec.data[i] + 1e-9);
    if (db[i] > max) max = db[i];
  }
  for (let px = 0; px < WIDTH; px++) {
    const f = Math.min(spec.frames - 1, Math.floor((px / WIDTH) * spec.frames));
    for (let py = 0; py < h; py++) {
      const bin = Math.floor(((h - 1 - py) / h) * spec.bins);
      // 80 dB of range below the loudest bin, mapped to a dark-to-warm ramp.
      const t = Math.max(0, Math.min(1, (db[f * spec.bins + bin] - max + 80) / 80));
      const o = (py * WIDTH + px) * 4;
      img.data[o] = 255 * Math.min(1, 1.6 * t);
      img.data[o + 1] = 255 * Math.max(0, t * t);
      img.data[o + 2] = 255 * (0.35 * (1 - t) + 0.2 * t);
      img.data[o + 3] = 255;
    }
  }
  c.getContext('2d')!.putImageData(img, 0, 0);
}

function TrackView({ track, label }: { track: Track; label: string }) {
  const wave = useRef<HTMLCanvasElement>(null);
  const spec = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (wave.current) drawWaveform(wave.current, track.samples);
    if (spec.current) drawSpectrogram(spec.current, track.samples, track.sampleRate);
  }, [track]);
  return html`<figure class="track">
    <figcaption data-testid=${`track-${label}`} data-sample-rate=${track.nativeRate ? track.sampleRate : ''}>
      ${label} · ${fmtFixed(track.samples.length / track.sampleRate, 2)} s${track.nativeRate ? ` at ${track.sampleRate} Hz` : ''}</figcaption>
    <audio controls preload="metadata" src=${track.url} aria-label=${`${label} audio`}></audio>
    <canvas ref=${wave} class="waveform" aria-label=${`${label} waveform`}></canvas>
    <canvas ref=${spec} class="spectrogram" aria-label=${`${label} spectrogram`}></canvas>
  </figure>`;
}

/** Players, waveforms and spectrograms of an original and its reconstruction. */
export function AudioView(props: { original?: string; reconstruction?: string; sources?: Record<string, string> }) {
  const [state, setState] = useState<{ tracks: (Track | undefined)[]; problems: Problem[] }>({
    tracks: [],
    problems: [],
  });
  useEffect(() => {
    let live = true;
    const urls: string[] = [];
    (async () => {
      const problems: Problem[] = [];
      const tracks: (Track | undefined)[] = [];
      for (const [role, url] of [
        ['original audio', props.original],
        ['reconstructed audio', props.reconstruction],
      ] as const) {
        if (!url) {
          problems.push({
            title: `The report names no ${role} for this item`,
            detail: 'Only the metrics can be shown.',
          });
          tracks.push(undefined);
          continue;
        }
        const got = await fetchMedia(url, role, props.sources);
        if ('problem' in got) {
          problems.push(got.problem);
          tracks.push(undefined);
          continue;
        }
        try {
          const decoded = await decodeAudio(got.blob);
          const objectUrl = URL.createObjectURL(got.blob);
          urls.push(objectUrl);
          tracks.push({ url: objectUrl, ...decoded });
        } catch (e) {
          problems.push({
            title: `The ${role} could not be decoded`,
            detail: `${props.sources?.[url] ?? url}: ${String(e)}`,
          });
          tracks.push(undefined);
        }
      }
      if (live) setState({ tracks, problems });
    })();
    return () => {
      live = false;
      for (const u of urls) URL.revokeObjectURL(u);
    };
  }, [props.original, props.reconstruction, props.sources]);
  const [a, b] = state.tracks;
  return html`<div class="media-row" data-testid="audio-view">
    ${state.problems.map((p) => html`<${ProblemBox} problem=${p} />`)}
    <div class="side-by-side">
      ${a ? html`<${TrackView} track=${a} label="original" />` : null}
      ${b ? html`<${TrackView} track=${b} label="reconstruction" />` : null}
    </div>
  </div>`;
}
