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

/**
 * Ids appended through two staging buffers in the file's storage type (little-endian): one fills
 * while the other is being written, so conversion and disk writes overlap.
 */
export class IdStream {
  readonly itemBytes: number;
  private stages: { bytes: Uint8Array; typed: Uint16Array | Int32Array | Uint32Array }[];
  private current = 0;
  private fill = 0;
  private writing: Promise<void> = Promise.resolve();
  /** Ids written so far. */
  count = 0;

  constructor(
    readonly file: PendingFile,
    readonly dtype: StorageDtype,
  ) {
    this.itemBytes = STORAGE_BYTES[dtype];
    this.stages = [0, 1].map(() => {
      const bytes = new Uint8Array(STAGE_BYTES);
      const typed =
        dtype === 'uint16'
          ? new Uint16Array(bytes.buffer)
          : dtype === 'int32'
            ? new Int32Array(bytes.buffer)
            : new Uint32Array(bytes.buffer);
      return { bytes, typed };
    });
  }

  async append(ids: ArrayLike<number>): Promise<void> {
    const per = this.itemBytes;
    const capacity = STAGE_BYTES / per;
    let from = 0;
    while (from < ids.length) {
      const n = Math.min(ids.length - from, capacity - this.fill);
      const stage = this.stages[this.current];
      if (LITTLE_ENDIAN) {
        const src = ArrayBuffer.isView(ids)
          ? (ids as unknown as Int32Array).subarray(from, from + n)
          : Array.prototype.slice.call(ids, from, from + n);
        stage.typed.set(src, this.fill);
      } else {
        const view = new DataView(stage.bytes.buffer);
        for (let i = 0; i < n; i++) {
          const at = (this.fill + i) * per;
          if (per === 2) view.setUint16(at, ids[from + i], true);
          else view.setUint32(at, ids[from + i] >>> 0, true);
        }
      }
      this.fill += n;
      from += n;
      if (this.fill === capacity) await this.rotate();
    }
    this.count += ids.length;
  }

  /** Starts writing the filled stage and switches to the other once its earlier write is done. */
  private async rotate(): Promise<void> {
    const stage = this.stages[this.current].bytes.subarray(0, this.fill * this.itemBytes);
    const previous = this.writing;
    this.writing = previous.then(() => this.file.write(stage));
    this.current = 1 - this.current;
    this.fill = 0;
    // The next stage was being written by `previous`: wait for it before filling it again.
    await previous;
  }

  /** Writes everything appended so far. */
  async flush(): Promise<void> {
    if (this.fill > 0) await this.rotate();
    await this.writing;
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
