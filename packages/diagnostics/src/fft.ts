import { MmtokError } from '@mmtok/core';

/** Precomputed tables for an in-place radix-2 complex FFT of one power-of-two size. */
export class Fft {
  readonly size: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1 || (size & (size - 1)) !== 0) {
      throw new MmtokError('MMTOK_CONFIG', `FFT size must be a power of two, got ${size}`);
    }
    this.size = size;
    this.cos = new Float64Array(size >> 1);
    this.sin = new Float64Array(size >> 1);
    for (let i = 0; i < size >> 1; i++) {
      this.cos[i] = Math.cos((2 * Math.PI * i) / size);
      this.sin[i] = -Math.sin((2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Forward transform X[k] = Σ x[n]·e^(−2πikn/N), in place on (re, im). */
  transform(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    for (let i = 0; i < n; i++) {
      const j = this.rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0, t = 0; k < half; k++, t += step) {
          const wr = this.cos[t];
          const wi = this.sin[t];
          const a = start + k;
          const b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}

/** Periodic Hann window (scipy.signal.get_window('hann', n), the STFT convention). */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

export interface StftOptions {
  /** Window and FFT length (a power of two). */
  windowLength: number;
  /** Hop between frames; defaults to windowLength / 4. */
  hopLength?: number;
}

/** A magnitude spectrogram, [frames, bins] row-major with bins = windowLength/2 + 1. */
export interface Spectrogram {
  data: Float64Array;
  frames: number;
  bins: number;
}

/** numpy/torch 'reflect' index (mirror without repeating the edge sample). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}

/**
 * |STFT| like torch.stft(center=True, pad_mode='reflect', periodic Hann, onesided): the signal is
 * reflect-padded by windowLength/2 on both sides, giving 1 + floor(N / hop) frames.
 */
export function stftMagnitude(signal: Float64Array, options: StftOptions): Spectrogram {
  const n = options.windowLength;
  const hop = options.hopLength ?? n >> 2;
  if (!Number.isInteger(hop) || hop < 1)
    throw new MmtokError('MMTOK_CONFIG', `STFT hop must be a positive integer, got ${hop}`);
  const fft = new Fft(n);
  const win = hannWindow(n);
  const pad = n >> 1;
  const frames = 1 + Math.floor(signal.length / hop);
  const bins = (n >> 1) + 1;
  const out = new Float64Array(frames * bins);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  const len = signal.length;
  for (let f = 0; f < frames; f++) {
    const start = f * hop - pad;
    for (let i = 0; i < n; i++) {
      const p = start + i;
      re[i] = (p >= 0 && p < len ? signal[p] : signal[reflectIndex(p, len)]) * win[i];
      im[i] = 0;
    }
    fft.transform(re, im);
    const o = f * bins;
    for (let k = 0; k < bins; k++) out[o + k] = Math.hypot(re[k], im[k]);
  }
  return { data: out, frames, bins };
}
