import { MmtokError } from '@mmtok/core';
import {
  assertSameShape,
  type Image,
  imagePair,
  inferDataRange,
  type SignalInput,
  toDense,
  typedView,
} from './input.js';

export interface RangeOptions {
  /** Peak-to-peak range of the data (255 for 8-bit). Inferred only for Uint8/Uint16 data. */
  dataRange?: number;
}

export interface SsimOptions extends RangeOptions {
  /** Gaussian window standard deviation (scikit-image: 1.5). */
  sigma?: number;
  /** Window radius = floor(truncate·sigma + 0.5) (scipy: truncate 3.5 → radius 5, an 11×11 window). */
  truncate?: number;
  k1?: number;
  k2?: number;
}

export interface MsSsimOptions extends SsimOptions {
  /** Per-scale exponents; the number of scales is their count (Wang et al. 2003 by default). */
  weights?: readonly number[];
}

/** Wang, Simoncelli & Bovik (2003) multi-scale exponents. */
export const MS_SSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/** Mean squared error in float64 over inputs of identical shape (any rank). */
export function mse(a: SignalInput, b: SignalInput): number {
  // Typed inputs are read in place (no float64 copies); others, and any error, go through toDense.
  const va = typedView(a);
  const vb = typedView(b);
  if (va && vb && va.values.length > 0 && sameShape(va.shape, vb.shape)) {
    const e = sumSquaredDifference(va.values, vb.values) / va.values.length;
    if (Number.isFinite(e)) return e;
  }
  const da = toDense(a, 'first input');
  const db = toDense(b, 'second input');
  assertSameShape(da, db, 'first input', 'second input');
  return sumSquaredDifference(da.data, db.data) / da.data.length;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

function sumSquaredDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - y[i];
    s += d * d;
  }
  return s;
}

/** Peak signal-to-noise ratio in dB: 10·log10(R² / MSE), as skimage.metrics.peak_signal_noise_ratio. Infinity for identical inputs. */
export function psnr(a: SignalInput, b: SignalInput, options: RangeOptions = {}): number {
  const range = inferDataRange(a, options.dataRange, 'psnr');
  const e = mse(a, b);
  return 10 * Math.log10((range * range) / e);
}

/** Normalised 1-D Gaussian taps exactly as scipy.ndimage builds them. */
export function gaussianKernel(sigma: number, truncate: number): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const w = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp((-0.5 * i * i) / (sigma * sigma));
    w[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < w.length; i++) w[i] /= sum;
  return w;
}

interface PlaneResult {
  /** Mean SSIM over the valid (cropped) region. */
  ssim: number;
  /** Mean contrast-structure term over the same region (for MS-SSIM). */
  cs: number;
}

/**
 * SSIM of one channel plane. scikit-image filters with mode='reflect' and then crops (win-1)/2 pixels
 * from every border; every kept pixel's window lies fully inside the image, so filtering only the
 * valid region gives identical numbers without any padding.
 */
function ssimPlane(
  x: Float64Array,
  y: Float64Array,
  h: number,
  w: number,
  kernel: Float64Array,
  c1: number,
  c2: number,
  bufs: Float64Array[],
): PlaneResult {
  const r = (kernel.length - 1) >> 1;
  const [mx, my, mxx, myy, mxy] = bufs;
  let sumS = 0;
  let sumCs = 0;
  for (let i = r; i < h - r; i++) {
    // Vertical pass into five row buffers (means of x, y, x², y², xy). The kernel is symmetric, so
    // rows i−k and i+k share a weight; sums stay in registers and each buffer is written once.
    const c0 = i * w;
    const wc = kernel[r];
    for (let j = 0; j < w; j++) {
      const xc = x[c0 + j];
      const yc = y[c0 + j];
      let sx = wc * xc;
      let sy = wc * yc;
      let sxx = sx * xc;
      let syy = sy * yc;
      let sxy = sx * yc;
      for (let k = 1; k <= r; k++) {
        const wk = kernel[r + k];
        const up = c0 - k * w + j;
        const dn = c0 + k * w + j;
        const xu = x[up];
        const xd = x[dn];
        const yu = y[up];
        const yd = y[dn];
        sx += wk * (xu + xd);
        sy += wk * (yu + yd);
        sxx += wk * (xu * xu + xd * xd);
        syy += wk * (yu * yu + yd * yd);
        sxy += wk * (xu * yu + xd * yd);
      }
      mx[j] = sx;
      my[j] = sy;
      mxx[j] = sxx;
      myy[j] = syy;
      mxy[j] = sxy;
    }
    // Horizontal pass and the SSIM map for this row, summed on the fly.
    for (let j = r; j < w - r; j++) {
      let ux = wc * mx[j];
      let uy = wc * my[j];
      let uxx = wc * mxx[j];
      let uyy = wc * myy[j];
      let uxy = wc * mxy[j];
      for (let k = 1; k <= r; k++) {
        const wk = kernel[r + k];
        const l = j - k;
        const q = j + k;
        ux += wk * (mx[l] + mx[q]);
        uy += wk * (my[l] + my[q]);
        uxx += wk * (mxx[l] + mxx[q]);
        uyy += wk * (myy[l] + myy[q]);
        uxy += wk * (mxy[l] + mxy[q]);
      }
      const vx = uxx - ux * ux;
      const vy = uyy - uy * uy;
      const vxy = uxy - ux * uy;
      const a2 = 2 * vxy + c2;
      const b2 = vx + vy + c2;
      sumS += ((2 * ux * uy + c1) * a2) / ((ux * ux + uy * uy + c1) * b2);
      sumCs += a2 / b2;
    }
  }
  const n = (h - 2 * r) * (w - 2 * r);
  return { ssim: sumS / n, cs: sumCs / n };
}

