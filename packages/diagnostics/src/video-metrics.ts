import { MmtokError } from '@mmtok/core';
import { type SsimOptions, ssimOfImages } from './image-metrics.js';
import { assertSameShape, type Dense, type Image, inferDataRange, type SignalInput, toDense } from './input.js';
import type { MetricValue, VideoItemSummary } from './report.js';

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
 * Per-frame PSNR/SSIM and flicker, one frame pair at a time, so a long video never has to be held
 * in memory: `add` each frame pair in order, then `result()`. Gives exactly `videoMetrics`' numbers.
 */
export class VideoMetricsAccumulator {
  private readonly psnrs: number[] = [];
  private readonly ssims: number[] = [];
  private prev: [Image, Image] | undefined;
  private flickerSum = 0;
  private flickerCount = 0;
  private range: number | undefined;

  constructor(private readonly options: VideoMetricsOptions = {}) {
    this.range = options.dataRange;
  }

  get frames(): number {
    return this.psnrs.length;
  }

  /** Adds the next frame pair ([H, W] or [H, W, C]); returns that frame's PSNR (and SSIM). */
  add(ref: SignalInput, est: SignalInput): { frame: number; psnr: number; ssim?: number } {
    this.range ??= inferDataRange(ref, undefined, 'VideoMetricsAccumulator');
    const [a, b] = [toDense(ref, 'reference frame'), toDense(est, 'estimated frame')];
    if (a.shape.length !== 2 && a.shape.length !== 3) {
      throw new MmtokError('MMTOK_SHAPE', `video frames must be [H, W] or [H, W, C], got [${a.shape.join(', ')}]`);
    }
    assertSameShape(a, b, 'reference frame', 'estimated frame');
    const image = (d: Dense): Image => ({
      height: d.shape[0],
      width: d.shape[1],
      channels: d.shape.length === 3 ? d.shape[2] : 1,
      data: d.data,
    });
    return this.addImages(image(a), image(b));
  }

  /** @internal Frames already validated (videoMetrics' path). */
  addImages(fa: Image, fb: Image): { frame: number; psnr: number; ssim?: number } {
    const range = this.range!;
    const prev = this.prev;
    if (prev && prev[0].data.length !== fa.data.length) {
      throw new MmtokError('MMTOK_SHAPE', `frame ${this.frames} differs in size from the frame before it`);
    }
    let s = 0;
    let f = 0;
    for (let i = 0; i < fa.data.length; i++) {
      const d = fa.data[i] - fb.data[i];
      s += d * d;
      if (prev) f += Math.abs(fb.data[i] - prev[1].data[i] - (fa.data[i] - prev[0].data[i]));
    }
    if (prev) {
      this.flickerSum += f;
      this.flickerCount += fa.data.length;
    }
    const frame = this.psnrs.length;
    const psnr = 10 * Math.log10((range * range) / (s / fa.data.length));
    this.psnrs.push(psnr);
    this.prev = [fa, fb];
    if ((this.options.ssim ?? true) === false) return { frame, psnr };
    const ssim = ssimOfImages(fa, fb, range, this.options);
    this.ssims.push(ssim);
    return { frame, psnr, ssim };
  }

  result(): VideoMetrics {
    const T = this.psnrs.length;
    if (T === 0) throw new MmtokError('MMTOK_EMPTY', 'no video frames were added');
    const withSsim = this.options.ssim ?? true;
    const psnrs = this.psnrs;
    const ssims = this.ssims;
    const flicker = this.flickerCount > 0 ? this.flickerSum / (this.flickerCount * this.range!) : null;
    const worstCount = Math.max(0, Math.min(this.options.worst ?? 5, T));
    const order = Array.from({ length: T }, (_, i) => i).sort((i, j) =>
      withSsim ? ssims[i] - ssims[j] || psnrs[i] - psnrs[j] : psnrs[i] - psnrs[j],
    );
    const worstFrames = order
      .slice(0, worstCount)
      .map((frame) => (withSsim ? { frame, psnr: psnrs[frame], ssim: ssims[frame] } : { frame, psnr: psnrs[frame] }));
    const out: VideoMetrics = {
      frames: T,
      psnr: { ...summarize(psnrs), perFrame: [...psnrs] },
      worstFrames,
      flicker,
    };
    if (withSsim) out.ssim = { ...summarize(ssims), perFrame: [...ssims] };
    return out;
  }
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
  const acc = new VideoMetricsAccumulator({ ...options, dataRange: range });
  for (let t = 0; t < a.shape[0]; t++) acc.addImages(frameOf(a, t), frameOf(b, t));
  return acc.result();
}

const finiteOrNull = (v: number): MetricValue => (Number.isFinite(v) ? v : null);

/**
 * A video's metrics as a report item: `values` (psnr/ssim means, their worst frame, flicker — what
 * the aggregate table compares across items) and the `video` summary with the worst frames.
 */
export function videoReportItem(
  m: VideoMetrics,
  options: { fps?: number } = {},
): { values: Record<string, number | null>; video: VideoItemSummary } {
  // Identical frames have infinite PSNR: the summary's mean is then not finite; take finite frames only.
  const finitePsnr = m.psnr.perFrame.filter(Number.isFinite);
  const psnr = finitePsnr.length ? summarize(finitePsnr) : undefined;
  const values: Record<string, number | null> = {
    psnr: psnr ? psnr.mean : null,
    psnrMin: psnr ? psnr.min : null,
    ...(m.ssim ? { ssim: m.ssim.mean, ssimMin: m.ssim.min } : {}),
    flicker: m.flicker,
  };
  const video: VideoItemSummary = {
    frames: m.frames,
    ...(options.fps !== undefined ? { fps: options.fps } : {}),
    psnr: psnr
      ? { mean: psnr.mean, min: psnr.min, max: psnr.max, std: psnr.std }
      : { mean: null, min: null, max: null, std: null },
    ...(m.ssim ? { ssim: { mean: m.ssim.mean, min: m.ssim.min, max: m.ssim.max, std: m.ssim.std } } : {}),
    flicker: m.flicker,
    worstFrames: m.worstFrames.map((w) => ({
      frame: w.frame,
      psnr: finiteOrNull(w.psnr),
      ...(w.ssim !== undefined ? { ssim: finiteOrNull(w.ssim) } : {}),
    })),
  };
  return { values, video };
}
