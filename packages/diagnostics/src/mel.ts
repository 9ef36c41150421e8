import { MmtokError } from '@mmtok/core';

/** Slaney mel scale (librosa's default, htk=False): linear below 1 kHz, logarithmic above. */
export function hzToMel(hz: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp;
}

export function melToHz(mel: number): number {
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

export interface MelOptions {
  sampleRate: number;
  /** FFT length; the filterbank has nFft/2 + 1 columns. */
  nFft: number;
  nMels: number;
  fMin?: number;
  /** Defaults to sampleRate / 2. */
  fMax?: number;
}

/**
 * Triangular mel filterbank [nMels, nFft/2+1] with Slaney area normalisation, the same construction
 * as librosa.filters.mel(htk=False, norm='slaney'). Filters narrower than one FFT bin come out empty
 * (all zero), as in librosa.
 */
export function melFilterbank(options: MelOptions): Float64Array {
  const { sampleRate, nFft, nMels } = options;
  const fMin = options.fMin ?? 0;
  const fMax = options.fMax ?? sampleRate / 2;
  if (!(sampleRate > 0) || !Number.isInteger(nFft) || nFft < 2 || !Number.isInteger(nMels) || nMels < 1) {
    throw new MmtokError('MMTOK_CONFIG', `mel filterbank needs sampleRate > 0, nFft ≥ 2 and nMels ≥ 1`, {
      sampleRate,
      nFft,
      nMels,
    });
  }
  if (!(fMin >= 0 && fMax > fMin)) throw new MmtokError('MMTOK_CONFIG', `mel filterbank needs 0 ≤ fMin < fMax`);
  const bins = (nFft >> 1) + 1;
  const fftFreqs = new Float64Array(bins);
  for (let k = 0; k < bins; k++) fftFreqs[k] = (k * sampleRate) / nFft;
  const mMin = hzToMel(fMin);
  const mMax = hzToMel(fMax);
  const melF = new Float64Array(nMels + 2);
  for (let i = 0; i < nMels + 2; i++) melF[i] = melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1));
  const w = new Float64Array(nMels * bins);
  for (let m = 0; m < nMels; m++) {
    const lo = melF[m];
    const mid = melF[m + 1];
    const hi = melF[m + 2];
    const enorm = 2 / (hi - lo);
    for (let k = 0; k < bins; k++) {
      const f = fftFreqs[k];
      const lower = (f - lo) / (mid - lo);
      const upper = (hi - f) / (hi - mid);
      const v = Math.max(0, Math.min(lower, upper));
      w[m * bins + k] = v * enorm;
    }
  }
  return w;
}
