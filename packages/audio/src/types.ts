/** Planar float PCM: channel c, sample i is data[c * length + i]. Values nominally in [-1, 1]. */
export interface AudioBuffer {
  data: Float32Array;
  channels: number;
  sampleRate: number;
  /** Samples per channel. */
  length: number;
}

/** Which tokenizer made a token set: decoding with another one is refused. */
export interface TokenizerIdentity {
  name: string;
  version: string;
  /** SHA-256 (hex) of the canonical manifest and every file it names. */
  hash: string;
}

/** Facts about the encoded audio that decoding needs; plain JSON so token files can carry it. */
export interface AudioSource {
  /** The tokenizer's rate and channel count (the audio was converted to them before encoding). */
  sampleRate: number;
  channels: number;
  /** True length in samples per channel; decode trims the padded frames back to it. */
  samples: number;
  /** Seconds: samples / sampleRate. */
  duration: number;
  [k: string]: unknown;
}

export interface AudioTokenSet {
  modality: 'audio';
  /** Levels-major in `shape` ([levels, frames]), like audio_codes [B, Q, T] without B. */
  indices: Int32Array;
  /** [levels, frames]. */
  shape: number[];
  tokenizer: TokenizerIdentity;
  source: AudioSource;
}

/** An empty buffer of the given geometry. */
export function allocAudio(channels: number, length: number, sampleRate: number): AudioBuffer {
  return { data: new Float32Array(channels * length), channels, sampleRate, length };
}
