import { describe, expect, it } from 'vitest';
import { fsqBasis, fsqLevelIndex, fsqLevelThresholds, roundHalfEven } from '../src/backends/fsq-spec.js';
import { fsqEncode } from '../src/backends/js/scalar.js';
import { Random } from '../src/index.js';
import { runSeed } from './helpers.js';

const rng = new Random(runSeed('fsq-spec'));

/** Next float32 above v. */
function nextUp(v: number): number {
  const f = new Float32Array([v]);
  const i = new Int32Array(f.buffer);
  if (v === 0) return 1.401298464324817e-45;
  i[0] += v > 0 ? 1 : -1;
  return f[0];
}

it('roundHalfEven rounds as torch.round: halves to the even neighbour', () => {
  const cases = [0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999, 0.49, -2.6, 7, -7.5];
  expect(cases.map(roundHalfEven)).toEqual([0, 2, 2, 4, -0, -2, -2, 2, 0, -3, 7, -8]);
});

describe('the js FSQ kernel evaluates the formula exactly', () => {
  for (const levels of [
    [8, 5, 5, 5],
    [7, 6, 4, 3, 2],
  ]) {
    for (const [symmetric, hardClamp] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      if (levels.includes(2) && !symmetric) continue;
      it(`${JSON.stringify(levels)} symmetric=${symmetric} hardClamp=${hardClamp}`, () => {
        const values: number[] = [];
        for (let i = 0; i < 4000; i++) values.push(Math.fround(rng.normal() * 2));
        values.push(0, -0, 1e30, -1e30, Number.MAX_VALUE, -3.4e38);
        // Every threshold, and the float just below it, for every dimension.
        for (const L of levels) {
          for (const t of fsqLevelThresholds(L, symmetric, hardClamp).thresholds) {
            if (Number.isFinite(t)) values.push(t, -nextUp(-t));
          }
        }
        const dim = levels.length;
        const rows = values.length;
        const x = new Float32Array(rows * dim);
        for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) x[r * dim + j] = values[(r + j * 7) % rows];
        const { indices } = fsqEncode({ x, rows, levels, symmetric, hardClamp });
        const basis = fsqBasis(levels);
        for (let r = 0; r < rows; r++) {
          let expected = 0;
          for (let j = 0; j < dim; j++)
            expected += fsqLevelIndex(x[r * dim + j], levels[j], symmetric, hardClamp) * basis[j];
          if (indices[r] !== expected) expect({ row: r, got: indices[r] }).toEqual({ row: r, got: expected });
        }
      });
    }
  }
});
