import { MmtokError } from '@mmtok/core';
import { stftMagnitude } from './fft.js';
import { type SignalInput, signalPair } from './input.js';
import { melFilterbank } from './mel.js';

/** Signal-to-noise ratio in dB: 10·log10(Σ ref² / Σ (ref − est)²). Infinity when est equals ref. */
export function snr(ref: SignalInput, est: SignalInput): number {
  const [r, e] = signalPair(ref, est, 'reference', 'estimate');
  let num = 0;
  let den = 0;
  for (let i = 0; i < r.length; i++) {
    num += r[i] * r[i];
    const d = r[i] - e[i];
    den += d * d;
  }
  if (num === 0) throw new MmtokError('MMTOK_CONFIG', 'snr: the reference is all zeros, so SNR is undefined');
  return 10 * Math.log10(num / den);
}

/**
 * Scale-invariant SDR in dB (Le Roux et al. 2019) on zero-mean signals: the estimate is projected
 * onto the reference, target = α·ref with α = ⟨est, ref⟩ / ‖ref‖², SI-SDR = 10·log10(‖target‖² / ‖est − target‖²).
 */
export function siSdr(ref: SignalInput, est: SignalInput): number {
  const [r, e] = signalPair(ref, est, 'reference', 'estimate');
  const n = r.length;
  let mr = 0;
  let me = 0;
  for (let i = 0; i < n; i++) {
    mr += r[i];
    me += e[i];
  }
  mr /= n;
  me /= n;
  let dot = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const a = r[i] - mr;
    dot += (e[i] - me) * a;
    rr += a * a;
  }
  if (rr === 0) throw new MmtokError('MMTOK_CONFIG', 'siSdr: the reference is constant, so SI-SDR is undefined');
  const alpha = dot / rr;
  let t2 = 0;
  let n2 = 0;
  for (let i = 0; i < n; i++) {
    const t = alpha * (r[i] - mr);
    const d = e[i] - me - t;
    t2 += t * t;
    n2 += d * d;
  }
  return 10 * Math.log10(t2 / n2);
}

export interface MelDistanceOptions {
  sampleRate: number;
  /** STFT window = FFT length, a power of two (default 2048). */
  windowLength?: number;
  /** Default windowLength / 4. */
  hopLength?: number;
  /** Default 80. */
  nMels?: number;
  fMin?: number;
  fMax?: number;
  /** Magnitudes are clamped to at least this before the log (DAC: 1e-5). */
  clampEps?: number;
  /** Exponent on the clamped mel magnitude inside log10 (1 = magnitude, 2 = power; DAC evaluation: 1). */
  pow?: number;
}

function melLogMagnitudes(
  x: Float64Array,
  sampleRate: number,
  windowLength: number,
  hopLength: number | undefined,
  nMels: number,
  fMin: number | undefined,
  fMax: number | undefined,
  eps: number,
  pow: number,
): Float64Array {
  const spec = stftMagnitude(x, { windowLength, hopLength });
  const fb = melFilterbank({ sampleRate, nFft: windowLength, nMels, fMin, fMax });
  const out = new Float64Array(spec.frames * nMels);
  for (let f = 0; f < spec.frames; f++) {
    const so = f * spec.bins;
    for (let m = 0; m < nMels; m++) {
      const fo = m * spec.bins;
      let s = 0;
      for (let k = 0; k < spec.bins; k++) s += fb[fo + k] * spec.data[so + k];
      out[f * nMels + m] = pow * Math.log10(Math.max(s, eps));
    }
  }
  return out;
}

function checkAudio(fn: string, r: Float64Array, sampleRate: number, windowLength: number): void {
  if (!(sampleRate > 0)) throw new MmtokError('MMTOK_CONFIG', `${fn}: sampleRate must be positive, got ${sampleRate}`);
  // Reflect padding by windowLength/2 needs more samples than the pad.
  if (r.length <= windowLength >> 1) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${fn}: signal has ${r.length} samples; a ${windowLength}-sample window needs more than ${windowLength >> 1}`,
    );
  }
}

/**
 * Log-mel spectral distance at one resolution: mean |log10(max(mel_ref, eps)^p) − log10(max(mel_est, eps)^p)|
 * over all frames and mel bands. Mel magnitude = Slaney mel filterbank · |STFT| (periodic Hann,
 * centred reflect-padded frames, hop = window/4), as audiotools' AudioSignal.mel_spectrogram.
 */
export function logMelDistance(ref: SignalInput, est: SignalInput, options: MelDistanceOptions): number {
  const [r, e] = signalPair(ref, est, 'reference', 'estimate');
  const w = options.windowLength ?? 2048;
  checkAudio('logMelDistance', r, options.sampleRate, w);
  const eps = options.clampEps ?? 1e-5;
  const pow = options.pow ?? 1;
  const nMels = options.nMels ?? 80;
  const a = melLogMagnitudes(r, options.sampleRate, w, options.hopLength, nMels, options.fMin, options.fMax, eps, pow);
  const b = melLogMagnitudes(e, options.sampleRate, w, options.hopLength, nMels, options.fMin, options.fMax, eps, pow);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

export interface MultiResolutionOptions {
  sampleRate: number;
  /** DAC evaluation: [32, 64, 128, 256, 512, 1024, 2048]. */
  windowLengths?: readonly number[];
  /** One per window; DAC evaluation: [5, 10, 20, 40, 80, 160, 320]. */
  nMels?: readonly number[];
  clampEps?: number;
  pow?: number;
}

export const DAC_WINDOW_LENGTHS: readonly number[] = [32, 64, 128, 256, 512, 1024, 2048];
export const DAC_N_MELS: readonly number[] = [5, 10, 20, 40, 80, 160, 320];

/**
 * Multi-resolution STFT distance as DAC's evaluation defines its mel metric: the sum over window
 * sizes of the log10-mel L1 distance (`logMelDistance` with hop = window/4, pow 1, eps 1e-5,
 * fMin 0, fMax = Nyquist), with window sizes 32…2048 paired with 5…320 mel bands.
 */
export function multiResolutionStftDistance(
  ref: SignalInput,
  est: SignalInput,
  options: MultiResolutionOptions,
): number {
  const windows = options.windowLengths ?? DAC_WINDOW_LENGTHS;
  const mels = options.nMels ?? DAC_N_MELS;
  if (windows.length === 0 || windows.length !== mels.length) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `multiResolutionStftDistance: windowLengths (${windows.length}) and nMels (${mels.length}) must be non-empty and the same length`,
    );
  }
  let total = 0;
  for (let i = 0; i < windows.length; i++) {
    total += logMelDistance(ref, est, {
      sampleRate: options.sampleRate,
      windowLength: windows[i],
      nMels: mels[i],
      clampEps: options.clampEps,
      pow: options.pow,
    });
  }
  return total;
}
