/** What probeVideo learns about a file's first video stream. */
export interface VideoInfo {
  width: number;
  height: number;
  /** Average frames per second (for variable-rate sources, frames counted / duration when known). */
  fps: number;
  /** Exact frame count when ffmpeg counted it (short files), else null. */
  frames: number | null;
  /** Seconds. */
  duration: number;
  /** Frame timestamps are not evenly spaced (ffmpeg's vfrdet over the first frames). */
  variableFrameRate: boolean;
  hasAudio: boolean;
  codec: string;
}

/** Consecutive frames of one size; each frame is 8-bit RGB, HWC, row-major (width·height·3 bytes). */
export interface FrameGroup {
  frames: Uint8Array[];
  width: number;
  height: number;
  /** Index of frames[0] in the stream. */
  firstFrame: number;
}

/** Which tokenizer made a token set: decoding with another one is refused. */
export interface TokenizerIdentity {
  name: string;
  version: string;
  hash: string;
}

/** Facts about the input that decoding needs; plain JSON so token files can carry it. */
export interface VideoSource {
  width: number;
  height: number;
  /** The constant rate the frames were tokenized at. */
  fps: number;
  /** Frames encoded (decode yields exactly this many). */
  frames: number;
  /** frames / fps. */
  duration: number;
  [k: string]: unknown;
}

export interface VideoTokenSet {
  modality: 'video';
  /** Row-major in `shape`. */
  indices: Int32Array;
  /** [t, h, w, levels]; t = token time steps (1 + ceil((frames − 1) / T) for causal tubelets). */
  shape: number[];
  tokenizer: TokenizerIdentity;
  source: VideoSource;
}
