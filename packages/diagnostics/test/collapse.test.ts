import { describe, expect, it } from 'vitest';
import { codebookStats, collapseVerdict } from '../src/index.js';

describe('collapse verdict', () => {
  const K = 256;
  it('healthy for near-uniform usage', () => {
    const idx = Int32Array.from({ length: 20_000 }, () => Math.floor(Math.random() * K));
    expect(collapseVerdict(codebookStats(idx, { codebookSize: K }))).toEqual({ status: 'healthy', alarms: [] });
  });

  it('a level stuck on one code is collapsed, with explained alarms', () => {
    const data = new Int32Array(2000);
    for (let i = 0; i < 1000; i++) {
      data[2 * i] = i % K;
      data[2 * i + 1] = 3;
    }
    const v = collapseVerdict(codebookStats({ data, shape: [1000, 2] }, { codebookSize: K, levels: 2 }));
    expect(v.status).toBe('collapsed');
    const codes = v.alarms.filter((a) => a.level === 1).map((a) => a.code);
    expect(codes).toEqual(expect.arrayContaining(['LOW_UTILIZATION', 'LOW_PERPLEXITY', 'STUCK_LEVEL']));
    expect(v.alarms.filter((a) => a.level === 0)).toEqual([]);
    for (const a of v.alarms) expect(a.message).toMatch(/level 1/);
  });

  it('low utilization alone is a warning', () => {
    // 20 of 256 codes: 8 % of what 10,000 uniform draws show (warning below 10 %), perplexity fine.
    const idx = Int32Array.from({ length: 10_000 }, () => Math.floor(Math.random() * 20));
    const v = collapseVerdict(codebookStats(idx, { codebookSize: K }));
    expect(v.status).toBe('warning');
    expect(v.alarms.map((a) => a.code)).toEqual(['LOW_UTILIZATION']);
  });

  it('dead-code growth between two reports', () => {
    const before = codebookStats(
      Int32Array.from({ length: 20_000 }, () => Math.floor(Math.random() * K)),
      { codebookSize: K },
    );
    const after = codebookStats(
      Int32Array.from({ length: 20_000 }, () => Math.floor(Math.random() * 180)),
      { codebookSize: K },
    );
    const v = collapseVerdict(after, { previous: before });
    const growth = v.alarms.find((a) => a.code === 'DEAD_CODE_GROWTH');
    expect(growth?.severity).toBe('critical');
    expect(growth?.value).toBeCloseTo(76 / K, 12);
    expect(collapseVerdict(after).alarms.find((a) => a.code === 'DEAD_CODE_GROWTH')).toBeUndefined();
  });
});
