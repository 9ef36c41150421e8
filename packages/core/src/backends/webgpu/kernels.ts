import { MmtokError } from '../../errors.js';
import { l2normalize } from '../js/nearest.js';
import type { KernelTable, Metric, OpInput, OpOutput } from '../ops.js';
import type { GpuContext } from './device.js';
import { fsqTables } from './fsq-tables.js';
import { workgroupsFor } from './program.js';
import { affineProgram } from './programs/affine.js';
import { gatherProgram } from './programs/gather.js';
import { NearestProgram } from './programs/nearest.js';
import { fsqDecodeProgram, fsqEncodeProgram, lfqDecodeProgram, lfqEncodeProgram } from './programs/scalar.js';
import { SegmentSumProgram } from './programs/segment-sum.js';
import { f32Word, runRows } from './rows.js';

/** Rows per k-means segment: long enough to amortize a workgroup, short enough to spread a big cluster. */
const SEGMENT_ROWS = 256;

function codebookBuffer(ctx: GpuContext, codebook: Float32Array, k: number, dim: number, metric: Metric): GPUBuffer {
  if (codebook.length < k * dim)
    throw new MmtokError('MMTOK_SHAPE', `codebook has ${codebook.length} values, expected ${k}x${dim}`);
  return metric === 'cosine' ? ctx.codebook(codebook, 'unit', (a) => l2normalize(a, k, dim)) : ctx.codebook(codebook);
}

/**
 * A power of two bringing the largest magnitude among the arrays to about 1 (exact scaling: for
 * ordinary data the distances round exactly as unscaled ones would). [scale, 1 / scale] as f32 words.
 */
function euclideanScale(arrays: readonly Float32Array[], growth = 1): [number, number] {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  m *= growth;
  if (!(m > 0) || !Number.isFinite(m)) return [f32Word(1), f32Word(1)];
  const e = Math.ceil(Math.log2(m));
  return [f32Word(2 ** -e), f32Word(2 ** e)];
}

