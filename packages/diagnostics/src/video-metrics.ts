import { MmtokError } from '@mmtok/core';
import { type SsimOptions, ssimOfImages } from './image-metrics.js';
import { assertSameShape, type Dense, type Image, inferDataRange, type SignalInput, toDense } from './input.js';

export interface Summary {
  mean: number;
  min: number;
  max: number;
  std: number;
}

export interface VideoMetricsOptions extends SsimOptions {
  /** How many worst frames to list (by SSIM, or PSNR when SSIM is off). Default 5. */
  worst?: number;
  /** Compute per-frame SSIM (the costly part). Default true. */
  ssim?: boolean;
}

export interface VideoMetrics {
  frames: number;
  psnr: Summary & { perFrame: number[] };
  ssim?: Summary & { perFrame: number[] };
  /** Lowest-quality frames first. */
  worstFrames: { frame: number; psnr: number; ssim?: number }[];
  /**
   * Temporal flicker: mean over t ≥ 1 of mean |(est_t − est_{t−1}) − (ref_t − ref_{t−1})| / dataRange.
   * 0 when the reconstruction changes between frames exactly as the reference does; null for one frame.
   */
  flicker: number | null;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new MmtokError('MMTOK_EMPTY', 'cannot summarise an empty list of values');
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  // Infinite PSNR frames (identical) make the spread meaningless; report 0 rather than NaN.
  const std = Number.isFinite(mean) ? Math.sqrt(ss / values.length) : 0;
  return { mean, min, max, std };
}

function frameOf(v: Dense, t: number): Image {
  const [, h, w] = v.shape;
  const c = v.shape.length === 4 ? v.shape[3] : 1;
  const n = h * w * c;
  return { height: h, width: w, channels: c, data: v.data.subarray(t * n, (t + 1) * n) };
}

/**
 * Per-frame PSNR and SSIM of a video pair ([T, H, W] or [T, H, W, C]), their summaries, the worst
 * frames and a temporal-flicker figure. Frame SSIM follows `ssim` exactly.
 */
export function videoMetrics(ref: SignalInput, est: SignalInput, options: VideoMetricsOptions = {}): VideoMetrics {
  const range = inferDataRange(ref, options.dataRange, 'videoMetrics');
  const a = toDense(ref, 'reference video');
  const b = toDense(est, 'estimated video');
  if (a.shape.length !== 3 && a.shape.length !== 4) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `videoMetrics: videos must be [T, H, W] or [T, H, W, C], got [${a.shape.join(', ')}]`,
    );
  }
  assertSameShape(a, b, 'reference video', 'estimated video');
  const T = a.shape[0];
  const withSsim = options.ssim ?? true;
  const psnrs: number[] = [];
  const ssims: number[] = [];
  for (let t = 0; t < T; t++) {
    const fa = frameOf(a, t);
    const fb = frameOf(b, t);
    let s = 0;
    for (let i = 0; i < fa.data.length; i++) {
      const d = fa.data[i] - fb.data[i];
      s += d * d;
    }
    psnrs.push(10 * Math.log10((range * range) / (s / fa.data.length)));
    if (withSsim) ssims.push(ssimOfImages(fa, fb, range, options));
  }
  let flicker: number | null = null;
  if (T > 1) {
    const n = a.data.length / T;
    let total = 0;
    for (let t = 1; t < T; t++) {
      const cur = t * n;
      const prev = cur - n;
      for (let i = 0; i < n; i++) {
        total += Math.abs(b.data[cur + i] - b.data[prev + i] - (a.data[cur + i] - a.data[prev + i]));
      }
    }
    flicker = total / ((T - 1) * n * range);
  }
  const worstCount = Math.max(0, Math.min(options.worst ?? 5, T));
  const order = Array.from({ length: T }, (_, i) => i).sort((i, j) =>
    withSsim ? ssims[i] - ssims[j] || psnrs[i] - psnrs[j] : psnrs[i] - psnrs[j],
  );
  const worstFrames = order
    .slice(0, worstCount)
    .map((frame) => (withSsim ? { frame, psnr: psnrs[frame], ssim: ssims[frame] } : { frame, psnr: psnrs[frame] }));
  const out: VideoMetrics = { frames: T, psnr: { ...summarize(psnrs), perFrame: psnrs }, worstFrames, flicker };
  if (withSsim) out.ssim = { ...summarize(ssims), perFrame: ssims };
  return out;
}
