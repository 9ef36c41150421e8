import { MmtokError } from '@mmtok/core';
import type { CodebookHealth } from './codebook-stats.js';
import { type CollapseThresholds, type CollapseVerdict, collapseVerdict } from './collapse.js';
import type { RateFigures } from './rate.js';
import { REPORT_SCHEMA_VERSION, reportJsonSchema } from './report-schema.js';

export type MetricValue = number | null;

export interface TokenizerIdentity {
  name: string;
  version?: string;
  /** Content hash of the tokenizer (manifest + weights). */
  hash?: string;
  modality?: 'image' | 'audio' | 'video' | 'other';
  quantizer?: { type: string; codebookSize: number; levels: number; [key: string]: unknown };
}

export interface DataSummary {
  name?: string;
  description?: string;
  items: number;
  tokens?: number;
  durationSeconds?: number;
  sampleRate?: number;
  frameRate?: number;
}

/** A clip shown with an item (audio players, images): embedded, or a file beside the report. */
export interface ItemMedia {
  /** e.g. 'original', 'reconstruction'. */
  label: string;
  /** e.g. 'audio/wav', 'image/png'. */
  mime: string;
  /**
   * `data:<mime>;base64,…` (self-contained; the only form the HTML report renders), or a path
   * relative to the report file (served by `mmtok dashboard`, which reads it from disk).
   */
  src: string;
  /** For a still of a video: the frame it shows (0-based), so original and reconstruction pair up. */
  frame?: number;
}

/** mean/min/max/std of a per-frame metric; null where not finite (e.g. PSNR of identical frames). */
export interface FrameSummary {
  mean: MetricValue;
  min: MetricValue;
  max: MetricValue;
  std: MetricValue;
}

/** Per-frame quality of one video item (from `videoMetrics`, via `videoReportItem`). */
export interface VideoItemSummary {
  frames: number;
  /** The constant rate the frames were compared at. */
  fps?: number;
  psnr: FrameSummary;
  ssim?: FrameSummary;
  /** Temporal flicker (see `videoMetrics`); null for a one-frame video. */
  flicker: MetricValue;
  /** Lowest-quality frames first. */
  worstFrames: { frame: number; psnr: MetricValue; ssim?: MetricValue }[];
}

export interface ItemMetrics {
  id: string;
  values: Record<string, MetricValue>;
  media?: ItemMedia[];
  /** Video items: per-frame summaries and worst frames. */
  video?: VideoItemSummary;
}

export interface AggregateMetric {
  /** Items with a finite value (the rest are counted in nonFinite). */
  count: number;
  nonFinite?: number;
  mean: MetricValue;
  min: MetricValue;
  max: MetricValue;
  std: MetricValue;
}

export interface MetricsSection {
  /** The metric that orders items worst-first. */
  primary?: string;
  higherIsBetter: Record<string, boolean>;
  items: ItemMetrics[];
  aggregate: Record<string, AggregateMetric>;
}

export interface HistoryEntry {
  step: number;
  values: Record<string, MetricValue>;
}

export interface DiagnosticsReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generator?: string;
  createdAt?: string;
  tokenizer: TokenizerIdentity;
  data: DataSummary;
  rate?: RateFigures;
  codebook?: CodebookHealth;
  verdict?: CollapseVerdict;
  metrics?: MetricsSection;
  history?: HistoryEntry[];
}

/** Direction of the metrics this package computes; others can be given in `higherIsBetter`. */
export const METRIC_DIRECTIONS: Readonly<Record<string, boolean>> = {
  psnr: true,
  ssim: true,
  psnrMin: true,
  ssimMin: true,
  msSsim: true,
  snr: true,
  siSdr: true,
  mse: false,
  logMelDistance: false,
  multiResolutionStftDistance: false,
  flicker: false,
  lpips: false,
  fid: false,
  featureDistance: false,
};

