import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mse, psnr, siSdr, snr, ssim } from '../src/index.js';

interface ImageCase {
  image: string;
  distortion: string;
  height: number;
  width: number;
  channels: number;
  reference: number[];
  distorted: number[];
  mse: number;
  psnr: number;
  ssim: number;
}
interface AudioCase {
  sample_rate: number;
  reference: number[];
  estimate: number[];
  snr: number;
  si_sdr: number;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/metrics.json', import.meta.url), 'utf8')) as {
  images: ImageCase[];
  audio: AudioCase[];
};

describe('image metrics vs scikit-image 0.19', () => {
  for (const c of fixture.images) {
    const shape = c.channels === 1 ? [c.height, c.width] : [c.height, c.width, c.channels];
    const a = { data: Uint8Array.from(c.reference), shape };
    const b = { data: Uint8Array.from(c.distorted), shape };
    it(`${c.image}/${c.distortion}`, () => {
      expect(Math.abs(mse(a, b) - c.mse)).toBeLessThan(1e-9);
      expect(Math.abs(psnr(a, b, { dataRange: 255 }) - c.psnr)).toBeLessThan(1e-4);
      expect(Math.abs(ssim(a, b, { dataRange: 255 }) - c.ssim)).toBeLessThan(1e-4);
      // Float input with an explicit range gives the same numbers as uint8 with the inferred one.
      const fa = { data: Float32Array.from(c.reference), shape };
      const fb = { data: Float32Array.from(c.distorted), shape };
      expect(Math.abs(ssim(fa, fb, { dataRange: 255 }) - ssim(a, b))).toBeLessThan(1e-12);
    });
  }
});

describe('audio metrics vs numpy', () => {
  fixture.audio.forEach((c, i) => {
    it(`case ${i} (${c.reference.length} samples)`, () => {
      const r = Float64Array.from(c.reference);
      const e = Float64Array.from(c.estimate);
      expect(Math.abs(snr(r, e) - c.snr) / Math.abs(c.snr)).toBeLessThan(1e-6);
      expect(Math.abs(siSdr(r, e) - c.si_sdr) / Math.abs(c.si_sdr)).toBeLessThan(1e-6);
      // Plain arrays and { data, shape } work too.
      expect(siSdr({ data: c.reference, shape: [1, c.reference.length] }, c.estimate)).toBeCloseTo(c.si_sdr, 9);
    });
  });
});
