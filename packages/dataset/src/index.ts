export { type EncodeDatasetOptions, type EncodeDatasetResult, encodeDataset } from './encode.js';
export { type DatasetItem, listDatasetItems } from './inputs.js';
export { INDEX_FILE, PLAN_FILE } from './layout.js';
export type { DatasetPlan } from './plan.js';
export type { DatasetProgress, DatasetProgressCallback } from './progress.js';
export {
  type DatasetWorker,
  type RunDatasetWorkerOptions,
  runDatasetWorker,
} from './queue.js';
export { type DatasetSample, readDatasetSamples } from './reader.js';
export type { ItemFailure, ShardMarker } from './shard.js';
export { type DatasetIndex, type DatasetStatus, datasetStatus, type ShardFailure } from './status.js';
