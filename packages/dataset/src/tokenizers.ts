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
}

export type DatasetModality = 'image' | 'audio' | 'video';

/** The tokenizer a shard marker names per modality it holds. */
export type ModalityIdentities = Partial<Record<DatasetModality, TokenizerIdentity>>;

/** A video's sound track is tokenized with the default audio tokenizer, as `mmtok encode` does by default. */
const VIDEO_SOUND_TOKENIZER = 'default';

export class Tokenizers {
  private readonly pool: TokenizerPool;

  constructor(readonly spec: TokenizerSpec) {
    this.pool = new TokenizerPool(spec.backend ? { backend: spec.backend } : {});
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

  /** A video file's tokens (frames streamed through ffmpeg) and its sound track's. */
  videoFile(path: string): Promise<VideoFileTokens> {
    return encodeVideoFileTokens(this.pool, this.spec.tokenizer, VIDEO_SOUND_TOKENIZER, path);
  }

  /** Identities of the tokenizers of these modalities, for a shard marker. */
  async identities(modalities: ReadonlySet<DatasetModality>): Promise<ModalityIdentities> {
    const out: ModalityIdentities = {};
    for (const m of ['image', 'audio', 'video'] as const) {
      if (modalities.has(m)) out[m] = { ...(await this[m]()).identity };
    }
    return out;
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}
