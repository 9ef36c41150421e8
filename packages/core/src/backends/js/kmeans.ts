import type { OpInput, OpOutput } from '../ops.js';
import { nearestEuclidean } from './nearest.js';

export function kmeansAssign(i: OpInput<'kmeansAssign'>): OpOutput<'kmeansAssign'> {
  const indices = new Int32Array(i.rows);
  const distances = new Float32Array(i.rows);
  nearestEuclidean(i.x, i.rows, i.dim, i.centroids, i.k, indices, distances);
  return { indices, distances };
}

export function kmeansUpdate(i: OpInput<'kmeansUpdate'>): OpOutput<'kmeansUpdate'> {
  const { x, rows, dim, assignments, k } = i;
  const sums = new Float64Array(k * dim);
  const counts = new Float64Array(k);
  for (let r = 0; r < rows; r++) {
    const c = assignments[r];
    counts[c] += 1;
    for (let j = 0; j < dim; j++) sums[c * dim + j] += x[r * dim + j];
  }
  return { sums, counts };
}
