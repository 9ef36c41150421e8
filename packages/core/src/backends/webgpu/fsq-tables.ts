import { fsqBasis, fsqLevelCode, fsqLevelThresholds } from '../fsq-spec.js';

/** Per-dimension lookup data for the FSQ programs (layout documented in programs/scalar.ts). */
export interface FsqTables {
  meta: Uint32Array;
  table: Float32Array;
}

const cache = new Map<string, FsqTables>();

export function fsqTables(levels: readonly number[], symmetric: boolean, hardClamp: boolean): FsqTables {
  const key = `${levels.join(',')}/${symmetric}/${hardClamp}`;
  let t = cache.get(key);
  if (!t) {
    const basis = fsqBasis(levels);
    const meta = new Uint32Array(levels.length * 6);
    const values: number[] = [];
    levels.forEach((L, j) => {
      const { base, thresholds } = fsqLevelThresholds(L, symmetric, hardClamp);
      meta.set([values.length, thresholds.length, base, values.length + thresholds.length, basis[j], L], j * 6);
      values.push(...thresholds);
      for (let b = 0; b < L; b++) values.push(fsqLevelCode(b, L, symmetric));
    });
    t = { meta, table: Float32Array.from(values) };
    cache.set(key, t);
  }
  return t;
}
