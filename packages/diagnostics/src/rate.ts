import { MmtokError } from '@mmtok/core';

export interface RateOptions {
  /** Codebook size K, or one size per level. */
  codebookSize: number | readonly number[];
  /** Quantizer levels (RVQ depth). Default 1, or the length of codebookSize when it is a list. */
  levels?: number;
  /** Token positions per frame (e.g. 1 for a 1-D audio codec, h·w for a video latent grid). Default 1. */
  tokensPerFrame?: number;
  /** Frames (latent steps) per second of media, for audio/video. */
  frameRate?: number;
  /** Token positions per image, for images. */
  positionsPerImage?: number;
  /** Pixels per image, for bits per pixel. */
  pixelsPerImage?: number;
}

export interface RateFigures {
  /** Σ log2 K over levels: bits one position carries. */
  bitsPerPosition: number;
  /** Tokens per position (= levels). */
  levels: number;
  tokensPerSecond?: number;
  /** log2 K × levels × tokensPerFrame × frameRate. */
  bitsPerSecond?: number;
  tokensPerImage?: number;
  bitsPerImage?: number;
  bitsPerPixel?: number;
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
    throw new MmtokError('MMTOK_CONFIG', `rate: ${name} must be a positive number, got ${v}`);
  }
}

/** Token and bit rates of a tokenizer configuration (an upper bound: entropy coding can do better). */
export function rateFigures(options: RateOptions): RateFigures {
  const sizes = typeof options.codebookSize === 'number' ? undefined : options.codebookSize;
  const levels = options.levels ?? sizes?.length ?? 1;
  if (!Number.isInteger(levels) || levels < 1)
    throw new MmtokError('MMTOK_CONFIG', `rate: levels must be a positive integer, got ${levels}`);
  if (sizes && sizes.length !== levels) {
    throw new MmtokError('MMTOK_CONFIG', `rate: ${sizes.length} codebook sizes given for ${levels} levels`);
  }
  const perLevel = sizes ?? new Array<number>(levels).fill(options.codebookSize as number);
  for (const k of perLevel) {
    if (!Number.isInteger(k) || k < 1)
      throw new MmtokError('MMTOK_CONFIG', `rate: codebook size must be a positive integer, got ${k}`);
  }
  positive('tokensPerFrame', options.tokensPerFrame);
  positive('frameRate', options.frameRate);
  positive('positionsPerImage', options.positionsPerImage);
  positive('pixelsPerImage', options.pixelsPerImage);
  const bitsPerPosition = perLevel.reduce((a, k) => a + Math.log2(k), 0);
  const out: RateFigures = { bitsPerPosition, levels };
  if (options.frameRate !== undefined) {
    const positionsPerSecond = (options.tokensPerFrame ?? 1) * options.frameRate;
    out.tokensPerSecond = positionsPerSecond * levels;
    out.bitsPerSecond = positionsPerSecond * bitsPerPosition;
  }
  if (options.positionsPerImage !== undefined) {
    out.tokensPerImage = options.positionsPerImage * levels;
    out.bitsPerImage = options.positionsPerImage * bitsPerPosition;
    if (options.pixelsPerImage !== undefined) out.bitsPerPixel = out.bitsPerImage / options.pixelsPerImage;
  }
  return out;
}

/** Bitrate in bits/s: log2 K × levels × frame rate (× tokens per frame). */
export function bitrate(codebookSize: number, levels: number, frameRate: number, tokensPerFrame = 1): number {
  return rateFigures({ codebookSize, levels, frameRate, tokensPerFrame }).bitsPerSecond!;
}
