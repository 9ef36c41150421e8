import { describe, expect, it } from 'vitest';
import {
  Fft,
  hannWindow,
  hzToMel,
  logMelDistance,
  melFilterbank,
  melToHz,
  multiResolutionStftDistance,
  siSdr,
  snr,
  stftMagnitude,
} from '../src/index.js';
import { errorCode, randn } from './helpers.js';

function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      re[k] += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      im[k] -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
  }
  return { re, im };
}

describe('FFT and STFT', () => {
  it('matches a naive DFT on random data', () => {
    for (const n of [1, 2, 8, 64, 256]) {
      const x = Float64Array.from({ length: n }, randn);
      const re = x.slice();
      const im = new Float64Array(n);
      new Fft(n).transform(re, im);
      const ref = naiveDft(x);
      for (let k = 0; k < n; k++) {
        expect(re[k]).toBeCloseTo(ref.re[k], 9);
        expect(im[k]).toBeCloseTo(ref.im[k], 9);
      }
    }
  });

  it('rejects non-power-of-two sizes', () => {
    expect(errorCode(() => new Fft(100))).toBe('MMTOK_CONFIG');
  });

  it('centred STFT: 1 + floor(N/hop) frames; an interior frame is |DFT(window · x)|', () => {
    const x = Float64Array.from({ length: 1000 }, randn);
    const spec = stftMagnitude(x, { windowLength: 64 });
    expect(spec.frames).toBe(1 + Math.floor(1000 / 16));
    expect(spec.bins).toBe(33);
    const f = 10;
    const w = hannWindow(64);
    const frame = Float64Array.from({ length: 64 }, (_, i) => x[f * 16 - 32 + i] * w[i]);
    const ref = naiveDft(frame);
    for (let k = 0; k < 33; k++) expect(spec.data[f * 33 + k]).toBeCloseTo(Math.hypot(ref.re[k], ref.im[k]), 9);
  });

  it('a pure tone peaks in its bin', () => {
    const sr = 16000;
    const x = Float64Array.from({ length: 4096 }, (_, i) => Math.sin((2 * Math.PI * 1000 * i) / sr));
    const spec = stftMagnitude(x, { windowLength: 512 });
    const row = spec.data.subarray(5 * spec.bins, 6 * spec.bins);
    expect(row.indexOf(Math.max(...row))).toBe(Math.round((1000 * 512) / sr));
  });
});

describe('mel filterbank', () => {
  it('slaney scale round-trips and is linear below 1 kHz', () => {
    for (const hz of [0, 200, 999, 1000, 4000, 11025]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 8);
    expect(hzToMel(500)).toBeCloseTo(7.5, 12);
    expect(hzToMel(1000)).toBeCloseTo(15, 12);
  });

  it('triangles are non-negative, peak at their centre frequency, area-normalised', () => {
    const sr = 16000;
    const nFft = 2048;
    const nMels = 40;
    const fb = melFilterbank({ sampleRate: sr, nFft, nMels });
    const bins = nFft / 2 + 1;
    expect(fb.length).toBe(nMels * bins);
    expect(Math.min(...fb)).toBeGreaterThanOrEqual(0);
    // Slaney norm: each triangle's height is 2/(hi − lo), so its area in Hz is 1.
    for (const m of [5, 20, 39]) {
      let area = 0;
      for (let k = 0; k < bins; k++) area += fb[m * bins + k] * (sr / nFft);
      expect(area).toBeCloseTo(1, 1);
    }
  });
});

