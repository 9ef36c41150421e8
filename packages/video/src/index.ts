export type { GridCodes, VideoGroupCodec } from './codec.js';
export { type BuiltinVideoTokenizer, listVideoTokenizers } from './default.js';
export { type FramePlan, planFrames, type ReadFramesOptions, readFrames } from './frames.js';
export { type CausalGroup, causalGroups, tokenSteps } from './grouping.js';
export { LinearTubeletTransform } from './linear-transform.js';
export {
  type LinearTubeletEncoderSpec,
  type OnnxVideoEncoderSpec,
  type PerFrameEncoderSpec,
  readVideoManifest,
  type VideoDecoderSpec,
  type VideoPreprocessingSpec,
  type VideoTokenizerManifest,
  validateVideoManifest,
  videoManifestFiles,
} from './manifest.js';
export { PerFrameCodec } from './per-frame-codec.js';
export { containerModality, parseVideoProbe, probeStreams, probeVideo } from './probe.js';
export {
  AUDIO_TRACK,
  type AudioTokens,
  type ModalityTokens,
  tokenFileInput,
} from './token-file.js';
export {
  type EncodeVideoOptions,
  type LoadVideoTokenizerOptions,
  loadVideoTokenizer,
  VideoTokenizer,
} from './tokenizer.js';
export { type AnyImageTokenizer, type PoolOptions, TokenizerPool } from './tokenizer-pool.js';
export { type TrainVideoTokenizerOptions, trainVideoTokenizer } from './train.js';
export { TubeletCodec } from './tubelet-codec.js';
export { type Normalization, type Tubelets, tubeletize, untubeletize } from './tubelets.js';
export type { FrameGroup, TokenizerIdentity, VideoInfo, VideoSource, VideoTokenSet } from './types.js';
export { encodeVideoFileTokens, type VideoFileTokens } from './video-file-tokens.js';
export { VIDEO_EXTENSIONS, type WriteVideoOptions, writeVideo } from './write.js';
