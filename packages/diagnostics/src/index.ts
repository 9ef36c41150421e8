export {
  DAC_N_MELS,
  DAC_WINDOW_LENGTHS,
  logMelDistance,
  type MelDistanceOptions,
  type MultiResolutionOptions,
  multiResolutionStftDistance,
  siSdr,
  snr,
} from './audio-metrics.js';
export {
  type AccumulatorOptions,
  CodebookAccumulator,
  type CodebookHealth,
  type CodeStructure,
  codebookStats,
  type DeadThreshold,
  type FsqDimensionStats,
  fsqDimensionStats,
  type JointStats,
  type LevelStats,
  type LfqBitStats,
  lfqBitStats,
  type StatsOptions,
  usageStats,
} from './codebook-stats.js';
export {
  type Alarm,
  type AlarmCode,
  type CollapseThresholds,
  type CollapseVerdict,
  collapseVerdict,
  expectedUsedUniform,
  type Severity,
} from './collapse.js';
export { Fft, hannWindow, type Spectrogram, type StftOptions, stftMagnitude } from './fft.js';
export { escapeHtml, type HtmlOptions, renderReportHtml } from './html.js';
export {
  gaussianKernel,
  MS_SSIM_WEIGHTS,
  type MsSsimOptions,
  mse,
  msSsim,
  psnr,
  type RangeOptions,
  type SsimOptions,
  ssim,
} from './image-metrics.js';
export type { SignalInput } from './input.js';
export {
  featureDistance,
  frechetDistance,
  type ImageFeatureFn,
  type OnnxImageOptions,
  type OnnxSessionLike,
  type OnnxTensorFactory,
  onnxFeatureExtractor,
  onnxPairDistance,
} from './learned.js';
export { hzToMel, type MelOptions, melFilterbank, melToHz } from './mel.js';
export { healthSummary, quantizerUsage } from './quantizer-usage.js';
export { bitrate, type RateFigures, type RateOptions, rateFigures } from './rate.js';
export {
  type AggregateMetric,
  aggregateMetrics,
  type CreateReportInput,
  createReport,
  type DataSummary,
  type DiagnosticsReport,
  type FrameSummary,
  type HistoryEntry,
  type ItemMedia,
  type ItemMetrics,
  METRIC_DIRECTIONS,
  type MetricsSection,
  type MetricValue,
  parseReport,
  serializeReport,
  type TokenizerIdentity,
  type VideoItemSummary,
  worstItems,
} from './report.js';
export { REPORT_SCHEMA_VERSION, reportJsonSchema } from './report-schema.js';
export {
  type Summary,
  summarize,
  type VideoMetrics,
  VideoMetricsAccumulator,
  type VideoMetricsOptions,
  videoMetrics,
  videoReportItem,
} from './video-metrics.js';
