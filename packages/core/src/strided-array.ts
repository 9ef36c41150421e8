import type ndarray from 'ndarray';
import type { NdArray } from 'ndarray';

type Typed = Float32Array | Int32Array;

const DTYPES = new Map<unknown, string>([
  [Float32Array, 'float32'],
  [Int32Array, 'int32'],
]);

/**
 * The ndarray interface (scijs/ndarray) over a typed array, written out instead of generated: the
 * ndarray package compiles its classes with `new Function`, which a page whose Content Security
 * Policy forbids 'unsafe-eval' (the dashboard's) refuses. Quantizers return these.
 */
export class StridedArray<D extends Typed> implements NdArray<D> {
  readonly shape: number[];
  readonly stride: number[];

  constructor(
    readonly data: D,
    shape: readonly number[],
    stride?: readonly number[],
    readonly offset = 0,
  ) {
    this.shape = [...shape];
    if (stride) this.stride = [...stride];
    else {
      // Row-major: the last axis is contiguous.
      this.stride = new Array<number>(shape.length);
      for (let k = shape.length - 1, s = 1; k >= 0; s *= shape[k], k--) this.stride[k] = s;
    }
  }

  get dtype(): NdArray<D>['dtype'] {
    return DTYPES.get(this.data.constructor) as NdArray<D>['dtype'];
  }

  get dimension(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Axes from the smallest stride to the largest, as ndarray orders them. */
  get order(): number[] {
    return this.stride
      .map((s, k) => [Math.abs(s), k])
      .sort((a, b) => a[0] - b[0])
      .map(([, k]) => k);
  }

  private at(i: readonly number[]): number {
    let at = this.offset;
    for (let k = 0; k < this.stride.length; k++) at += this.stride[k] * i[k];
    return at;
  }

  /** Position in `data` of element (i0, i1, …). */
  index(...i: number[]): ndarray.Value<D> {
    return this.at(i) as ndarray.Value<D>;
  }

  get(...i: number[]): ndarray.Value<D> {
    return this.data[this.at(i)] as ndarray.Value<D>;
  }

  /** set(i0, …, value) */
  set(...args: number[]): ndarray.Value<D> {
    const value = args[args.length - 1];
    this.data[this.at(args.slice(0, -1))] = value;
    return value as ndarray.Value<D>;
  }

  /** The view starting at index `i` along each axis given as a non-negative number. */
  lo(...i: number[]): StridedArray<D> {
    let offset = this.offset;
    const shape = [...this.shape];
    i.forEach((v, k) => {
      if (typeof v === 'number' && v >= 0 && k < shape.length) {
        offset += this.stride[k] * Math.trunc(v);
        shape[k] -= Math.trunc(v);
      }
    });
    return new StridedArray(this.data, shape, this.stride, offset);
  }

  /** The view with length `i` along each axis given as a non-negative number. */
  hi(...i: number[]): StridedArray<D> {
    const shape = this.shape.map((n, k) => (typeof i[k] === 'number' && i[k] >= 0 ? Math.trunc(i[k]) : n));
    return new StridedArray(this.data, shape, this.stride, this.offset);
  }

  /** Every `s`-th element along each axis given (a negative step walks backwards from the end). */
  step(...s: number[]): StridedArray<D> {
    let offset = this.offset;
    const shape = [...this.shape];
    const stride = [...this.stride];
    s.forEach((v, k) => {
      if (typeof v !== 'number' || k >= shape.length) return;
      const d = Math.trunc(v);
      if (d < 0) {
        offset += stride[k] * (shape[k] - 1);
        shape[k] = Math.ceil(-shape[k] / d);
      } else shape[k] = Math.ceil(shape[k] / d);
      stride[k] *= d;
    });
    return new StridedArray(this.data, shape, stride, offset);
  }

  /** Axes permuted: axis k of the result is axis `axes[k]` (k itself where not given). */
  transpose(...axes: number[]): StridedArray<D> {
    const from = this.shape.map((_, k) => (axes[k] === undefined ? k : Math.trunc(axes[k])));
    return new StridedArray(
      this.data,
      from.map((a) => this.shape[a]),
      from.map((a) => this.stride[a]),
      this.offset,
    );
  }

  get T(): StridedArray<D> {
    return this.transpose(...this.shape.map((_, k) => this.shape.length - 1 - k));
  }

  /** The view with each axis given as a non-negative number fixed at that index (and dropped). */
  pick(...i: (number | null)[]): StridedArray<D> {
    let offset = this.offset;
    const shape: number[] = [];
    const stride: number[] = [];
    this.shape.forEach((n, k) => {
      const v = i[k];
      if (typeof v === 'number' && v >= 0) offset += this.stride[k] * Math.trunc(v);
      else {
        shape.push(n);
        stride.push(this.stride[k]);
      }
    });
    return new StridedArray(this.data, shape, stride, offset);
  }
}
