/**
 * A data file written as a stream of ids: converted to its storage type into a fixed staging
 * buffer and flushed with positional writes, so memory stays bounded whatever the output size.
 * Written to a temp file beside its final path; commitFiles renames them all once everything is
 * written, abortFiles removes them (Node only).
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MmtokError } from '@mmtok/core';

export type StorageDtype = 'uint16' | 'int32' | 'uint32';

export const STORAGE_BYTES: Record<StorageDtype, number> = { uint16: 2, int32: 4, uint32: 4 };

const STAGE_BYTES = 4 * 1024 * 1024;

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** A temp file beside `finalPath` that becomes it on commit. */
export class PendingFile {
  /** Bytes appended so far. */
  bytes = 0;
  private constructor(
    readonly finalPath: string,
    readonly tmpPath: string,
    private fh: FileHandle,
    private at: number,
  ) {}

  /** Opens a temp file for `finalPath`; appends start at byte `start` (room for a header written last). */
  static async create(finalPath: string, start = 0): Promise<PendingFile> {
    const tmp = join(dirname(finalPath), `.${basename(finalPath)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      return new PendingFile(finalPath, tmp, await open(tmp, 'wx'), start);
    } catch (e) {
      throw new MmtokError('MMTOK_IO', `could not create ${finalPath}: ${(e as Error).message}`, { path: finalPath });
    }
  }

  /** Appends, or writes at `position` when given (a header patched in place). */
  async write(bytes: Uint8Array, position?: number): Promise<void> {
    let done = 0;
    const where = position ?? this.at;
    while (done < bytes.length) {
      const { bytesWritten } = await this.fh.write(bytes, done, bytes.length - done, where + done);
      done += bytesWritten;
    }
    if (position === undefined) {
      this.at += bytes.length;
      this.bytes += bytes.length;
    }
  }

  async close(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
  }

  async discard(): Promise<void> {
    await this.fh.close().catch(() => {});
    await rm(this.tmpPath, { force: true });
  }
}

/** Ids appended through a staging buffer in the file's storage type (little-endian). */
export class IdStream {
  readonly itemBytes: number;
  private stage: Uint8Array;
  private view: DataView;
  private typed: Uint16Array | Int32Array | Uint32Array;
  private fill = 0;
  /** Ids written so far. */
  count = 0;

  constructor(
    readonly file: PendingFile,
    readonly dtype: StorageDtype,
  ) {
    this.itemBytes = STORAGE_BYTES[dtype];
    this.stage = new Uint8Array(STAGE_BYTES);
    this.view = new DataView(this.stage.buffer);
    this.typed =
      dtype === 'uint16'
        ? new Uint16Array(this.stage.buffer)
        : dtype === 'int32'
          ? new Int32Array(this.stage.buffer)
          : new Uint32Array(this.stage.buffer);
  }

  async append(ids: ArrayLike<number>): Promise<void> {
    const per = this.itemBytes;
    const capacity = STAGE_BYTES / per;
    let from = 0;
    while (from < ids.length) {
      const n = Math.min(ids.length - from, capacity - this.fill);
      if (LITTLE_ENDIAN) {
        const src = ArrayBuffer.isView(ids)
          ? (ids as unknown as Int32Array).subarray(from, from + n)
          : Array.prototype.slice.call(ids, from, from + n);
        this.typed.set(src, this.fill);
      } else {
        for (let i = 0; i < n; i++) {
          const at = (this.fill + i) * per;
          if (per === 2) this.view.setUint16(at, ids[from + i], true);
          else this.view.setUint32(at, ids[from + i] >>> 0, true);
        }
      }
      this.fill += n;
      from += n;
      if (this.fill === capacity) await this.flush();
    }
    this.count += ids.length;
  }

  async flush(): Promise<void> {
    if (this.fill === 0) return;
    await this.file.write(this.stage.subarray(0, this.fill * this.itemBytes));
    this.fill = 0;
  }
}

/** Renames every pending file over its final path, in order (put the success marker last). */
export async function commitFiles(files: readonly PendingFile[]): Promise<void> {
  for (const f of files) {
    try {
      await rename(f.tmpPath, f.finalPath);
    } catch (e) {
      throw new MmtokError('MMTOK_IO', `could not write ${f.finalPath}: ${(e as Error).message}`, {
        path: f.finalPath,
      });
    }
  }
}

export async function abortFiles(files: readonly PendingFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.discard()));
}
