import type { Random } from '../src/index.js';

/** A fresh seed per run, printed so a failure can be replayed with MMTOK_TEST_SEED. */
export function runSeed(label: string): number {
  const fixed = process.env.MMTOK_TEST_SEED;
  const seed = fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[${label}] seed ${seed} (replay with MMTOK_TEST_SEED=${seed})`);
  return seed;
}

export function gaussian(rng: Random, rows: number, cols: number, scale = 1): { data: Float32Array; shape: number[] } {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * scale;
  return { data, shape: [rows, cols] };
}

export function sqDist(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += (a[ao + j] - b[bo + j]) ** 2;
  return s;
}
