import { MmtokError } from '../../errors.js';
import { fsqBasis, fsqLevelCode, fsqLevelIndex } from '../js/scalar.js';

/** Per-dimension lookup data for the FSQ programs (layout documented in programs/scalar.ts). */
export interface FsqTables {
  meta: Uint32Array;
  table: Float32Array;
}

const bits = new Float32Array(1);
const ints = new Int32Array(bits.buffer);

// float32 <-> an integer key whose order is the floats' order (-0 and +0 share key 0).
function keyToFloat(key: number): number {
  ints[0] = key >= 0 ? key : -2147483648 - key;
  return bits[0];
}
const KEY_INF = 0x7f800000;

/**
 * The smallest float32 input reaching each level index, found by bisection on the oracle itself:
 * fsqLevelIndex is monotone in z (tanh/clamp, float32 roundings, scale and round are), so
 * `index(z) = base + #{thresholds <= z}` reproduces it bit for bit, including V8's tanh rounding.
 */
function levelThresholds(L: number, symmetric: boolean, hardClamp: boolean): { base: number; thresholds: number[] } {
  const index = (key: number) => fsqLevelIndex(keyToFloat(key), L, symmetric, hardClamp);
  const base = index(-KEY_INF);
  const top = index(KEY_INF);
  if (!(base >= 0 && top <= L - 1))
    throw new MmtokError('MMTOK_CONFIG', `FSQ level ${L}: oracle indices ${base}..${top} fall outside 0..${L - 1}`);
  const thresholds: number[] = [];
  for (let b = base + 1; b <= top; b++) {
    let lo = -KEY_INF;
    let hi = KEY_INF; // index(hi) >= b holds
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (index(mid) >= b) hi = mid;
      else lo = mid + 1;
    }
    thresholds.push(keyToFloat(lo));
  }
  return { base, thresholds };
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
      const { base, thresholds } = levelThresholds(L, symmetric, hardClamp);
      meta.set([values.length, thresholds.length, base, values.length + thresholds.length, basis[j], L], j * 6);
      values.push(...thresholds);
      for (let b = 0; b < L; b++) values.push(fsqLevelCode(b, L, symmetric));
    });
    t = { meta, table: Float32Array.from(values) };
    cache.set(key, t);
  }
  return t;
}
