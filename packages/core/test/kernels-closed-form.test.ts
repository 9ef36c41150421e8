/**
 * Every backend's kernels, js included, against answers computed here from the definitions in
 * float64 (brute-force nearest code, per-cluster sums, sign bits, FSQ's code grid), not against
 * another kernel. FSQ encoding is pinned by vector-quantize-pytorch in reference-backends.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/backends/default.js';
import { type Metric, OP_NAMES, type OpInput, type OpName } from '../src/backends/ops.js';
import { Random } from '../src/random.js';
import { runSeed } from './helpers.js';

const SEED = runSeed('kernels-closed-form');
/** Relative float64 score gap within which a float32 backend may pick another code. */
const NEAR_TIE = 1e-5;

const statuses = await defaultRegistry.status();
afterAll(() => defaultRegistry.dispose());

const normals = (rng: Random, n: number, scale = 1) => Float32Array.from({ length: n }, () => rng.normal() * scale);

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[ao + j] * b[bo + j];
  return s;
}

/** Squared distance, or negated cosine similarity: lower is nearer. */
function score(x: Float32Array, r: number, book: Float32Array, c: number, dim: number, metric: Metric): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += (x[r * dim + j] - book[c * dim + j]) ** 2;
  if (metric === 'euclidean') return s;
  const norms = Math.sqrt(dot(x, r * dim, x, r * dim, dim) * dot(book, c * dim, book, c * dim, dim));
  return norms === 0 ? 0 : -dot(x, r * dim, book, c * dim, dim) / norms;
}

/** Each chosen code is the float64 nearest, or (float32 rounding) within NEAR_TIE of it. */
function expectNearest(x: Float32Array, book: Float32Array, dim: number, k: number, metric: Metric, got: Int32Array) {
  const rows = x.length / dim;
  expect(got.length).toBe(rows);
  for (let r = 0; r < rows; r++) {
    let best = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) best = Math.min(best, score(x, r, book, c, dim, metric));
    expect(got[r]).toBeGreaterThanOrEqual(0);
    expect(got[r]).toBeLessThan(k);
    const scale = metric === 'cosine' ? 1 : dot(x, r * dim, x, r * dim, dim) + Math.abs(best);
    const chosen = score(x, r, book, got[r], dim, metric);
    if (chosen - best > NEAR_TIE * scale) expect({ row: r, chosen }).toEqual({ row: r, chosen: best });
  }
}

