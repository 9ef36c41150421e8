import type { AnyQuantizer } from '@mmtok/core';
import type { ImageTokenizer, TokenSet } from '@mmtok/image';
import type { GridCodes, VideoGroupCodec } from './codec.js';
import type { VideoSource } from './types.js';

/** Any @mmtok/image tokenizer applied frame by frame; its [h, w, levels] grids stack along t. */
export class PerFrameCodec implements VideoGroupCodec {
  readonly temporalPatch = 1;
  readonly causal = false;
  readonly levels: number;
  readonly quantizer: AnyQuantizer | undefined;
  readonly identityParts: string[];
  private imageSource: Record<string, unknown> | undefined;

  constructor(readonly image: ImageTokenizer) {
    this.quantizer = image.quantizer;
    this.levels = image.quantizer?.numQuantizers ?? 1;
    this.identityParts = [`image:${image.identity.hash}`];
  }

  private get levelsFirst(): boolean {
    return this.image.manifest.tokens.layout[0] === 'levels';
  }

  async encodeGroup(frames: Uint8Array[], width: number, height: number): Promise<GridCodes> {
    const t = await this.image.encode({ data: frames[0], width, height, channels: 3 });
    this.imageSource = t.source;
    const s = t.shape;
    const L = s.length === 2 ? 1 : this.levelsFirst ? s[0] : s[2];
    const [h, w] = s.length === 2 ? s : this.levelsFirst ? [s[1], s[2]] : [s[0], s[1]];
    let indices = t.indices;
    if (this.levelsFirst && L > 1) {
      const n = h * w;
      indices = new Int32Array(n * L);
      for (let l = 0; l < L; l++) for (let i = 0; i < n; i++) indices[i * L + l] = t.indices[l * n + i];
    }
    return { indices, gridH: h, gridW: w, levels: L };
  }

  async decodeGroup(codes: GridCodes, source: VideoSource): Promise<Uint8Array[]> {
    const { gridH: h, gridW: w, levels: L } = codes;
    let indices = codes.indices;
    let shape = L === 1 ? [h, w] : [h, w, L];
    if (this.levelsFirst && L > 1) {
      const n = h * w;
      indices = new Int32Array(n * L);
      for (let l = 0; l < L; l++) for (let i = 0; i < n; i++) indices[l * n + i] = codes.indices[i * L + l];
      shape = [L, h, w];
    }
    const imageSource = (source.image as Record<string, unknown> | undefined) ?? {
      width: source.width,
      height: source.height,
    };
    const tokens: TokenSet = {
      modality: 'image',
      indices,
      shape,
      tokenizer: { ...this.image.identity },
      source: imageSource as TokenSet['source'],
    };
    return [(await this.image.decode(tokens)).data];
  }

  sourceFacts(): Record<string, unknown> {
    return this.imageSource ? { image: JSON.parse(JSON.stringify(this.imageSource)) } : {};
  }

  async dispose(): Promise<void> {
    await this.image.dispose();
  }
}
