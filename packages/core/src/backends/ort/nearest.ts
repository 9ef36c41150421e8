import { l2normalize } from '../js/nearest.js';
import type { KernelTable, OpInput, OpOutput } from '../ops.js';
import type { OrtContext } from './context.js';
import { GraphBuilder } from './graph.js';
import { chunkRows, forEachChunk, output, runSession, tensor } from './run.js';

/** Gemm scores per chunk: about 4M floats, so the [rows, K] matrix stays small. */
const SCORE_ELEMENTS = 1 << 22;

/**
 * A power of two near 1/max|c|. Argmin is unchanged by scaling both sides, and scaling by a
 * power of two is exact, so huge (1e20) or tiny (1e-20) codebooks neither overflow nor fall
 * into float32 subnormals when squared. Clamped so that it and its inverse stay float32.
 */
function unitScale(codebook: Float32Array): number {
  let max = 0;
  for (const v of codebook) max = Math.max(max, Math.abs(v));
  if (max === 0 || !Number.isFinite(max)) return 1;
  return 2 ** -Math.min(60, Math.max(-60, Math.round(Math.log2(max))));
}

/**
 * The column of the smallest (or largest) score per row, as int64 [rows]. TopK with k = 1 rather
 * than ArgMin/ArgMax: onnxruntime's TopK is twice as fast at K = 1,024 (18 vs 37 ms for 65,536
 * rows), and it too puts the lowest index first among equal scores, as the js oracle does.
 */
function bestColumn(g: GraphBuilder, scores: string, largest: boolean): string {
  const [, index] = g.opMulti('TopK', [scores, g.constant(BigInt64Array.of(1n), [1])], 2, {
    axis: { int: 1 },
    largest: { int: largest ? 1 : 0 },
    sorted: { int: 1 },
  });
  return g.op('Squeeze', [index, g.constant(BigInt64Array.of(1n), [1])]);
}

/**
 * Adds the euclidean search of `codebook` against rows `x`: scores α²‖c‖² − 2α²x·c from one Gemm
 * with the constants precomputed (the ‖x‖² term does not change the argmin), then the smallest
 * per row. Returns the int64 indices [rows].
 */
function euclideanNearest(g: GraphBuilder, x: string, codebook: Float32Array, k: number, dim: number): string {
  const alpha = unitScale(codebook);
  const a2 = alpha * alpha;
  const weights = new Float32Array(dim * k);
  const bias = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = codebook[c * dim + j];
      weights[j * k + c] = -2 * a2 * v;
      norm += v * v;
    }
    bias[c] = a2 * norm;
  }
  const scores = g.op('Gemm', [x, g.constant(weights, [dim, k]), g.constant(bias, [k])]);
  return bestColumn(g, scores, false);
}

function euclideanGraph(codebook: Float32Array, k: number, dim: number, withDistance: boolean): GraphBuilder {
  const g = new GraphBuilder(withDistance ? 'kmeans_assign' : 'nearest_euclidean');
  const x = g.input('x', 'float32', ['N', dim]);
  const best = euclideanNearest(g, x, codebook, k, dim);
  g.output(g.op('Cast', [best], { to: { type: 'int32' } }), 'indices', 'int32', ['N']);
  if (withDistance) {
    // The exact distance to the chosen code, not the expanded Gemm form, which cancels badly.
    const alpha = unitScale(codebook);
    const diff = g.op('Sub', [x, g.op('Gather', [g.constant(codebook, [k, dim]), best], { axis: { int: 0 } })]);
    const scaled = g.op('ReduceSumSquare', [g.op('Mul', [diff, g.scalar(alpha)])], {
      axes: { ints: [1] },
      keepdims: { int: 0 },
    });
    const inv = g.scalar(1 / alpha);
    g.output(g.op('Mul', [g.op('Mul', [scaled, inv]), inv]), 'distances', 'float32', ['N']);
  }
  return g;
}

/**
 * Cosine: the codebook is unit-normalized once (as the oracle does); each row is divided by its
 * largest magnitude, which keeps the dot products in float32 range and, being a positive scale,
 * leaves the argmax where full normalization would.
 */
function cosineGraph(codebook: Float32Array, k: number, dim: number): GraphBuilder {
  const g = new GraphBuilder('nearest_cosine');
  const x = g.input('x', 'float32', ['N', dim]);
  const unit = l2normalize(codebook, k, dim);
  const weights = new Float32Array(dim * k);
  for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) weights[j * k + c] = unit[c * dim + j];
  const rowMax = g.op('ReduceMax', [g.op('Abs', [x])], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const xs = g.op('Div', [x, g.op('Max', [rowMax, g.scalar(1e-30)])]);
  const scores = g.op('Gemm', [xs, g.constant(weights, [dim, k])]);
  const best = bestColumn(g, scores, true);
  g.output(g.op('Cast', [best], { to: { type: 'int32' } }), 'indices', 'int32', ['N']);
  return g;
}

