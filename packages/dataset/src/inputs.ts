/**
 * Inputs → the sorted list of items a dataset is cut from: media files, folders, globs, `.txt` /
 * `.jsonl` list files, and WebDataset tar shards (brace ranges such as `data-{00000..00099}.tar`).
 * The same inputs always give the same list, so the same shards.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AUDIO_EXTENSIONS } from '@mmtok/audio';
import { MmtokError } from '@mmtok/core';
import { expandBraces } from '@mmtok/core/node';
import { VIDEO_EXTENSIONS as VIDEO_CONTAINERS } from '@mmtok/video';
import { glob, isDynamicPattern } from 'tinyglobby';
import { listTarSamples } from './tar-input.js';

export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif'];
/** Video containers, as `mmtok encode` routes them (a GIF is an image there, so here too). */
export const VIDEO_EXTENSIONS: readonly string[] = VIDEO_CONTAINERS.filter((e) => !IMAGE_EXTENSIONS.includes(e));
/** What a folder walk or glob keeps. */
export const MEDIA_EXTENSIONS: readonly string[] = [...IMAGE_EXTENSIONS, ...AUDIO_EXTENSIONS, ...VIDEO_EXTENSIONS];

/** One thing to tokenize. */
export interface DatasetItem {
  /** Absolute path of the media file, or of the tar input holding the sample. */
  path: string;
  /** A sample of a WebDataset tar input: its key there and its position among the tar's samples. */
  member?: { key: string; ordinal: number };
  /** Fields of a `.jsonl` list line besides `path`, kept in the sample's JSON. */
  meta?: Record<string, unknown>;
}

const lower = (p: string) => p.toLowerCase();
const hasExtension = (p: string, exts: readonly string[]) => exts.some((e) => lower(p).endsWith(e));

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

function notFound(input: string, what: string): never {
  throw new MmtokError('MMTOK_NOT_FOUND', `${input}: ${what}`, { input });
}

/** A `.txt` (one path a line, `#` comments) or `.jsonl` (objects with `path`) list; paths relative to the list. */
async function readList(list: string): Promise<DatasetItem[]> {
  const base = dirname(resolve(list));
  const lines = (await readFile(list, 'utf8')).split(/\r?\n/);
  const items: DatasetItem[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!lower(list).endsWith('.jsonl')) {
      items.push({ path: resolve(base, line) });
      return;
    }
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new MmtokError('MMTOK_CONFIG', `${list}:${i + 1}: not JSON (${(e as Error).message})`, { input: list });
    }
    if (typeof row !== 'object' || row === null || typeof (row as { path?: unknown }).path !== 'string') {
      throw new MmtokError('MMTOK_CONFIG', `${list}:${i + 1}: each line needs a "path" string`, { input: list });
    }
    const { path, ...meta } = row as { path: string } & Record<string, unknown>;
    items.push({ path: isAbsolute(path) ? path : resolve(base, path), ...(Object.keys(meta).length ? { meta } : {}) });
  });
  return items;
}

/** Items of one tar input: one per sample, in the tar's order. */
async function tarItems(path: string): Promise<DatasetItem[]> {
  const keys = await listTarSamples(path);
  return keys.map((key, ordinal) => ({ path: resolve(path), member: { key, ordinal } }));
}

/** Media files and tar shards among `files` (a folder walk or a glob's matches). */
async function mediaAndTars(input: string, files: string[], what: string): Promise<DatasetItem[]> {
  const tars = files.filter((f) => lower(f).endsWith('.tar')).sort();
  const media = files.filter((f) => hasExtension(f, MEDIA_EXTENSIONS));
  if (tars.length + media.length === 0) notFound(input, what);
  return [...media.map((f) => ({ path: resolve(f) })), ...(await Promise.all(tars.map(tarItems))).flat()];
}

async function expandOne(input: string): Promise<DatasetItem[]> {
  const k = await kind(input);
  if (k === 'dir') {
    const files = await glob('**/*', { cwd: input, absolute: true, onlyFiles: true, dot: false });
    return mediaAndTars(
      input,
      files,
      `folder holds no images, audio, video (${MEDIA_EXTENSIONS.join(', ')}) or tar shards`,
    );
  }
  if (k === 'file') {
    if (lower(input).endsWith('.tar')) return tarItems(input);
    if (lower(input).endsWith('.txt') || lower(input).endsWith('.jsonl')) return readList(input);
    return [{ path: resolve(input) }];
  }
  if (isDynamicPattern(input)) {
    const files = await glob(input, { absolute: true, onlyFiles: true, dot: false, expandDirectories: false });
    return mediaAndTars(input, files, 'matches no images, audio, video or tar shards');
  }
  return notFound(input, 'no such file or folder');
}

const compare = (a: DatasetItem, b: DatasetItem): number =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : (a.member?.ordinal ?? -1) - (b.member?.ordinal ?? -1);

/** Every item the inputs name, sorted by path (then by position inside a tar), duplicates dropped. */
export async function listDatasetItems(inputs: readonly string[]): Promise<DatasetItem[]> {
  if (inputs.length === 0) throw new MmtokError('MMTOK_NOT_FOUND', 'no inputs given');
  const all: DatasetItem[] = [];
  for (const input of inputs) {
    // Numeric ranges are expanded here (globs know only alternatives); each name must then exist.
    const names = /\{\d+\.\.\d+\}/.test(input) ? expandBraces(input) : [input];
    for (const name of names) all.push(...(await expandOne(name)));
  }
  all.sort(compare);
  return all.filter((item, i) => i === 0 || compare(all[i - 1], item) !== 0);
}
