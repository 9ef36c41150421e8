/**
 * The cases the collapse thresholds were chosen on (docs/diagnostics.md, "Collapse verdict"):
 * healthy usage shapes at realistic sample sizes raise no alarm; few codes, dead and stuck levels
 * always do; too few samples are "insufficient data", not "collapsed". (The default image
 * tokenizer on photos is checked in packages/image/test/collapse-defaults.test.ts.)
 */
import { Random } from '@mmtok/core';
import { describe, expect, it } from 'vitest';
import { codebookStats, collapseVerdict, expectedUsedUniform } from '../src/index.js';

const fixed = process.env.MMTOK_TEST_SEED;
const seed = fixed ? Number(fixed) : Math.floor(Math.random() * 2 ** 31);
console.log(`[collapse-calibration] seed ${seed} (replay with MMTOK_TEST_SEED=${seed})`);
const rng = new Random(seed);

/** N draws from the distribution `weights` (inverse CDF). */
function draw(weights: number[], N: number): Int32Array {
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) cdf[i] = sum += weights[i];
  const out = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const u = rng.next() * sum;
    let lo = 0;
    let hi = weights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[n] = lo;
  }
  return out;
}

const shapes: Record<string, (K: number) => number[]> = {
  uniform: (K) => Array.from({ length: K }, () => 1),
  // Dirichlet(1) weights: uniform-ish usage with the spread a trained codebook shows.
  dirichlet: (K) => Array.from({ length: K }, () => -Math.log(1 - rng.next())),
  'zipf 0.8': (K) => Array.from({ length: K }, (_, i) => (i + 1) ** -0.8),
  'zipf 1.0': (K) => Array.from({ length: K }, (_, i) => (i + 1) ** -1),
  'zipf 1.2': (K) => Array.from({ length: K }, (_, i) => (i + 1) ** -1.2),
};

describe('healthy usage raises no alarm', () => {
  const cases: [string, number, number][] = [];
  for (const name of Object.keys(shapes))
    for (const K of [256, 1024, 8192])
      for (const perCode of [1, 4, 16]) if (K * perCode <= 2 ** 17) cases.push([name, K, perCode]);
  it.each(cases)('%s, K = %i, %i samples per code', (name, K, perCode) => {
    const idx = draw(shapes[name](K), K * perCode);
    const v = collapseVerdict(codebookStats(idx, { codebookSize: K }));
    expect(v).toEqual({ status: 'healthy', alarms: [] });
  });

  it('an RVQ whose levels are all healthy at 64 samples per code', () => {
    const K = 256;
    const N = 64 * K;
    const data = new Int32Array(N * 4);
    for (let l = 0; l < 4; l++) {
      const idx = draw(shapes['zipf 1.0'](K), N);
      for (let n = 0; n < N; n++) data[n * 4 + l] = idx[n];
    }
    expect(collapseVerdict(codebookStats({ data, shape: [N, 4] }, { codebookSize: K, levels: 4 })).status).toBe(
      'healthy',
    );
  });
});

describe('collapse always alarms', () => {
  it.each([256, 1024, 8192])('few codes (2 %% of K = %i) at 16 samples per code → collapsed', (K) => {
    const idx = draw(
      Array.from({ length: K }, (_, i) => (i < Math.ceil(K / 50) ? 1 : 0)),
      16 * K,
    );
    const v = collapseVerdict(codebookStats(idx, { codebookSize: K }));
    expect(v.status).toBe('collapsed');
    expect(v.alarms.find((a) => a.code === 'LOW_UTILIZATION')?.severity).toBe('critical');
  });

  it('a dead level (one code) among healthy ones → collapsed, on that level only', () => {
    const K = 256;
    const N = 4096;
    const data = new Int32Array(N * 3);
    const healthy = draw(shapes.uniform(K), 2 * N);
    for (let n = 0; n < N; n++) {
      data[n * 3] = healthy[n];
      data[n * 3 + 1] = 7;
      data[n * 3 + 2] = healthy[N + n];
    }
    const v = collapseVerdict(codebookStats({ data, shape: [N, 3] }, { codebookSize: K, levels: 3 }));
    expect(v.status).toBe('collapsed');
    expect(new Set(v.alarms.map((a) => a.level))).toEqual(new Set([1]));
    expect(v.alarms.map((a) => a.code).sort()).toEqual(['LOW_PERPLEXITY', 'LOW_UTILIZATION', 'STUCK_LEVEL']);
  });

  it('a stuck level (95 % on one code, the rest spread) → collapsed', () => {
    const K = 1024;
    const weights = Array.from({ length: K }, () => 0.05 / (K - 1));
    weights[3] = 0.95;
    const v = collapseVerdict(codebookStats(draw(weights, 8 * K), { codebookSize: K }));
    expect(v.status).toBe('collapsed');
    expect(v.alarms.map((a) => a.code)).toContain('STUCK_LEVEL');
  });
});

describe('too few samples', () => {
  it('a 1×1 image (one index per level) is insufficient data, with no alarms', () => {
    const data = Int32Array.of(5, 9, 200, 1, 0, 0);
    const v = collapseVerdict(codebookStats({ data, shape: [1, 6] }, { codebookSize: 256, levels: 6 }));
    expect(v).toEqual({ status: 'insufficient-data', alarms: [], insufficient: [0, 1, 2, 3, 4, 5] });
  });

  it('the bar is minSamples indices per level (256 by default)', () => {
    const stuck = (N: number) => codebookStats(new Int32Array(N), { codebookSize: 256 });
    expect(collapseVerdict(stuck(255)).status).toBe('insufficient-data');
    expect(collapseVerdict(stuck(256)).status).toBe('collapsed');
    expect(collapseVerdict(stuck(100), { thresholds: { minSamples: 100 } }).status).toBe('collapsed');
  });

  it('expected distinct codes under uniform draws', () => {
    expect(expectedUsedUniform(256, 1)).toBeCloseTo(1, 12);
    expect(expectedUsedUniform(256, 256)).toBeCloseTo(256 * (1 - (255 / 256) ** 256), 9);
    expect(expectedUsedUniform(8192, 1e9)).toBeCloseTo(8192, 9);
  });
});
