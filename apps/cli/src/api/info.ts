import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioStreamInfo } from '@mmtok/audio';
import { MmtokError, TOKEN_FILE_MAGIC, type TokenFileHeader, type TokenizerIdentity } from '@mmtok/core';
import { readTokenFile } from '@mmtok/core/node';
import { isHubSpec } from '@mmtok/hub';
import { type ImageInfo, probeImage } from '@mmtok/image';
import type { VideoInfo } from '@mmtok/video';
import { TokenizerPool } from '@mmtok/video';
import { inputModalities } from '../modality.js';
import { describeAudioFile } from './audio.js';
import { describeHubRepo, type HubRepoDescription } from './hub.js';
import { describePrefix, isPackedPrefix, type PackedPrefixDescription } from './pack.js';
import { describeVideoFile } from './video.js';

export interface DescribeOptions {
  /** A `.mmtok` token file, a tokenizer manifest path, a built-in tokenizer name, or hf:org/name[@revision]. */
  target: string;
  backend?: string;
}

export interface TokenFileDescription {
  kind: 'token-file';
  path: string;
  bytes: number;
  header: TokenFileHeader;
  /** Number of indices (the product of the shape). */
  tokens: number;
  /** Distinct index values in the file (-1, a dropped level, excluded). */
  distinct: number;
  /** Extra tracks (version 2 files), e.g. a video's audio; [] when none. */
  tracks: {
    name: string;
    modality: TokenFileHeader['modality'];
    tokenizer: TokenizerIdentity;
    shape: number[];
    dtype: TokenFileHeader['dtype'];
    codebookSize?: number;
    tokens: number;
    source: TokenFileHeader['source'];
  }[];
}

/** A video file as ffmpeg sees it (what encode would read). */
export interface VideoFileDescription {
  kind: 'video-file';
  path: string;
  bytes: number;
  video: VideoInfo;
}

export interface TokenizerDescription {
  kind: 'tokenizer';
  target: string;
  identity: TokenizerIdentity;
  /** Null when the tokenizer's ONNX encoder emits codes itself. */
  quantizer: { type: string; codebookSize: number; levels: number; dim: number } | null;
  /** Absolute path of the manifest file. */
  manifestPath: string;
  /** The tokenizer's manifest as loaded (JSON-safe). */
  manifest: unknown;
}

/** An audio file as ffmpeg sees it (what encode would read). */
export interface AudioFileDescription {
  kind: 'audio-file';
  path: string;
  bytes: number;
  audio: AudioStreamInfo;
}

/** An image file's header (what encode would read). */
export interface ImageFileDescription {
  kind: 'image-file';
  path: string;
  bytes: number;
  image: ImageInfo;
}

export type Description =
  | TokenFileDescription
  | TokenizerDescription
  | VideoFileDescription
  | AudioFileDescription
  | ImageFileDescription
  | HubRepoDescription
  | PackedPrefixDescription;

/** True when the file at `path` begins with the token file magic. */
async function hasTokenMagic(path: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(path, 'r');
    const buf = new Uint8Array(TOKEN_FILE_MAGIC.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.every((b, i) => b === TOKEN_FILE_MAGIC[i]);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

async function isPlainFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The modality `target` (a manifest or a folder holding manifest.json) declares, if any. */
async function manifestModality(target: string): Promise<unknown> {
  try {
    const path = (await stat(target)).isDirectory() ? join(target, 'manifest.json') : target;
    return JSON.parse(await readFile(path, 'utf8'))?.modality;
  } catch {
    return undefined;
  }
}

/** Describes a token file (header, counts) or a tokenizer (identity, quantizer, manifest). */
export async function describe(options: DescribeOptions): Promise<Description> {
  const { target } = options;
  if (isHubSpec(target)) return describeHubRepo(target);
  if (await isPackedPrefix(target)) return { kind: 'packed', ...(await describePrefix(target)) };
  if (target.toLowerCase().endsWith('.mmtok') || (await hasTokenMagic(target))) {
    const file = await readTokenFile(target);
    const distinct = new Set<number>();
    for (const v of file.indices) if (v >= 0) distinct.add(v);
    return {
      kind: 'token-file',
      path: target,
      bytes: (await stat(target)).size,
      header: file.header,
      tokens: file.indices.length,
      distinct: distinct.size,
      tracks: file.tracks.map(({ header: t, indices }) => ({
        name: t.name,
        modality: t.modality,
        tokenizer: t.tokenizer,
        shape: t.shape,
        dtype: t.dtype,
        ...(t.codebookSize !== undefined ? { codebookSize: t.codebookSize } : {}),
        tokens: indices.length,
        source: t.source,
      })),
    };
  }
  if ((await isPlainFile(target)) && !target.toLowerCase().endsWith('.json')) {
    const bytes = (await stat(target)).size;
    const modality = (await inputModalities([target])).get(target);
    if (modality === 'video')
      return { kind: 'video-file', path: target, bytes, video: await describeVideoFile(target) };
    if (modality === 'audio')
      return { kind: 'audio-file', path: target, bytes, audio: await describeAudioFile(target) };
    try {
      return { kind: 'image-file', path: target, bytes, image: await probeImage(target) };
    } catch (e) {
      if ((e as MmtokError).code !== 'MMTOK_IMAGE_FORMAT') throw e;
      throw new MmtokError(
        'MMTOK_FILE_FORMAT',
        `${target} is neither a .mmtok token file, an image, audio or video file, nor a tokenizer manifest (.json); info takes one of those, a manifest folder, or a built-in name`,
        { path: target },
      );
    }
  }
  const pool = new TokenizerPool({ backend: options.backend });
  try {
    const modality = await manifestModality(target);
    const tok =
      modality === 'audio'
        ? await pool.getAudio(target)
        : modality === 'video'
          ? await pool.getVideo(target)
          : await pool.get(target);
    const q = tok.quantizer;
    return {
      kind: 'tokenizer',
      target,
      identity: { ...tok.identity },
      quantizer: q ? { type: q.config.type, codebookSize: q.codebookSize, levels: q.numQuantizers, dim: q.dim } : null,
      manifestPath: tok.manifestPath,
      manifest: tok.manifest,
    };
  } finally {
    await pool.dispose();
  }
}
