/**
 * Tokens of any modality → the input of a `.mmtok` token file. `mmtok encode` and dataset shards
 * both build their token files here, so a dataset sample's `.mmtok` equals the one `mmtok encode`
 * writes for the same media (save createdBy) by construction. It lives in @mmtok/video, the media
 * package that sees all three token sets (a video's sound track is audio tokens).
 */
import type { AudioTokenSet } from '@mmtok/audio';
import type { TokenFileInput, TokenSource, TokenTrackInput } from '@mmtok/core';
import type { TokenSet } from '@mmtok/image';
import type { VideoTokenSet } from './types.js';

/** Name of the extra token-file track that holds a video's sound. */
export const AUDIO_TRACK = 'audio';

/** Audio tokens with the tokenizer facts their header records. */
export interface AudioTokens {
  tokens: AudioTokenSet;
  /** Token frames per second (recorded in source.frameRate so a reader can time the tokens). */
  frameRate: number;
  codebookSize?: number;
}

/** A modality's tokens and what its token-file header records beyond them. */
export type ModalityTokens =
  | { modality: 'image'; tokens: TokenSet; codebookSize?: number }
  | ({ modality: 'audio' } & AudioTokens)
  | { modality: 'video'; tokens: VideoTokenSet; codebookSize?: number; audio?: AudioTokens };

/** Source facts as plain JSON (undefined fields dropped), as a token-file header stores them. */
const asJson = (v: unknown): TokenSource => JSON.parse(JSON.stringify(v));

const codebook = (K: number | undefined) => (K !== undefined ? { codebookSize: K } : {});

function audioHeader(a: AudioTokens) {
  return {
    tokenizer: { ...a.tokens.tokenizer },
    modality: 'audio' as const,
    shape: [...a.tokens.shape],
    ...codebook(a.codebookSize),
    source: asJson({ ...a.tokens.source, frameRate: a.frameRate }),
  };
}

/** The token-file input for `t`, written by `createdBy` (e.g. "mmtok 0.1.0"). */
export function tokenFileInput(t: ModalityTokens, createdBy: string): TokenFileInput {
  if (t.modality === 'audio') {
    return { header: { ...audioHeader(t), createdBy }, indices: t.tokens.indices };
  }
  const tracks: TokenTrackInput[] =
    t.modality === 'video' && t.audio
      ? [{ header: { name: AUDIO_TRACK, ...audioHeader(t.audio) }, indices: t.audio.tokens.indices }]
      : [];
  return {
    header: {
      tokenizer: { ...t.tokens.tokenizer },
      modality: t.modality,
      shape: [...t.tokens.shape],
      ...codebook(t.codebookSize),
      // Image sources are plain already; video ones may hold undefined facts.
      source: t.modality === 'image' ? (t.tokens.source as TokenSource) : asJson(t.tokens.source),
      createdBy,
    },
    indices: t.tokens.indices,
    ...(tracks.length > 0 ? { tracks } : {}),
  };
}
