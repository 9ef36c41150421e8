/**
 * STFT magnitude, Slaney mel filterbank, log-mel distance and DAC's multi-resolution STFT distance
 * against torchaudio 0.13 in float64 (fixtures-src/make_mel_vectors.py → fixtures/mel-torchaudio.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logMelDistance, melFilterbank, multiResolutionStftDistance, stftMagnitude } from '../src/index.js';

interface Fixture {
  sampleRate: number;
  reference: number[];
  estimate: number[];
  stft: { windowLength: number; hopLength: number; samples: number; magnitude: number[] }[];
  filterbanks: { sampleRate: number; nFft: number; nMels: number; fMin: number; fMax: number; weights: number[] }[];
  logMel: {
    windowLength: number;
    nMels: number;
    fMin: number;
    fMax: number;
    clampEps: number;
    pow: number;
    distance: number;
  }[];
  multiResolution: number;
}

const fx = JSON.parse(readFileSync(new URL('./fixtures/mel-torchaudio.json', import.meta.url), 'utf8')) as Fixture;
const ref = Float64Array.from(fx.reference);
const est = Float64Array.from(fx.estimate);

/** Largest |a − b| relative to the largest |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

describe('audio spectral metrics against torchaudio 0.13', () => {
  for (const s of fx.stft) {
    it(`|STFT| window ${s.windowLength}, hop ${s.hopLength}, ${s.samples} samples`, () => {
      const spec = stftMagnitude(ref.subarray(0, s.samples), { windowLength: s.windowLength, hopLength: s.hopLength });
      expect([spec.frames, spec.bins]).toEqual([1 + Math.floor(s.samples / s.hopLength), s.windowLength / 2 + 1]);
      expect(relativeError(spec.data, s.magnitude)).toBeLessThan(1e-12);
    });
  }

  for (const f of fx.filterbanks) {
    it(`Slaney mel filterbank ${f.sampleRate} Hz, nFft ${f.nFft}, ${f.nMels} mels, ${f.fMin}–${f.fMax} Hz`, () => {
      const fb = melFilterbank({ sampleRate: f.sampleRate, nFft: f.nFft, nMels: f.nMels, fMin: f.fMin, fMax: f.fMax });
      expect(relativeError(fb, f.weights)).toBeLessThan(1e-12);
    });
  }

  for (const m of fx.logMel) {
    it(`log-mel distance, window ${m.windowLength}, ${m.nMels} mels, pow ${m.pow}, eps ${m.clampEps}`, () => {
      const d = logMelDistance(ref, est, {
        sampleRate: fx.sampleRate,
        windowLength: m.windowLength,
        nMels: m.nMels,
        fMin: m.fMin,
        fMax: m.fMax,
        clampEps: m.clampEps,
        pow: m.pow,
      });
      expect(Math.abs(d - m.distance)).toBeLessThan(1e-9 * m.distance);
    });
  }

  it("multi-resolution STFT distance with DAC's windows and mel counts", () => {
    const d = multiResolutionStftDistance(ref, est, { sampleRate: fx.sampleRate });
    expect(Math.abs(d - fx.multiResolution)).toBeLessThan(1e-9 * fx.multiResolution);
  });
});
