export type { Backend, BackendProvider } from './backends/backend.js';
export { defaultRegistry } from './backends/default.js';
export { jsBackend } from './backends/js/index.js';
export {
  type Kernel,
  type Metric,
  OP_NAMES,
  type OpInput,
  type OpName,
  type OpOutput,
  type OpTypes,
} from './backends/ops.js';
export { createOrtProvider, type OrtBackendOptions, type OrtExecutionProvider } from './backends/ort/index.js';
export { BackendRegistry, type BackendStatus } from './backends/registry.js';
export { createWasmProvider, type WasmProviderOptions } from './backends/wasm/index.js';
export { createWebgpuProvider, WebgpuBackend, type WebgpuProviderOptions } from './backends/webgpu/index.js';
export * from './config.js';
export { type AnyQuantizer, type CreateOptions, createQuantizer, groupedConfig } from './create.js';
export { isMmtokError, MmtokError, type MmtokErrorCode } from './errors.js';
export { crc32, sha256Hex } from './io/checksum.js';
export {
  CODEBOOK_FORMAT,
  CODEBOOK_FORMAT_VERSION,
  type DeserializeOptions,
  deserializeQuantizer,
  serializeQuantizer,
  trainedConfig,
} from './io/codebook-file.js';
export { decodeSafetensors, encodeSafetensors, type StoredTensor } from './io/safetensors.js';
export {
  chooseTokenDtype,
  decodeTokenFile,
  encodeTokenFile,
  TOKEN_FILE_MAGIC,
  TOKEN_FILE_VERSION,
  type TokenDtype,
  type TokenFile,
  type TokenFileHeader,
  type TokenFileInput,
  type TokenFileRegion,
  type TokenizerIdentity,
  type TokenModality,
  type TokenSource,
  type TokenTrack,
  type TokenTrackHeader,
  type TokenTrackInput,
} from './io/token-file.js';
export { FiniteScalarQuantizer } from './quantizers/fsq.js';
export { GroupedQuantizer } from './quantizers/grouped.js';
export { LookupFreeQuantizer } from './quantizers/lfq.js';
export type { DecodeOptions, Encoded, Quantizer, RunOptions } from './quantizers/quantizer.js';
export { ResidualFiniteScalarQuantizer } from './quantizers/residual-fsq.js';
export { ResidualLookupFreeQuantizer } from './quantizers/residual-lfq.js';
export { ResidualVectorQuantizer } from './quantizers/rvq.js';
export { VectorQuantizer } from './quantizers/vq.js';
export { Random, randomNormal } from './random.js';
export { type Matrix, type TensorLike, toIndices, toMatrix } from './tensor.js';
export { onThreadBudget, setThreadBudget, threadBudget } from './threads.js';
export { canonicalJson, identityFromDigests } from './tokenizer/identity-hash.js';
export {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  MAX_MANIFEST_FRAME_PIXELS,
  ManifestChecker,
  type ManifestHeader,
} from './tokenizer/manifest-checker.js';
export type { ManifestFile } from './tokenizer/manifest-file.js';
export { openOnnxSession } from './tokenizer/onnx-session.js';
export {
  type LoadManifestQuantizerOptions,
  type ManifestQuantizerSpec,
  quantizerFromSpec,
} from './tokenizer/quantizer-spec.js';
export { checkTokenIdentity } from './tokenizer/token-identity.js';
export { EmaCodebook, type EmaCodebookOptions, type EmaUpdate } from './training/ema.js';
export {
  collectFeatureRows,
  FEATURE_PROJECTION_FORMAT,
  type FeatureCodebookChoices,
  type FeatureRows,
  type FitFeatureCodebookOptions,
  type FittedFeatureCodebook,
  fitFeatureCodebook,
  type TrainedFeatureCodebook,
  type TrainFeatureCodebookOptions,
  trainFeatureCodebook,
} from './training/feature-codebook.js';
export { type FitOptions, type FitProgress, type FittedConfig, fitQuantizer } from './training/fit.js';
export {
  type KmeansInit,
  type KmeansMethod,
  type KmeansOptions,
  type KmeansProgress,
  type KmeansResult,
  kmeans,
} from './training/kmeans.js';
export {
  checkTrainableQuantizer,
  concatRows,
  type FitLinearCodecOptions,
  fitLinearCodec,
  fitRowPca,
  gatherRows,
  type LinearTrainingProgress,
  sortedSample,
  type TrainableQuantizer,
  type TrainQuantizerOptions,
  trainCoefficientQuantizer,
  trainedQuantizerEntry,
} from './training/pca-quantizer.js';
export { LinearTransform, type LinearTransformTensors, type TransformRunOptions } from './transforms/linear.js';
export { fitPca, jacobiEigen, type Pca, type PcaOptions } from './transforms/pca.js';
