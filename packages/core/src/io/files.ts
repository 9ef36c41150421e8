/** Files on disk: atomic writes, quantizer files and token files (Node only). */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AnyQuantizer } from '../create.js';
import { MmtokError } from '../errors.js';
import { type DeserializeOptions, deserializeQuantizer, serializeQuantizer } from './codebook-file.js';
import { removeOnInterrupt } from './interrupt.js';
import { decodeTokenFile, encodeTokenFile, type TokenFile, type TokenFileInput } from './token-file.js';

/** Writes bytes to a temp file beside `path`, syncs it, then renames over `path`: never half-written. */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const forget = removeOnInterrupt(tmp);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new MmtokError('MMTOK_IO', `could not write ${path}: ${(e as Error).message}`, { path });
  } finally {
    forget();
  }
}

/** Saves a quantizer (config + codebooks, safetensors with a checksum) atomically. */
export async function saveQuantizer(q: AnyQuantizer, path: string): Promise<void> {
  await writeFileAtomic(path, await serializeQuantizer(q));
}

export async function loadQuantizer(path: string, options?: DeserializeOptions): Promise<AnyQuantizer> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not read ${path}: ${(e as Error).message}`, { path });
  }
  return deserializeQuantizer(bytes, { ...options, source: path });
}

/** Writes a `.mmtok` token file atomically (temp file, fsync, rename). */
export async function writeTokenFile(path: string, file: TokenFileInput): Promise<void> {
  await writeFileAtomic(path, encodeTokenFile(file));
}

/** Reads and verifies a `.mmtok` token file; errors name the path. */
export async function readTokenFile(path: string): Promise<TokenFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not read ${path}: ${(e as Error).message}`, { path });
  }
  try {
    return decodeTokenFile(bytes);
  } catch (e) {
    if (e instanceof MmtokError)
      throw new MmtokError(e.code, `${path}: ${e.message.replace(/^\w+: /, '')}`, { path, ...e.details });
    throw e;
  }
}
