import { jacobiEigen, MmtokError, type TensorLike } from '@mmtok/core';
import { toImage } from './input.js';

/**
 * Learned metrics (LPIPS, FID/FVD features) need a network, and none is bundled: you pass a
 * function that maps an image to a feature vector, or your own onnxruntime session (node or web)
 * wrapped with `onnxFeatureExtractor` / `onnxPairDistance`. This package never imports onnxruntime.
 */
export type ImageFeatureFn = (image: TensorLike) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** The part of onnxruntime's InferenceSession used here, typed structurally. */
export interface OnnxSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}

/** Builds an input tensor in your onnxruntime flavour, e.g. `(d, dims) => new ort.Tensor('float32', d, dims)`. */
export type OnnxTensorFactory = (data: Float32Array, dims: number[]) => unknown;

export interface OnnxImageOptions {
  createTensor: OnnxTensorFactory;
  /** Default 'nchw' → dims [1, C, H, W]; 'nhwc' → [1, H, W, C]. */
  layout?: 'nchw' | 'nhwc';
  /** Per-value preprocessing, e.g. (v, c) => (v / 255 - mean[c]) / std[c]. Resize beforehand yourself. */
  transform?: (value: number, channel: number) => number;
}

function imageTensor(image: TensorLike, what: string, o: OnnxImageOptions): unknown {
  const img = toImage(image, what);
  const { height: h, width: w, channels: c } = img;
  const out = new Float32Array(h * w * c);
  const f = o.transform ?? ((v: number) => v);
  const nchw = (o.layout ?? 'nchw') === 'nchw';
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) {
        const v = f(img.data[(y * w + x) * c + ch], ch);
        out[nchw ? (ch * h + y) * w + x : (y * w + x) * c + ch] = v;
      }
    }
  }
  return o.createTensor(out, nchw ? [1, c, h, w] : [1, h, w, c]);
}

function pickOutput(
  result: Record<string, { data: unknown; dims: readonly number[] }>,
  name: string,
): ArrayLike<number> {
  const t = result[name];
  if (!t || typeof t.data !== 'object' || t.data === null || typeof (t.data as ArrayLike<number>).length !== 'number') {
    throw new MmtokError('MMTOK_BACKEND', `ONNX model returned no numeric output named "${name}"`, {
      outputs: Object.keys(result),
    });
  }
  return t.data as ArrayLike<number>;
}

/** Wraps a user-supplied session (one image input, one feature output) as an ImageFeatureFn. */
export function onnxFeatureExtractor(
  session: OnnxSessionLike,
  options: OnnxImageOptions & { inputName?: string; outputName?: string },
): ImageFeatureFn {
  const input = options.inputName ?? session.inputNames[0];
  const output = options.outputName ?? session.outputNames[0];
  return async (image) => pickOutput(await session.run({ [input]: imageTensor(image, 'image', options) }), output);
}

/** Wraps a pairwise model such as an LPIPS export: two image inputs, one scalar distance output. */
export function onnxPairDistance(
  session: OnnxSessionLike,
  options: OnnxImageOptions & { inputNames?: [string, string]; outputName?: string },
): (a: TensorLike, b: TensorLike) => Promise<number> {
  const [na, nb] = options.inputNames ?? [session.inputNames[0], session.inputNames[1]];
  if (!na || !nb) throw new MmtokError('MMTOK_CONFIG', 'onnxPairDistance: the session needs two inputs');
  const output = options.outputName ?? session.outputNames[0];
  return async (a, b) => {
    const r = await session.run({
      [na]: imageTensor(a, 'first image', options),
      [nb]: imageTensor(b, 'second image', options),
    });
    return Number(pickOutput(r, output)[0]);
  };
}

/** Distance between the feature vectors of two images: 'cosine' (1 − cos, default) or 'l2'. */
export async function featureDistance(
  a: TensorLike,
  b: TensorLike,
  features: ImageFeatureFn,
  options: { metric?: 'cosine' | 'l2' } = {},
): Promise<number> {
  const fa = await features(a);
  const fb = await features(b);
  if (fa.length !== fb.length || fa.length === 0) {
    throw new MmtokError('MMTOK_SHAPE', `feature vectors differ in length (${fa.length} vs ${fb.length}) or are empty`);
  }
  let dot = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < fa.length; i++) {
    dot += fa[i] * fb[i];
    na += fa[i] * fa[i];
    nb += fb[i] * fb[i];
    l2 += (fa[i] - fb[i]) ** 2;
  }
  if ((options.metric ?? 'cosine') === 'l2') return Math.sqrt(l2);
  if (na === 0 || nb === 0)
    throw new MmtokError('MMTOK_CONFIG', 'cosine distance is undefined for an all-zero feature vector');
  return 1 - dot / Math.sqrt(na * nb);
}

function centered(
  feats: readonly ArrayLike<number>[],
  what: string,
): { x: Float64Array; n: number; d: number; mean: Float64Array } {
  const n = feats.length;
  if (n < 2) throw new MmtokError('MMTOK_EMPTY', `${what} needs at least 2 feature vectors, got ${n}`);
  const d = feats[0].length;
  const mean = new Float64Array(d);
  for (const f of feats) {
    if (f.length !== d)
      throw new MmtokError('MMTOK_SHAPE', `${what} feature vectors differ in length (${d} vs ${f.length})`);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(f[j])) throw new MmtokError('MMTOK_NONFINITE', `${what} has a non-finite feature value`);
      mean[j] += f[j] / n;
    }
  }
  const x = new Float64Array(n * d);
  feats.forEach((f, i) => {
    for (let j = 0; j < d; j++) x[i * d + j] = f[j] - mean[j];
  });
  return { x, n, d, mean };
}