export interface CreateReportInput {
  tokenizer: TokenizerIdentity;
  data: DataSummary;
  rate?: RateFigures;
  codebook?: CodebookHealth;
  /** Per-item metric values; non-finite numbers are stored as null. */
  items?: { id: string; values: Record<string, number | null>; media?: ItemMedia[]; video?: VideoItemSummary }[];
  higherIsBetter?: Record<string, boolean>;
  primaryMetric?: string;
  history?: { step: number; values: Record<string, number | null> }[];
  /** An earlier report of the same tokenizer, for dead-code growth alarms. */
  previous?: DiagnosticsReport;
  thresholds?: CollapseThresholds;
  createdAt?: string;
}

function finiteOrNull(v: number | null | undefined): MetricValue {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function cleanValues(values: Record<string, number | null>): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const [k, v] of Object.entries(values)) out[k] = finiteOrNull(v);
  return out;
}

function cleanSummary(s: FrameSummary): FrameSummary {
  return { mean: finiteOrNull(s.mean), min: finiteOrNull(s.min), max: finiteOrNull(s.max), std: finiteOrNull(s.std) };
}

function cleanVideo(v: VideoItemSummary): VideoItemSummary {
  return {
    frames: v.frames,
    ...(v.fps !== undefined ? { fps: v.fps } : {}),
    psnr: cleanSummary(v.psnr),
    ...(v.ssim ? { ssim: cleanSummary(v.ssim) } : {}),
    flicker: finiteOrNull(v.flicker),
    worstFrames: v.worstFrames.map((w) => ({
      frame: w.frame,
      psnr: finiteOrNull(w.psnr),
      ...(w.ssim !== undefined ? { ssim: finiteOrNull(w.ssim) } : {}),
    })),
  };
}

/** mean/min/max/std over the finite values of each metric. */
export function aggregateMetrics(
  items: readonly { values: Record<string, number | null> }[],
): Record<string, AggregateMetric> {
  const names = new Set<string>();
  for (const it of items) for (const k of Object.keys(it.values)) names.add(k);
  const out: Record<string, AggregateMetric> = {};
  for (const name of names) {
    const vals: number[] = [];
    let nonFinite = 0;
    for (const it of items) {
      const v = it.values[name];
      if (v === undefined) continue;
      if (typeof v === 'number' && Number.isFinite(v)) vals.push(v);
      else nonFinite++;
    }
    if (vals.length === 0) {
      out[name] = { count: 0, nonFinite, mean: null, min: null, max: null, std: null };
      continue;
    }
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const std = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    out[name] = { count: vals.length, mean, min: Math.min(...vals), max: Math.max(...vals), std };
    if (nonFinite) out[name].nonFinite = nonFinite;
  }
  return out;
}

/** Builds a report: cleans values, aggregates metrics, and judges collapse when codebook health is given. */
export function createReport(input: CreateReportInput): DiagnosticsReport {
  const report: DiagnosticsReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generator: '@mmtok/diagnostics 0.1.0',
    createdAt: input.createdAt ?? new Date().toISOString(),
    tokenizer: input.tokenizer,
    data: input.data,
  };
  if (input.rate) report.rate = input.rate;
  if (input.codebook) {
    report.codebook = input.codebook;
    report.verdict = collapseVerdict(input.codebook, {
      previous: input.previous?.codebook,
      thresholds: input.thresholds,
    });
  }
  if (input.items) {
    const items = input.items.map((it) => ({
      id: String(it.id),
      values: cleanValues(it.values),
      ...(it.media?.length
        ? {
            media: it.media.map((m) => ({
              label: m.label,
              mime: m.mime,
              src: m.src,
              ...(m.frame !== undefined ? { frame: m.frame } : {}),
            })),
          }
        : {}),
      ...(it.video ? { video: cleanVideo(it.video) } : {}),
    }));
    const aggregate = aggregateMetrics(items);
    const higherIsBetter: Record<string, boolean> = {};
    for (const name of Object.keys(aggregate)) {
      const dir = input.higherIsBetter?.[name] ?? METRIC_DIRECTIONS[name];
      if (dir !== undefined) higherIsBetter[name] = dir;
    }
    const primary = input.primaryMetric ?? Object.keys(aggregate).find((n) => n in higherIsBetter);
    report.metrics = { higherIsBetter, items, aggregate, ...(primary ? { primary } : {}) };
  }
  if (input.history) report.history = input.history.map((h) => ({ step: h.step, values: cleanValues(h.values) }));
  // Validate what we produce so a bad input fails here, not in the reader.
  return parseReport(JSON.parse(serializeReport(report)));
}

