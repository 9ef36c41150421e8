import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { defaultRegistry } from '../src/backends/default.js';
import { jsBackend } from '../src/backends/js/index.js';
import type { Kernel, Metric, OpInput, OpName, OpOutput } from '../src/backends/ops.js';
import { fsqTables } from '../src/backends/webgpu/fsq-tables.js';
import { createWebgpuProvider, type WebgpuBackend } from '../src/backends/webgpu/index.js';
import { isMmtokError } from '../src/errors.js';

// WebGPU must really run here (lavapipe in CI): a missing adapter fails these tests.
let whole: WebgpuBackend;
let chunked: WebgpuBackend; // tiny chunks: every op crosses several dispatches
const CHUNK = 100;

beforeAll(async () => {
  whole = (await createWebgpuProvider().load()) as WebgpuBackend;
  chunked = (await createWebgpuProvider({ maxChunkRows: CHUNK }).load()) as WebgpuBackend;
});
afterAll(() => {
  whole?.dispose();
  chunked?.dispose();
});

function run<Op extends OpName>(b: Backend, op: Op, input: OpInput<Op>): Promise<OpOutput<Op>> {
  return Promise.resolve((b.kernels[op] as Kernel<Op>)(input));
}
const oracle = <Op extends OpName>(op: Op, input: OpInput<Op>) => run(jsBackend, op, input);

function random(n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
}

function dist64(x: Float32Array, r: number, cb: Float32Array, c: number, dim: number, metric: Metric): number {
  let d = 0;
  let nx = 0;
  let nc = 0;
  for (let j = 0; j < dim; j++) {
    const a = x[r * dim + j];
    const b = cb[c * dim + j];
    if (metric === 'euclidean') d += (a - b) ** 2;
    else {
      d -= a * b;
      nx += a * a;
      nc += b * b;
    }
  }
  return metric === 'euclidean' ? d : d / Math.sqrt(nx * nc || 1);
}

/** Indices must match, except where float32 cannot separate the two candidates (relative 1e-5). */
function expectNearest(got: Int32Array, want: Int32Array, x: Float32Array, cb: Float32Array, dim: number, m: Metric) {
  expect(got.length).toBe(want.length);
  for (let r = 0; r < got.length; r++) {
    if (got[r] === want[r]) continue;
    const a = dist64(x, r, cb, got[r], dim, m);
    const b = dist64(x, r, cb, want[r], dim, m);
    expect(Math.abs(a - b), `row ${r}: got ${got[r]} want ${want[r]}`).toBeLessThanOrEqual(1e-5 * Math.abs(b) + 1e-30);
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 2],
  [1, 5, 2],
  [257, 13, 70],
  [300, 3, 2],
  [640, 64, 256],
  [129, 7, 33],
];