/**
 * Fréchet distance between two sets of feature vectors (FID when they are Inception pool features):
 * ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr √(Σ₁Σ₂), with unbiased covariances (numpy.cov). Tr √(Σ₁Σ₂) is
 * taken from a d×d eigen-problem or, when there are fewer vectors than dimensions, from the
 * equivalent n×n Gram form; cost grows as min(n, d)³.
 */
export function frechetDistance(a: readonly ArrayLike<number>[], b: readonly ArrayLike<number>[]): number {
  const A = centered(a, 'first set');
  const B = centered(b, 'second set');
  if (A.d !== B.d) throw new MmtokError('MMTOK_SHAPE', `feature sets differ in dimension (${A.d} vs ${B.d})`);
  const d = A.d;
  let meanTerm = 0;
  for (let j = 0; j < d; j++) meanTerm += (A.mean[j] - B.mean[j]) ** 2;
  let trA = 0;
  let trB = 0;
  for (const v of A.x) trA += v * v;
  for (const v of B.x) trB += v * v;
  trA /= A.n - 1;
  trB /= B.n - 1;
  return meanTerm + trA + trB - 2 * traceSqrtProduct(A, B);
}

function gram(x: Float64Array, rows: number, y: Float64Array, rowsY: number, d: number): Float64Array {
  const out = new Float64Array(rows * rowsY);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < rowsY; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x[i * d + k] * y[j * d + k];
      out[i * rowsY + j] = s;
    }
  }
  return out;
}

function matmul(p: Float64Array, q: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const pik = p[i * n + k];
      if (pik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += pik * q[k * n + j];
    }
  }
  return out;
}

/** Tr √(Σ_A Σ_B), exported for tests that compare the two routes. */
export function traceSqrtProduct(
  A: { x: Float64Array; n: number; d: number },
  B: { x: Float64Array; n: number; d: number },
  route?: 'dim' | 'gram',
): number {
  const d = A.d;
  const scale = 1 / Math.sqrt((A.n - 1) * (B.n - 1));
  if ((route ?? (Math.min(A.n, B.n) < d ? 'gram' : 'dim')) === 'gram') {
    // Σ_AΣ_B has the same non-zero eigenvalues as (X Yᵀ)(Y Xᵀ)/((n_A−1)(n_B−1)), an n_A×n_A matrix.
    const m = gram(A.x, A.n, B.x, B.n, d);
    const g = new Float64Array(A.n * A.n);
    for (let i = 0; i < A.n; i++) {
      for (let j = i; j < A.n; j++) {
        let s = 0;
        for (let k = 0; k < B.n; k++) s += m[i * B.n + k] * m[j * B.n + k];
        g[i * A.n + j] = s;
        g[j * A.n + i] = s;
      }
    }
    return sumSqrtEigen(jacobiEigen(g, A.n, 100).values) * scale;
  }
  const covOf = (X: { x: Float64Array; n: number }) => {
    const c = new Float64Array(d * d);
    for (let r = 0; r < X.n; r++) {
      for (let i = 0; i < d; i++) {
        const xi = X.x[r * d + i];
        if (xi === 0) continue;
        for (let j = 0; j < d; j++) c[i * d + j] += xi * X.x[r * d + j];
      }
    }
    for (let i = 0; i < c.length; i++) c[i] /= X.n - 1;
    return c;
  };
  const ca = covOf(A);
  const cb = covOf(B);
  // √Σ_A Σ_B √Σ_A is symmetric PSD with the eigenvalues of Σ_AΣ_B.
  const e = jacobiEigen(ca, d, 100);
  const vecs = e.vectors!;
  let maxEig = 0;
  for (const v of e.values) maxEig = Math.max(maxEig, Math.abs(v));
  const roots = e.values.map((v) => (v > maxEig * d * 1e-14 ? Math.sqrt(v) : 0));
  const sq = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += vecs[i * d + k] * roots[k] * vecs[j * d + k];
      sq[i * d + j] = s;
    }
  }
  const m = matmul(matmul(sq, cb, d), sq, d);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = 0.5 * (m[i * d + j] + m[j * d + i]);
      m[i * d + j] = s;
      m[j * d + i] = s;
    }
  }
  return sumSqrtEigen(jacobiEigen(m, d, 100).values);
}

/**
 * Σ √λ over eigenvalues, treating those within rounding of zero as zero: a rank-deficient matrix
 * has eigenvalues of size ε·‖A‖ where it should have 0, and √ would blow them up to √ε.
 */
function sumSqrtEigen(values: Float64Array): number {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const tol = max * values.length * 1e-14;
  let tr = 0;
  for (const v of values) if (v > tol) tr += Math.sqrt(v);
  return tr;
}

/** Centres feature vectors (exported for tests of `traceSqrtProduct`). */
export const centerFeatures = centered;
