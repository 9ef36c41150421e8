/**
 * What the quantizer classes add on top of the kernels, checked against vector-quantize-pytorch's
 * outputs in test/fixtures (never against our own kernels): explicit and implicit codebooks,
 * residual scales, FSQ codes → indices, grouped quantizers assembled from fixture cases, and the
 * limits and option handling shared by every quantizer.
 */
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../src/backends/js/index.js';
import { BackendRegistry } from '../src/backends/registry.js';
import {
  createQuantizer,
  FiniteScalarQuantizer,
  MmtokError,
  type QuantizerConfig,
  ResidualFiniteScalarQuantizer,
  VectorQuantizer,
} from '../src/index.js';
import { type Case, loadQuantizerCases, reverseBits } from './quantizer-fixtures.js';

const load = loadQuantizerCases;
const base = load('quantizers.json');
const variants = load('quantizers-variants.json');
const all = [...base, ...variants];

/** Only the js kernels: these tests are about the classes, the backends have their own suite. */
const registry = new BackendRegistry().register({ name: 'js', priority: 1, load: async () => jsBackend });
const make = (config: QuantizerConfig) => createQuantizer(config, { registry, backend: 'js' });

/** The reference's output rows: codes (FSQ/LFQ/VQ) or the summed quantized rows (residual). */
const outputOf = (c: Case) => c.codes ?? c.quantized!;

