export { type BuiltinTokenizer, listTokenizers } from './default.js';
export {
  type AlphaPolicy,
  DEFAULT_MAX_PIXELS,
  encodeImage,
  type ImageInfo,
  probeImage,
  type ReadImageOptions,
  readImage,
  sharpThreads,
  type WriteImageOptions,
  writeImage,
} from './io.js';
export { LinearPatchTransform } from './linear-tokenizer.js';
export { loadTokenizer, readManifest } from './load-tokenizer.js';
export {
  type InverseDecoderSpec,
  type LinearPatchEncoderSpec,
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  manifestFiles,
  type OnnxDecoderSpec,
  type OnnxEncoderSpec,
  type PreprocessingSpec,
  type QuantizerSpec,
  type TokenAxis,
  type TokenizerManifest,
  validateManifest,
} from './manifest.js';
export { ceilTo, cropTensor, type PadMode, type Patches, padToMultiple, patchify, unpatchify } from './patches.js';
export {
  applyResize,
  cropImage,
  denormalize,
  type Geometry,
  type Normalization,
  normalize,
  type Rect,
  type ResizePolicy,
  resizeImage,
  undoResize,
} from './preprocess.js';
export {
  type FeatureImageEncoderSpec,
  type ImageFeatureModelFacts,
  type ImageFeaturePreprocessing,
  imageFeatures,
  isSemanticImageSpec,
  type LoadSemanticImageOptions,
  loadSemanticImageTokenizer,
  preprocessForFeatures,
  readImageFeatureModel,
  type SemanticImageManifest,
  SemanticImageTokenizer,
  validateSemanticImageManifest,
} from './semantic.js';
export {
  type BatchEncoding,
  ImageTokenizer,
  type ImageTokenizerParts,
  type LoadTokenizerOptions,
} from './tokenizer.js';
export {
  type TrainableQuantizer,
  type TrainImageTokenizerOptions,
  type TrainImageTokenizerResult,
  trainImageTokenizer,
} from './train.js';
export {
  type TrainSemanticImageOptions,
  type TrainSemanticImageResult,
  trainSemanticImageTokenizer,
} from './train-semantic.js';
export type { ImageSource, ImageTensor, RgbImage, TokenizerIdentity, TokenSet } from './types.js';
