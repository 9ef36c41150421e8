/**
 * The tokenizers one worker uses, loaded once each through the TokenizerPool that `mmtok encode`
 * resolves its `--tokenizer` with: every modality shares the one spec, as in `mmtok encode`, so a
 * dataset takes whatever that command takes (built-ins, manifests, semantic image tokenizers,
 * hf:org/name pretrained codecs through the Hub cache, HF_HUB_OFFLINE included).
 */
import type { AudioTokenizer } from '@mmtok/audio';
import type { TokenizerIdentity } from '@mmtok/core';
import {
  type AnyImageTokenizer,
  encodeVideoFileTokens,
  TokenizerPool,
  type VideoFileTokens,
  type VideoTokenizer,
} from '@mmtok/video';

export interface TokenizerSpec {
  /** Built-in name, manifest path, semantic tokenizer or hf:org/name; 'default' is each modality's default. */
  tokenizer: string;
  /** Core kernel backend ('js', 'ort', 'wasm', 'webgpu'); the best available when omitted. */
  backend?: string;
  /**
   * Video sound tracks: their audio tokenizer (built-in name, manifest or hf:…; 'default' when
   * omitted), or false to leave the sound out — `mmtok encode --audio-tokenizer` / `--no-audio`.
   */
  audioTokenizer?: string | false;
  /** Pretrained hf:… audio tokenizers: which ONNX weights to load ('fp32' when omitted), as `--dtype`. */
  dtype?: string;
  /** Images: refuse inputs larger than this many pixels (readImage's default when omitted), as `--max-pixels`. */
  maxPixels?: number;
}

/**
 * The options besides the tokenizer that change what a dataset holds: recorded in the plan, the
 * markers and dataset.json, and part of a shard's plan hash. Only those set, in a fixed order, so a
 * run without them hashes and records exactly as before they existed.
 */
export type EncodingOptions = Pick<TokenizerSpec, 'audioTokenizer' | 'dtype' | 'maxPixels'>;

export function encodingOptions(spec: TokenizerSpec): EncodingOptions {
  return {
    ...(spec.audioTokenizer !== undefined ? { audioTokenizer: spec.audioTokenizer } : {}),
    ...(spec.dtype !== undefined ? { dtype: spec.dtype } : {}),
    ...(spec.maxPixels !== undefined ? { maxPixels: spec.maxPixels } : {}),
  };
}

/** Just the spec of a task (which carries its items too): what a worker keys its loaded tokenizers by. */
export function tokenizerSpecOf(spec: TokenizerSpec): TokenizerSpec {
  return { tokenizer: spec.tokenizer, ...(spec.backend ? { backend: spec.backend } : {}), ...encodingOptions(spec) };
}

export type DatasetModality = 'image' | 'audio' | 'video';

/**
 * What a shard marker names a tokenizer for: each modality it holds, and `videoAudio`, the audio
 * tokenizer of video sound tracks (`--audio-tokenizer`, not the `--tokenizer` of audio items).
 */
export type TokenizedPart = DatasetModality | 'videoAudio';

/** The tokenizer a shard marker names per part it holds. */
export type ModalityIdentities = Partial<Record<TokenizedPart, TokenizerIdentity>>;

export class Tokenizers {
  private readonly pool: TokenizerPool;

  constructor(readonly spec: TokenizerSpec) {
    this.pool = new TokenizerPool({
      ...(spec.backend ? { backend: spec.backend } : {}),
      ...(spec.dtype ? { dtype: spec.dtype } : {}),
    });
  }

  image(): Promise<AnyImageTokenizer> {
    return this.pool.get(this.spec.tokenizer);
  }

  audio(): Promise<AudioTokenizer> {
    return this.pool.getAudio(this.spec.tokenizer);
  }

  video(): Promise<VideoTokenizer> {
    return this.pool.getVideo(this.spec.tokenizer);
  }

  /** The audio tokenizer of video sound tracks. */
  videoAudio(): Promise<AudioTokenizer> {
    return this.pool.getAudio(this.spec.audioTokenizer || 'default');
  }

  /** A video file's tokens (frames streamed through ffmpeg) and its sound track's, unless the spec drops it. */
  videoFile(path: string): Promise<VideoFileTokens> {
    return encodeVideoFileTokens(this.pool, this.spec.tokenizer, this.spec.audioTokenizer ?? 'default', path);
  }

  /** Identities of the tokenizers of these parts, for a shard marker. */
  async identities(parts: ReadonlySet<TokenizedPart>): Promise<ModalityIdentities> {
    const out: ModalityIdentities = {};
    for (const m of ['image', 'audio', 'video', 'videoAudio'] as const) {
      if (parts.has(m)) out[m] = { ...(await this[m]()).identity };
    }
    return out;
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}
