/**
 * Vitest setup for every package: each test file draws its randomness from one printed seed, so a
 * failing random case replays with `MMTOK_TEST_SEED=<seed>` (turbo passes `MMTOK_*` through).
 * Math.random and fast-check's default seed both follow it; crypto randomness is untouched.
 */
import { randomInt } from 'node:crypto';
import fc from 'fast-check';

const fixed = process.env.MMTOK_TEST_SEED;
const seed = fixed ? Number(fixed) >>> 0 : randomInt(2 ** 31);
if (fixed && !/^\d+$/.test(fixed)) throw new Error(`MMTOK_TEST_SEED must be a non-negative integer, got '${fixed}'`);
console.log(`[test seed] ${seed} (replay with MMTOK_TEST_SEED=${seed})`);

/** mulberry32: a small, well-mixed 32-bit generator. */
let state = seed;
Math.random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
};
fc.configureGlobal({ seed });