/** Row r of the per-level codebooks summed over levels at the reference's indices. */
function sumOfCodebookRows(books: Float32Array[], c: Case, dim: number): Float32Array {
  const q = books.length;
  const out = new Float32Array(c.n * dim);
  for (let r = 0; r < c.n; r++) {
    for (let l = 0; l < q; l++) {
      const i = c.indices[r * q + l];
      for (let j = 0; j < dim; j++) out[r * dim + j] = Math.fround(out[r * dim + j] + books[l][i * dim + j]);
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-5) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, the reference ${expected[i]}`);
    }
  }
}

describe('codebooks() holds the reference codes at the reference indices', () => {
  for (const [i, c] of all.entries()) {
    if (c.kind !== 'fsq' && c.kind !== 'lfq') continue;
    const a = c.vqp_args ?? {};
    const config: QuantizerConfig =
      c.kind === 'fsq'
        ? {
            type: 'fsq',
            levels: a.levels ?? c.levels!,
            preserveSymmetry: a.preserve_symmetry,
            boundHardClamp: a.bound_hard_clamp,
          }
        : { type: 'lfq', dim: c.dim!, codebookScale: c.codebook_scale };
    it(`${c.kind} #${i} ${JSON.stringify(a.levels ?? c.levels ?? c.dim)}${a.preserve_symmetry ? ' symmetric' : ''}`, async () => {
      const q = await make(config);
      const books = q.codebooks();
      expect(books.length).toBe(1);
      expect(books[0].length).toBe(q.codebookSize * q.dim);
      expectClose(sumOfCodebookRows(books, c, q.dim), outputOf(c), 'codebook rows');
      if (q instanceof FiniteScalarQuantizer) {
        // vector-quantize-pytorch's codes_to_indices is the inverse of its own codes.
        const codes = { data: Float32Array.from(outputOf(c)), shape: [c.n, q.dim] };
        expect(Array.from(q.codesToIndices(codes))).toEqual(c.indices);
      }
    });
  }

  it("lfq bitOrder 'lsb' stores the reference's code for index i at i with its bits reversed", async () => {
    for (const c of all.filter((c) => c.kind === 'lfq')) {
      const q = await make({ type: 'lfq', dim: c.dim!, codebookScale: c.codebook_scale, bitOrder: 'lsb' });
      const reversed = { ...c, indices: c.indices.map((i) => reverseBits(i, c.dim!)) };
      expectClose(sumOfCodebookRows(q.codebooks(), reversed, q.dim), outputOf(c), `lfq dim ${c.dim} lsb`);
    }
  });

  it('vq: euclidean keeps the weights; cosine searches and decodes unit rows, the file keeps the weights', async () => {
    for (const c of all.filter((c) => c.kind === 'vq')) {
      const q = await make({
        type: 'vq',
        dim: c.dim!,
        codebookSize: c.codebook_size!,
        distance: c.cosine ? 'cosine' : 'euclidean',
        codebook: c.codebook,
      });
      expect(q).toBeInstanceOf(VectorQuantizer);
      expect(Array.from((q as VectorQuantizer).weights), 'weights as given').toEqual(
        Array.from(Float32Array.from(c.codebook!)),
      );
      expectClose(sumOfCodebookRows(q.codebooks(), c, q.dim), outputOf(c), `vq cosine=${c.cosine}`);
    }
  });

  it('vq cosine on unnormalized weights: codes are the unit rows (the fixture codebook is already unit)', async () => {
    const q = await make({ type: 'vq', dim: 2, codebookSize: 2, distance: 'cosine', codebook: [2, 0, 0, 3] });
    const { codes, indices } = await q.quantize({ data: Float32Array.of(1, 0.1, -0.1, 5), shape: [2, 2] });
    expect(Array.from(indices.data)).toEqual([0, 1]);
    expect(Array.from(codes.data)).toEqual([1, 0, 0, 1]);
    expect(Array.from((q as VectorQuantizer).weights)).toEqual([2, 0, 0, 3]);
  });

  it('rvq: one codebook per level, the fixture weights, summing to the reference output', async () => {
    for (const c of all.filter((c) => c.kind === 'rvq')) {
      const q = await make({
        type: 'rvq',
        dim: c.dim!,
        codebookSize: c.codebook_size!,
        numQuantizers: c.num_quantizers!,
        codebooks: c.codebooks,
      });
      const books = q.codebooks();
      expect(books.map((b) => Array.from(b))).toEqual(c.codebooks!.map((b) => Array.from(Float32Array.from(b))));
      expectClose(sumOfCodebookRows(books, c, q.dim), outputOf(c), 'rvq');
    }
  });

  it("residual fsq: the reference's per-level scales, and per-level codebooks summing to its output", async () => {
    for (const c of all.filter((c) => c.kind === 'residual_fsq')) {
      const q = await make({ type: 'residual-fsq', levels: c.levels!, numQuantizers: c.num_quantizers! });
      expect(q).toBeInstanceOf(ResidualFiniteScalarQuantizer);
      const scales = (q as ResidualFiniteScalarQuantizer).scales.map((s) => Array.from(s));
      expect(scales).toEqual(c.scales!.map((s) => Array.from(Float32Array.from(s))));
      const books = q.codebooks();
      expect(books.length).toBe(c.num_quantizers);
      expectClose(sumOfCodebookRows(books, c, q.dim), outputOf(c), 'residual fsq');
    }
  });

  it('residual lfq: level l at codebook scale 2^-l, msb and lsb, summing to the reference decode', async () => {
    for (const c of all.filter((c) => c.kind === 'residual-lfq')) {
      const nq = c.vqp_args!.num_quantizers!;
      const msb = await make({ type: 'residual-lfq', dim: c.dim!, numQuantizers: nq });
      const books = msb.codebooks();
      expect(books.length).toBe(nq);
      expectClose(sumOfCodebookRows(books, c, msb.dim), c.decoded!, `residual lfq dim ${c.dim}`);
      const lsb = await make({ type: 'residual-lfq', dim: c.dim!, numQuantizers: nq, bitOrder: 'lsb' });
      const reversed = { ...c, indices: c.indices.map((i) => reverseBits(i, c.dim!)) };
      expectClose(sumOfCodebookRows(lsb.codebooks(), reversed, lsb.dim), c.decoded!, `residual lfq dim ${c.dim} lsb`);
      // Half the scale at every level: the same bits give half the sum.
      const half = await make({ type: 'residual-lfq', dim: c.dim!, numQuantizers: nq, codebookScale: 0.5 });
      const halfSum = sumOfCodebookRows(half.codebooks(), c, half.dim);
      expectClose(
        halfSum,
        c.decoded!.map((v) => v / 2),
        `residual lfq dim ${c.dim} scale 0.5`,
      );
    }
  });
});

