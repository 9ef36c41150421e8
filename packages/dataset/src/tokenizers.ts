/**
 * The tokenizers one worker uses, loaded once each (images and audio share the `--tokenizer` spec, as in `mmtok encode`).
 */
import { type AudioTokenizer, loadAudioTokenizer } from '@mmtok/audio';
import type { TokenizerIdentity } from '@mmtok/core';
import { type ImageTokenizer, loadTokenizer } from '@mmtok/image';

export interface TokenizerSpec {
  /** Built-in name or manifest path; 'default' is each modality's embedded default. */
  tokenizer: string;
  /** Core kernel backend ('js', 'ort', 'wasm', 'webgpu'); the best available when omitted. */
  backend?: string;
}

export class Tokenizers {
  private imageP?: Promise<ImageTokenizer>;
  private audioP?: Promise<AudioTokenizer>;

  constructor(readonly spec: TokenizerSpec) {}

  private get options() {
    return this.spec.backend ? { backend: this.spec.backend } : {};
  }

  image(): Promise<ImageTokenizer> {
    this.imageP ??= loadTokenizer(this.spec.tokenizer, this.options);
    return this.imageP;
  }

  audio(): Promise<AudioTokenizer> {
    this.audioP ??= loadAudioTokenizer(this.spec.tokenizer, this.options);
    return this.audioP;
  }

  /** Identities of the tokenizers of these modalities, for a shard marker. */
  async identities(
    modalities: ReadonlySet<'image' | 'audio'>,
  ): Promise<{ image?: TokenizerIdentity; audio?: TokenizerIdentity }> {
    const image = modalities.has('image') ? await this.image() : undefined;
    const audio = modalities.has('audio') ? await this.audio() : undefined;
    return {
      ...(image ? { image: { ...image.identity } } : {}),
      ...(audio ? { audio: { ...audio.identity } } : {}),
    };
  }

  async dispose(): Promise<void> {
    const all = await Promise.allSettled([this.imageP, this.audioP]);
    await Promise.all(all.map((r) => (r.status === 'fulfilled' ? r.value?.dispose() : undefined)));
  }
}
