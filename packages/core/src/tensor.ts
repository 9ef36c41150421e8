import type { NdArray } from 'ndarray';
import { MmtokError } from './errors.js';
import { StridedArray } from './strided-array.js';

/** Anything with row-major `data` and a `shape`: an ndarray, a plain object, a typed-array view. */
export interface TensorLike<T extends ArrayLike<number> = ArrayLike<number>> {
  data: T;
  shape: readonly number[];
  /** ndarray strides; when present and not row-major the data is copied into row-major order. */
  stride?: readonly number[];
  offset?: number;
}

/** A validated row-major float matrix [rows, cols]. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

function isRowMajor(t: TensorLike): boolean {
  if (!t.stride) return (t.offset ?? 0) === 0;
  let expected = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expected) return false;
    expected *= t.shape[i];
  }
  return (t.offset ?? 0) === 0;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Copies a strided ndarray into a dense row-major array of the same kind. */
function denseData(t: TensorLike): ArrayLike<number> {
  if (isRowMajor(t)) return t.data;
  const n = sizeOf(t.shape);
  const out = new Float64Array(n);
  const idx = new Array<number>(t.shape.length).fill(0);
  const stride = t.stride ?? [];
  for (let i = 0; i < n; i++) {
    let p = t.offset ?? 0;
    for (let d = 0; d < idx.length; d++) p += idx[d] * stride[d];
    out[i] = t.data[p];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function checkShape(t: unknown, what: string): asserts t is TensorLike {
  const o = t as TensorLike | null;
  if (!o || typeof o !== 'object' || !o.data || (!Array.isArray(o.shape) && !ArrayBuffer.isView(o.shape))) {
    throw new MmtokError('MMTOK_SHAPE', `${what} must be an ndarray or { data, shape }`);
  }
  for (const s of o.shape) {
    if (!Number.isInteger(s) || s < 0) {
      throw new MmtokError('MMTOK_SHAPE', `${what} has an invalid shape [${o.shape.join(', ')}]`);
    }
  }
  const need = sizeOf(o.shape);
  if (!o.stride && o.data.length < need) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${what} has shape [${o.shape.join(', ')}] (${need} values) but only ${o.data.length} values`,
    );
  }
}

/**
 * Validates `x` as [N, dim] (a 1-D input of length dim is one row) and returns float32 rows.
 * Rejects empty input and non-finite values, naming the first bad row.
 */
export function toMatrix(x: unknown, dim: number, what = 'input'): Matrix {
  checkShape(x, what);
  const shape = x.shape.length === 1 ? [1, x.shape[0]] : x.shape;
  if (shape.length !== 2 || shape[1] !== dim) {
    throw new MmtokError('MMTOK_SHAPE', `${what} must have shape [N, ${dim}], got [${x.shape.join(', ')}]`, {
      expected: [-1, dim],
      got: [...x.shape],
    });
  }
  const rows = shape[0];
  if (rows === 0) throw new MmtokError('MMTOK_EMPTY', `${what} has no rows`);
  const src = denseData(x);
  const n = rows * dim;
  const data =
    src instanceof Float32Array && src.length === n ? src : Float32Array.from({ length: n }, (_, i) => src[i]);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(data[i])) {
      throw new MmtokError(
        'MMTOK_NONFINITE',
        `${what} has a non-finite value (${data[i]}) at row ${Math.floor(i / dim)}, column ${i % dim}`,
        { row: Math.floor(i / dim), column: i % dim },
      );
    }
  }
  return { data, rows, cols: dim };
}

/**
 * Validates integer indices of shape [N] (levels = 1) or [N, levels] and returns them as Int32.
 * Values must lie in [0, size) or be -1 where `allowDropped` (a dropped residual level).
 */
export function toIndices(
  x: unknown,
  levels: number,
  size: number,
  options: { allowDropped?: boolean; what?: string; minLevels?: number } = {},
): { data: Int32Array; rows: number; levels: number } {
  const what = options.what ?? 'indices';
  checkShape(x, what);
  let rows: number;
  let cols: number;
  if (x.shape.length === 1 && levels === 1) {
    rows = x.shape[0];
    cols = 1;
  } else if (x.shape.length === 2 && x.shape[1] <= levels && x.shape[1] >= (options.minLevels ?? levels)) {
    rows = x.shape[0];
    cols = x.shape[1];
  } else {
    const want = levels === 1 ? '[N]' : `[N, ${levels}]`;
    throw new MmtokError('MMTOK_SHAPE', `${what} must have shape ${want}, got [${x.shape.join(', ')}]`);
  }
  if (rows === 0) throw new MmtokError('MMTOK_EMPTY', `${what} has no rows`);
  const src = denseData(x);
  const n = rows * cols;
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    const dropped = v === -1 && options.allowDropped;
    if (!Number.isInteger(v) || (!dropped && (v < 0 || v >= size))) {
      throw new MmtokError(
        'MMTOK_INDEX_RANGE',
        `${what} value ${v} at row ${Math.floor(i / cols)}, level ${i % cols} is outside [0, ${size})` +
          (options.allowDropped ? ' (or -1 for a dropped level)' : ''),
        { row: Math.floor(i / cols), level: i % cols, value: v },
      );
    }
    data[i] = v;
  }
  return { data, rows, levels: cols };
}

export function matrix(data: Float32Array, rows: number, cols: number): NdArray<Float32Array> {
  return new StridedArray(data, [rows, cols]);
}

export function indexArray(data: Int32Array, rows: number, levels: number): NdArray<Int32Array> {
  return new StridedArray(data, levels === 1 ? [rows] : [rows, levels]);
}

export type { NdArray };
