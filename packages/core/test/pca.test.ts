import { describe, expect, it } from 'vitest';
import { fitPca, jacobiEigen } from '../src/index.js';

describe('PCA', () => {
  it('jacobiEigen diagonalizes a random symmetric matrix', () => {
    const n = 7;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = Math.random() * 2 - 1;
    const { values, vectors } = jacobiEigen(a, n);
    for (let e = 0; e < n; e++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[j * n + e];
        expect(av).toBeCloseTo(values[e] * vectors[i * n + e], 9);
      }
    }
  });

  it('finds the dominant directions of anisotropic data, sorted and orthonormal', () => {
    const n = 4000;
    const dim = 5;
    const data = new Float32Array(n * dim);
    const sds = [0.1, 3, 0.5, 1, 0.01];
    for (let r = 0; r < n; r++)
      for (let j = 0; j < dim; j++) data[r * dim + j] = 2 + sds[j] * (Math.random() * 2 - 1) * Math.sqrt(3);
    const pca = fitPca({ data, shape: [n, dim] }, dim, { components: 3 });
    expect(pca.mean[0]).toBeCloseTo(2, 1);
    expect(Math.abs(pca.components[0 * dim + 1])).toBeGreaterThan(0.99);
    expect(Math.abs(pca.components[1 * dim + 3])).toBeGreaterThan(0.99);
    expect(Math.abs(pca.components[2 * dim + 2])).toBeGreaterThan(0.99);
    expect(pca.variances[0]).toBeGreaterThan(pca.variances[1]);
    expect(pca.variances[0] / 9).toBeCloseTo(1, 1);
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) {
        let dot = 0;
        for (let j = 0; j < dim; j++) dot += pca.components[a * dim + j] * pca.components[b * dim + j];
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 5);
      }
    expect(() => fitPca({ data, shape: [n, dim] }, dim, { components: 6 })).toThrow(/components/);
  });
});