describe.each([
  ['whole', () => whole],
  ['chunked', () => chunked],
])('webgpu kernels (%s) against the js oracle', (_, backend) => {
  for (const metric of ['euclidean', 'cosine'] as const) {
    it.each(SHAPES)(`nearestCode ${metric} N=%i D=%i K=%i`, async (rows, dim, k) => {
      const x = random(rows * dim);
      const codebook = random(k * dim);
      const input = { x, rows, dim, codebook, codebookSize: k, metric };
      expectNearest(
        await run(backend(), 'nearestCode', input),
        await oracle('nearestCode', input),
        x,
        codebook,
        dim,
        metric,
      );
    });

    it(`nearestCode ${metric}: exact ties go to the lowest index`, async () => {
      const dim = 6;
      const base = random(4 * dim);
      // Codes 0..3, then the same four again, then code 1 a third time.
      const codebook = new Float32Array([...base, ...base, ...base.subarray(dim, 2 * dim)]);
      const rows = 300;
      const x = new Float32Array(rows * dim);
      for (let r = 0; r < rows; r++) x.set(codebook.subarray((r % 9) * dim, (r % 9) * dim + dim), r * dim);
      const input = { x, rows, dim, codebook, codebookSize: 9, metric };
      const got = await run(backend(), 'nearestCode', input);
      expect(Array.from(got)).toEqual(Array.from(await oracle('nearestCode', input)));
      expect(Math.max(...got)).toBeLessThan(4);
    });

    it.each([1e-20, 1e-12, 1e12, 1e20])(`nearestCode ${metric} at magnitude %s`, async (scale) => {
      const [rows, dim, k] = [200, 10, 40];
      const codebook = random(k * dim, scale);
      const x = random(rows * dim, scale);
      const input = { x, rows, dim, codebook, codebookSize: k, metric };
      expectNearest(
        await run(backend(), 'nearestCode', input),
        await oracle('nearestCode', input),
        x,
        codebook,
        dim,
        metric,
      );
    });
  }

  it('nearestCode cosine with rows near the float32 range limits', async () => {
    const [rows, dim, k] = [100, 9, 20];
    const codebook = random(k * dim);
    const x = random(rows * dim, 1e36);
    for (let j = 0; j < 50 * dim; j++) x[j] *= 1e-70; // half the rows tiny (~1e-34)
    x.fill(0, 0, dim); // a zero row: every dot is 0, index 0
    const input = { x, rows, dim, codebook, codebookSize: k, metric: 'cosine' as const };
    const got = await run(backend(), 'nearestCode', input);
    expectNearest(got, await oracle('nearestCode', input), x, codebook, dim, 'cosine');
    expect(got[0]).toBe(0);
  });

  it.each([
    [1, 4, 2, 1],
    [333, 16, 64, 8],
    [150, 5, 7, 3],
  ])('residualNearestCode N=%i D=%i K=%i levels=%i', async (rows, dim, k, levels) => {
    const codebooks = Array.from({ length: levels }, (_, l) => random(k * dim, 0.5 ** l));
    const x = random(rows * dim);
    const input = { x, rows, dim, codebooks, codebookSize: k };
    const got = await run(backend(), 'residualNearestCode', input);
    const want = await oracle('residualNearestCode', input);
    expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
    // Same indices, same float32 subtraction and accumulation order: identical sums.
    expect(Array.from(got.quantized)).toEqual(Array.from(want.quantized));
  });

  const FSQ_LEVELS = [[8, 5, 5, 5], [2], [3], [7, 5, 5, 5, 5], [8, 8, 8, 6, 5], [16, 16], [4, 4, 4, 4, 4, 4]];
  for (const symmetric of [false, true]) {
    for (const hardClamp of [false, true]) {
      it.each(FSQ_LEVELS.map((l) => [l]))(
        `fsqEncode/Decode symmetric=${symmetric} hardClamp=${hardClamp} levels=%j`,
        async (levels) => {
          const dim = levels.length;
          const rows = 250;
          const x = new Float32Array(rows * dim);
          for (let i = 0; i < x.length; i++) x[i] = (Math.random() * 2 - 1) * [0.5, 2, 8, 1e30][i % 4];
          // Adversarial: the exact thresholds and the floats just below them.
          const t = fsqTables(levels, symmetric, hardClamp);
          const edges: number[] = [];
          for (let j = 0; j < dim; j++) {
            const [off, count] = [t.meta[j * 6], t.meta[j * 6 + 1]];
            for (let c = 0; c < count; c++) edges.push(t.table[off + c]);
          }
          const below = new Float32Array(1);
          edges.forEach((e, i) => {
            below[0] = e;
            const bits = new Int32Array(below.buffer);
            bits[0] += e > 0 ? -1 : e < 0 ? 1 : 0;
            x[(2 * i) % x.length] = e;
            x[(2 * i + 1) % x.length] = below[0];
          });
          x[x.length - 1] = -0;
          const input = { x, rows, levels, symmetric, hardClamp };
          const got = await run(backend(), 'fsqEncode', input);
          const want = await oracle('fsqEncode', input);
          expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
          expect(Array.from(got.codes)).toEqual(Array.from(want.codes));

          const size = levels.reduce((a, b) => a * b, 1);
          const indices = Int32Array.from({ length: Math.min(size, 5000) }, (_, i) => (i * 7919) % size);
          const dec = { indices, levels, symmetric };
          expect(Array.from(await run(backend(), 'fsqDecode', dec))).toEqual(
            Array.from(await oracle('fsqDecode', dec)),
          );
        },
      );
    }
  }

  for (const msbFirst of [true, false]) {
    it.each([1, 7, 16, 30])(`lfqEncode/Decode msbFirst=${msbFirst} dim=%i`, async (dim) => {
      const rows = 220;
      const x = random(rows * dim);
      x[0] = 0;
      x[dim > 1 ? 1 : 0] = -0;
      x[x.length - 1] = 1e-45;
      const scale = Math.random() + 0.1;
      const input = { x, rows, dim, scale, msbFirst };
      const got = await run(backend(), 'lfqEncode', input);
      const want = await oracle('lfqEncode', input);
      expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
      expect(Array.from(got.codes)).toEqual(Array.from(want.codes));
      const dec = { indices: got.indices, dim, scale, msbFirst };
      expect(Array.from(await run(backend(), 'lfqDecode', dec))).toEqual(Array.from(await oracle('lfqDecode', dec)));
    });
  }

  it.each([
    [1, 3, 2],
    [777, 13, 50],
  ])('gather rows=%i dim=%i k=%i', async (rows, dim, k) => {
    const codebook = random(k * dim);
    const indices = Int32Array.from({ length: rows }, () => Math.floor(Math.random() * k));
    const input = { codebook, dim, indices };
    expect(Array.from(await run(backend(), 'gather', input))).toEqual(Array.from(await oracle('gather', input)));
  });

  it.each([
    [1, 3, 2],
    [500, 17, 40],
  ])('kmeansAssign rows=%i dim=%i k=%i', async (rows, dim, k) => {
    const x = random(rows * dim, 10);
    const centroids = random(k * dim, 10);
    const input = { x, rows, dim, centroids, k };
    const got = await run(backend(), 'kmeansAssign', input);
    const want = await oracle('kmeansAssign', input);
    expectNearest(got.indices, want.indices, x, centroids, dim, 'euclidean');
    for (let r = 0; r < rows; r++) expect(got.distances[r]).toBeCloseTo(want.distances[r], 3);
  });

  it.each([
    ['spread', 700, 9, 30],
    ['collapsed', 1500, 5, 8],
    ['single row', 1, 4, 3],
  ])('kmeansUpdate %s rows=%i dim=%i k=%i', async (kind, rows, dim, k) => {
    const x = random(rows * dim, 3);
    const assignments = Int32Array.from({ length: rows }, () =>
      kind === 'collapsed' ? (Math.random() < 0.95 ? 0 : k - 1) : Math.floor(Math.random() * k),
    );
    const input = { x, rows, dim, assignments, k };
    const got = await run(backend(), 'kmeansUpdate', input);
    const want = await oracle('kmeansUpdate', input);
    expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
    for (let i = 0; i < want.sums.length; i++) expect(Math.abs(got.sums[i] - want.sums[i])).toBeLessThan(1e-3);
  });
});

