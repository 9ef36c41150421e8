/**
 * A WebDataset tar written byte-for-byte deterministically (members in the order added, mtime 0,
 * owner 0/0 with empty names, mode 0644) to a temp file beside its final name, then fsynced and
 * renamed: a reader never sees half a shard, and a killed run leaves only a dot-named temp file.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MmtokError } from '@mmtok/core';
import { pack } from 'tar-stream';

const EPOCH = new Date(0);

export class TarWriter {
  private readonly tar = pack();
  private readonly done: Promise<void>;
  readonly tempPath: string;

  constructor(readonly path: string) {
    this.tempPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    this.done = pipeline(this.tar, createWriteStream(this.tempPath, { flags: 'wx' }));
    // Reported by commit/abort; without this a write error would be an unhandled rejection meanwhile.
    this.done.catch(() => {});
  }

  /** Adds one member; resolves once it is handed to the file stream (back-pressure). */
  add(name: string, body: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.tar.entry(
        { name, size: body.byteLength, mode: 0o644, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        (e) => (e ? reject(e) : resolve()),
      );
    });
  }

  /** Finishes the tar, syncs it and renames it into place. */
  async commit(): Promise<void> {
    this.tar.finalize();
    try {
      await this.done;
      const fh = await open(this.tempPath, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(this.tempPath, this.path);
    } catch (e) {
      await rm(this.tempPath, { force: true });
      throw new MmtokError('MMTOK_IO', `could not write ${this.path}: ${(e as Error).message}`, { path: this.path });
    }
  }

  /** Drops the temp file. */
  async abort(): Promise<void> {
    this.tar.destroy();
    await this.done.catch(() => {});
    await rm(this.tempPath, { force: true });
  }
}