/**
 * Every level in one graph: Gemm + TopK picks the code, Gather + Sub forms the next residual,
 * and the codes are summed in the oracle's order, all without returning to JS between levels.
 */
function residualGraph(codebooks: readonly Float32Array[], k: number, dim: number): GraphBuilder {
  const g = new GraphBuilder('residual_nearest');
  let residual = g.input('x', 'float32', ['N', dim]);
  const axis1 = g.constant(BigInt64Array.of(1n), [1]);
  const levels: string[] = [];
  let quantized: string | undefined;
  for (const codebook of codebooks) {
    const best = euclideanNearest(g, residual, codebook, k, dim);
    const code = g.op('Gather', [g.constant(codebook, [k, dim]), best], { axis: { int: 0 } });
    residual = g.op('Sub', [residual, code]);
    quantized = quantized ? g.op('Add', [quantized, code]) : code;
    levels.push(g.op('Unsqueeze', [best, axis1]));
  }
  const indices = g.op('Cast', [g.op('Concat', levels, { axis: { int: 1 } })], { to: { type: 'int32' } });
  g.output(indices, 'indices', 'int32', ['N', codebooks.length]);
  g.output(quantized ?? residual, 'quantized', 'float32', ['N', dim]);
  return g;
}

export function nearestKernels(
  ctx: OrtContext,
): Pick<KernelTable, 'nearestCode' | 'residualNearestCode' | 'kmeansAssign'> {
  const { runtime, sessions } = ctx;

  async function nearestCode(i: OpInput<'nearestCode'>): Promise<OpOutput<'nearestCode'>> {
    const { x, rows, dim, codebook, codebookSize: k, metric } = i;
    const session = await sessions.forOwner(codebook, `nearest:${metric}:${k}x${dim}`, () =>
      metric === 'cosine' ? cosineGraph(codebook, k, dim) : euclideanGraph(codebook, k, dim, false),
    );
    const out = new Int32Array(rows);
    await forEachChunk(rows, chunkRows(SCORE_ELEMENTS, k), async (start, n) => {
      const r = await runSession('nearestCode', session, {
        x: tensor(runtime, x.subarray(start * dim, (start + n) * dim), [n, dim]),
      });
      out.set(output(r, 'indices', 'int32'), start);
    });
    return out;
  }

  async function kmeansAssign(i: OpInput<'kmeansAssign'>): Promise<OpOutput<'kmeansAssign'>> {
    const { x, rows, dim, centroids, k } = i;
    const session = await sessions.forOwner(centroids, `assign:${k}x${dim}`, () =>
      euclideanGraph(centroids, k, dim, true),
    );
    const indices = new Int32Array(rows);
    const distances = new Float32Array(rows);
    await forEachChunk(rows, chunkRows(SCORE_ELEMENTS, k), async (start, n) => {
      const r = await runSession('kmeansAssign', session, {
        x: tensor(runtime, x.subarray(start * dim, (start + n) * dim), [n, dim]),
      });
      indices.set(output(r, 'indices', 'int32'), start);
      distances.set(output(r, 'distances', 'float32'), start);
    });
    return { indices, distances };
  }

  async function residualNearestCode(i: OpInput<'residualNearestCode'>): Promise<OpOutput<'residualNearestCode'>> {
    const { x, rows, dim, codebooks, codebookSize: k } = i;
    const levels = codebooks.length;
    const indices = new Int32Array(rows * levels);
    const quantized = new Float32Array(rows * dim);
    if (levels === 0) return { indices, quantized };
    const key = `residual:${k}x${dim}:${codebooks.map((c) => sessions.id(c)).join(',')}`;
    const session = await sessions.forOwner(codebooks[0], key, () => residualGraph(codebooks, k, dim));
    await forEachChunk(rows, chunkRows(SCORE_ELEMENTS, k), async (start, n) => {
      const r = await runSession('residualNearestCode', session, {
        x: tensor(runtime, x.subarray(start * dim, (start + n) * dim), [n, dim]),
      });
      indices.set(output(r, 'indices', 'int32'), start * levels);
      quantized.set(output(r, 'quantized', 'float32'), start * dim);
    });
    return { indices, quantized };
  }

  return { nearestCode, residualNearestCode, kmeansAssign };
}