/** Items ordered worst-first by a metric (items without a value last). */
export function worstItems(report: DiagnosticsReport, metric?: string): ItemMetrics[] {
  const m = report.metrics;
  if (!m) return [];
  const name = metric ?? m.primary;
  if (!name) return [...m.items];
  const higher = m.higherIsBetter[name] ?? true;
  return [...m.items].sort((a, b) => {
    const va = a.values[name];
    const vb = b.values[name];
    if (va == null || vb == null) return (va == null ? 1 : 0) - (vb == null ? 1 : 0);
    return higher ? va - vb : vb - va;
  });
}

/** JSON text of a report; non-finite numbers become null. */
export function serializeReport(report: DiagnosticsReport, space = 2): string {
  return JSON.stringify(report, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), space);
}

// ---- validation against the published schema (the subset of JSON Schema it uses) ----

type Schema = Record<string, unknown>;

function resolve(s: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref === 'string') {
    const name = ref.replace('#/$defs/', '');
    return (reportJsonSchema.$defs as Record<string, Schema>)[name];
  }
  return s;
}

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'null':
      return v === null;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    default:
      return false;
  }
}

function validate(schema: Schema, v: unknown, path: string): string | undefined {
  const s = resolve(schema);
  if ('const' in s && v !== s.const) return `${path} must be ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.enum) && !s.enum.includes(v))
    return `${path} must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(t, v)))
      return `${path} must be ${types.join(' or ')}, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`;
  }
  if (typeof s.minimum === 'number' && typeof v === 'number' && v < s.minimum)
    return `${path} must be ≥ ${s.minimum}, got ${v}`;
  if (Array.isArray(v) && s.items) {
    for (let i = 0; i < v.length; i++) {
      const e = validate(s.items as Schema, v[i], `${path}[${i}]`);
      if (e) return e;
    }
  }
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const r of (s.required as string[] | undefined) ?? []) {
      if (!(r in o)) return `${path}.${r} is missing`;
    }
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, val] of Object.entries(o)) {
      const sub =
        props[k] ?? (typeof s.additionalProperties === 'object' ? (s.additionalProperties as Schema) : undefined);
      if (!sub || val === undefined) continue;
      const e = validate(sub, val, `${path}.${k}`);
      if (e) return e;
    }
  }
  return undefined;
}

/**
 * Parses and validates a report (JSON text or an already-parsed object). A report of another
 * schemaVersion throws MMTOK_REPORT_VERSION; anything malformed throws MMTOK_REPORT_INVALID
 * naming the first bad field.
 */
export function parseReport(json: unknown): DiagnosticsReport {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw new MmtokError('MMTOK_REPORT_INVALID', `report is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MmtokError('MMTOK_REPORT_INVALID', 'report must be a JSON object');
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined)
    throw new MmtokError('MMTOK_REPORT_INVALID', 'report has no schemaVersion; is this an mmtok diagnostics report?');
  if (version !== REPORT_SCHEMA_VERSION) {
    const newer = typeof version === 'number' && version > REPORT_SCHEMA_VERSION;
    throw new MmtokError(
      'MMTOK_REPORT_VERSION',
      `report schemaVersion ${JSON.stringify(version)} is not supported (this reader understands ${REPORT_SCHEMA_VERSION}); ` +
        (newer ? 'upgrade @mmtok/diagnostics' : 're-generate the report with this version'),
      { got: version, supported: REPORT_SCHEMA_VERSION },
    );
  }
  const error = validate(reportJsonSchema as unknown as Schema, value, 'report');
  if (error) throw new MmtokError('MMTOK_REPORT_INVALID', error);
  return value as DiagnosticsReport;
}
