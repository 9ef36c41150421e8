import { describe, expect, it } from 'vitest';
import { CodebookAccumulator, codebookStats, fsqDimensionStats, lfqBitStats, usageStats } from '../src/index.js';
import { errorCode } from './helpers.js';

function randomIndices(n: number, k: number): Int32Array {
  return Int32Array.from({ length: n }, () => Math.floor(Math.random() * k));
}

describe('usage statistics known answers', () => {
  it('uniform usage → perplexity K, normalized entropy 1, Gini 0, no dead codes', () => {
    const K = 64;
    const idx = Int32Array.from({ length: K * 7 }, (_, i) => i % K);
    const s = codebookStats(idx, { codebookSize: K }).perLevel[0];
    expect(s.perplexity).toBeCloseTo(K, 10);
    expect(s.entropyBits).toBeCloseTo(6, 12);
    expect(s.normalizedEntropy).toBeCloseTo(1, 12);
    expect(s.utilization).toBe(1);
    expect(s.gini).toBeCloseTo(0, 12);
    expect(s.dead.count).toBe(0);
    expect(s.topKShare).toEqual([
      { k: 1, share: 1 / K },
      { k: 10, share: 10 / K },
    ]);
  });

  it('one code → perplexity 1, Gini (K−1)/K, K−1 dead', () => {
    const K = 32;
    const s = codebookStats(new Int32Array(1000).fill(7), { codebookSize: K }).perLevel[0];
    expect(s.perplexity).toBe(1);
    expect(s.entropyBits).toBe(0);
    expect(s.used).toBe(1);
    expect(s.gini).toBeCloseTo((K - 1) / K, 12);
    expect(s.dead.count).toBe(K - 1);
    expect(s.dead.ids).not.toContain(7);
    expect(s.topKShare[0].share).toBe(1);
  });

  it('dead-code thresholds: absolute and relative to mean', () => {
    const counts = [0, 1, 2, 10, 87];
    // mean = 100 / 5 = 20
    expect(usageStats(counts, { dead: { absolute: 1 } }).dead.ids).toEqual([0, 1]);
    expect(usageStats(counts, { dead: { relativeToMean: 0.5 } }).dead.ids).toEqual([0, 1, 2]); // 10 < 10 is false
    expect(usageStats(counts, { dead: { relativeToMean: 0.6 } }).dead.ids).toEqual([0, 1, 2, 3]);
    expect(usageStats(counts, { dead: { absolute: 1 }, maxDeadIds: 1 }).dead).toMatchObject({
      count: 2,
      ids: [0],
      idsTruncated: true,
    });
  });

  it('perplexity lies in [1, used] and equals 2^H for random usage', () => {
    const K = 100;
    const s = codebookStats(randomIndices(5000, 50), { codebookSize: K }).perLevel[0];
    expect(s.perplexity).toBeGreaterThanOrEqual(1);
    expect(s.perplexity).toBeLessThanOrEqual(s.used);
    const c = s.counts!;
    let h = 0;
    for (const v of c) if (v > 0) h -= (v / 5000) * Math.log(v / 5000);
    expect(s.perplexity).toBeCloseTo(Math.exp(h), 9);
  });
});

