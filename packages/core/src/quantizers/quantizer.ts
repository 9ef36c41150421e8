import type { BackendRegistry } from '../backends/registry.js';
import type { QuantizerConfig } from '../config.js';
import { MmtokError } from '../errors.js';
import { indexArray, type Matrix, matrix, type NdArray, toIndices, toMatrix } from '../tensor.js';

export interface RunOptions {
  /** Backend to run on ('js', 'ort', 'webgpu'); the best available one when omitted. */
  backend?: string;
}

export interface DecodeOptions extends RunOptions {
  /** Use only the first `levels` residual levels (bitrate selection). */
  levels?: number;
}

export interface QuantizerContext {
  registry: BackendRegistry;
  backend?: string;
}

/** Raw results of a quantizer on validated rows. */
export interface Encoded {
  indices: Int32Array;
  /** The quantized rows, when computing them came for free. */
  codes?: Float32Array;
}

/** encode(x[N, dim]) → indices [N] or [N, numQuantizers]; decode(indices) → codes [N, dim]. */
export interface Quantizer<C extends QuantizerConfig = QuantizerConfig> {
  readonly config: C;
  readonly dim: number;
  readonly codebookSize: number;
  readonly numQuantizers: number;
  encode(x: unknown, options?: RunOptions): Promise<NdArray<Int32Array>>;
  decode(indices: unknown, options?: DecodeOptions): Promise<NdArray<Float32Array>>;
  quantize(x: unknown, options?: RunOptions): Promise<{ codes: NdArray<Float32Array>; indices: NdArray<Int32Array> }>;
  /** Explicit codebooks, one [codebookSize, dim] array per level (implicit ones for FSQ/LFQ). */
  codebooks(): Float32Array[];
}

/** Shared validation and shaping; subclasses work on flat rows. */
export abstract class BaseQuantizer<C extends QuantizerConfig> implements Quantizer<C> {
  abstract readonly dim: number;
  abstract readonly codebookSize: number;
  abstract readonly numQuantizers: number;

  constructor(
    readonly config: C,
    protected readonly context: QuantizerContext,
  ) {}

  protected backend(options?: RunOptions): string | undefined {
    return options?.backend ?? this.context.backend;
  }

  protected abstract encodeRows(x: Matrix, backend: string | undefined): Promise<Encoded>;
  /** `indices` is [rows, levels] row-major, levels ≤ numQuantizers, -1 meaning a dropped level. */
  protected abstract decodeRows(
    indices: Int32Array,
    rows: number,
    levels: number,
    backend: string | undefined,
  ): Promise<Float32Array>;
  abstract codebooks(): Float32Array[];

  /** Encodes rows that are already validated (used by grouped quantizers and trainers). */
  encodeFlat(x: Matrix, backend?: string): Promise<Encoded> {
    return this.encodeRows(x, backend);
  }

  decodeFlat(indices: Int32Array, rows: number, levels: number, backend?: string): Promise<Float32Array> {
    return this.decodeRows(indices, rows, levels, backend);
  }

  async encode(x: unknown, options?: RunOptions): Promise<NdArray<Int32Array>> {
    const m = toMatrix(x, this.dim);
    const { indices } = await this.encodeRows(m, this.backend(options));
    return indexArray(indices, m.rows, this.numQuantizers);
  }

  async quantize(x: unknown, options?: RunOptions) {
    const m = toMatrix(x, this.dim);
    const backend = this.backend(options);
    const { indices, codes } = await this.encodeRows(m, backend);
    const out = codes ?? (await this.decodeRows(indices, m.rows, this.numQuantizers, backend));
    return { codes: matrix(out, m.rows, this.dim), indices: indexArray(indices, m.rows, this.numQuantizers) };
  }

  async decode(indices: unknown, options?: DecodeOptions): Promise<NdArray<Float32Array>> {
    const multi = this.numQuantizers > 1;
    const idx = toIndices(indices, this.numQuantizers, this.codebookSize, { allowDropped: multi, minLevels: 1 });
    let { data, levels } = idx;
    if (options?.levels !== undefined && options.levels < levels) {
      data = truncateLevels(data, idx.rows, levels, options.levels);
      levels = options.levels;
    }
    const out = await this.decodeRows(data, idx.rows, levels, this.backend(options));
    return matrix(out, idx.rows, this.dim);
  }
}

function truncateLevels(data: Int32Array, rows: number, levels: number, keep: number): Int32Array {
  const out = new Int32Array(rows * keep);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * levels, r * levels + keep), r * keep);
  return out;
}

/**
 * Sums per-level codes of a residual quantizer: `decodeLevel(l, column)` decodes level l's column
 * (dropped entries, -1, replaced by 0 so kernels see valid indices) and `scaleOf(l)` scales it;
 * rows whose index is -1 at a level get nothing from it. Float32 sums, as the reference.
 */
export async function sumLevels(
  indices: Int32Array,
  rows: number,
  levels: number,
  dim: number,
  decodeLevel: (level: number, column: Int32Array) => Promise<Float32Array>,
  scaleOf: (level: number) => Float32Array | number = () => 1,
): Promise<Float32Array> {
  const out = new Float32Array(rows * dim);
  for (let l = 0; l < levels; l++) {
    const column = new Int32Array(rows);
    for (let r = 0; r < rows; r++) column[r] = Math.max(0, indices[r * levels + l]);
    const codes = await decodeLevel(l, column);
    const scale = scaleOf(l);
    for (let r = 0; r < rows; r++) {
      if (indices[r * levels + l] < 0) continue;
      for (let j = 0; j < dim; j++) {
        const s = typeof scale === 'number' ? scale : scale[j];
        out[r * dim + j] = Math.fround(out[r * dim + j] + Math.fround(codes[r * dim + j] * s));
      }
    }
  }
  return out;
}

/** Implicit codebooks larger than this are not materialized. */
export const MAX_IMPLICIT_CODEBOOK = 1 << 20;

/** 0..size-1, for materializing an implicit codebook. */
export function allIndices(size: number): Int32Array {
  if (size > MAX_IMPLICIT_CODEBOOK) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `the implicit codebook has ${size} codes, more than ${MAX_IMPLICIT_CODEBOOK} can be listed`,
    );
  }
  return Int32Array.from({ length: size }, (_, i) => i);
}
