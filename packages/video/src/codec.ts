import type { AnyQuantizer } from '@mmtok/core';
import type { VideoSource } from './types.js';

/** One token step's codes: indices [gridH · gridW · levels], row-major (h, w, levels). */
export interface GridCodes {
  indices: Int32Array;
  gridH: number;
  gridW: number;
  levels: number;
}

/**
 * What a video tokenizer kind implements (linear tubelet, per-frame image tokenizer, ONNX): one
 * token step at a time, so VideoTokenizer can stream. onnx-video.ts exports
 * `loadOnnxVideoCodec(manifest, dir, options): Promise<VideoGroupCodec>`.
 */
export interface VideoGroupCodec {
  /** Frames per token step (after the causal first one). */
  readonly temporalPatch: number;
  /** The first step holds the first frame alone. */
  readonly causal: boolean;
  readonly levels: number;
  /**
   * Pixels per token cell side when the grid tiles the frame (tubelets): decode then checks the
   * source's width × height against the grid before allocating frames. Codecs without it check
   * the source size against what their decoder made (the image tokenizer, the ONNX crop).
   */
  readonly cellSize?: number;
  readonly quantizer: AnyQuantizer | undefined;
  /** `frames` holds 1 RGB frame when `first` (causal first step), else temporalPatch frames of width×height. */
  encodeGroup(frames: Uint8Array[], width: number, height: number, first: boolean): Promise<GridCodes>;
  /** Returns 1 frame when `first`, else temporalPatch frames, at source.width × source.height. */
  decodeGroup(codes: GridCodes, source: VideoSource, first: boolean): Promise<Uint8Array[]>;
  /** Facts recorded in the token set's source (e.g. the per-frame image tokenizer's geometry). */
  sourceFacts?(): Record<string, unknown>;
  /** Extra content hashed into the tokenizer identity (e.g. the image tokenizer's hash). */
  readonly identityParts?: string[];
  dispose(): Promise<void>;
}