describe('CodebookAccumulator', () => {
  it('merged accumulators equal one accumulator over all data (per level and joint)', () => {
    const K = 50;
    const L = 3;
    const n1 = 700;
    const n2 = 1300;
    const a = randomIndices(n1 * L, K);
    const b = randomIndices(n2 * L, K);
    const all = new Int32Array([...a, ...b]);
    const one = new CodebookAccumulator({ codebookSize: K, levels: L }).update({ data: all, shape: [n1 + n2, L] });
    const p = new CodebookAccumulator({ codebookSize: K, levels: L }).update({ data: a, shape: [n1, L] });
    const q = new CodebookAccumulator({ codebookSize: K, levels: L });
    // Stream q in two batches too.
    q.update({ data: b.subarray(0, 500 * L), shape: [500, L] }).update({
      data: b.subarray(500 * L),
      shape: [n2 - 500, L],
    });
    const merged = CodebookAccumulator.merged(p, q);
    expect(merged.stats()).toEqual(one.stats());
    expect(p.rows).toBe(n1); // merged() leaves its inputs alone
    expect(p.merge(q).stats()).toEqual(one.stats());
  });

  it('joint statistics: identical levels have the joint entropy of one level', () => {
    const K = 16;
    const n = 4000;
    const col = randomIndices(n, K);
    const data = new Int32Array(n * 2);
    for (let i = 0; i < n; i++) data[2 * i] = data[2 * i + 1] = col[i];
    const h = codebookStats({ data, shape: [n, 2] }, { codebookSize: K, levels: 2 });
    expect(h.joint!.entropyBits).toBeCloseTo(h.perLevel[0].entropyBits, 12);
    expect(h.joint!.distinct).toBe(h.perLevel[0].used);
  });

  it('dropped levels (−1) are skipped when allowed', () => {
    const acc = new CodebookAccumulator({ codebookSize: 4, levels: 2, allowDropped: true });
    acc.update({ data: [0, 1, 2, -1, 3, -1], shape: [3, 2] });
    const s = acc.stats();
    expect(s.perLevel[0].total).toBe(3);
    expect(s.perLevel[1].total).toBe(1);
    expect(s.joint!.distinct).toBe(3);
  });

  it('bad input gives stable codes and leaves counts unchanged', () => {
    const acc = new CodebookAccumulator({ codebookSize: 8 });
    acc.update([1, 2, 3]);
    expect(errorCode(() => acc.update([1, 8]))).toBe('MMTOK_INDEX_RANGE');
    expect(errorCode(() => acc.update([1, -1]))).toBe('MMTOK_INDEX_RANGE');
    expect(errorCode(() => acc.update([1.5]))).toBe('MMTOK_INDEX_RANGE');
    expect(errorCode(() => acc.update([Number.NaN]))).toBe('MMTOK_NONFINITE');
    expect(errorCode(() => acc.update([]))).toBe('MMTOK_EMPTY');
    expect(errorCode(() => acc.update({ data: [1, 2], shape: [1, 2] }))).toBe('MMTOK_SHAPE');
    expect(acc.rows).toBe(3);
    expect(acc.stats().perLevel[0].total).toBe(3);
    expect(errorCode(() => new CodebookAccumulator({ codebookSize: 8 }).stats())).toBe('MMTOK_EMPTY');
    expect(errorCode(() => acc.merge(new CodebookAccumulator({ codebookSize: 9 })))).toBe('MMTOK_MISMATCH');
    expect(errorCode(() => new CodebookAccumulator({ codebookSize: 0 }))).toBe('MMTOK_CONFIG');
    expect(errorCode(() => usageStats([0, 0]))).toBe('MMTOK_EMPTY');
    expect(errorCode(() => usageStats([1, Number.NaN]))).toBe('MMTOK_NONFINITE');
    expect(
      errorCode(() => new CodebookAccumulator({ codebookSize: 10, structure: { type: 'fsq', levels: [3, 3] } })),
    ).toBe('MMTOK_CONFIG');
  });
});

describe('FSQ and LFQ per-dimension statistics', () => {
  it('FSQ occupancy: first dimension least significant', () => {
    const levels = [3, 5];
    // code = d0 + 3·d1; use d0 = 2 always and d1 ∈ {0, 4}.
    const counts = new Array(15).fill(0);
    counts[2 + 3 * 0] = 30;
    counts[2 + 3 * 4] = 10;
    const [d0, d1] = fsqDimensionStats(counts, levels);
    expect(d0.occupancy).toEqual([0, 0, 1]);
    expect(d0.utilization).toBeCloseTo(1 / 3, 12);
    expect(d0.entropyBits).toBe(0);
    expect(d1.occupancy).toEqual([0.75, 0, 0, 0, 0.25]);
  });

  it('FSQ uniform codes → uniform occupancy per dimension', () => {
    const levels = [8, 5, 5];
    const s = codebookStats(randomIndices(1000, 200), { codebookSize: 200, structure: { type: 'fsq', levels } })
      .perLevel[0];
    expect(s.fsq!.length).toBe(3);
    for (const d of s.fsq!) expect(d.occupancy.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const all = fsqDimensionStats(new Array(200).fill(1), levels);
    for (const d of all) expect(d.normalizedEntropy).toBeCloseTo(1, 12);
  });

  it('LFQ: first dimension is the most significant bit; duplicated bits correlate 1', () => {
    // bits = 3; codes 0b100 (4) and 0b011 (3) equally: bit0 anti-correlates with bits 1, 2.
    const counts = new Array(8).fill(0);
    counts[4] = 5;
    counts[3] = 5;
    const s = lfqBitStats(counts, 3);
    expect(s.balance).toEqual([0.5, 0.5, 0.5]);
    expect(s.correlation[0][1]).toBeCloseTo(-1, 12);
    expect(s.correlation[1][2]).toBeCloseTo(1, 12);
    expect(s.meanAbsCorrelation).toBeCloseTo(1, 12);
    const stuck = new Array(8).fill(0);
    stuck[4] = 3;
    stuck[5] = 1;
    const t = lfqBitStats(stuck, 3);
    expect(t.balance).toEqual([1, 0, 0.25]);
    expect(t.correlation[0][2]).toBeNull();
  });

  it('LFQ random codes are near balance and uncorrelated', () => {
    const s = codebookStats(randomIndices(200_000, 1024), { codebookSize: 1024, structure: { type: 'lfq', bits: 10 } })
      .perLevel[0];
    for (const p of s.lfq!.balance) expect(Math.abs(p - 0.5)).toBeLessThan(0.01);
    expect(s.lfq!.meanAbsCorrelation).toBeLessThan(0.01);
  });
});
