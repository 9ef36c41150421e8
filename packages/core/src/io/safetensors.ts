import { MmtokError } from '../errors.js';

/** A float32 tensor as stored in a safetensors file. */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const MAX_HEADER = 100 * 1024 * 1024;

function invalid(message: string): never {
  throw new MmtokError('MMTOK_FILE_FORMAT', `not a valid safetensors file: ${message}`);
}

/**
 * Encodes float32 tensors and string metadata in the safetensors layout: an 8-byte little-endian
 * header length, a JSON header padded with spaces to 8 bytes, then the raw little-endian data.
 */
export function encodeSafetensors(tensors: Record<string, StoredTensor>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, HeaderEntry | Record<string, string>> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const name of names) {
    const d = tensors[name].data;
    for (let i = 0; i < d.length; i++, pos += 4) view.setFloat32(pos, d[i], true);
  }
  return out;
}

/** Decodes a safetensors buffer holding F32 tensors; any inconsistency is MMTOK_FILE_FORMAT. */
export function decodeSafetensors(bytes: Uint8Array): {
  tensors: Record<string, StoredTensor>;
  metadata: Record<string, string>;
} {
  if (bytes.length < 8) invalid(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
    invalid(`header length ${headerLength} exceeds the file (${bytes.length} bytes); the file may be truncated`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    invalid('the header is not valid UTF-8 JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) invalid('the header is not an object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors: Record<string, StoredTensor> = {};
  let metadata: Record<string, string> = {};
  const ranges: { name: string; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (
        !value ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        !Object.values(value).every((v) => typeof v === 'string')
      )
        invalid('__metadata__ must be an object of strings');
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as HeaderEntry;
    if (e?.dtype !== 'F32') invalid(`tensor '${name}' has dtype ${JSON.stringify(e?.dtype)}; only F32 is supported`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      invalid(`tensor '${name}' has shape ${JSON.stringify(e.shape)}; dimensions must be non-negative integers`);
    }
    const [begin, end] = (Array.isArray(e.data_offsets) ? e.data_offsets : [Number.NaN, Number.NaN]) as number[];
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (
      !Number.isInteger(begin) ||
      !Number.isInteger(end) ||
      begin < 0 ||
      end > dataLength ||
      end - begin !== count * 4
    ) {
      invalid(
        `tensor '${name}' has offsets [${begin}, ${end}] that do not fit its shape or the file; the file may be truncated`,
      );
    }
    ranges.push({ name, shape: e.shape, begin, end });
  }
  // The tensors must tile the data exactly, in some order: an overlap would let two tensors share
  // bytes (one write corrupting the other), a gap is data no tensor owns.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const r of ranges) {
    if (r.begin < covered) {
      const other = ranges.find((o) => o !== r && o.begin < r.end && r.begin < o.end)?.name;
      invalid(`tensor '${r.name}' [${r.begin}, ${r.end}] overlaps tensor '${other}'`);
    }
    if (r.begin > covered) invalid(`bytes [${covered}, ${r.begin}) of data belong to no tensor`);
    covered = r.end;
  }
  if (covered !== dataLength) invalid(`${dataLength - covered} bytes of data belong to no tensor`);
  for (const { name, shape, begin, end } of ranges) {
    const data = new Float32Array((end - begin) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + begin + i * 4, true);
    tensors[name] = { shape: [...shape], data };
  }
  return { tensors, metadata };
}
