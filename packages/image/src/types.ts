/** An 8-bit RGB image, HWC, row-major: pixel (x, y) channel c is data[(y * width + x) * 3 + c]. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** Which tokenizer made a token set: decoding with another one is refused. */
export interface TokenizerIdentity {
  name: string;
  version: string;
  /** SHA-256 (hex) of the canonical manifest and every weights file it names. */
  hash: string;
}

/** Facts about the input that decoding needs; plain JSON so token files can carry it. */
export interface ImageSource {
  /** Original image size. */
  width: number;
  height: number;
  [k: string]: unknown;
}

export interface TokenSet {
  modality: 'image';
  /** Row-major in `shape`. */
  indices: Int32Array;
  /** Token layout, e.g. [h, w, levels], or [h, w] for a single level. */
  shape: number[];
  tokenizer: TokenizerIdentity;
  source: ImageSource;
}

/** A float32 NCHW tensor with batch 1: the model space between preprocessing and the encoder. */
export interface ImageTensor {
  data: Float32Array;
  shape: [1, number, number, number];
}
