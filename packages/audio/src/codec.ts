/**
 * What a tokenizer needs from a codec, whatever implements it (the built-in linear-frame transform
 * or an ONNX model pair). The tokenizer does resampling, padding to whole frames, token layout,
 * identity checks and trimming; a codec maps padded planar samples to codes and back.
 */
import type { AnyQuantizer } from '@mmtok/core';

/** Codes, levels-major: indices[l * frames + t]. */
export interface Codes {
  indices: Int32Array;
  levels: number;
  frames: number;
  /**
   * Multi-scale codecs (SNAC-style) only: the per-scale [levels, frames] blocks concatenated in
   * `indices`, coarsest first (then levels = 1 and frames = the total count). Tokenizers keep it in
   * source.scales and hand it back to decode.
   */
  scales?: { levels: number; frames: number; frameRate: number }[];
}

export interface AudioCodec {
  /** Samples per token frame at the codec's rate. */
  readonly hopLength: number;
  /**
   * The tokenizer zero-pads input to a multiple of this many samples before encode. Default
   * hopLength; 1 for models that frame the signal themselves (a HuBERT-style conv stack).
   */
  readonly padTo?: number;
  /** Levels produced by a full encode. */
  readonly levels: number;
  /** Codes per level, when known (token files record it so readers can check indices). */
  readonly codebookSize: number | undefined;
  /**
   * True when frame t depends only on samples [(t−1)·hop, (t+1)·hop) (the linear-frame codec), so
   * streaming gives tokens identical to whole-file encoding. False for convolutional models.
   */
  readonly frameIndependent: boolean;
  /** The quantizer mmtok runs, if any (an ONNX encoder that emits codes has none). */
  readonly quantizer: AnyQuantizer | undefined;
  /**
   * Planar samples [channels, samples] at the codec rate → codes. `samples` is a multiple of
   * hopLength (the tokenizer pads with zeros); `levels` ≤ this.levels keeps the first levels only.
   * The frame count is the codec's own (samples / hop for ONNX models).
   */
  encode(data: Float32Array, channels: number, samples: number, levels: number): Promise<Codes>;
  /**
   * Codes → planar samples [channels, length] aligned with the encoded input's first sample,
   * length at least the padded input length; the tokenizer trims to the true length.
   */
  decode(codes: Codes, channels: number): Promise<{ data: Float32Array; length: number }>;
  /** Frame-independent codecs: incremental encoders/decoders with state between chunks. */
  encoderStream?(channels: number, levels: number): CodecEncoderStream;
  decoderStream?(channels: number): CodecDecoderStream;
  dispose(): Promise<void>;
}

export interface CodecEncoderStream {
  /** Appends planar samples; returns the codes of the frames completed so far (maybe 0 frames). */
  push(data: Float32Array, samples: number): Promise<Codes>;
  /** Input ended after `total` samples: zero-pads and returns the remaining frames. */
  end(): Promise<Codes>;
}

export interface CodecDecoderStream {
  /** Adds frames; returns the planar samples [channels, n] that are final now (aligned, untrimmed). */
  push(codes: Codes): Promise<{ data: Float32Array; length: number }>;
}

export interface CodecLoadOptions {
  /** Core backend for the quantizer ('js', 'ort', 'webgpu'). */
  backend?: string;
  /** onnxruntime execution providers for ONNX models. Default ['cpu']. */
  executionProviders?: string[];
}
