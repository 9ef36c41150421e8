/** Codebook health of a quantizer over rows, as semantic-tokenizer training reports it. */
import { createQuantizer } from '@mmtok/core';
import { describe, expect, it } from 'vitest';
import { healthSummary, quantizerUsage } from '../src/index.js';

describe('quantizerUsage', () => {
  it('encodes the rows and counts codes per level (hand-computed)', async () => {
    // Codes at (0,0), (10,10), (-10,0); three rows near the first, one near the second, none near the third.
    const q = await createQuantizer(
      { type: 'vq', dim: 2, codebookSize: 3, codebook: Float32Array.from([0, 0, 10, 10, -10, 0]) },
      { backend: 'js' },
    );
    const rows = Float32Array.from([1, 1, -1, 0.5, 0.2, -2, 9, 9.5]);
    const h = await quantizerUsage(q, rows, 4, 'js');
    expect(h.rows).toBe(4);
    const l = h.perLevel[0];
    expect(l.counts).toEqual([3, 1, 0]);
    expect(l.used).toBe(2);
    expect(l.dead.ids).toEqual([2]);
    // H = −(¾·log2 ¾ + ¼·log2 ¼) = 0.8113 bits; perplexity 2^H.
    expect(l.perplexity).toBeCloseTo(2 ** 0.811278, 5);
    expect(healthSummary(h)).toEqual({
      utilization: [Number((2 / 3).toFixed(6))],
      perplexity: [Number(l.perplexity.toFixed(4))],
      deadCodes: [1],
    });
  });

  it('counts every residual level of an rvq', async () => {
    const q = await createQuantizer(
      {
        type: 'rvq',
        dim: 1,
        codebookSize: 2,
        numQuantizers: 2,
        codebooks: [Float32Array.from([0, 10]), Float32Array.from([-1, 1])],
      },
      { backend: 'js' },
    );
    // 9 → code 1 (10), residual −1 → code 0; 1.5 → code 0 (0), residual 1.5 → code 1.
    const h = await quantizerUsage(q, Float32Array.from([9, 1.5]), 2, 'js');
    expect(h.perLevel.map((l) => l.counts)).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(healthSummary(h).deadCodes).toEqual([0, 0]);
  });
});
