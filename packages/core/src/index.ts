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
export { BackendRegistry, type BackendStatus } from './backends/registry.js';
export * from './config.js';
export { type AnyQuantizer, type CreateOptions, createQuantizer, groupedConfig } from './create.js';
export { isMmtokError, MmtokError, type MmtokErrorCode } from './errors.js';
export {
  CODEBOOK_FORMAT,
  CODEBOOK_FORMAT_VERSION,
  type DeserializeOptions,
  deserializeQuantizer,
  serializeQuantizer,
  trainedConfig,
} from './io/codebook-file.js';
export { decodeSafetensors, encodeSafetensors, type StoredTensor } from './io/safetensors.js';
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
