/**
 * Slaney mel scale and filterbanks, log-mel and multi-resolution STFT distances against torchaudio
 * 0.13, SNR and SI-SDR against numpy, on a short 8 kHz signal with a quiet stretch below the clamp
 * floors (fixtures-src/make_small_metric_vectors.py → fixtures/metrics-small.json), with the options
 * the larger fixture leaves at their defaults; plus the limits each metric documents. Small on
 * purpose: mutation testing runs these per mutant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  hzToMel,
  logMelDistance,
  melFilterbank,
  melToHz,
  multiResolutionStftDistance,
  siSdr,
  snr,
} from '../src/index.js';
import { errorCode } from './helpers.js';

interface Audio {
  sampleRate: number;
  reference: number[];
  estimate: number[];
  snr: number;
  siSdr: number;
  logMel: {
    windowLength: number;
    nMels: number;
    hopLength: number | null;
    fMin: number | null;
    fMax: number | null;
    clampEps: number | null;
    pow: number | null;
    distance: number;
  }[];
  multiResolution: { windowLengths: number[]; nMels: number[]; clampEps: number; distance: number };
  filterbanks: {
    sampleRate: number;
    nFft: number;
    nMels: number;
    fMin: number;
    fMax: number | null;
    weights: number[];
  }[];
  melScale: { hz: number[]; mel: number[]; back: number[] };
}

const { audio: fx } = JSON.parse(readFileSync(new URL('./fixtures/metrics-small.json', import.meta.url), 'utf8')) as {
  audio: Audio;
};
const ref = Float64Array.from(fx.reference);
const est = Float64Array.from(fx.estimate);
const sampleRate = fx.sampleRate;
const orUndefined = (v: number | null) => v ?? undefined;

describe('audio metrics on a short signal vs torchaudio 0.13 and numpy', () => {
  it('Slaney mel scale both ways, either side of 1 kHz', () => {
    fx.melScale.hz.forEach((hz, i) => {
      expect(Math.abs(hzToMel(hz) - fx.melScale.mel[i]), `${hz} Hz`).toBeLessThan(1e-9);
      expect(Math.abs(melToHz(fx.melScale.mel[i]) - fx.melScale.back[i]), `${hz} Hz back`).toBeLessThan(1e-7);
    });
  });

  for (const f of fx.filterbanks) {
    it(`mel filterbank ${f.sampleRate} Hz, nFft ${f.nFft}, ${f.nMels} mels, fMin ${f.fMin}, fMax ${f.fMax ?? 'default'}`, () => {
      const w = melFilterbank({
        sampleRate: f.sampleRate,
        nFft: f.nFft,
        nMels: f.nMels,
        fMin: f.fMin,
        fMax: orUndefined(f.fMax),
      });
      expect(w.length).toBe(f.weights.length);
      for (let i = 0; i < w.length; i++) expect(Math.abs(w[i] - f.weights[i]), `weight ${i}`).toBeLessThan(1e-12);
    });
  }

  for (const m of fx.logMel) {
    it(`log-mel distance, window ${m.windowLength}, hop ${m.hopLength ?? 'default'}, ${m.nMels} mels, eps ${m.clampEps ?? 'default'}, pow ${m.pow ?? 'default'}`, () => {
      const d = logMelDistance(ref, est, {
        sampleRate,
        windowLength: m.windowLength,
        hopLength: orUndefined(m.hopLength),
        nMels: m.nMels,
        fMin: orUndefined(m.fMin),
        fMax: orUndefined(m.fMax),
        clampEps: orUndefined(m.clampEps),
        pow: orUndefined(m.pow),
      });
      expect(Math.abs(d / m.distance - 1)).toBeLessThan(1e-9);
    });
  }

  it('multi-resolution STFT distance over windows 32 and 64 with 5 and 10 mels', () => {
    const m = fx.multiResolution;
    const d = multiResolutionStftDistance(ref, est, {
      sampleRate,
      windowLengths: m.windowLengths,
      nMels: m.nMels,
      clampEps: m.clampEps,
    });
    expect(Math.abs(d / m.distance - 1)).toBeLessThan(1e-9);
  });

  it('SNR and zero-mean SI-SDR of signals with a DC offset', () => {
    const r = ref.subarray(0, 200);
    const e = est.subarray(0, 200);
    expect(Math.abs(snr(r, e) - fx.snr)).toBeLessThan(1e-9);
    expect(Math.abs(siSdr(r, e) - fx.siSdr)).toBeLessThan(1e-9);
  });
});

describe('audio metric limits', () => {
  it('identical signals: SNR Infinity, distances 0', () => {
    expect(snr(ref, ref)).toBe(Number.POSITIVE_INFINITY);
    expect(logMelDistance(ref, ref, { sampleRate, windowLength: 64 })).toBe(0);
  });

  it('SNR of an all-zero reference and SI-SDR of a constant one are refused', () => {
    expect(errorCode(() => snr([0, 0, 0], [1, 2, 3]))).toBe('MMTOK_CONFIG');
    expect(errorCode(() => siSdr([2, 2, 2], [1, 2, 3]))).toBe('MMTOK_CONFIG');
    expect(() => snr([0, 0, 0], [1, 2, 3])).toThrow('snr: the reference is all zeros');
    expect(() => siSdr([2, 2, 2], [1, 2, 3])).toThrow('siSdr: the reference is constant');
  });

  it('signals of different lengths are refused, naming which is which', () => {
    const message = 'reference has 3 samples but estimate has 2; trim or pad them to the same length';
    expect(() => snr([1, 2, 3], [1, 2])).toThrow(message);
    expect(() => siSdr([1, 2, 3], [1, 2])).toThrow(message);
    expect(() => logMelDistance([1, 2, 3], [1, 2], { sampleRate })).toThrow(message);
  });

  it('a signal must be longer than half the window (the reflect pad)', () => {
    expect(
      logMelDistance(ref.subarray(0, 33), est.subarray(0, 33), { sampleRate, windowLength: 64, nMels: 4 }),
    ).toBeGreaterThan(0);
    expect(
      errorCode(() => logMelDistance(ref.subarray(0, 32), est.subarray(0, 32), { sampleRate, windowLength: 64 })),
    ).toBe('MMTOK_SHAPE');
    expect(() => logMelDistance(ref.subarray(0, 32), est.subarray(0, 32), { sampleRate, windowLength: 64 })).toThrow(
      'logMelDistance: signal has 32 samples; a 64-sample window needs more than 32',
    );
    for (const bad of [0, -8000, Number.NaN]) {
      expect(
        errorCode(() => logMelDistance(ref, est, { sampleRate: bad, windowLength: 64 })),
        `${bad}`,
      ).toBe('MMTOK_CONFIG');
    }
    expect(() => logMelDistance(ref, est, { sampleRate: 0, windowLength: 64 })).toThrow(
      'logMelDistance: sampleRate must be positive, got 0',
    );
  });

  it('multi-resolution windows and mel counts must pair up', () => {
    for (const [windowLengths, nMels] of [
      [[], []],
      [[32, 64], [5]],
      [[32], [5, 10]],
    ]) {
      expect(errorCode(() => multiResolutionStftDistance(ref, est, { sampleRate, windowLengths, nMels }))).toBe(
        'MMTOK_CONFIG',
      );
    }
    expect(() => multiResolutionStftDistance(ref, est, { sampleRate, windowLengths: [32, 64], nMels: [5] })).toThrow(
      'windowLengths (2) and nMels (1) must be non-empty and the same length',
    );
  });

  it('the filterbank needs sampleRate > 0, an integer nFft ≥ 2, nMels ≥ 1 and 0 ≤ fMin < fMax', () => {
    const ok = { sampleRate: 8000, nFft: 32, nMels: 4 };
    expect(melFilterbank({ ...ok, nFft: 2, nMels: 1 }).length).toBe(2);
    for (const bad of [
      { sampleRate: 0 },
      { sampleRate: Number.NaN },
      { nFft: 1 },
      { nFft: 31.5 },
      { nMels: 0 },
      { nMels: 2.5 },
      { fMin: -1 },
      { fMin: 4000, fMax: 4000 },
      { fMax: 0 },
      { sampleRate: 0, fMax: 100 },
    ]) {
      expect(
        errorCode(() => melFilterbank({ ...ok, ...bad })),
        JSON.stringify(bad),
      ).toBe('MMTOK_CONFIG');
    }
    expect(() => melFilterbank({ ...ok, nMels: 0 })).toThrow(
      'mel filterbank needs sampleRate > 0, nFft ≥ 2 and nMels ≥ 1',
    );
    expect(() => melFilterbank({ ...ok, fMin: 10, fMax: 5 })).toThrow('mel filterbank needs 0 ≤ fMin < fMax');
  });
});
