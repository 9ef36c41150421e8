import type { AnyQuantizer } from '@mmtok/core';
import { CodebookAccumulator, type CodebookHealth } from './codebook-stats.js';

/**
 * Codebook health of a quantizer over feature rows [total, dim]: each row encoded, the codes
 * counted per level (e.g. a freshly fitted k-means codebook over its own training rows).
 */
export async function quantizerUsage(
  q: AnyQuantizer,
  rows: Float32Array,
  total: number,
  backend?: string,
): Promise<CodebookHealth> {
  const idx = await q.encode({ data: rows, shape: [total, q.dim] }, { backend });
  const L = q.numQuantizers;
  return new CodebookAccumulator({ codebookSize: q.codebookSize, levels: L })
    .update({ data: idx.data, shape: L === 1 ? [total] : [total, L] })
    .stats();
}

/** Per-level utilization, perplexity and dead-code count: the short form a manifest's metadata keeps. */
export function healthSummary(h: CodebookHealth): { utilization: number[]; perplexity: number[]; deadCodes: number[] } {
  return {
    utilization: h.perLevel.map((l) => Number(l.utilization.toFixed(6))),
    perplexity: h.perLevel.map((l) => Number(l.perplexity.toFixed(4))),
    deadCodes: h.perLevel.map((l) => l.dead.count),
  };
}
