/**
 * NumPy's .npy format (version 1.0) for a flat 1-D array: "\x93NUMPY", 1, 0, a u16 header length,
 * then a Python dict literal padded with spaces and a newline so the data starts 64-aligned.
 * The header is sized for the largest count up front, so it can be written last, in place.
 */
import { MmtokError } from '@mmtok/core';
import type { StorageDtype } from './output-file.js';

const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
/** Header bytes (magic, version, length, dict): room for any 2^53 count. */
export const NPY_HEADER_BYTES = 128;
const DESCR: Partial<Record<StorageDtype, string>> = { uint16: '<u2', uint32: '<u4', int32: '<i4' };

export function encodeNpyHeader(dtype: StorageDtype, count: number): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': (${count},), }`;
  const body = `${dict.padEnd(NPY_HEADER_BYTES - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(NPY_HEADER_BYTES);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, body.length, true);
  out.set(new TextEncoder().encode(body), 10);
  return out;
}

/** The dtype and count of a 1-D .npy written by encodeNpyHeader (or numpy, for these dtypes). */
export function decodeNpyHeader(bytes: Uint8Array): { dtype: StorageDtype; count: number; dataStart: number } {
  const fail = (why: string): never => {
    throw new MmtokError('MMTOK_FILE_FORMAT', `not a 1-D .npy of token ids: ${why}`);
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('bad magic');
  if (bytes[6] !== 1) fail(`version ${bytes[6]}.${bytes[7]}`);
  const len = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const dict = new TextDecoder().decode(bytes.subarray(10, 10 + len));
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const dtype = (Object.keys(DESCR) as StorageDtype[]).find((k) => DESCR[k] === descr);
  const shape = /'shape':\s*\((\d+),\)/.exec(dict)?.[1];
  if (!dtype || shape === undefined || !/'fortran_order':\s*False/.test(dict)) fail(dict.trim());
  return { dtype: dtype!, count: Number(shape), dataStart: 10 + len };
}
