/**
 * MS-SSIM against an independent Python implementation written from Wang, Simoncelli & Bovik (2003)
 * on scikit-image's Gaussian filter (fixtures-src/make_ms_ssim_vectors.py → fixtures/ms-ssim.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { msSsim } from '../src/index.js';

interface Case {
  name: string;
  height: number;
  width: number;
  channels: number;
  reference: string;
  estimate: string;
  weights: number[];
  msSsim: number;
}

const { cases } = JSON.parse(readFileSync(new URL('./fixtures/ms-ssim.json', import.meta.url), 'utf8')) as {
  cases: Case[];
};

describe('MS-SSIM against the paper-definition reference', () => {
  for (const c of cases) {
    it(`${c.name} ${c.height}×${c.width}×${c.channels}, ${c.weights.length} scales: ${c.msSsim.toFixed(4)}`, () => {
      const shape = c.channels === 1 ? [c.height, c.width] : [c.height, c.width, c.channels];
      const image = (b64: string) => ({ data: new Uint8Array(Buffer.from(b64, 'base64')), shape });
      const v = msSsim(image(c.reference), image(c.estimate), { weights: c.weights, dataRange: 255 });
      expect(Math.abs(v - c.msSsim)).toBeLessThan(1e-10);
    });
  }
});
