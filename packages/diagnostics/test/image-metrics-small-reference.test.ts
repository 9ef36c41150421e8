/**
 * MSE, PSNR, SSIM and MS-SSIM on small images against scikit-image 0.19 and the paper-definition
 * MS-SSIM (fixtures-src/make_small_metric_vectors.py → fixtures/metrics-small.json), with the
 * options the larger fixtures leave at their defaults (sigma, truncate, K1, K2, scales, odd sides),
 * plus the limits each metric documents. Small on purpose: mutation testing runs these per mutant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mse, msSsim, psnr, ssim } from '../src/index.js';
import { errorCode } from './helpers.js';

interface Options {
  sigma?: number;
  truncate?: number;
  k1?: number;
  k2?: number;
}
interface ImageCase {
  name: string;
  shape: number[];
  dtype: 'uint8' | 'float64';
  reference: string;
  estimate: string;
  dataRange: number;
  options: Options;
  mse: number;
  psnr: number;
  ssim: number;
}
interface MsSsimCase {
  name: string;
  shape: number[];
  reference: string;
  estimate: string;
  weights: number[];
  options: Options;
  msSsim: number;
}

const fx = JSON.parse(readFileSync(new URL('./fixtures/metrics-small.json', import.meta.url), 'utf8')) as {
  images: ImageCase[];
  truncated: Omit<ImageCase, 'mse' | 'psnr'>;
  msSsim: MsSsimCase[];
};

function image(b64: string, shape: number[], dtype = 'uint8') {
  const bytes = Buffer.from(b64, 'base64');
  const data =
    dtype === 'uint8' ? new Uint8Array(bytes) : new Float64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8);
  return { data, shape };
}

describe('image metrics on small images vs scikit-image 0.19', () => {
  for (const c of fx.images) {
    it(c.name, () => {
      const a = image(c.reference, c.shape, c.dtype);
      const b = image(c.estimate, c.shape, c.dtype);
      const options = { ...c.options, dataRange: c.dataRange };
      expect(Math.abs(mse(a, b) / c.mse - 1)).toBeLessThan(1e-12);
      expect(Math.abs(psnr(a, b, options) - c.psnr)).toBeLessThan(1e-9);
      expect(Math.abs(ssim(a, b, options) - c.ssim)).toBeLessThan(1e-10);
    });
  }

  it('uint8 data infers the 255 range', () => {
    const c = fx.images[0];
    const a = image(c.reference, c.shape);
    const b = image(c.estimate, c.shape);
    expect(Math.abs(psnr(a, b) - c.psnr)).toBeLessThan(1e-9);
    expect(Math.abs(ssim(a, b) - c.ssim)).toBeLessThan(1e-10);
  });

  it(`${fx.truncated.name} (paper definition on skimage's filter)`, () => {
    const t = fx.truncated;
    const v = ssim(image(t.reference, t.shape), image(t.estimate, t.shape), { ...t.options, dataRange: 255 });
    expect(Math.abs(v - t.ssim)).toBeLessThan(1e-10);
  });

  for (const c of fx.msSsim) {
    it(`msSsim ${c.name}`, () => {
      const v = msSsim(image(c.reference, c.shape), image(c.estimate, c.shape), {
        ...c.options,
        weights: c.weights,
        dataRange: 255,
      });
      expect(Math.abs(v - c.msSsim)).toBeLessThan(1e-10);
    });
  }

  it('msSsim clamps a negative contrast-structure term to 0 (a busy image against its inverse), not NaN', () => {
    // Pixel variance ≫ C2, so cs ≈ −1 at the first scale: max(cs, 0)^w = 0.
    const a = {
      data: Uint8Array.from({ length: 24 * 26 }, (_, i) => (i * 97 + ((i * i) % 251)) % 256),
      shape: [24, 26],
    };
    const inverted = { data: a.data.map((v) => 255 - v), shape: a.shape };
    expect(msSsim(a, inverted, { weights: [0.3, 0.7], dataRange: 255 })).toBe(0);
  });
});

describe('image metric limits', () => {
  const flat = (h: number, w: number) => ({ data: new Float64Array(h * w).fill(0.5), shape: [h, w] });

  it('every SSIM option must be a positive number, each named', () => {
    const a = flat(12, 12);
    for (const name of ['sigma', 'truncate', 'k1', 'k2']) {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(
          errorCode(() => ssim(a, a, { dataRange: 1, [name]: bad })),
          `${name} ${bad}`,
        ).toBe('MMTOK_CONFIG');
      }
      expect(() => ssim(a, a, { dataRange: 1, [name]: -2 })).toThrow(`ssim: ${name} must be positive, got -2`);
      expect(() => msSsim(a, a, { dataRange: 1, weights: [1], [name]: -2 })).toThrow(
        `msSsim: ${name} must be positive, got -2`,
      );
    }
  });

  it('the Gaussian window must fit: 11×11 is the smallest default image, on either side', () => {
    expect(ssim(flat(11, 11), flat(11, 11), { dataRange: 1 })).toBe(1);
    expect(errorCode(() => ssim(flat(10, 11), flat(10, 11), { dataRange: 1 }))).toBe('MMTOK_SHAPE');
    expect(errorCode(() => ssim(flat(11, 10), flat(11, 10), { dataRange: 1 }))).toBe('MMTOK_SHAPE');
    expect(() => ssim(flat(11, 10), flat(11, 10), { dataRange: 1 })).toThrow(
      /^MMTOK_SHAPE: ssim: image is 11×10 but the Gaussian window is 11×11; use a larger image$/,
    );
    try {
      ssim(flat(11, 10), flat(11, 10), { dataRange: 1 });
    } catch (e) {
      expect((e as { details?: unknown }).details).toEqual({ height: 11, width: 10, window: 11 });
    }
  });

  it('float data needs an explicit range, and each metric names itself', () => {
    const a = flat(11, 11);
    expect(() => psnr(a, a)).toThrow('psnr: pass { dataRange }');
    expect(() => ssim(a, a)).toThrow('ssim: pass { dataRange }');
    expect(() => msSsim(a, a, { weights: [1] })).toThrow('msSsim: pass { dataRange }');
  });

  it('msSsim needs min(H, W) ≥ window · 2^(scales − 1) and non-negative weights', () => {
    const two = { dataRange: 1, weights: [0.5, 0.5] };
    expect(msSsim(flat(22, 22), flat(22, 22), two)).toBe(1);
    expect(errorCode(() => msSsim(flat(21, 22), flat(21, 22), two))).toBe('MMTOK_SHAPE');
    expect(() => msSsim(flat(22, 21), flat(22, 21), two)).toThrow(
      'msSsim: 2 scales need min(H, W) ≥ 22, got 22×21; pass fewer weights',
    );
    for (const weights of [[], [0.5, -0.1], [Number.NaN], [Number.POSITIVE_INFINITY]]) {
      expect(
        errorCode(() => msSsim(flat(22, 22), flat(22, 22), { dataRange: 1, weights })),
        `${weights}`,
      ).toBe('MMTOK_CONFIG');
    }
    expect(() => msSsim(flat(22, 22), flat(22, 22), { dataRange: 1, weights: [] })).toThrow(
      'msSsim: weights must be a non-empty list of non-negative numbers',
    );
    // A zero weight is allowed: that scale drops out.
    expect(msSsim(flat(22, 22), flat(22, 22), { dataRange: 1, weights: [0, 1] })).toBe(1);
  });

  it('mse refuses typed inputs of equal length but different shape', () => {
    const a = new Float64Array(20).fill(1);
    expect(errorCode(() => mse({ data: a, shape: [4, 5] }, { data: a, shape: [5, 4] }))).toBe('MMTOK_SHAPE');
    expect(errorCode(() => mse({ data: a, shape: [4, 5] }, { data: a, shape: [4, 5, 1] }))).toBe('MMTOK_SHAPE');
    // The same values as plain arrays and as typed arrays: the same number.
    const x = [1, 2, 3, 4];
    const y = [2, 2, 5, 1];
    expect(mse(Float32Array.from(x), Float32Array.from(y))).toBe(14 / 4);
    expect(mse(x, y)).toBe(14 / 4);
  });

  it('mse refuses typed inputs of different sizes and non-finite values, naming the inputs', () => {
    const a = { data: new Float64Array(20), shape: [4, 5] };
    const b = { data: new Float64Array(24), shape: [4, 6] };
    expect(errorCode(() => mse(a, b))).toBe('MMTOK_SHAPE');
    expect(() => mse(a, b)).toThrow(
      /^MMTOK_SHAPE: first input has shape .*4.*5.* but second input has shape .*4.*6.*; they must match$/,
    );
    expect(errorCode(() => mse(Float32Array.from([1, Number.POSITIVE_INFINITY]), Float32Array.from([1, 2])))).toBe(
      'MMTOK_NONFINITE',
    );
    expect(() => mse(Float32Array.from([1, Number.NaN]), Float32Array.from([1, 2]))).toThrow(
      'first input has a non-finite value (NaN) at flat index 1',
    );
    expect(() => mse(Float32Array.from([1, 2]), Float32Array.from([Number.NEGATIVE_INFINITY, 2]))).toThrow(
      'second input has a non-finite value (-Infinity) at flat index 0',
    );
  });
});
