import type { CodebookHealth, LevelStats } from './codebook-stats.js';

export type AlarmCode = 'LOW_UTILIZATION' | 'LOW_PERPLEXITY' | 'STUCK_LEVEL' | 'DEAD_CODE_GROWTH';
export type Severity = 'warning' | 'critical';

export interface Alarm {
  code: AlarmCode;
  severity: Severity;
  level: number;
  value: number;
  threshold: number;
  /** What was seen and what to try, in a sentence or two. */
  message: string;
}

export interface CollapseVerdict {
  status: 'healthy' | 'warning' | 'collapsed';
  alarms: Alarm[];
}

/** Alarm thresholds; each pair is [warning, critical]. */
export interface CollapseThresholds {
  /** Utilization (used / K) below these. Default [0.5, 0.1]. */
  utilization?: [number, number];
  /** Perplexity / K below these. Default [0.2, 0.02]. */
  perplexityRatio?: [number, number];
  /** Top-1 share at or above this marks a level stuck on one code (critical). Default 0.9. */
  stuckShare?: number;
  /** Growth in dead codes between reports, as a fraction of K, at or above these. Default [0.05, 0.25]. */
  deadGrowth?: [number, number];
}

const FIXES =
  'try k-means initialisation, dead-code restart, a lower learning rate or commitment weight, or a smaller codebook';

function levelsOf(h: CodebookHealth | { perLevel: LevelStats[] }): LevelStats[] {
  return h.perLevel;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/**
 * Judges codebook collapse from health numbers, optionally against an earlier report's health
 * (for dead-code growth). Any critical alarm → 'collapsed'; any warning → 'warning'.
 */
export function collapseVerdict(
  health: CodebookHealth | { perLevel: LevelStats[] },
  options: { previous?: CodebookHealth | { perLevel: LevelStats[] }; thresholds?: CollapseThresholds } = {},
): CollapseVerdict {
  const t = options.thresholds ?? {};
  const [uWarn, uCrit] = t.utilization ?? [0.5, 0.1];
  const [pWarn, pCrit] = t.perplexityRatio ?? [0.2, 0.02];
  const stuck = t.stuckShare ?? 0.9;
  const [gWarn, gCrit] = t.deadGrowth ?? [0.05, 0.25];
  const alarms: Alarm[] = [];
  const prev = options.previous ? levelsOf(options.previous) : undefined;
  for (const s of levelsOf(health)) {
    const K = s.codebookSize;
    if (s.utilization < uWarn) {
      const severity: Severity = s.utilization < uCrit ? 'critical' : 'warning';
      alarms.push({
        code: 'LOW_UTILIZATION',
        severity,
        level: s.level,
        value: s.utilization,
        threshold: severity === 'critical' ? uCrit : uWarn,
        message: `level ${s.level} uses ${s.used} of ${K} codes (${pct(s.utilization)}); ${FIXES}`,
      });
    }
    const ratio = s.perplexity / K;
    if (ratio < pWarn) {
      const severity: Severity = ratio < pCrit ? 'critical' : 'warning';
      alarms.push({
        code: 'LOW_PERPLEXITY',
        severity,
        level: s.level,
        value: ratio,
        threshold: severity === 'critical' ? pCrit : pWarn,
        message: `level ${s.level} perplexity ${s.perplexity.toFixed(1)} is ${pct(ratio)} of K=${K}: usage is concentrated on few codes; ${FIXES}`,
      });
    }
    const top1 = s.topKShare.find((x) => x.k === 1)?.share ?? (s.used === 1 ? 1 : 0);
    if (s.used === 1 || top1 >= stuck) {
      alarms.push({
        code: 'STUCK_LEVEL',
        severity: 'critical',
        level: s.level,
        value: top1,
        threshold: stuck,
        message: `level ${s.level} puts ${pct(top1)} of its indices on one code: the level carries almost no information; check its input scale and ${FIXES}`,
      });
    }
    const before = prev?.find((p) => p.level === s.level && p.codebookSize === K);
    if (before) {
      const growth = (s.dead.count - before.dead.count) / K;
      if (growth >= gWarn) {
        const severity: Severity = growth >= gCrit ? 'critical' : 'warning';
        alarms.push({
          code: 'DEAD_CODE_GROWTH',
          severity,
          level: s.level,
          value: growth,
          threshold: severity === 'critical' ? gCrit : gWarn,
          message: `level ${s.level} dead codes grew from ${before.dead.count} to ${s.dead.count} (+${pct(growth)} of K) since the previous report; enable dead-code restart or lower the learning rate`,
        });
      }
    }
  }
  const status = alarms.some((a) => a.severity === 'critical') ? 'collapsed' : alarms.length ? 'warning' : 'healthy';
  return { status, alarms };
}
