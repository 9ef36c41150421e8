import { describe, expect, it } from 'vitest';
import {
  type AnyQuantizer,
  createQuantizer,
  type FiniteScalarQuantizer,
  type QuantizerConfig,
  Random,
} from '../src/index.js';
import { gaussian, runSeed, sqDist } from './helpers.js';

const seed = runSeed('properties');
const rng = new Random(seed);

describe('nearest code', () => {
  it('euclidean VQ: decode(encode(x)) is the closest codebook row', async () => {
    const dim = 7;
    const k = 37;
    const q = await createQuantizer({ type: 'vq', dim, codebookSize: k, codebook: gaussian(rng, k, dim).data });
    const x = gaussian(rng, 300, dim);
    const codes = await q.decode(await q.encode(x));
    const codebook = q.codebooks()[0];
    for (let r = 0; r < 300; r++) {
      const chosen = sqDist(x.data, r * dim, codes.data, r * dim, dim);
      let best = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) best = Math.min(best, sqDist(x.data, r * dim, codebook, c * dim, dim));
      expect(chosen).toBeCloseTo(best, 10);
    }
  });

  it('cosine VQ: the chosen code has the largest cosine similarity, and codes are unit vectors', async () => {
    const dim = 5;
    const k = 20;
    const q = await createQuantizer({
      type: 'vq',
      dim,
      codebookSize: k,
      distance: 'cosine',
      codebook: gaussian(rng, k, dim, 3).data,
    });
    const x = gaussian(rng, 200, dim, 10);
    const codes = await q.decode(await q.encode(x));
    const cb = q.codebooks()[0];
    const cos = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number) => {
      let d = 0;
      let na = 0;
      let nb = 0;
      for (let j = 0; j < dim; j++) {
        d += a[ao + j] * b[bo + j];
        na += a[ao + j] ** 2;
        nb += b[bo + j] ** 2;
      }
      return d / Math.sqrt(na * nb);
    };
    for (let r = 0; r < 200; r++) {
      let best = -2;
      for (let c = 0; c < k; c++) best = Math.max(best, cos(x.data, r * dim, cb, c * dim));
      expect(cos(x.data, r * dim, codes.data, r * dim)).toBeCloseTo(best, 6);
      expect(sqDist(codes.data, r * dim, new Float32Array(dim), 0, dim)).toBeCloseTo(1, 5);
    }
  });

  it('RVQ: each level is the nearest code to the residual the previous levels left', async () => {
    const dim = 6;
    const k = 16;
    const levels = 3;
    const codebooks = Array.from({ length: levels }, (_, l) => gaussian(rng, k, dim, 2 ** -l).data);
    const q = await createQuantizer({ type: 'rvq', dim, codebookSize: k, numQuantizers: levels, codebooks });
    const x = gaussian(rng, 100, dim);
    const idx = await q.encode(x);
    expect(idx.shape).toEqual([100, levels]);
    for (let r = 0; r < 100; r++) {
      const residual = Float64Array.from(x.data.subarray(r * dim, (r + 1) * dim));
      for (let l = 0; l < levels; l++) {
        let best = 0;
        let bestD = Number.POSITIVE_INFINITY;
        for (let c = 0; c < k; c++) {
          const d = sqDist(residual, 0, codebooks[l], c * dim, dim);
          if (d < bestD) [best, bestD] = [c, d];
        }
        expect(idx.data[r * levels + l]).toBe(best);
        for (let j = 0; j < dim; j++) residual[j] = Math.fround(residual[j] - codebooks[l][best * dim + j]);
      }
    }
  });
});

describe('index ↔ code bijection over whole small codebooks', () => {
  const all = (n: number) => ({ data: Int32Array.from({ length: n }, (_, i) => i), shape: [n] });

  for (const [levels, preserveSymmetry] of [
    [[8, 5, 5, 5], false],
    [[7, 5, 3], false],
    [[4, 4, 4], false],
    [[2, 3, 4], true],
    [[5, 5], true],
  ] as const) {
    it(`FSQ ${JSON.stringify(levels)}${preserveSymmetry ? ' symmetric' : ''}`, async () => {
      const q = await createQuantizer({ type: 'fsq', levels, preserveSymmetry });
      const codes = await q.decode(all(q.codebookSize));
      const distinct = new Set<string>();
      for (let i = 0; i < q.codebookSize; i++)
        distinct.add(Array.from(codes.data.subarray(i * q.dim, (i + 1) * q.dim)).join());
      expect(distinct.size).toBe(q.codebookSize);
      expect(Math.max(...codes.data)).toBeLessThanOrEqual(1);
      expect(Math.min(...codes.data)).toBeGreaterThanOrEqual(-1);
      expect(Array.from((q as FiniteScalarQuantizer).codesToIndices(codes))).toEqual(
        Array.from(all(q.codebookSize).data),
      );
    });
  }

  for (const bitOrder of ['msb', 'lsb'] as const) {
    it(`LFQ dim 6 (${bitOrder}): encode(decode(i)) = i`, async () => {
      const q = await createQuantizer({ type: 'lfq', dim: 6, codebookScale: 0.25, bitOrder });
      const codes = await q.decode(all(64));
      expect(Array.from((await q.encode(codes)).data)).toEqual(Array.from(all(64).data));
      expect(new Set(codes.data)).toEqual(new Set([0.25, -0.25]));
    });
  }

  it("LFQ bit orders number the same code's bits in opposite directions", async () => {
    const msb = await createQuantizer({ type: 'lfq', dim: 4 });
    const lsb = await createQuantizer({ type: 'lfq', dim: 4, bitOrder: 'lsb' });
    const x = { data: Float32Array.from([1, -1, -1, -1]), shape: [1, 4] };
    expect((await msb.encode(x)).data[0]).toBe(8);
    expect((await lsb.encode(x)).data[0]).toBe(1);
  });
});

