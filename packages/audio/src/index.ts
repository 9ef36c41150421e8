export type { AudioCodec, CodecDecoderStream, CodecEncoderStream, CodecLoadOptions, Codes } from './codec.js';
export { convertAudioStream } from './convert-stream.js';
export { type BuiltinAudioTokenizer, listAudioTokenizers } from './default.js';
export {
  type AudioStreamInfo,
  type FfmpegLocation,
  ffmpegReason,
  hasFfmpeg,
  probeAudio,
  resolveFfmpeg,
  runFfmpeg,
} from './ffmpeg.js';
export { type DecodeAudioFileOptions, decodeAudioFile, type EncodeAudioFileOptions, encodeAudioFile } from './files.js';
export {
  AUDIO_EXTENSIONS,
  type AudioWriter,
  checkAudio,
  convertAudio,
  openAudioWriter,
  type ReadAudioOptions,
  readAudio,
  remix,
  type StreamAudioOptions,
  sliceSamples,
  streamAudio,
  type WriteAudioOptions,
  writeAudio,
} from './io.js';
export { concatCodes, frameCount, LinearFrameCodec, LinearFrameTransform, sqrtHannWindow } from './linear-frame.js';
export {
  type AudioPreprocessingSpec,
  type AudioTokenizerManifest,
  audioManifestFiles,
  type LinearFrameDecoderSpec,
  type LinearFrameEncoderSpec,
  type OnnxAudioDecoderSpec,
  type OnnxAudioEncoderSpec,
  readAudioManifest,
  validateAudioManifest,
} from './manifest.js';
export {
  type CodecAudio,
  type CodecDecodeInput,
  type CodecDecodeOptions,
  type CodecEncodeOptions,
  type CodecScale,
  type CodecTokens,
  OnnxAudioCodec,
  type OnnxAudioCodecOptions,
  type OnnxCodecDecoderSpec,
  type OnnxCodecEncoderSpec,
} from './onnx-codec.js';
export { type LoadPretrainedAudioOptions, loadPretrainedAudioTokenizer } from './pretrained.js';
export { type ChunkedEncodeOptions, encodeChunked } from './pretrained-chunking.js';
export {
  describePretrainedCodec,
  PRETRAINED_AUDIO_MODEL_TYPES,
  type PretrainedAudioModelType,
  type PretrainedCodecDescription,
} from './pretrained-config.js';
export {
  type AudioFeatureModelFacts,
  audioFeatures,
  type FeatureAudioEncoderSpec,
  normalizeUtterance,
  readAudioFeatureModel,
  SemanticAudioCodec,
} from './semantic.js';
export {
  AudioTokenizer,
  concatTokenSets,
  type EncodeAudioOptions,
  type LoadAudioTokenizerOptions,
  loadAudioTokenizer,
} from './tokenizer.js';
export {
  type TrainAudioTokenizerOptions,
  type TrainAudioTokenizerResult,
  trainAudioTokenizer,
} from './train.js';
export {
  type TrainSemanticAudioOptions,
  type TrainSemanticAudioResult,
  trainSemanticAudioTokenizer,
} from './train-semantic.js';
export type { AudioBuffer, AudioSource, AudioTokenSet, TokenizerIdentity } from './types.js';
export { decodeWav, encodeWav, isWav, type WavEncoding } from './wav.js';
