import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import {
  BackendRegistry,
  createQuantizer,
  EmaCodebook,
  fitQuantizer,
  jsBackend,
  type KmeansProgress,
  kmeans,
  type QuantizerConfig,
  Random,
  type RvqConfig,
  type VqConfig,
} from '../src/index.js';

// Pinned to the js backend: the oracle, and the same numbers on every machine.
const km: typeof kmeans = (x, k, options = {}) => kmeans(x, k, { backend: 'js', ...options });
const fit: typeof fitQuantizer = (config, x, options = {}) => fitQuantizer(config, x, { backend: 'js', ...options });
const create = (config: QuantizerConfig) => createQuantizer(config, { backend: 'js' });

/** N rows around `centres` random centres (spread 10) with per-dimension noise `sigma`. */
function mixture(rows: number, dim: number, centres: number, sigma: number, seed: number) {
  const rng = new Random(seed);
  const mu = Float32Array.from({ length: centres * dim }, () => rng.normal() * 10);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const c = rng.int(centres);
    for (let j = 0; j < dim; j++) data[r * dim + j] = mu[c * dim + j] + sigma * rng.normal();
  }
  return ndarray(data, [rows, dim]);
}

function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

function mseOf(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s / a.length;
}

/** A registry whose kernels are js's, recording every centroid array handed to kmeansAssign. */
function spyRegistry() {
  const seen: { array: Float32Array; copy: Float32Array }[] = [];
  const registry = new BackendRegistry().register({
    name: 'spy',
    priority: 1,
    load: async () => ({
      name: 'spy',
      kernels: {
        ...jsBackend.kernels,
        kmeansAssign: (input) => {
          seen.push({ array: input.centroids, copy: Float32Array.from(input.centroids) });
          return jsBackend.kernels.kmeansAssign!(input);
        },
      },
    }),
  });
  return { registry, seen };
}

