import { describe, expect, it } from 'vitest';
import { gaussianKernel, msSsim, psnr, ssim } from '../src/index.js';

function randomImage(h: number, w: number, c: number): Float64Array {
  return Float64Array.from({ length: h * w * c }, () => Math.random());
}

function noisy(x: Float64Array, sigma: number): Float64Array {
  return x.map((v) => v + sigma * (Math.random() - 0.5));
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('ssim / psnr properties', () => {
  it('scipy Gaussian taps: radius 5 for sigma 1.5, truncate 3.5, sum 1, symmetric', () => {
    const k = gaussianKernel(1.5, 3.5);
    expect(k.length).toBe(11);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    for (let i = 0; i < 5; i++) expect(k[i]).toBe(k[10 - i]);
  });

  it('identical images: ssim = 1, psnr = Infinity', () => {
    const x = randomImage(32, 40, 3);
    const img = { data: x, shape: [32, 40, 3] };
    expect(ssim(img, img, { dataRange: 1 })).toBeCloseTo(1, 12);
    expect(psnr(img, img, { dataRange: 1 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('is symmetric, bounded, and falls as noise grows', () => {
    const x = randomImage(48, 48, 1);
    const a = { data: x, shape: [48, 48] };
    const b1 = { data: noisy(x, 0.1), shape: [48, 48] };
    const b2 = { data: noisy(x, 0.5), shape: [48, 48] };
    const s1 = ssim(a, b1, { dataRange: 1 });
    expect(ssim(b1, a, { dataRange: 1 })).toBeCloseTo(s1, 12);
    expect(s1).toBeLessThan(1);
    expect(s1).toBeGreaterThan(ssim(a, b2, { dataRange: 1 }));
    expect(psnr(a, b1, { dataRange: 1 })).toBeGreaterThan(psnr(a, b2, { dataRange: 1 }));
  });

  it('RGB ssim is the mean of per-channel ssim', () => {
    const h = 24;
    const w = 30;
    const x = randomImage(h, w, 3);
    const y = noisy(x, 0.3);
    const plane = (d: Float64Array, c: number) => d.filter((_, i) => i % 3 === c);
    let mean = 0;
    for (let c = 0; c < 3; c++)
      mean += ssim({ data: plane(x, c), shape: [h, w] }, { data: plane(y, c), shape: [h, w] }, { dataRange: 1 }) / 3;
    expect(ssim({ data: x, shape: [h, w, 3] }, { data: y, shape: [h, w, 3] }, { dataRange: 1 })).toBeCloseTo(mean, 12);
  });

  it('reads strided ndarray views (a transposed image equals the transposed copy)', () => {
    const h = 20;
    const w = 16;
    const x = randomImage(h, w, 1);
    const y = noisy(x, 0.2);
    const transposed = (d: Float64Array) =>
      Float64Array.from({ length: h * w }, (_, i) => d[(i % h) * w + Math.floor(i / h)]);
    const view = (d: Float64Array) => ({ data: d, shape: [w, h], stride: [1, w], offset: 0 });
    const dense = ssim(
      { data: transposed(x), shape: [w, h] },
      { data: transposed(y), shape: [w, h] },
      { dataRange: 1 },
    );
    expect(ssim(view(x), view(y), { dataRange: 1 })).toBeCloseTo(dense, 12);
  });

  it('msSsim: 1 for identical, in (0, 1) and decreasing with noise', () => {
    const x = randomImage(180, 190, 1);
    const a = { data: x, shape: [180, 190] };
    expect(msSsim(a, a, { dataRange: 1 })).toBeCloseTo(1, 12);
    const m1 = msSsim(a, { data: noisy(x, 0.1), shape: [180, 190] }, { dataRange: 1 });
    const m2 = msSsim(a, { data: noisy(x, 0.6), shape: [180, 190] }, { dataRange: 1 });
    expect(m1).toBeLessThan(1);
    expect(m2).toBeLessThan(m1);
    expect(m2).toBeGreaterThan(0);
    // One scale with weight 1 is plain SSIM.
    const b = { data: noisy(x, 0.3), shape: [180, 190] };
    expect(msSsim(a, b, { dataRange: 1, weights: [1] })).toBeCloseTo(ssim(a, b, { dataRange: 1 }), 12);
  });

  it('bad input gives stable codes', () => {
    const a = { data: new Float64Array(20 * 20), shape: [20, 20] };
    const b = { data: new Float64Array(20 * 21), shape: [20, 21] };
    expect(code(() => ssim(a, b, { dataRange: 1 }))).toBe('MMTOK_SHAPE');
    expect(code(() => psnr(a, b, { dataRange: 1 }))).toBe('MMTOK_SHAPE');
    const nan = { data: new Float64Array(400).fill(Number.NaN), shape: [20, 20] };
    expect(code(() => ssim(a, nan, { dataRange: 1 }))).toBe('MMTOK_NONFINITE');
    // Typed arrays take a fast copy; a float one is still scanned, wherever the bad value sits.
    const inf = new Float32Array(400);
    inf[399] = Number.POSITIVE_INFINITY;
    expect(code(() => psnr(new Float32Array(400), inf, { dataRange: 1 }))).toBe('MMTOK_NONFINITE');
    expect(code(() => psnr(a, { data: inf, shape: [20, 20] }, { dataRange: 1 }))).toBe('MMTOK_NONFINITE');
    // An offset view reads from its offset: the same pixels as a copy.
    const base = Uint8Array.from({ length: 410 }, (_, i) => (i * 37) % 256);
    const view = { data: base, shape: [20, 20], offset: 10 };
    const copy = { data: base.slice(10), shape: [20, 20] };
    expect(psnr(view, { data: new Uint8Array(400), shape: [20, 20] })).toBe(
      psnr(copy, { data: new Uint8Array(400), shape: [20, 20] }),
    );
    expect(code(() => psnr({ data: [], shape: [0, 0] }, { data: [], shape: [0, 0] }, { dataRange: 1 }))).toBe(
      'MMTOK_EMPTY',
    );
    expect(code(() => ssim(a, a))).toBe('MMTOK_CONFIG');
    expect(code(() => ssim(a, a, { dataRange: -1 }))).toBe('MMTOK_CONFIG');
    const tiny = { data: new Float64Array(100), shape: [10, 10] };
    expect(code(() => ssim(tiny, tiny, { dataRange: 1 }))).toBe('MMTOK_SHAPE');
    expect(code(() => msSsim(a, a, { dataRange: 1 }))).toBe('MMTOK_SHAPE');
    expect(
      code(() =>
        ssim({ data: new Float64Array(8), shape: [2, 2, 2] } as never, { data: [1], shape: [1] }, { dataRange: 1 }),
      ),
    ).toBe('MMTOK_SHAPE');
  });
});
