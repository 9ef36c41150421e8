import type { OpInput, OpOutput } from '../ops.js';

/** Squared euclidean distances accumulated in float64; ties go to the lowest index. */
export function nearestEuclidean(
  x: Float32Array,
  rows: number,
  dim: number,
  codebook: Float32Array,
  k: number,
  out: Int32Array,
  dist?: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const xo = r * dim;
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const co = c * dim;
      let d = 0;
      for (let j = 0; j < dim; j++) {
        const t = x[xo + j] - codebook[co + j];
        d += t * t;
        if (d >= bestD) break;
      }
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    out[r] = best;
    if (dist) dist[r] = bestD;
  }
}

/** Unit-normalizes rows the way F.normalize does (divide by max(norm, 1e-12)). */
export function l2normalize(x: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[r * dim + j] * x[r * dim + j];
    const inv = 1 / Math.max(Math.sqrt(s), 1e-12);
    for (let j = 0; j < dim; j++) out[r * dim + j] = x[r * dim + j] * inv;
  }
  return out;
}

function nearestCosine(x: Float32Array, rows: number, dim: number, codebook: Float32Array, k: number): Int32Array {
  const xn = l2normalize(x, rows, dim);
  const cn = l2normalize(codebook, k, dim);
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestS = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += xn[r * dim + j] * cn[c * dim + j];
      if (s > bestS) {
        bestS = s;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

export function nearestCode(i: OpInput<'nearestCode'>): OpOutput<'nearestCode'> {
  if (i.metric === 'cosine') return nearestCosine(i.x, i.rows, i.dim, i.codebook, i.codebookSize);
  const out = new Int32Array(i.rows);
  nearestEuclidean(i.x, i.rows, i.dim, i.codebook, i.codebookSize, out);
  return out;
}

/** Level by level: pick the nearest code to the residual, subtract it (float32, as the reference). */
export function residualNearestCode(i: OpInput<'residualNearestCode'>): OpOutput<'residualNearestCode'> {
  const { rows, dim, codebooks, codebookSize } = i;
  const levels = codebooks.length;
  const residual = Float32Array.from(i.x);
  const quantized = new Float32Array(rows * dim);
  const indices = new Int32Array(rows * levels);
  const level = new Int32Array(rows);
  codebooks.forEach((codebook, l) => {
    nearestEuclidean(residual, rows, dim, codebook, codebookSize, level);
    for (let r = 0; r < rows; r++) {
      const c = level[r];
      indices[r * levels + l] = c;
      for (let j = 0; j < dim; j++) {
        const v = codebook[c * dim + j];
        residual[r * dim + j] -= v;
        quantized[r * dim + j] += v;
      }
    }
  });
  return { indices, quantized };
}

export function gather(i: OpInput<'gather'>): OpOutput<'gather'> {
  const { codebook, dim, indices } = i;
  const out = new Float32Array(indices.length * dim);
  for (let r = 0; r < indices.length; r++)
    out.set(codebook.subarray(indices[r] * dim, (indices[r] + 1) * dim), r * dim);
  return out;
}
