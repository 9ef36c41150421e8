import { describe, expect, it } from 'vitest';
import {
  featureDistance,
  frechetDistance,
  type OnnxSessionLike,
  onnxFeatureExtractor,
  onnxPairDistance,
} from '../src/index.js';
import { centerFeatures, traceSqrtProduct } from '../src/learned.js';
import { errorCode, randn } from './helpers.js';

function gaussianSet(n: number, d: number, mean: number, scale: number): Float64Array[] {
  return Array.from({ length: n }, () => Float64Array.from({ length: d }, () => mean + scale * randn()));
}

describe('Fréchet distance', () => {
  it('1-D closed form: (μ1 − μ2)² + (σ1 − σ2)² with unbiased variances', () => {
    const a = gaussianSet(50, 1, 0, 1);
    const b = gaussianSet(60, 1, 2, 3);
    const stats = (s: Float64Array[]) => {
      const m = s.reduce((acc, v) => acc + v[0], 0) / s.length;
      const v = s.reduce((acc, x) => acc + (x[0] - m) ** 2, 0) / (s.length - 1);
      return [m, Math.sqrt(v)];
    };
    const [m1, s1] = stats(a);
    const [m2, s2] = stats(b);
    expect(frechetDistance(a, b)).toBeCloseTo((m1 - m2) ** 2 + (s1 - s2) ** 2, 9);
  });

  it('≈ 0 for a set against itself; the d×d and Gram routes agree', () => {
    const a = gaussianSet(30, 8, 0, 1);
    expect(Math.abs(frechetDistance(a, a))).toBeLessThan(1e-9);
    const b = gaussianSet(25, 8, 0.5, 2);
    const A = centerFeatures(a, 'a');
    const B = centerFeatures(b, 'b');
    expect(traceSqrtProduct(A, B, 'gram')).toBeCloseTo(traceSqrtProduct(A, B, 'dim'), 8);
    // Fewer vectors than dimensions exercises the Gram route by default.
    const c = gaussianSet(6, 20, 0, 1);
    const e = gaussianSet(9, 20, 0, 1);
    const C = centerFeatures(c, 'c');
    const E = centerFeatures(e, 'e');
    expect(traceSqrtProduct(C, E)).toBeCloseTo(traceSqrtProduct(C, E, 'dim'), 8);
  });

  it('bad input gives stable codes', () => {
    expect(errorCode(() => frechetDistance([[1]], [[1], [2]]))).toBe('MMTOK_EMPTY');
    expect(
      errorCode(() =>
        frechetDistance(
          [[1], [2]],
          [
            [1, 2],
            [2, 3],
          ],
        ),
      ),
    ).toBe('MMTOK_SHAPE');
    expect(errorCode(() => frechetDistance([[1], [Number.NaN]], [[1], [2]]))).toBe('MMTOK_NONFINITE');
  });
});

describe('user-supplied feature networks', () => {
  const img = (v: number) => ({ data: new Float32Array(2 * 2 * 3).fill(v), shape: [2, 2, 3] });

  it('featureDistance with a plain function', async () => {
    const f = (x: { data: ArrayLike<number> }) => [x.data[0], 1];
    expect(await featureDistance(img(1), img(1), f)).toBeCloseTo(0, 12);
    expect(await featureDistance(img(0), img(1), f, { metric: 'l2' })).toBeCloseTo(1, 12);
  });

  it('wraps an onnxruntime-like session without depending on onnxruntime', async () => {
    const seen: { dims: number[]; data: Float32Array }[] = [];
    const session: OnnxSessionLike = {
      inputNames: ['image'],
      outputNames: ['features'],
      async run(feeds) {
        const t = feeds.image as { data: Float32Array; dims: number[] };
        seen.push(t);
        return { features: { data: Float32Array.from([t.data[0], t.data[4]]), dims: [1, 2] } };
      },
    };
    const extract = onnxFeatureExtractor(session, {
      createTensor: (data, dims) => ({ data, dims }),
      transform: (v, c) => v / 255 + c,
    });
    const x = { data: Uint8Array.from({ length: 12 }, (_, i) => i * 10), shape: [2, 2, 3] };
    const out = await extract(x);
    expect(seen[0].dims).toEqual([1, 3, 2, 2]);
    // NCHW: channel 1 starts at index 4 and holds pixel 0's second value (10 / 255 + 1).
    expect(out[0]).toBeCloseTo(0, 6);
    expect(out[1]).toBeCloseTo(10 / 255 + 1, 6);

    const pair: OnnxSessionLike = {
      inputNames: ['a', 'b'],
      outputNames: ['d'],
      async run(feeds) {
        const a = feeds.a as { data: Float32Array };
        const b = feeds.b as { data: Float32Array };
        return { d: { data: Float32Array.from([Math.abs(a.data[0] - b.data[0])]), dims: [1] } };
      },
    };
    const lpips = onnxPairDistance(pair, { createTensor: (data, dims) => ({ data, dims }) });
    expect(await lpips(img(0.25), img(1))).toBeCloseTo(0.75, 6);
    const broken = onnxFeatureExtractor(
      { ...session, run: async () => ({}) },
      { createTensor: (data, dims) => ({ data, dims }) },
    );
    await expect(broken(x)).rejects.toMatchObject({ code: 'MMTOK_BACKEND' });
  });
});