describe('webgpu backend mechanics', () => {
  it('compiles each program once and reuses its pipeline', async () => {
    const [rows, dim, k] = [50, 8, 16];
    const input = {
      x: random(rows * dim),
      rows,
      dim,
      codebook: random(k * dim),
      codebookSize: k,
      metric: 'euclidean' as const,
    };
    await run(whole, 'nearestCode', input);
    const compiled = whole.stats.pipelinesCompiled;
    await run(whole, 'nearestCode', { ...input, x: random(rows * dim), codebook: random(k * dim) });
    expect(whole.stats.pipelinesCompiled).toBe(compiled);
    await run(whole, 'nearestCode', { ...input, metric: 'cosine' });
    expect(whole.stats.pipelinesCompiled).toBeLessThanOrEqual(compiled + 1);
  });

  it('splits large inputs into several dispatches and stitches the results', async () => {
    const [rows, dim, k] = [1050, 5, 20];
    const input = {
      x: random(rows * dim),
      rows,
      dim,
      codebook: random(k * dim),
      codebookSize: k,
      metric: 'euclidean' as const,
    };
    const before = chunked.stats.dispatches;
    const got = await run(chunked, 'nearestCode', input);
    expect(chunked.stats.dispatches - before).toBe(Math.ceil(rows / CHUNK));
    expectNearest(got, await oracle('nearestCode', input), input.x, input.codebook, dim, 'euclidean');
    const levels = 3;
    const codebooks = Array.from({ length: levels }, () => random(k * dim));
    const r0 = chunked.stats.dispatches;
    await run(chunked, 'residualNearestCode', { x: input.x, rows, dim, codebooks, codebookSize: k });
    expect(chunked.stats.dispatches - r0).toBe(Math.ceil(rows / CHUNK) * levels);
  });

  it('uploads a codebook once per array and metric', async () => {
    const [rows, dim, k] = [20, 4, 8];
    const codebook = random(k * dim);
    const input = { x: random(rows * dim), rows, dim, codebook, codebookSize: k, metric: 'euclidean' as const };
    const u0 = whole.stats.codebookUploads;
    await run(whole, 'nearestCode', input);
    await run(whole, 'nearestCode', { ...input, x: random(rows * dim) });
    await run(whole, 'gather', { codebook, dim, indices: Int32Array.of(1, 2) });
    expect(whole.stats.codebookUploads - u0).toBe(1);
    await run(whole, 'nearestCode', { ...input, metric: 'cosine' });
    expect(whole.stats.codebookUploads - u0).toBe(2);
    await run(whole, 'nearestCode', { ...input, codebook: Float32Array.from(codebook) });
    expect(whole.stats.codebookUploads - u0).toBe(3);
  });

  it('handles zero rows', async () => {
    const out = await run(whole, 'nearestCode', {
      x: new Float32Array(0),
      rows: 0,
      dim: 3,
      codebook: random(6),
      codebookSize: 2,
      metric: 'euclidean',
    });
    expect(out.length).toBe(0);
    expect(
      (await run(whole, 'lfqDecode', { indices: new Int32Array(0), dim: 4, scale: 1, msbFirst: true })).length,
    ).toBe(0);
  });

  it('rejects work after dispose with a stable code', async () => {
    const b = (await createWebgpuProvider().load()) as WebgpuBackend;
    b.dispose();
    const err = await Promise.resolve(
      run(b, 'lfqEncode', { x: random(4), rows: 1, dim: 4, scale: 1, msbFirst: true }),
    ).catch((e: unknown) => e);
    expect(isMmtokError(err, 'MMTOK_BACKEND')).toBe(true);
  });

  it('is registered in the default registry ahead of the CPU backends', async () => {
    expect(defaultRegistry.names()[0]).toBe('webgpu');
    const status = (await defaultRegistry.status()).find((s) => s.name === 'webgpu');
    expect(status?.available).toBe(true);
  });
});
