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
// Manifest checking and quantizer specs work from bytes too: the main entry exports them.
export { readManifestFile } from './tokenizer/manifest-file.js';
export { loadManifestQuantizer } from './tokenizer/manifest-quantizer.js';
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
