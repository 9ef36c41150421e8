/**
 * Megatron-LM's indexed dataset (megatron/core/datasets/indexed_dataset.py): `<prefix>.bin` holds
 * the tokens of every sequence back to back; `<prefix>.idx` is, little-endian,
 *
 *   9 bytes  "MMIDIDX\x00\x00"
 *   u64      version 1
 *   u8       dtype code (uint16 = 8, int32 = 4)
 *   u64      sequence count S
 *   u64      document count D (entries of the document index, one more than the documents)
 *   i32[S]   sequence lengths (tokens)
 *   i64[S]   sequence pointers (byte offset in .bin)
 *   i64[D]   document index: 0, then after each document the number of sequences so far
 *
 * mmtok writes one sequence per document. docs/sequence.md; scripts/read_megatron.py reads it
 * with numpy alone.
 */
import { MmtokError } from '@mmtok/core';
import type { MegatronDtype } from './layout.js';

export const INDEX_HEADER = Uint8Array.of(0x4d, 0x4d, 0x49, 0x44, 0x49, 0x44, 0x58, 0x00, 0x00);
export const INDEX_VERSION = 1;
export const DTYPE_CODES: Record<MegatronDtype, number> = { uint16: 8, int32: 4 };
const DTYPE_BYTES: Record<MegatronDtype, number> = { uint16: 2, int32: 4 };
const FIXED = 9 + 8 + 1 + 8 + 8;

export interface MegatronIndex {
  dtype: MegatronDtype;
  /** Tokens per sequence. */
  lengths: Int32Array;
  /** Byte offset of each sequence in .bin. */
  pointers: BigInt64Array;
  /** 0, then the sequence count after each document. */
  documentIndices: BigInt64Array;
}

/** The .idx bytes for sequences of these lengths, one document each. */
export function encodeIndex(dtype: MegatronDtype, lengths: Int32Array, documentIndices?: BigInt64Array): Uint8Array {
  const S = lengths.length;
  const docs = documentIndices ?? BigInt64Array.from({ length: S + 1 }, (_, i) => BigInt(i));
  const out = new Uint8Array(FIXED + S * 4 + S * 8 + docs.length * 8);
  const view = new DataView(out.buffer);
  out.set(INDEX_HEADER, 0);
  view.setBigUint64(9, BigInt(INDEX_VERSION), true);
  view.setUint8(17, DTYPE_CODES[dtype]);
  view.setBigUint64(18, BigInt(S), true);
  view.setBigUint64(26, BigInt(docs.length), true);
  let at = FIXED;
  for (let i = 0; i < S; i++, at += 4) view.setInt32(at, lengths[i], true);
  let pointer = 0n;
  const item = BigInt(DTYPE_BYTES[dtype]);
  for (let i = 0; i < S; i++, at += 8) {
    view.setBigInt64(at, pointer, true);
    pointer += BigInt(lengths[i]) * item;
  }
  for (let i = 0; i < docs.length; i++, at += 8) view.setBigInt64(at, docs[i], true);
  return out;
}

function bad(message: string): never {
  throw new MmtokError('MMTOK_FILE_FORMAT', `not a Megatron index: ${message}`);
}

/** Parses and checks an .idx file (header, version, dtype, sizes that fit the file). */
export function decodeIndex(bytes: Uint8Array): MegatronIndex {
  if (bytes.length < FIXED) bad(`${bytes.length} bytes, the header alone is ${FIXED}`);
  for (let i = 0; i < INDEX_HEADER.length; i++) if (bytes[i] !== INDEX_HEADER[i]) bad('the magic is not MMIDIDX\\0\\0');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getBigUint64(9, true);
  if (version !== 1n) bad(`version ${version} (1 is known)`);
  const code = view.getUint8(17);
  const dtype = (Object.keys(DTYPE_CODES) as MegatronDtype[]).find((k) => DTYPE_CODES[k] === code);
  if (!dtype) bad(`dtype code ${code} (mmtok reads uint16 = 8 and int32 = 4)`);
  const S = Number(view.getBigUint64(18, true));
  const D = Number(view.getBigUint64(26, true));
  const need = FIXED + S * 12 + D * 8;
  if (need !== bytes.length)
    bad(`${S} sequences and ${D} document entries need ${need} bytes, the file has ${bytes.length}`);
  // A copy (a Buffer's slice would share its pool), aligned for the typed views.
  const copy = (at: number, n: number) => new Uint8Array(bytes.subarray(at, at + n)).buffer;
  return {
    dtype,
    lengths: new Int32Array(copy(FIXED, S * 4)),
    pointers: new BigInt64Array(copy(FIXED + S * 4, S * 8)),
    documentIndices: new BigInt64Array(copy(FIXED + S * 12, D * 8)),
  };
}

export const MEGATRON_ITEM_BYTES = DTYPE_BYTES;
