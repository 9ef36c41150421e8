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
  /** 'insufficient-data': no level had `minSamples` indices, so nothing could be judged. */
  status: 'healthy' | 'warning' | 'collapsed' | 'insufficient-data';
  alarms: Alarm[];
  /** Levels left unjudged for having fewer than `minSamples` indices. */
  insufficient?: number[];
}

/**
 * Alarm thresholds; each pair is [warning, critical]. The defaults were chosen on the cases in
 * docs/diagnostics.md ("Collapse verdict"): no alarm for uniform, Dirichlet and Zipf (s ≤ 1.2)
 * usage at 1–16 samples per code, nor for the default image tokenizer on any of its sample images
 * (mostly-black astronomy and retina scans included); always one for few codes, dead and stuck levels.
 */
export interface CollapseThresholds {
  /**
   * Utilization against chance: used / E[used] of a uniform codebook at the same sample size
   * (K · (1 − (1 − 1/K)^N), → K for N ≫ K), below these. Default [0.1, 0.03].
   */
  utilization?: [number, number];
  /**
   * Perplexity on a log scale against the same count: log(perplexity) / log(E[used]) (1 uniform,
   * 0 one code), below these. Log scale because heavy-tailed (Zipf-like) usage has a perplexity
   * far below K that grows with K, which a linear ratio would call collapse. Default [0.3, 0.15].
   */
  logPerplexity?: [number, number];
  /** Top-1 share at or above this marks a level stuck on one code (critical). Default 0.9. */
  stuckShare?: number;
  /** Growth in dead codes between reports, as a fraction of K, at or above these. Default [0.05, 0.25]. */
  deadGrowth?: [number, number];
  /** Levels with fewer indices than this are not judged (a 1×1 image proves nothing). Default 256. */
  minSamples?: number;
}

/** The number of distinct codes N uniform draws from K codes show on average. */
export function expectedUsedUniform(K: number, N: number): number {
  // K · (1 − (1 − 1/K)^N), computed stably for large K and N.
  return -K * Math.expm1(N * Math.log1p(-1 / K));
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
 * (for dead-code growth). Any critical alarm → 'collapsed'; any warning → 'warning'; no level with
 * enough indices to judge → 'insufficient-data'.
 */
export function collapseVerdict(
  health: CodebookHealth | { perLevel: LevelStats[] },
  options: { previous?: CodebookHealth | { perLevel: LevelStats[] }; thresholds?: CollapseThresholds } = {},
): CollapseVerdict {
  const t = options.thresholds ?? {};
  const [uWarn, uCrit] = t.utilization ?? [0.1, 0.03];
  const [pWarn, pCrit] = t.logPerplexity ?? [0.3, 0.15];
  const stuck = t.stuckShare ?? 0.9;
  const [gWarn, gCrit] = t.deadGrowth ?? [0.05, 0.25];
  const minSamples = t.minSamples ?? 256;
  const alarms: Alarm[] = [];
  const insufficient: number[] = [];
  const prev = options.previous ? levelsOf(options.previous) : undefined;
  const alarm = (code: AlarmCode, s: LevelStats, value: number, pair: [number, number], message: string) => {
    const severity: Severity = value < pair[1] ? 'critical' : 'warning';
    alarms.push({ code, severity, level: s.level, value, threshold: pair[severity === 'critical' ? 1 : 0], message });
  };
  for (const s of levelsOf(health)) {
    const K = s.codebookSize;
    if (s.total < minSamples) {
      insufficient.push(s.level);
      continue;
    }
    const chance = expectedUsedUniform(K, s.total);
    const utilization = s.used / chance;
    if (utilization < uWarn) {
      alarm(
        'LOW_UTILIZATION',
        s,
        utilization,
        [uWarn, uCrit],
        `level ${s.level} uses ${s.used} of ${K} codes, ${pct(utilization)} of the ${chance.toFixed(0)} that ${s.total} uniform draws would show; ${FIXES}`,
      );
    }
    const logPerplexity = chance > 1 ? Math.log(s.perplexity) / Math.log(chance) : 1;
    if (logPerplexity < pWarn) {
      alarm(
        'LOW_PERPLEXITY',
        s,
        logPerplexity,
        [pWarn, pCrit],
        `level ${s.level} perplexity ${s.perplexity.toFixed(1)} of K=${K} (log ratio ${logPerplexity.toFixed(2)}): usage is concentrated on few codes; ${FIXES}`,
      );
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
    if (before && before.total >= minSamples) {
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
  const judged = levelsOf(health).length - insufficient.length;
  const status: CollapseVerdict['status'] = alarms.some((a) => a.severity === 'critical')
    ? 'collapsed'
    : alarms.length
      ? 'warning'
      : judged === 0
        ? 'insufficient-data'
        : 'healthy';
  return insufficient.length ? { status, alarms, insufficient } : { status, alarms };
}