describe('batch independence', () => {
  const configs: QuantizerConfig[] = [
    { type: 'vq', dim: 8, codebookSize: 32, seed: 3 },
    { type: 'rvq', dim: 8, codebookSize: 16, numQuantizers: 3, seed: 4 },
    { type: 'fsq', levels: [8, 6, 5] },
    { type: 'lfq', dim: 8 },
    { type: 'residual-fsq', levels: [5, 5, 5], numQuantizers: 2 },
    { type: 'residual-lfq', dim: 5, numQuantizers: 3 },
    {
      type: 'grouped',
      quantizers: [
        { type: 'vq', dim: 4, codebookSize: 8, seed: 1 },
        { type: 'fsq', levels: [5, 5, 5, 5] },
      ],
    },
  ];
  for (const config of configs) {
    it(`${config.type}: a row's tokens do not depend on its batch`, async () => {
      const q = await createQuantizer(config);
      const n = 40;
      const x = gaussian(rng, n, q.dim);
      const whole = await q.encode(x);
      const perm = Array.from({ length: n }, (_, i) => i).sort(() => rng.next() - 0.5);
      const shuffled = new Float32Array(x.data.length);
      for (const [i, p] of perm.entries()) shuffled.set(x.data.subarray(p * q.dim, (p + 1) * q.dim), i * q.dim);
      const part = await q.encode({ data: shuffled.subarray(0, 7 * q.dim), shape: [7, q.dim] });
      const w = q.numQuantizers;
      for (let i = 0; i < 7; i++) {
        expect(Array.from(part.data.subarray(i * w, (i + 1) * w))).toEqual(
          Array.from(whole.data.subarray(perm[i] * w, (perm[i] + 1) * w)),
        );
      }
      const single = await q.encode({ data: x.data.subarray(0, q.dim), shape: [1, q.dim] });
      expect(Array.from(single.data)).toEqual(Array.from(whole.data.subarray(0, w)));
    });
  }
});

describe('residual decoding', () => {
  async function rvq(): Promise<AnyQuantizer> {
    return createQuantizer({ type: 'rvq', dim: 4, codebookSize: 8, numQuantizers: 4, seed: rng.int(1000) });
  }

  it('decoding with fewer levels sums only those levels; -1 drops a level', async () => {
    const q = await rvq();
    const x = gaussian(rng, 10, 4);
    const idx = await q.encode(x);
    const cbs = q.codebooks();
    const two = await q.decode(idx, { levels: 2 });
    const firstTwo = {
      data: Int32Array.from({ length: 20 }, (_, i) => idx.data[Math.floor(i / 2) * 4 + (i % 2)]),
      shape: [10, 2],
    };
    expect(Array.from((await q.decode(firstTwo)).data)).toEqual(Array.from(two.data));
    const dropped = Int32Array.from(idx.data);
    for (let r = 0; r < 10; r++) dropped[r * 4 + 2] = dropped[r * 4 + 3] = -1;
    expect(Array.from((await q.decode({ data: dropped, shape: [10, 4] })).data)).toEqual(Array.from(two.data));
    for (let r = 0; r < 10; r++) {
      for (let j = 0; j < 4; j++) {
        const expected = Math.fround(cbs[0][idx.data[r * 4] * 4 + j] + cbs[1][idx.data[r * 4 + 1] * 4 + j]);
        expect(two.data[r * 4 + j]).toBeCloseTo(expected, 6);
      }
    }
  });

  it('more levels never reconstruct worse on average (residual FSQ and LFQ)', async () => {
    for (const config of [
      { type: 'residual-fsq', levels: [7, 5, 5], numQuantizers: 3 },
      { type: 'residual-lfq', dim: 6, numQuantizers: 4, codebookScale: 0.5 },
    ] as const) {
      const q = await createQuantizer(config);
      const x = gaussian(rng, 500, q.dim, 0.4);
      const idx = await q.encode(x);
      let previous = Number.POSITIVE_INFINITY;
      for (let levels = 1; levels <= q.numQuantizers; levels++) {
        const y = await q.decode(idx, { levels });
        let err = 0;
        for (let i = 0; i < y.data.length; i++) err += (y.data[i] - x.data[i]) ** 2;
        expect(err).toBeLessThan(previous);
        previous = err;
      }
    }
  });
});
