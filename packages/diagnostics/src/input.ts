import { MmtokError, type TensorLike } from '@mmtok/core';

/** A signal given as a plain numeric array / typed array, or any `{ data, shape }` (ndarray included). */
export type SignalInput = ArrayLike<number> | TensorLike;

/** A validated dense float64 tensor. Float64 so metrics match numpy's float64 arithmetic. */
export interface Dense {
  data: Float64Array;
  shape: number[];
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && 'data' in x && 'shape' in x;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Copies any accepted input into a dense row-major Float64Array, honouring ndarray strides/offset,
 * and rejects empty input and NaN/Infinity (naming the first bad position).
 */
export function toDense(x: unknown, what: string): Dense {
  let shape: number[];
  let read: (i: number) => number;
  if (isTensorLike(x)) {
    shape = Array.from(x.shape);
    for (const s of shape) {
      if (!Number.isInteger(s) || s < 0)
        throw new MmtokError('MMTOK_SHAPE', `${what} has an invalid shape ${shapeText(shape)}`);
    }
    const n = shape.reduce((a, b) => a * b, 1);
    const src = x.data;
    if (x.stride && x.stride.length === shape.length) {
      const stride = x.stride;
      const offset = x.offset ?? 0;
      const idx = new Array<number>(shape.length).fill(0);
      const flat = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let p = offset;
        for (let d = 0; d < idx.length; d++) p += idx[d] * stride[d];
        flat[i] = src[p];
        for (let d = idx.length - 1; d >= 0; d--) {
          if (++idx[d] < shape[d]) break;
          idx[d] = 0;
        }
      }
      read = (i) => flat[i];
    } else {
      if (src.length < n) {
        throw new MmtokError(
          'MMTOK_SHAPE',
          `${what} has shape ${shapeText(shape)} (${n} values) but only ${src.length} values`,
        );
      }
      const offset = x.offset ?? 0;
      const typed = ArrayBuffer.isView(src) && !(src instanceof DataView) && denseTyped(src, offset, shape, what);
      if (typed) return typed;
      read = (i) => src[offset + i];
    }
  } else if (x !== null && typeof x === 'object' && typeof (x as ArrayLike<number>).length === 'number') {
    const arr = x as ArrayLike<number>;
    shape = [arr.length];
    const typed = ArrayBuffer.isView(x) && !(x instanceof DataView) && denseTyped(x, 0, shape, what);
    if (typed) return typed;
    read = (i) => arr[i];
  } else {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${what} must be a numeric array, a typed array, an ndarray or { data, shape }`,
    );
  }
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) throw new MmtokError('MMTOK_EMPTY', `${what} is empty (shape ${shapeText(shape)})`);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = +read(i);
    if (!Number.isFinite(v)) {
      throw new MmtokError('MMTOK_NONFINITE', `${what} has a non-finite value (${v}) at flat index ${i}`, { index: i });
    }
    data[i] = v;
  }
  return { data, shape };
}

/**
 * The values of a contiguous typed input without copying them (for one-pass reductions such as
 * MSE), with its shape; undefined for anything else (strided, plain arrays), which goes through
 * toDense. Non-finite values are not checked here: a reduction that comes out non-finite calls
 * toDense to name the first bad value.
 */
export function typedView(x: unknown): { values: ArrayLike<number>; shape: number[] } | undefined {
  if (ArrayBuffer.isView(x)) {
    return x instanceof DataView || x instanceof BigInt64Array || x instanceof BigUint64Array
      ? undefined
      : { values: x as unknown as ArrayLike<number>, shape: [(x as unknown as ArrayLike<number>).length] };
  }
  if (!isTensorLike(x) || x.stride || !ArrayBuffer.isView(x.data)) return undefined;
  const shape = Array.from(x.shape);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) return undefined;
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = x.offset ?? 0;
  const data = x.data as unknown as Float64Array;
  if (x.data instanceof DataView || data.length < offset + n || typeof data.subarray !== 'function') return undefined;
  return { values: data.subarray(offset, offset + n), shape };
}

/** Contiguous typed data: one native copy, and a finiteness scan only for float arrays. */
function denseTyped(src: ArrayBufferView, offset: number, shape: number[], what: string): Dense | undefined {
  if (src instanceof BigInt64Array || src instanceof BigUint64Array) return undefined;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) throw new MmtokError('MMTOK_EMPTY', `${what} is empty (shape ${shapeText(shape)})`);
  const data = new Float64Array(n);
  data.set((src as Float64Array).subarray(offset, offset + n));
  if (src instanceof Float32Array || src instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(data[i])) {
        throw new MmtokError('MMTOK_NONFINITE', `${what} has a non-finite value (${data[i]}) at flat index ${i}`, {
          index: i,
        });
      }
    }
  }
  return { data, shape };
}

/** Throws MMTOK_SHAPE unless both shapes are identical. */
export function assertSameShape(a: Dense, b: Dense, whatA: string, whatB: string): void {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${whatA} has shape ${shapeText(a.shape)} but ${whatB} has shape ${shapeText(b.shape)}; they must match`,
      { a: a.shape, b: b.shape },
    );
  }
}

/** A 1-D signal: a flat array, or a tensor whose size is its length (e.g. [1, N] or [N, 1]). */
export function toSignal(x: unknown, what: string): Float64Array {
  return toDense(x, what).data;
}

/** Validates two signals of equal length. */
export function signalPair(a: unknown, b: unknown, whatA: string, whatB: string): [Float64Array, Float64Array] {
  const da = toDense(a, whatA);
  const db = toDense(b, whatB);
  if (da.data.length !== db.data.length) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${whatA} has ${da.data.length} samples but ${whatB} has ${db.data.length}; trim or pad them to the same length`,
      { a: da.data.length, b: db.data.length },
    );
  }
  return [da.data, db.data];
}

/** An image as planar float64 channels, from [H, W] or [H, W, C] row-major input. */
export interface Image {
  height: number;
  width: number;
  channels: number;
  /** Interleaved HWC values. */
  data: Float64Array;
}

export function toImage(x: unknown, what: string): Image {
  const d = toDense(x, what);
  if (d.shape.length !== 2 && d.shape.length !== 3) {
    throw new MmtokError('MMTOK_SHAPE', `${what} must have shape [H, W] or [H, W, C], got ${shapeText(d.shape)}`);
  }
  return { height: d.shape[0], width: d.shape[1], channels: d.shape.length === 3 ? d.shape[2] : 1, data: d.data };
}

export function imagePair(a: unknown, b: unknown): [Image, Image] {
  const ia = toImage(a, 'first image');
  const ib = toImage(b, 'second image');
  if (ia.height !== ib.height || ia.width !== ib.width || ia.channels !== ib.channels) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `images differ in shape: [${ia.height}, ${ia.width}, ${ia.channels}] vs [${ib.height}, ${ib.width}, ${ib.channels}]`,
    );
  }
  return [ia, ib];
}

/** Default data range from the element type, as scikit-image infers it for integer images. */
export function inferDataRange(x: unknown, given: number | undefined, fn: string): number {
  if (given !== undefined) {
    if (!Number.isFinite(given) || given <= 0) {
      throw new MmtokError('MMTOK_CONFIG', `${fn}: dataRange must be a positive finite number, got ${given}`);
    }
    return given;
  }
  const data = isTensorLike(x) ? x.data : x;
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 255;
  if (data instanceof Uint16Array) return 65535;
  throw new MmtokError(
    'MMTOK_CONFIG',
    `${fn}: pass { dataRange } (e.g. 255 for 8-bit values, 1 for [0, 1] floats); it is only inferred for Uint8/Uint16 data`,
  );
}