describe('grouped quantizers built from reference cases', () => {
  // An FSQ group of dim 4 and an RVQ group of dim 16 over the same 64 rows, side by side.
  const fsq = base.find((c) => c.kind === 'fsq' && c.dim === 4 && c.n === 64)!;
  const rvq = base.find((c) => c.kind === 'rvq')!;
  const n = 64;
  const config: QuantizerConfig = {
    type: 'grouped',
    quantizers: [
      { type: 'fsq', levels: fsq.levels! },
      {
        type: 'rvq',
        dim: rvq.dim!,
        codebookSize: rvq.codebook_size!,
        numQuantizers: rvq.num_quantizers!,
        codebooks: rvq.codebooks,
      },
    ],
  };
  const dim = 4 + rvq.dim!;
  const nq = 1 + rvq.num_quantizers!;
  const rows = (a: number[], da: number, b: number[], db: number) =>
    Float32Array.from({ length: n * (da + db) }, (_, i) => {
      const r = Math.floor(i / (da + db));
      const j = i % (da + db);
      return j < da ? a[r * da + j] : b[r * db + j - da];
    });

  it('shapes: dims and index columns add up, the codebook size is the largest group’s', async () => {
    const q = await make(config);
    expect([q.dim, q.numQuantizers, q.codebookSize]).toEqual([dim, nq, Math.max(1000, rvq.codebook_size!)]);
    expect(q.codebooks().length).toBe(1 + rvq.num_quantizers!);
  });

  it('encodes each group on its columns: indices and codes are the references side by side', async () => {
    const q = await make(config);
    const x = { data: rows(fsq.input, 4, rvq.input, rvq.dim!), shape: [n, dim] };
    const { codes, indices } = await q.quantize(x);
    expect(Array.from(indices.data)).toEqual(
      Array.from({ length: n * nq }, (_, i) => {
        const r = Math.floor(i / nq);
        const l = i % nq;
        return l === 0 ? fsq.indices[r] : rvq.indices[r * (nq - 1) + l - 1];
      }),
    );
    const expected = rows(outputOf(fsq), 4, outputOf(rvq), rvq.dim!);
    expectClose(codes.data, expected, 'grouped quantize');
    expectClose((await q.decode(indices)).data, expected, 'grouped decode');
    expect(Array.from((await q.encode(x)).data)).toEqual(Array.from(indices.data));
  });

  it('decoding needs every column; -1 is a dropped level only in a residual group', async () => {
    const q = await make(config);
    const good = Int32Array.from({ length: 2 * nq }, () => 0);
    const refuse = async (data: Int32Array, shape: number[], options = {}) => {
      try {
        await q.decode({ data, shape }, options);
      } catch (e) {
        expect(e).toBeInstanceOf(MmtokError);
        return (e as MmtokError).message;
      }
      return 'decoded';
    };
    expect(await refuse(good, [2, nq], { levels: 2 })).toBe(
      `MMTOK_SHAPE: grouped indices need all ${nq} columns, got 2`,
    );
    const droppedFsq = good.slice();
    droppedFsq[nq] = -1;
    expect(await refuse(droppedFsq, [2, nq])).toBe(
      "MMTOK_INDEX_RANGE: indices value -1 at row 1, column 0 is outside group 0's [0, 1000)",
    );
    const droppedRvq = good.slice();
    droppedRvq[nq + 2] = -1;
    expect(await refuse(droppedRvq, [2, nq])).toBe('decoded');
    const tooBig = good.slice();
    tooBig[1] = rvq.codebook_size!;
    expect(await refuse(tooBig, [2, nq])).toBe(
      `MMTOK_INDEX_RANGE: indices value ${rvq.codebook_size} at row 0, column 1 is outside group 1's [0, ${rvq.codebook_size})`,
    );
    const tooBigLater = good.slice();
    tooBigLater[nq + 3] = rvq.codebook_size!;
    expect(await refuse(tooBigLater, [2, nq])).toMatch(/ at row 1, column 3 is outside group 1's /);
    // A dropped level contributes nothing: row 1 decodes as if that RVQ level were absent.
    const withDrop = (await q.decode({ data: droppedRvq, shape: [2, nq] })).data;
    const books = q.codebooks();
    for (let j = 0; j < rvq.dim!; j++) {
      const sum = Math.fround(Math.fround(books[1][j] + books[3][j]) + books[4][j]);
      expect(withDrop[dim + 4 + j]).toBeCloseTo(sum, 5);
    }
  });
});

describe('limits and options every quantizer shares', () => {
  it('an implicit codebook is listed up to 2^20 codes and refused above', async () => {
    const at = await make({ type: 'fsq', levels: [1024, 1024] });
    expect(at.codebooks()[0].length).toBe(2 ** 20 * 2);
    const above = await make({ type: 'fsq', levels: [1024, 1025] });
    expect(() => above.codebooks()).toThrow(
      'MMTOK_CONFIG: the implicit codebook has 1049600 codes, more than 1048576 can be listed',
    );
    await expect(make({ type: 'lfq', dim: 21 }).then((q) => q.codebooks())).rejects.toThrow(/2097152 codes/);
  });

  it('decode levels beyond the quantizer’s use all of them, as if not given', async () => {
    const c = all.find((c) => c.kind === 'residual_fsq')!;
    const q = await make({ type: 'residual-fsq', levels: c.levels!, numQuantizers: c.num_quantizers! });
    const indices = { data: Int32Array.from(c.indices), shape: [c.n, c.num_quantizers!] };
    const more = await q.decode(indices, { levels: c.num_quantizers! + 2 });
    expectClose(more.data, outputOf(c), 'levels beyond numQuantizers');
  });

  it('FSQ codesToIndices refuses codes of the wrong width, naming them', async () => {
    const q = (await make({ type: 'fsq', levels: [3, 3] })) as FiniteScalarQuantizer;
    expect(() => q.codesToIndices({ data: new Float32Array(3), shape: [1, 3] })).toThrow(
      'MMTOK_SHAPE: codes must have shape [N, 2], got [1, 3]',
    );
  });

  it('seeded random codebooks: another seed, another codebook; VQ distance defaults to euclidean', async () => {
    const vq = async (seed: number) =>
      Array.from(((await make({ type: 'vq', dim: 2, codebookSize: 4, seed })) as VectorQuantizer).weights);
    expect(await vq(1)).not.toEqual(await vq(2));
    expect(await vq(1)).toEqual(await vq(1));
    const rvq = async (seed: number) =>
      (await make({ type: 'rvq', dim: 2, codebookSize: 4, numQuantizers: 2, seed }))
        .codebooks()
        .map((b) => Array.from(b));
    expect((await rvq(1))[0]).not.toEqual((await rvq(2))[0]);
    const plain = (await make({ type: 'vq', dim: 2, codebookSize: 4 })) as VectorQuantizer;
    expect(plain.distance).toBe('euclidean');
  });

  it("a call's backend option overrides the quantizer's", async () => {
    const q = await make({ type: 'lfq', dim: 2 });
    await expect(q.encode({ data: new Float32Array(2), shape: [1, 2] }, { backend: 'tpu' })).rejects.toThrow(
      /MMTOK_BACKEND/,
    );
    await expect(q.decode({ data: Int32Array.of(0), shape: [1] }, { backend: 'tpu' })).rejects.toThrow(/MMTOK_BACKEND/);
    await expect(q.quantize({ data: new Float32Array(2), shape: [1, 2] }, { backend: 'tpu' })).rejects.toThrow(
      /MMTOK_BACKEND/,
    );
  });
});