describe('audio distances', () => {
  const sr = 16000;
  const x = Float64Array.from({ length: 8000 }, (_, i) => Math.sin((2 * Math.PI * 440 * i) / sr) + 0.1 * randn());

  it('zero for identical signals, growing with noise', () => {
    expect(logMelDistance(x, x, { sampleRate: sr })).toBe(0);
    expect(multiResolutionStftDistance(x, x, { sampleRate: sr })).toBe(0);
    const small = x.map((v) => v + 0.01 * randn());
    const big = x.map((v) => v + 0.3 * randn());
    const d1 = multiResolutionStftDistance(x, small, { sampleRate: sr });
    const d2 = multiResolutionStftDistance(x, big, { sampleRate: sr });
    expect(d1).toBeGreaterThan(0);
    expect(d2).toBeGreaterThan(d1);
    expect(logMelDistance(x, big, { sampleRate: sr })).toBeGreaterThan(logMelDistance(x, small, { sampleRate: sr }));
  });

  it('the multi-resolution distance is the sum of its single-resolution parts', () => {
    const y = x.map((v) => 0.8 * v + 0.05 * randn());
    const windows = [64, 256, 1024];
    const mels = [10, 40, 80];
    const parts = windows.reduce(
      (s, w, i) => s + logMelDistance(x, y, { sampleRate: sr, windowLength: w, nMels: mels[i] }),
      0,
    );
    expect(multiResolutionStftDistance(x, y, { sampleRate: sr, windowLengths: windows, nMels: mels })).toBeCloseTo(
      parts,
      12,
    );
  });

  it('pow scales the log distance (log10 m^p = p log10 m) when nothing is clamped', () => {
    const y = x.map((v) => 0.5 * v);
    const d1 = logMelDistance(x, y, { sampleRate: sr, pow: 1, clampEps: 1e-12 });
    const d2 = logMelDistance(x, y, { sampleRate: sr, pow: 2, clampEps: 1e-12 });
    expect(d2).toBeCloseTo(2 * d1, 9);
    // Halving the amplitude shifts every log10 mel magnitude by log10 2.
    expect(d1).toBeCloseTo(Math.log10(2), 9);
  });

  it('snr and siSdr basics: scale invariance and a known noise level', () => {
    const n = 20000;
    const r = Float64Array.from({ length: n }, randn);
    const noise = Float64Array.from({ length: n }, randn);
    const e = r.map((v, i) => v + 0.1 * noise[i]);
    expect(
      siSdr(
        r,
        e.map((v) => 3 * v),
      ),
    ).toBeCloseTo(siSdr(r, e), 9);
    // An offset copy is perfect up to rounding once both are made zero-mean.
    expect(
      siSdr(
        r,
        r.map((v) => v + 5),
      ),
    ).toBeGreaterThan(200);
    let sr2 = 0;
    let sn2 = 0;
    for (let i = 0; i < n; i++) {
      sr2 += r[i] ** 2;
      sn2 += (0.1 * noise[i]) ** 2;
    }
    expect(snr(r, e)).toBeCloseTo(10 * Math.log10(sr2 / sn2), 9);
  });

  it('bad input gives stable codes', () => {
    expect(errorCode(() => snr([1, 2, 3], [1, 2]))).toBe('MMTOK_SHAPE');
    expect(errorCode(() => siSdr([], []))).toBe('MMTOK_EMPTY');
    expect(errorCode(() => snr([1, Number.NaN], [1, 2]))).toBe('MMTOK_NONFINITE');
    expect(errorCode(() => snr([0, 0], [1, 2]))).toBe('MMTOK_CONFIG');
    expect(errorCode(() => siSdr([2, 2, 2], [1, 2, 3]))).toBe('MMTOK_CONFIG');
    expect(errorCode(() => logMelDistance(x.subarray(0, 100), x.subarray(0, 100), { sampleRate: sr }))).toBe(
      'MMTOK_SHAPE',
    );
    expect(errorCode(() => logMelDistance(x, x, { sampleRate: sr, windowLength: 1000 }))).toBe('MMTOK_CONFIG');
    expect(errorCode(() => multiResolutionStftDistance(x, x, { sampleRate: sr, windowLengths: [64], nMels: [] }))).toBe(
      'MMTOK_CONFIG',
    );
    expect(errorCode(() => logMelDistance(x, x, { sampleRate: 0 }))).toBe('MMTOK_CONFIG');
  });
});