function channelPlane(img: Image, c: number): Float64Array {
  if (img.channels === 1) return img.data;
  const n = img.height * img.width;
  const out = new Float64Array(n);
  for (let i = 0, p = c; i < n; i++, p += img.channels) out[i] = img.data[p];
  return out;
}

interface SsimSetup {
  kernel: Float64Array;
  c1: number;
  c2: number;
}

function setup(fn: string, range: number, options: SsimOptions): SsimSetup {
  const sigma = options.sigma ?? 1.5;
  const truncate = options.truncate ?? 3.5;
  const k1 = options.k1 ?? 0.01;
  const k2 = options.k2 ?? 0.03;
  for (const [name, v] of [
    ['sigma', sigma],
    ['truncate', truncate],
    ['k1', k1],
    ['k2', k2],
  ] as const) {
    if (!Number.isFinite(v) || v <= 0)
      throw new MmtokError('MMTOK_CONFIG', `${fn}: ${name} must be positive, got ${v}`);
  }
  return { kernel: gaussianKernel(sigma, truncate), c1: (k1 * range) ** 2, c2: (k2 * range) ** 2 };
}

function checkWindow(fn: string, h: number, w: number, win: number, extra = ''): void {
  if (h < win || w < win) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${fn}: image is ${h}×${w} but the Gaussian window is ${win}×${win}; use a larger image${extra}`,
      { height: h, width: w, window: win },
    );
  }
}

/** SSIM of two validated images (exported for video metrics). */
export function ssimOfImages(a: Image, b: Image, range: number, options: SsimOptions = {}): number {
  const s = setup('ssim', range, options);
  checkWindow('ssim', a.height, a.width, s.kernel.length);
  const bufs = Array.from({ length: 5 }, () => new Float64Array(a.width));
  let total = 0;
  for (let c = 0; c < a.channels; c++) {
    total += ssimPlane(channelPlane(a, c), channelPlane(b, c), a.height, a.width, s.kernel, s.c1, s.c2, bufs).ssim;
  }
  return total / a.channels;
}

/**
 * Structural similarity, identical to skimage.metrics.structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, data_range=R[, channel_axis=-1]): the mean over channels
 * of the mean SSIM map after cropping the 5-pixel border. Images are [H, W] or [H, W, C].
 */
export function ssim(a: SignalInput, b: SignalInput, options: SsimOptions = {}): number {
  const range = inferDataRange(a, options.dataRange, 'ssim');
  const [ia, ib] = imagePair(a, b);
  return ssimOfImages(ia, ib, range, options);
}

/** 2×2 average pooling that drops an odd last row/column (TensorFlow's VALID pooling). */
function downsample(p: Float64Array, h: number, w: number): { plane: Float64Array; h: number; w: number } {
  const h2 = h >> 1;
  const w2 = w >> 1;
  const out = new Float64Array(h2 * w2);
  for (let i = 0; i < h2; i++) {
    const r0 = 2 * i * w;
    const r1 = r0 + w;
    for (let j = 0; j < w2; j++) {
      out[i * w2 + j] = 0.25 * (p[r0 + 2 * j] + p[r0 + 2 * j + 1] + p[r1 + 2 * j] + p[r1 + 2 * j + 1]);
    }
  }
  return { plane: out, h: h2, w: w2 };
}

/**
 * Multi-scale SSIM (Wang et al. 2003), per channel then averaged: ∏ cs_j^w_j (j < M) · ssim_M^w_M,
 * each scale filtered like `ssim` and downsampled by 2×2 averaging. Negative per-scale terms are
 * clamped to 0 (as TensorFlow's ssim_multiscale does) so the power stays real. Needs
 * min(H, W) ≥ 11·2^(M−1) (176 for the default 5 scales).
 */
export function msSsim(a: SignalInput, b: SignalInput, options: MsSsimOptions = {}): number {
  const range = inferDataRange(a, options.dataRange, 'msSsim');
  const [ia, ib] = imagePair(a, b);
  const weights = options.weights ?? MS_SSIM_WEIGHTS;
  if (weights.length === 0 || weights.some((x) => !Number.isFinite(x) || x < 0)) {
    throw new MmtokError('MMTOK_CONFIG', 'msSsim: weights must be a non-empty list of non-negative numbers');
  }
  const s = setup('msSsim', range, options);
  const win = s.kernel.length;
  const minSide = win * 2 ** (weights.length - 1);
  if (Math.min(ia.height, ia.width) < minSide) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `msSsim: ${weights.length} scales need min(H, W) ≥ ${minSide}, got ${ia.height}×${ia.width}; pass fewer weights`,
    );
  }
  let total = 0;
  for (let c = 0; c < ia.channels; c++) {
    let px = channelPlane(ia, c);
    let py = channelPlane(ib, c);
    let h = ia.height;
    let w = ia.width;
    const bufs = Array.from({ length: 5 }, () => new Float64Array(w));
    let value = 1;
    for (let level = 0; level < weights.length; level++) {
      const r = ssimPlane(px, py, h, w, s.kernel, s.c1, s.c2, bufs);
      const last = level === weights.length - 1;
      value *= Math.max(0, last ? r.ssim : r.cs) ** weights[level];
      if (!last) {
        const dx = downsample(px, h, w);
        py = downsample(py, h, w).plane;
        px = dx.plane;
        h = dx.h;
        w = dx.w;
      }
    }
    total += value;
  }
  return total / ia.channels;
}
