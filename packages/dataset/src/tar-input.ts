/**
 * WebDataset tar inputs, read as streams: a sample is the run of consecutive members sharing a key
 * (the member name up to the first dot of its base name), as webdataset groups them.
 */
import { createReadStream } from 'node:fs';
import { MmtokError } from '@mmtok/core';
import { extract } from 'tar-stream';

/** A member larger than this is refused before any of it is buffered. */
const MAX_MEMBER_BYTES = 2 ** 31;

export interface TarSample {
  key: string;
  /** Position among the tar's samples. */
  ordinal: number;
  /** Member bodies by extension (`jpg`, `txt`, `json`, `seg.png`, ...). */
  members: Map<string, Buffer>;
}

/** `dir/abc.seg.jpg` → ['dir/abc', 'seg.jpg']; a name without a dot has no sample. */
export function splitMemberName(name: string): [string, string] | undefined {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  return dot > slash + 1 ? [name.slice(0, dot), name.slice(dot + 1)] : undefined;
}

function tarError(path: string, e: unknown): MmtokError {
  if (e instanceof MmtokError) return e;
  return new MmtokError('MMTOK_FILE_FORMAT', `${path}: not a readable tar (${(e as Error).message})`, { path });
}

/**
 * Streams the samples of a tar in order. `want(ordinal)` says which to buffer (the others come
 * with no members, their bodies skipped) and `stopAfter` ends the read after that ordinal, so a
 * shard reads only as far as its last sample.
 */
export async function* readTarSamples(
  path: string,
  want: (ordinal: number) => boolean = () => true,
  stopAfter = Number.POSITIVE_INFINITY,
): AsyncGenerator<TarSample> {
  const source = createReadStream(path);
  const tar = extract();
  source.on('error', (e) => tar.destroy(e));
  source.pipe(tar);
  let current: TarSample | undefined;
  let ordinal = -1;
  try {
    for await (const entry of tar) {
      const split = entry.header.type === 'file' ? splitMemberName(entry.header.name) : undefined;
      if (!split) {
        entry.resume();
        continue;
      }
      const [key, ext] = split;
      if (current?.key !== key) {
        if (current) yield current;
        ordinal++;
        if (ordinal > stopAfter) {
          entry.resume();
          current = undefined;
          break;
        }
        current = { key, ordinal, members: new Map() };
      }
      if (!want(ordinal)) {
        entry.resume();
        continue;
      }
      const size = entry.header.size ?? 0;
      if (size > MAX_MEMBER_BYTES) {
        throw new MmtokError('MMTOK_FILE_FORMAT', `${path}: member ${entry.header.name} is ${size} bytes, over 2 GiB`);
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      current.members.set(ext, Buffer.concat(chunks));
    }
    if (current) yield current;
  } catch (e) {
    throw tarError(path, e);
  } finally {
    source.destroy();
    tar.destroy();
  }
}

/** The sample keys of a tar, in order (bodies skipped). */
export async function listTarSamples(path: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const s of readTarSamples(path, () => false)) keys.push(s.key);
  return keys;
}
