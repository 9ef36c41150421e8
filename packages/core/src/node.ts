/** Node-only entry: files on disk and the tokenizer infrastructure the modality packages share. */
export { expandBraces } from './brace-expansion.js';
export { loadQuantizer, readTokenFile, saveQuantizer, writeFileAtomic, writeTokenFile } from './io/files.js';
export { killOnInterrupt, onInterrupt, removeOnInterrupt } from './io/interrupt.js';
export { type BuiltinTokenizerEntry, builtinRegistry, locateManifest } from './tokenizer/builtins.js';
export {
  checkFeatureEncoder,
  FEATURE_ENCODER_KEYS,
  type FeatureEncoderSpec,
  featureEncoderFiles,
  loadFeatureProjection,
  noDecoderError,
  OnnxFeatureModel,
  readModelJson,
  type SemanticTokenizerFiles,
  writeSemanticTokenizer,
} from './tokenizer/feature-encoder.js';
export { canonicalJson, tokenizerIdentity } from './tokenizer/identity.js';
export {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  MAX_MANIFEST_FRAME_PIXELS,
  ManifestChecker,
  type ManifestHeader,
} from './tokenizer/manifest-checker.js';
export { type ManifestFile, readManifestFile } from './tokenizer/manifest-file.js';
export {
  type LoadManifestQuantizerOptions,
  loadManifestQuantizer,
  type ManifestQuantizerSpec,
} from './tokenizer/manifest-quantizer.js';
export {
  createOnnxSession,
  describeOnnxValue,
  type OnnxFeed,
  OnnxRoleModel,
  type OnnxRuntime,
  type OnnxTensorExpectation,
  onnxRuntime,
} from './tokenizer/onnx-session.js';
export { checkTokenIdentity } from './tokenizer/token-identity.js';
export { writeManifestJson, writeTrainedTokenizer } from './tokenizer/trained-files.js';
