import { MmtokError } from '../errors.js';
import { toMatrix } from '../tensor.js';

export interface PcaOptions {
  /** Number of principal directions to keep (≤ the data's column count). */
  components: number;
  /** Jacobi sweeps at most; convergence usually takes well under 20. Default 50. */
  maxSweeps?: number;
}

export interface Pca {
  /** Column means [dim]. */
  mean: Float32Array;
  /** Principal directions as unit rows [components, dim], by decreasing variance. */
  components: Float32Array;
  /** Variance along each kept direction [components]. */
  variances: Float64Array;
  /** Total variance of the data (trace of the covariance): explained ratio = sum(variances) / total. */
  totalVariance: number;
  dim: number;
}

/**
 * Principal component analysis of rows [N, dim]: the covariance is accumulated in float64 and
 * diagonalized with cyclic Jacobi rotations, which are exact enough for small dims (patches,
 * frames) and need no linear-algebra dependency. Deterministic: each direction's sign is chosen
 * so that its largest-magnitude entry is positive.
 */
export function fitPca(data: unknown, dim: number, options: PcaOptions): Pca {
  const x = toMatrix(data, dim, 'PCA data');
  const k = options.components;
  if (!Number.isInteger(k) || k < 1 || k > dim) {
    throw new MmtokError('MMTOK_CONFIG', `option 'components' must be an integer in [1, ${dim}], got ${k}`, {
      option: 'components',
    });
  }
  const n = x.rows;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mean[j] += x.data[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;

  // Upper triangle accumulated row by row in float64, then mirrored.
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) centred[j] = x.data[r * dim + j] - mean[j];
    for (let i = 0; i < dim; i++) {
      const ci = centred[i];
      if (ci === 0) continue;
      const row = i * dim;
      for (let j = i; j < dim; j++) cov[row + j] += ci * centred[j];
    }
  }
  const denom = Math.max(1, n - 1);
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      cov[i * dim + j] /= denom;
      cov[j * dim + i] = cov[i * dim + j];
    }
  }
  let totalVariance = 0;
  for (let i = 0; i < dim; i++) totalVariance += cov[i * dim + i];

  const { values, vectors } = jacobiEigen(cov, dim, options.maxSweeps ?? 50);
  const order = Array.from({ length: dim }, (_, i) => i).sort((a, b) => values[b] - values[a] || a - b);
  const components = new Float32Array(k * dim);
  const variances = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const e = order[c];
    variances[c] = Math.max(0, values[e]);
    // Column e of `vectors` is the eigenvector; fix its sign for reproducibility.
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(vectors[j * dim + e]) > Math.abs(big)) big = vectors[j * dim + e];
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < dim; j++) components[c * dim + j] = sign * vectors[j * dim + e];
  }
  return { mean: Float32Array.from(mean), components, variances, totalVariance, dim };
}

/**
 * Eigen-decomposition of a symmetric matrix [n, n] (row-major, float64) by cyclic Jacobi rotations.
 * Returns eigenvalues and eigenvectors as the columns of `vectors`. The input is not modified.
 */
export function jacobiEigen(
  matrix: Float64Array,
  n: number,
  maxSweeps = 50,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += a[i] * a[i];
  const eps = 1e-30 * Math.max(scale, Number.MIN_VALUE);

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= eps) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // Rotation angle that zeroes a[p][q] (Numerical Recipes' stable form).
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}
