/**
 * The kernel ops, their inputs and outputs: one place that every backend implements against.
 * All matrices are row-major. Codebook arrays passed to kernels are never mutated afterwards,
 * so backends may cache device copies keyed by the array object.
 */
export type Metric = 'euclidean' | 'cosine';

export interface OpTypes {
  /** Index of the nearest codebook row per input row (cosine: largest dot product of unit vectors). */
  nearestCode: {
    input: { x: Float32Array; rows: number; dim: number; codebook: Float32Array; codebookSize: number; metric: Metric };
    output: Int32Array;
  };
  /** Residual chain over several euclidean codebooks: indices [rows, levels] and the summed codes. */
  residualNearestCode: {
    input: { x: Float32Array; rows: number; dim: number; codebooks: readonly Float32Array[]; codebookSize: number };
    output: { indices: Int32Array; quantized: Float32Array };
  };
  /**
   * FSQ: bound, round and index. `symmetric` selects the symmetry-preserving variant;
   * `hardClamp` bounds with clamp(-1, 1) instead of tanh.
   */
  fsqEncode: {
    input: { x: Float32Array; rows: number; levels: readonly number[]; symmetric: boolean; hardClamp: boolean };
    output: { indices: Int32Array; codes: Float32Array };
  };
  fsqDecode: {
    input: { indices: Int32Array; levels: readonly number[]; symmetric: boolean };
    output: Float32Array;
  };
  /** LFQ: sign bits; `msbFirst` makes the first dimension the most significant bit. */
  lfqEncode: {
    input: { x: Float32Array; rows: number; dim: number; scale: number; msbFirst: boolean };
    output: { indices: Int32Array; codes: Float32Array };
  };
  lfqDecode: {
    input: { indices: Int32Array; dim: number; scale: number; msbFirst: boolean };
    output: Float32Array;
  };
  /**
   * Affine map of rows: out[rows, outDim] = x[rows, inDim] · weightᵀ + bias, with weight
   * [outDim, inDim] as torch.nn.Linear stores it (the learned transforms around a quantizer).
   */
  affine: {
    input: { x: Float32Array; rows: number; weight: Float32Array; bias: Float32Array; inDim: number; outDim: number };
    output: Float32Array;
  };
  /** Rows of a codebook by index. */
  gather: {
    input: { codebook: Float32Array; dim: number; indices: Int32Array };
    output: Float32Array;
  };
  /** Nearest centroid and its squared distance per row. */
  kmeansAssign: {
    input: { x: Float32Array; rows: number; dim: number; centroids: Float32Array; k: number };
    output: { indices: Int32Array; distances: Float32Array };
  };
  /** Per-cluster sums of the assigned rows and cluster sizes. */
  kmeansUpdate: {
    input: { x: Float32Array; rows: number; dim: number; assignments: Int32Array; k: number };
    output: { sums: Float64Array; counts: Float64Array };
  };
}

export type OpName = keyof OpTypes;
export type OpInput<Op extends OpName> = OpTypes[Op]['input'];
export type OpOutput<Op extends OpName> = OpTypes[Op]['output'];
export type Kernel<Op extends OpName> = (input: OpInput<Op>) => Promise<OpOutput<Op>> | OpOutput<Op>;
export type KernelTable = { [Op in OpName]?: Kernel<Op> };

export const OP_NAMES: readonly OpName[] = [
  'nearestCode',
  'residualNearestCode',
  'fsqEncode',
  'fsqDecode',
  'lfqEncode',
  'lfqDecode',
  'affine',
  'gather',
  'kmeansAssign',
  'kmeansUpdate',
];