describe('kmeans', () => {
  it('is deterministic: the same seed gives identical centroids, another seed different ones', async () => {
    const x = mixture(1500, 6, 12, 1, freshSeed());
    for (const method of ['lloyd', 'minibatch'] as const) {
      const opts = { iterations: 5, method, batchSize: 256 };
      const a = await km(x, 12, { ...opts, seed: 7 });
      const b = await km(x, 12, { ...opts, seed: 7 });
      const c = await km(x, 12, { ...opts, seed: 8 });
      expect(b.centroids).toEqual(a.centroids);
      expect(b.assignments).toEqual(a.assignments);
      expect(b.history).toEqual(a.history);
      expect(c.centroids).not.toEqual(a.centroids);
    }
  });

  it('k-means++ initialization beats random initialization on a clustered set', async () => {
    // Imbalanced, well separated clusters: random init over-seeds the big ones.
    const rng = new Random(3);
    const dim = 8;
    const k = 24;
    const mu = Float32Array.from({ length: k * dim }, () => rng.normal() * 20);
    const rows: number[] = [];
    for (let c = 0; c < k; c++) {
      const n = c < 4 ? 400 : 20;
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) rows.push(mu[c * dim + j] + 0.5 * rng.normal());
    }
    const x = ndarray(Float32Array.from(rows), [rows.length / dim, dim]);
    let pp = 0;
    let rnd = 0;
    let ppInit = 0;
    let rndInit = 0;
    for (let seed = 0; seed < 6; seed++) {
      const a = await km(x, k, { seed, iterations: 5, init: 'kmeans++' });
      const b = await km(x, k, { seed, iterations: 5, init: 'random' });
      pp += a.mse;
      rnd += b.mse;
      ppInit += a.history[0];
      rndInit += b.history[0];
    }
    expect(ppInit).toBeLessThan(rndInit);
    expect(pp).toBeLessThan(rnd * 0.8);
  });

  it("Lloyd's MSE never increases, and the history matches the progress reports", async () => {
    const seed = freshSeed();
    const x = mixture(2000, 8, 20, 2, seed);
    const reports: KmeansProgress[] = [];
    const r = await km(x, 32, { seed, iterations: 12, tolerance: 0, onProgress: (p) => reports.push(p) });
    expect(r.history.length).toBe(r.iterations + 1);
    expect(reports.map((p) => p.iteration)).toEqual(r.history.map((_, i) => i));
    expect(reports.map((p) => p.mse)).toEqual(r.history);
    for (let i = 1; i < r.history.length; i++) {
      expect(r.history[i], `seed ${seed}, iteration ${i}`).toBeLessThanOrEqual(r.history[i - 1] * (1 + 1e-6));
    }
    expect(r.mse).toBe(r.history[r.history.length - 1]);
    // assignments are the nearest centroids of the returned codebook
    const q = await create({ type: 'vq', dim: 8, codebookSize: 32, codebook: r.centroids });
    expect(Array.from((await q.encode(x)).data)).toEqual(Array.from(r.assignments));
  });

  it('re-seeds an empty cluster with the row farthest from its centroid', async () => {
    // 30 identical rows and three outliers: a random init that draws two copies leaves cluster 1 empty.
    const rows = [...Array.from({ length: 30 }, () => [0, 0]), [10, 0], [0, 20], [-30, 0]];
    const x = ndarray(Float32Array.from(rows.flat()), [rows.length, 2]);
    const reports: KmeansProgress[] = [];
    const r = await km(x, 2, {
      seed: 0,
      init: 'random',
      iterations: 3,
      tolerance: 0,
      onProgress: (p) => reports.push(p),
    });
    expect(reports[0].mse).toBeGreaterThan(0);
    expect(reports[1].reseeded).toBe(1);
    // the empty cluster took (-30, 0), the farthest row; it then keeps it alone
    expect(Array.from(r.centroids.subarray(2, 4))).toEqual([-30, 0]);
    expect(r.assignments[32]).toBe(1);
    for (let i = 1; i < r.history.length; i++) expect(r.history[i]).toBeLessThanOrEqual(r.history[i - 1]);
  });

  it('stops on the tolerance and reports convergence', async () => {
    const x = mixture(1000, 4, 8, 0.5, freshSeed());
    const r = await km(x, 8, { iterations: 100, tolerance: 1e-3 });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThan(100);
    const capped = await km(x, 8, { iterations: 2, tolerance: 0 });
    expect(capped.iterations).toBeLessThanOrEqual(2);
  });

  it('mini-batch k-means gets close to Lloyd', async () => {
    // A fixed data set: from one init both usually reach the same optimum, but not always.
    const seed = 5;
    const x = mixture(4000, 8, 16, 1, seed);
    const lloyd = await km(x, 16, { seed, iterations: 10 });
    const mb = await km(x, 16, { seed, iterations: 5, method: 'minibatch', batchSize: 500 });
    expect(mb.history.length).toBe(mb.iterations);
    expect(mb.mse).toBeLessThan(lloyd.mse * 1.05);
    expect(mb.mse).toBeLessThan(lloyd.history[0] * 0.9);
  });

  it('never mutates a centroid array after handing it to a kernel', async () => {
    const x = mixture(800, 4, 10, 1, freshSeed());
    for (const method of ['lloyd', 'minibatch'] as const) {
      const { registry, seen } = spyRegistry();
      await kmeans(x, 10, { iterations: 4, method, batchSize: 100, registry });
      expect(seen.length).toBeGreaterThan(2);
      for (const s of seen) expect(s.array).toEqual(s.copy);
      expect(new Set(seen.map((s) => s.array)).size).toBeGreaterThan(1);
    }
  });

  it('fails with stable codes on bad input and options', async () => {
    const x = mixture(20, 3, 2, 1, 1);
    await expect(km(ndarray(new Float32Array(0), [0, 3]), 2)).rejects.toMatchObject({ code: 'MMTOK_EMPTY' });
    await expect(km(x, 21)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(kmeans(x, 0)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(km(x, 2, { iterations: -1 })).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(km(x, 2, { tolerance: Number.NaN })).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(km(x, 2, { method: 'elkan' as 'lloyd' })).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(km(x, 2, { iters: 3 } as object)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(km(x, 2, { backend: 'nope' })).rejects.toMatchObject({ code: 'MMTOK_BACKEND' });
    await expect(km({ data: new Float32Array(6), shape: [6] }, 2)).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
    const bad = Float32Array.from(x.data);
    bad[7] = Number.NaN;
    await expect(km(ndarray(bad, [20, 3]), 2)).rejects.toMatchObject({ code: 'MMTOK_NONFINITE' });
  });
});

describe('EmaCodebook', () => {
  it('matches hand-computed EMA updates with Laplace smoothing (decay 0.8, eps 1e-5)', async () => {
    // Expected values computed independently with numpy, following vector-quantize-pytorch's formulas.
    const ema = new EmaCodebook({ backend: 'js', codebook: [0, 0, 10, 10], codebookSize: 2, dim: 2 });
    const first = await ema.update(ndarray(Float32Array.from([1, 0, 0, 1, 9, 9]), [3, 2]));
    expect(Array.from(first.indices)).toEqual([0, 0, 1]);
    expect(first.expired.length).toBe(0);
    expectClose(ema.clusterSize, [0.4, 0.2], 1e-12);
    expectClose(ema.embedSum, [0.2, 0.2, 9.8, 9.8], 1e-12);
    expectClose(first.codebook, [0.5000041665625026, 0.5000041665625026, 48.99918337416463, 48.99918337416463], 1e-6);

    const second = await ema.update(ndarray(Float32Array.from([0.5, 0.5, 50, 48]), [2, 2]));
    expect(Array.from(second.indices)).toEqual([0, 1]);
    expectClose(ema.clusterSize, [0.52, 0.36], 1e-12);
    expectClose(ema.embedSum, [0.26, 0.26, 17.84, 17.44], 1e-6);
    expectClose(second.codebook, [0.5000017482181288, 0.5000017482181288, 49.555305281923985, 48.44419978232928], 1e-6);
    // the first update's codebook is a separate array, untouched by the second
    expectClose(first.codebook, [0.5000041665625026, 0.5000041665625026, 48.99918337416463, 48.99918337416463], 1e-6);
    expect(ema.codebook).toBe(second.codebook);
  });

  it('re-seeds exactly the dead codes from batch rows', async () => {
    const codebook = [0, 0, 100, 100, 10, 0, -100, -100];
    const ema = new EmaCodebook({
      backend: 'js',
      codebook,
      codebookSize: 4,
      dim: 2,
      thresholdEmaDeadCode: 0.5,
      seed: freshSeed(),
    });
    // No batch row equals a live code's new value, so re-seeded codes never tie with live ones below.
    const rows = [1, 0, 0, 1, -1, 0, 0, -1, 0.5, 0.5, 11, 0, 9, 0, 10, 1, 10, -1, 10, 0];
    const batch = Float32Array.from(rows);
    const out = await ema.update(ndarray(batch, [10, 2]));
    // counts [5, 0, 5, 0] → cluster sizes [1, 0, 1, 0]: codes 1 and 3 fall under 0.5
    expect(Array.from(out.indices)).toEqual([0, 0, 0, 0, 0, 2, 2, 2, 2, 2]);
    expect(Array.from(out.expired)).toEqual([1, 3]);
    expectClose(ema.clusterSize, [1, 0.5, 1, 0.5], 1e-12);
    // live codes follow the EMA formula: embed_sum / ((1 + eps) / (2 + 4 eps) · 2)
    expectClose(out.codebook.subarray(0, 2), [0.10000099999000009, 0.10000099999000009], 1e-6);
    expectClose(out.codebook.subarray(4, 6), [18.000179998200014, 0], 1e-6);
    // dead codes took two distinct batch rows; embed_sum = row · reset size
    const batchRows = Array.from({ length: 10 }, (_, r) => `${rows[2 * r]},${rows[2 * r + 1]}`);
    const r1 = `${out.codebook[2]},${out.codebook[3]}`;
    const r3 = `${out.codebook[6]},${out.codebook[7]}`;
    expect(batchRows).toContain(r1);
    expect(batchRows).toContain(r3);
    const sum = ema.embedSum;
    expectClose(sum.subarray(2, 4), [out.codebook[2] * 0.5, out.codebook[3] * 0.5], 1e-12);
    expectClose(sum.subarray(6, 8), [out.codebook[6] * 0.5, out.codebook[7] * 0.5], 1e-12);
    // a batch that feeds every code expires nothing more
    const again = await ema.update(ndarray(Float32Array.from([...out.codebook]), [4, 2]));
    expect(again.expired.length).toBe(0);
  });

  it('rejects bad options and batches with stable codes', async () => {
    expect(() => new EmaCodebook({ backend: 'js', codebook: [0, 0], codebookSize: 2, dim: 2 })).toThrow(/MMTOK_CONFIG/);
    expect(() => new EmaCodebook({ backend: 'js', codebook: [0, 0, 1, 1], codebookSize: 2, dim: 2, decay: 2 })).toThrow(
      /MMTOK_CONFIG/,
    );
    const ema = new EmaCodebook({ backend: 'js', codebook: [0, 0, 1, 1], codebookSize: 2, dim: 2 });
    await expect(ema.update(ndarray(new Float32Array(3), [1, 3]))).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
    await expect(ema.update(ndarray(Float32Array.from([0, Number.NaN]), [1, 2]))).rejects.toMatchObject({
      code: 'MMTOK_NONFINITE',
    });
  });
});

describe('fitQuantizer', () => {
  it('fits a VQ deterministically and does not change the input config', async () => {
    const x = mixture(1200, 6, 16, 1, freshSeed());
    const config: VqConfig = { type: 'vq', dim: 6, codebookSize: 16 };
    const a = await fit(config, x, { seed: 3, iterations: 8 });
    const b = await fit(config, x, { seed: 3, iterations: 8 });
    const c = await fit(config, x, { seed: 4, iterations: 8 });
    expect(config.codebook).toBeUndefined();
    expect(a.codebook).toEqual(b.codebook);
    expect(a.codebook).not.toEqual(c.codebook);
    const direct = await km(x, 16, { seed: 3, iterations: 8 });
    expect(a.codebook).toEqual(direct.centroids);
    // a fitted codebook beats the default random one by far
    const trained = await create(a);
    const untrained = await create(config);
    const errT = mseOf((await trained.quantize(x)).codes.data, x.data);
    const errU = mseOf((await untrained.quantize(x)).codes.data, x.data);
    expect(errT).toBeLessThan(errU / 10);
  });

  it('fits cosine VQ with spherical k-means: unit codes', async () => {
    const x = mixture(800, 5, 8, 1, freshSeed());
    const fitted = await fit({ type: 'vq', dim: 5, codebookSize: 8, distance: 'cosine' }, x, {
      iterations: 5,
    });
    const cb = fitted.codebook as Float32Array;
    for (let c = 0; c < 8; c++) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += cb[c * 5 + j] ** 2;
      expect(Math.sqrt(s)).toBeCloseTo(1, 5);
    }
  });

  it('fits RVQ level by level: each level lowers the reconstruction error', async () => {
    const seed = freshSeed();
    const x = mixture(2000, 8, 40, 2, seed);
    const progress: number[] = [];
    const config: RvqConfig = { type: 'rvq', dim: 8, codebookSize: 16, numQuantizers: 4 };
    const fitted = await fit(config, x, {
      seed,
      iterations: 8,
      onProgress: (p) => progress.push(p.level),
    });
    expect(new Set(progress)).toEqual(new Set([0, 1, 2, 3]));
    const q = await create(fitted);
    const indices = await q.encode(x);
    let prev = mseOf(new Float32Array(x.data.length), x.data);
    for (let levels = 1; levels <= 4; levels++) {
      const codes = await q.decode(indices, { levels });
      const err = mseOf(codes.data, x.data);
      expect(err, `seed ${seed}, ${levels} levels`).toBeLessThan(prev * 0.95);
      prev = err;
    }
  });

  it('fits each group on its own slice of features', async () => {
    const x = mixture(600, 6, 10, 1, freshSeed());
    const fitted = await fit(
      {
        type: 'grouped',
        quantizers: [
          { type: 'vq', dim: 2, codebookSize: 8 },
          { type: 'rvq', dim: 4, codebookSize: 4, numQuantizers: 2 },
        ],
      },
      x,
      { seed: 11, iterations: 4 },
    );
    const first = fitted.quantizers[0] as VqConfig;
    const slice = new Float32Array(600 * 2);
    for (let r = 0; r < 600; r++) slice.set(x.data.subarray(r * 6, r * 6 + 2), r * 2);
    const alone = await fit({ type: 'vq', dim: 2, codebookSize: 8 }, ndarray(slice, [600, 2]), {
      seed: 11,
      iterations: 4,
    });
    expect(first.codebook).toEqual(alone.codebook);
    expect((fitted.quantizers[1] as RvqConfig).codebooks?.length).toBe(2);
    const q = await create(fitted);
    expect((await q.encode(x)).shape).toEqual([600, 3]);
  });

  it('refuses quantizers without a learned codebook, and bad data, with stable codes', async () => {
    const x = mixture(50, 4, 3, 1, 1);
    await expect(fit({ type: 'fsq', levels: [8, 5, 5, 5] }, x)).rejects.toMatchObject({
      code: 'MMTOK_CONFIG',
    });
    await expect(fit({ type: 'lfq', dim: 4 }, x)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(
      fit(
        {
          type: 'grouped',
          quantizers: [
            { type: 'vq', dim: 2, codebookSize: 4 },
            { type: 'lfq', dim: 2 },
          ],
        },
        x,
      ),
    ).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    const vq: VqConfig = { type: 'vq', dim: 4, codebookSize: 8 };
    await expect(fit(vq, ndarray(new Float32Array(0), [0, 4]))).rejects.toMatchObject({
      code: 'MMTOK_EMPTY',
    });
    await expect(fit({ ...vq, codebookSize: 51 }, x)).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(fit({ ...vq, dim: 5 }, x)).rejects.toMatchObject({ code: 'MMTOK_SHAPE' });
    await expect(fit(vq, x, { init: 'forgy' as 'random' })).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    await expect(fit(vq, x, { batchSize: 0 })).rejects.toMatchObject({ code: 'MMTOK_CONFIG' });
    const bad = Float32Array.from(x.data);
    bad[0] = Number.POSITIVE_INFINITY;
    await expect(fit(vq, ndarray(bad, [50, 4]))).rejects.toMatchObject({ code: 'MMTOK_NONFINITE' });
  });
});

function expectClose(actual: ArrayLike<number>, expected: readonly number[], relTol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = relTol * Math.max(1, Math.abs(expected[i]));
    expect(Math.abs(actual[i] - expected[i]), `element ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  }
}