/** The webgpu kernel table over one device context. */
export function webgpuKernels(ctx: GpuContext): KernelTable {
  const segmentSum = new SegmentSumProgram();

  async function nearestCode(i: OpInput<'nearestCode'>): Promise<OpOutput<'nearestCode'>> {
    const { rows, dim, codebookSize: k, metric } = i;
    const scale = metric === 'euclidean' ? euclideanScale([i.x, i.codebook]) : [f32Word(1), f32Word(1)];
    const [indices] = await runRows(ctx, {
      program: new NearestProgram(metric, 'index'),
      rows,
      inputs: [{ data: i.x, width: dim }],
      fixed: [codebookBuffer(ctx, i.codebook, k, dim, metric)],
      outputs: [{ width: 1, type: 'i32' }],
      params: (n) => Uint32Array.of(n, dim, k, 1, 0, ...scale),
    });
    return indices;
  }

  async function kmeansAssign(i: OpInput<'kmeansAssign'>): Promise<OpOutput<'kmeansAssign'>> {
    const { rows, dim, k } = i;
    const scale = euclideanScale([i.x, i.centroids]);
    const [indices, distances] = await runRows(ctx, {
      program: new NearestProgram('euclidean', 'index+distance'),
      rows,
      inputs: [{ data: i.x, width: dim }],
      fixed: [codebookBuffer(ctx, i.centroids, k, dim, 'euclidean')],
      outputs: [
        { width: 1, type: 'i32' },
        { width: 1, type: 'f32' },
      ],
      params: (n) => Uint32Array.of(n, dim, k, 1, 0, ...scale),
    });
    return { indices, distances };
  }

  /** All levels of a chunk run back to back on the device; only the final indices and sum come back. */
  async function residualNearestCode(i: OpInput<'residualNearestCode'>): Promise<OpOutput<'residualNearestCode'>> {
    const { rows, dim, codebooks, codebookSize: k } = i;
    const levels = codebooks.length;
    if (rows === 0 || levels === 0) return { indices: new Int32Array(0), quantized: new Float32Array(rows * dim) };
    const program = new NearestProgram('euclidean', 'index+residual');
    const cbs = codebooks.map((c) => codebookBuffer(ctx, c, k, dim, 'euclidean'));
    // Residuals stay within |x| + the codebooks' magnitudes: one scale serves every level.
    const scale = euclideanScale([i.x, ...codebooks], levels + 1);
    const chunk = Math.min(rows, ctx.chunkRows(program.itemsPerWorkgroup, Math.max(dim, levels) * 4));
    const residual = ctx.storage(chunk * dim * 4);
    const quantized = ctx.storage(chunk * dim * 4);
    const idx = ctx.storage(chunk * levels * 4);
    const readIdx = ctx.readbackBuffer(rows * levels * 4);
    const readQ = ctx.readbackBuffer(rows * dim * 4);
    const queue = ctx.device.queue;
    try {
      for (let start = 0; start < rows; start += chunk) {
        const n = Math.min(chunk, rows - start);
        ctx.write(residual, i.x, start * dim, n * dim);
        const encoder = ctx.device.createCommandEncoder();
        encoder.clearBuffer(quantized);
        const params: GPUBuffer[] = [];
        for (const [l, cb] of cbs.entries()) {
          const u = ctx.uniform(Uint32Array.of(n, dim, k, levels, l, ...scale));
          params.push(u);
          await ctx.dispatch(encoder, program, [u, residual, cb, idx, quantized], workgroupsFor(program, n));
        }
        encoder.copyBufferToBuffer(idx, 0, readIdx, start * levels * 4, n * levels * 4);
        encoder.copyBufferToBuffer(quantized, 0, readQ, start * dim * 4, n * dim * 4);
        queue.submit([encoder.finish()]);
        for (const u of params) u.destroy();
      }
      const [ib, qb] = await Promise.all([ctx.read(readIdx, rows * levels * 4), ctx.read(readQ, rows * dim * 4)]);
      return { indices: new Int32Array(ib), quantized: new Float32Array(qb) };
    } finally {
      for (const b of [residual, quantized, idx]) b.destroy();
    }
  }

  async function gather(i: OpInput<'gather'>): Promise<OpOutput<'gather'>> {
    const { codebook, dim, indices } = i;
    const k = Math.floor(codebook.length / dim);
    const [out] = await runRows(ctx, {
      program: gatherProgram,
      rows: indices.length,
      itemsPerRow: dim,
      inputs: [{ data: indices, width: 1 }],
      fixed: [ctx.codebook(codebook)],
      outputs: [{ width: dim, type: 'f32' }],
      params: (n) => Uint32Array.of(n * dim, dim, k),
    });
    return out;
  }

  async function affine(i: OpInput<'affine'>): Promise<OpOutput<'affine'>> {
    const { inDim, outDim } = i;
    const [out] = await runRows(ctx, {
      program: affineProgram,
      rows: i.rows,
      itemsPerRow: outDim,
      inputs: [{ data: i.x, width: inDim }],
      fixed: [ctx.codebook(i.weight), ctx.codebook(i.bias)],
      outputs: [{ width: outDim, type: 'f32' }],
      params: (n) => Uint32Array.of(n * outDim, inDim, outDim),
    });
    return out;
  }

  async function fsqEncode(i: OpInput<'fsqEncode'>): Promise<OpOutput<'fsqEncode'>> {
    const { levels, rows } = i;
    const dim = levels.length;
    const t = fsqTables(levels, i.symmetric, i.hardClamp);
    const meta = ctx.storage(t.meta);
    const table = ctx.storage(t.table);
    try {
      const [indices, codes] = await runRows(ctx, {
        program: fsqEncodeProgram,
        rows,
        inputs: [{ data: i.x, width: dim }],
        fixed: [meta, table],
        outputs: [
          { width: 1, type: 'i32' },
          { width: dim, type: 'f32' },
        ],
        params: (n) => Uint32Array.of(n, dim),
      });
      return { indices, codes };
    } finally {
      meta.destroy();
      table.destroy();
    }
  }

  async function fsqDecode(i: OpInput<'fsqDecode'>): Promise<OpOutput<'fsqDecode'>> {
    const { levels, indices } = i;
    const dim = levels.length;
    const t = fsqTables(levels, i.symmetric, false);
    const meta = ctx.storage(t.meta);
    const table = ctx.storage(t.table);
    try {
      const [out] = await runRows(ctx, {
        program: fsqDecodeProgram,
        rows: indices.length,
        inputs: [{ data: indices, width: 1 }],
        fixed: [meta, table],
        outputs: [{ width: dim, type: 'f32' }],
        params: (n) => Uint32Array.of(n, dim),
      });
      return out;
    } finally {
      meta.destroy();
      table.destroy();
    }
  }

  async function lfqEncode(i: OpInput<'lfqEncode'>): Promise<OpOutput<'lfqEncode'>> {
    const { rows, dim } = i;
    const [indices, codes] = await runRows(ctx, {
      program: lfqEncodeProgram,
      rows,
      inputs: [{ data: i.x, width: dim }],
      outputs: [
        { width: 1, type: 'i32' },
        { width: dim, type: 'f32' },
      ],
      params: (n) => Uint32Array.of(n, dim, i.msbFirst ? 1 : 0, f32Word(i.scale)),
    });
    return { indices, codes };
  }

  async function lfqDecode(i: OpInput<'lfqDecode'>): Promise<OpOutput<'lfqDecode'>> {
    const { indices, dim } = i;
    const [out] = await runRows(ctx, {
      program: lfqDecodeProgram,
      rows: indices.length,
      inputs: [{ data: indices, width: 1 }],
      outputs: [{ width: dim, type: 'f32' }],
      params: (n) => Uint32Array.of(n, dim, i.msbFirst ? 1 : 0, f32Word(i.scale)),
    });
    return out;
  }

  /**
   * Rows are grouped by cluster with a counting sort (which also yields the exact counts), cut into
   * segments, summed per segment on the device in float32, and the segment partials added per
   * cluster in float64 here: partials are 1/SEGMENT_ROWS of the input, and float64 keeps the
   * cross-segment sum as exact as the oracle's.
   */
  async function kmeansUpdate(i: OpInput<'kmeansUpdate'>): Promise<OpOutput<'kmeansUpdate'>> {
    const { x, rows, dim, assignments, k } = i;
    const sums = new Float64Array(k * dim);
    const counts = new Float64Array(k);
    const chunk = Math.min(rows, ctx.chunkRows(SEGMENT_ROWS, dim * 4));
    const xBuf = rows > 0 ? ctx.storage(chunk * dim * 4) : undefined;
    try {
      for (let start = 0; start < rows; start += chunk) {
        const n = Math.min(chunk, rows - start);
        const chunkCounts = new Uint32Array(k);
        for (let r = 0; r < n; r++) {
          const c = assignments[start + r];
          if (c >= 0 && c < k) chunkCounts[c]++; // out-of-range rows count nowhere, as in the oracle
        }
        const offsets = new Uint32Array(k);
        const segs: number[] = [];
        const segCluster: number[] = [];
        let at = 0;
        for (let c = 0; c < k; c++) {
          offsets[c] = at;
          for (let s = 0; s < chunkCounts[c]; s += SEGMENT_ROWS) {
            segs.push(at + s, Math.min(SEGMENT_ROWS, chunkCounts[c] - s));
            segCluster.push(c);
          }
          at += chunkCounts[c];
          counts[c] += chunkCounts[c];
        }
        if (segCluster.length === 0) continue;
        const order = new Uint32Array(at);
        for (let r = 0; r < n; r++) {
          const c = assignments[start + r];
          if (c >= 0 && c < k) order[offsets[c]++] = r;
        }
        const partials = await segmentSums(xBuf!, x.subarray(start * dim, (start + n) * dim), dim, order, segs);
        segCluster.forEach((c, s) => {
          for (let j = 0; j < dim; j++) sums[c * dim + j] += partials[s * dim + j];
        });
      }
      return { sums, counts };
    } finally {
      xBuf?.destroy();
    }
  }

  async function segmentSums(
    xBuf: GPUBuffer,
    x: Float32Array,
    dim: number,
    order: Uint32Array,
    segs: number[],
  ): Promise<Float32Array> {
    const segments = segs.length / 2;
    ctx.write(xBuf, x);
    const orderBuf = ctx.storage(order);
    const segBuf = ctx.storage(Uint32Array.from(segs));
    const partial = ctx.storage(segments * dim * 4);
    const params = ctx.uniform(Uint32Array.of(segments, dim));
    const read = ctx.readbackBuffer(segments * dim * 4);
    try {
      const encoder = ctx.device.createCommandEncoder();
      await ctx.dispatch(encoder, segmentSum, [params, xBuf, orderBuf, segBuf, partial], segments);
      encoder.copyBufferToBuffer(partial, 0, read, 0, segments * dim * 4);
      ctx.device.queue.submit([encoder.finish()]);
      return new Float32Array(await ctx.read(read, segments * dim * 4));
    } finally {
      for (const b of [orderBuf, segBuf, partial, params]) b.destroy();
    }
  }

  return {
    nearestCode,
    residualNearestCode,
    fsqEncode,
    fsqDecode,
    lfqEncode,
    lfqDecode,
    affine,
    gather,
    kmeansAssign,
    kmeansUpdate,
  };
}