for (const status of statuses) {
  const name = status.name;
  describe.skipIf(!status.available)(`${name} kernels match closed forms`, () => {
    const rng = new Random(SEED);
    const run = <Op extends OpName>(op: Op, input: OpInput<Op>) => defaultRegistry.run(op, input, name);
    const has = (op: OpName) =>
      defaultRegistry.kernel(op, name).then(
        () => true,
        () => false,
      );
    const needs = async (ctx: { skip: (note: string) => void }, op: OpName) => {
      if (!(await has(op))) ctx.skip(`${name} has no ${op} kernel`);
    };

    it('has a kernel for some op', async () => {
      expect((await Promise.all(OP_NAMES.map(has))).some(Boolean)).toBe(true);
    });

    for (const metric of ['euclidean', 'cosine'] as const) {
      it(`nearestCode (${metric}) is the brute-force nearest code`, async (ctx) => {
        await needs(ctx, 'nearestCode');
        for (const [rows, dim, k] of [
          [300, 7, 37],
          [200, 64, 256],
          [1, 3, 2],
        ]) {
          const x = normals(rng, rows * dim);
          const codebook = normals(rng, k * dim);
          const got = await run('nearestCode', { x, rows, dim, codebook, codebookSize: k, metric });
          expectNearest(x, codebook, dim, k, metric, got);
        }
      });
    }

    it('nearestCode gives an exact tie to the lower index', async (ctx) => {
      await needs(ctx, 'nearestCode');
      // Codes 0 and 2 are equal; x sits on them, code 1 is far away.
      const codebook = Float32Array.of(1, 2, -5, 7, 1, 2);
      const x = Float32Array.of(1, 2, 1.5, 2.5, -5, 7);
      expect(
        Array.from(await run('nearestCode', { x, rows: 3, dim: 2, codebook, codebookSize: 3, metric: 'euclidean' })),
      ).toEqual([0, 0, 1]);
    });

    it('residualNearestCode quantizes each level’s residual and sums the chosen codes', async (ctx) => {
      await needs(ctx, 'residualNearestCode');
      const [rows, dim, k, levels] = [200, 9, 32, 3];
      const x = normals(rng, rows * dim);
      const codebooks = Array.from({ length: levels }, (_, l) => normals(rng, k * dim, 0.5 ** l));
      const got = await run('residualNearestCode', { x, rows, dim, codebooks, codebookSize: k });
      expect(got.indices.length).toBe(rows * levels);
      for (let r = 0; r < rows; r++) {
        const residual = x.slice(r * dim, (r + 1) * dim);
        const sum = new Float64Array(dim);
        for (let l = 0; l < levels; l++) {
          const chosen = got.indices[r * levels + l];
          expectNearest(residual, codebooks[l], dim, k, 'euclidean', Int32Array.of(chosen));
          for (let j = 0; j < dim; j++) {
            residual[j] -= codebooks[l][chosen * dim + j];
            sum[j] += codebooks[l][chosen * dim + j];
          }
        }
        for (let j = 0; j < dim; j++) expect(got.quantized[r * dim + j]).toBeCloseTo(sum[j], 5);
      }
    });

    it('kmeansAssign returns the nearest centroid and its squared distance', async (ctx) => {
      await needs(ctx, 'kmeansAssign');
      const [rows, dim, k] = [300, 11, 20];
      const x = normals(rng, rows * dim);
      const centroids = normals(rng, k * dim);
      const got = await run('kmeansAssign', { x, rows, dim, centroids, k });
      expectNearest(x, centroids, dim, k, 'euclidean', got.indices);
      for (let r = 0; r < rows; r++) {
        const exact = score(x, r, centroids, got.indices[r], dim, 'euclidean');
        expect(Math.abs(got.distances[r] - exact)).toBeLessThanOrEqual(
          1e-5 * (exact + dot(x, r * dim, x, r * dim, dim)),
        );
      }
    });

    it('kmeansUpdate sums and counts the rows of every cluster, empty ones as zero', async (ctx) => {
      await needs(ctx, 'kmeansUpdate');
      const [rows, dim, k] = [500, 5, 9];
      const x = normals(rng, rows * dim);
      // Cluster 8 stays empty.
      const assignments = Int32Array.from({ length: rows }, () => rng.int(k - 1));
      const sums = new Float64Array(k * dim);
      const counts = new Float64Array(k);
      for (let r = 0; r < rows; r++) {
        counts[assignments[r]]++;
        for (let j = 0; j < dim; j++) sums[assignments[r] * dim + j] += x[r * dim + j];
      }
      const got = await run('kmeansUpdate', { x, rows, dim, assignments, k });
      expect(Array.from(got.counts)).toEqual(Array.from(counts));
      for (let i = 0; i < sums.length; i++) expect(Math.abs(got.sums[i] - sums[i])).toBeLessThanOrEqual(1e-4);
    });

    it('gather copies the indexed rows', async (ctx) => {
      await needs(ctx, 'gather');
      const codebook = Float32Array.of(0, 1, 2, 10, 11, 12, 20, 21, 22);
      const got = await run('gather', { codebook, dim: 3, indices: Int32Array.of(2, 0, 2, 1) });
      expect(Array.from(got)).toEqual([20, 21, 22, 0, 1, 2, 20, 21, 22, 10, 11, 12]);
    });

    for (const msbFirst of [true, false]) {
      it(`lfq ${msbFirst ? 'msb' : 'lsb'} first: a bit per positive entry, codes ±scale`, async (ctx) => {
        await needs(ctx, 'lfqEncode');
        await needs(ctx, 'lfqDecode');
        // Zero and -0 are not positive: bit 0, code -scale.
        const x = Float32Array.of(0.3, -2, 0, 5, -0, -1e-30, 1e30, 7);
        const got = await run('lfqEncode', { x, rows: 2, dim: 4, scale: 0.5, msbFirst });
        // Row bits (first dimension first): 1,0,0,1 and 0,0,1,1.
        expect(Array.from(got.indices)).toEqual(msbFirst ? [0b1001, 0b0011] : [0b1001, 0b1100]);
        expect(Array.from(got.codes)).toEqual([0.5, -0.5, -0.5, 0.5, -0.5, -0.5, 0.5, 0.5]);
        const back = await run('lfqDecode', { indices: got.indices, dim: 4, scale: 0.5, msbFirst });
        expect(Array.from(back)).toEqual(Array.from(got.codes));
      });
    }

    for (const symmetric of [false, true]) {
      it(`fsqDecode${symmetric ? ' (symmetric)' : ''}: the first level is the least significant digit`, async (ctx) => {
        await needs(ctx, 'fsqDecode');
        const levels = symmetric ? [4, 3] : [5, 3];
        const size = levels[0] * levels[1];
        const got = await run('fsqDecode', {
          indices: Int32Array.from({ length: size }, (_, i) => i),
          levels,
          symmetric,
        });
        // Symmetric: −1 + 2b/(L−1); standard: (b − ⌊L/2⌋)/⌊L/2⌋.
        const code = (b: number, L: number) =>
          symmetric ? -1 + (2 * b) / (L - 1) : (b - Math.floor(L / 2)) / Math.floor(L / 2);
        for (let i = 0; i < size; i++) {
          expect(got[2 * i]).toBeCloseTo(code(i % levels[0], levels[0]), 6);
          expect(got[2 * i + 1]).toBeCloseTo(code(Math.floor(i / levels[0]), levels[1]), 6);
        }
      });
    }
  });
}
