/**
 * The `.mmtok` token file: a little-endian container for one TokenSet.
 *
 *   offset      size  field
 *   0           8     magic 89 4D 4D 54 4F 4B 0D 0A ("\x89MMTOK\r\n")
 *   8           4     u32 format version (1)
 *   12          4     u32 N = header length in bytes (N ≡ 4 mod 8, so the payload is 8-aligned)
 *   16          N     UTF-8 JSON header, padded with spaces
 *   16+N        4     u32 CRC-32/IEEE of bytes [0, 16+N): the header is trusted before it is used
 *   20+N        P     indices in header.dtype, little-endian, row-major over header.shape
 *   20+N+P      4     u32 CRC-32/IEEE of bytes [0, 20+N+P)
 *
 * The header CRC tells a truncated file (header intact, bytes missing) from a corrupted one.
 * docs/token-file.md describes the fields; docs/read_mmtok.py reads it with numpy alone.
 */
import { MmtokError } from '../errors.js';
import { crc32 } from './checksum.js';

/** The high byte catches 7-bit transfers; CR LF catches newline translation either way. */
export const TOKEN_FILE_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x4d, 0x4d, 0x54, 0x4f, 0x4b, 0x0d, 0x0a);
export const TOKEN_FILE_VERSION = 1;

const FIXED = 16;
const CRC_BYTES = 4;
const MAX_HEADER = 16 * 1024 * 1024;
const MAX_INDEX = 2 ** 31 - 1;

export type TokenModality = 'image' | 'audio' | 'video';
export type TokenDtype = 'uint8' | 'uint16' | 'int32';

const MODALITIES: readonly TokenModality[] = ['image', 'audio', 'video'];
const DTYPES: readonly TokenDtype[] = ['uint8', 'uint16', 'int32'];
const DTYPE_BYTES: Record<TokenDtype, number> = { uint8: 1, uint16: 2, int32: 4 };

/** Which tokenizer made the tokens: decoding with another one is an error upstream. */
export interface TokenizerIdentity {
  name: string;
  version: string;
  /** Content hash of the tokenizer (manifest + weights). */
  hash: string;
}

/** A JSON value with finite numbers only. */
export type TokenSourceValue =
  | number
  | string
  | boolean
  | null
  | TokenSourceValue[]
  | { [key: string]: TokenSourceValue };

/** Facts about the source media (width, height, frames, fps, sampleRate, duration, crop rectangles, …). */
export type TokenSource = Record<string, TokenSourceValue>;

/** Path of the first value in `v` that JSON cannot carry faithfully (a non-finite number, …), or undefined. */
function badJsonValue(v: unknown, path: string): string | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return undefined;
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) {
      const bad = badJsonValue(x, `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v as object)) {
      const bad = badJsonValue(x, `${path}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return path;
}

export interface TokenFileHeader {
  tokenizer: TokenizerIdentity;
  modality: TokenModality;
  /** Token layout, e.g. [h, w, levels] or [frames, h, w, levels]; its product is the index count. */
  shape: number[];
  /** Storage type of the payload. */
  dtype: TokenDtype;
  /** Codes per quantizer level; when given, every index must be below it and it decides the dtype. */
  codebookSize?: number;
  source: TokenSource;
  /** The program that wrote the file, e.g. "mmtok 0.1.0". */
  createdBy?: string;
}

/** What encodeTokenFile takes: the dtype is chosen when omitted, and source defaults to {}. */
export interface TokenFileInput {
  header: Omit<TokenFileHeader, 'dtype' | 'source'> & { dtype?: TokenDtype; source?: TokenSource };
  /** Indices, -1 marking a dropped residual level. */
  indices: Int32Array;
}

export interface TokenFile {
  header: TokenFileHeader;
  indices: Int32Array;
}

export type TokenFileRegion = 'magic' | 'version' | 'header' | 'payload' | 'crc';

function bad(message: string, region: TokenFileRegion, extra: Record<string, unknown> = {}): never {
  throw new MmtokError('MMTOK_TOKEN_FILE', message, { region, ...extra });
}

/**
 * The smallest dtype that holds every index: -1 (dropped level) forces int32; otherwise the
 * codebook size decides when known (so one tokenizer always writes one dtype), else the data.
 */
export function chooseTokenDtype(indices: Int32Array, codebookSize?: number): TokenDtype {
  let max = 0;
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] < 0) return 'int32';
    if (indices[i] > max) max = indices[i];
  }
  const top = codebookSize !== undefined ? Math.max(codebookSize - 1, max) : max;
  if (top <= 0xff) return 'uint8';
  if (top <= 0xffff) return 'uint16';
  return 'int32';
}

/** Checks a header's fields; returns a normalized copy with keys in a fixed order (stable bytes). */
function checkHeader(h: unknown, fail: (message: string) => never): TokenFileHeader {
  if (!h || typeof h !== 'object' || Array.isArray(h)) fail('the header is not a JSON object');
  const o = h as Record<string, unknown>;
  const t = o.tokenizer as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object' || Array.isArray(t))
    fail('header.tokenizer must be an object { name, version, hash }');
  for (const key of ['name', 'version', 'hash'] as const) {
    if (typeof t[key] !== 'string') fail(`header.tokenizer.${key} must be a string, got ${JSON.stringify(t[key])}`);
  }
  if (!MODALITIES.includes(o.modality as TokenModality)) {
    fail(`header.modality must be one of ${MODALITIES.join(', ')}, got ${JSON.stringify(o.modality)}`);
  }
  const shape = o.shape;
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_INDEX)
  ) {
    fail(`header.shape must be a non-empty array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!DTYPES.includes(o.dtype as TokenDtype)) {
    fail(`header.dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(o.dtype)}`);
  }
  const cs = o.codebookSize;
  if (cs !== undefined && !(typeof cs === 'number' && Number.isInteger(cs) && cs >= 1 && cs <= MAX_INDEX)) {
    fail(`header.codebookSize must be an integer in [1, ${MAX_INDEX}], got ${JSON.stringify(cs)}`);
  }
  const source = o.source;
  if (!source || typeof source !== 'object' || Array.isArray(source)) fail('header.source must be an object');
  const bad = badJsonValue(source, 'header.source');
  if (bad) fail(`${bad} must be JSON (finite numbers, strings, booleans, null, arrays, objects)`);
  if (o.createdBy !== undefined && typeof o.createdBy !== 'string') fail('header.createdBy must be a string');
  const out: TokenFileHeader = {
    tokenizer: { name: t.name as string, version: t.version as string, hash: t.hash as string },
    modality: o.modality as TokenModality,
    shape: [...(shape as number[])],
    dtype: o.dtype as TokenDtype,
    ...(cs !== undefined ? { codebookSize: cs as number } : {}),
    source: { ...(source as TokenSource) },
    ...(o.createdBy !== undefined ? { createdBy: o.createdBy as string } : {}),
  };
  return out;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Serializes a token file; the dtype is the smallest that holds the indices unless given. */
export function encodeTokenFile(file: TokenFileInput): Uint8Array {
  const { indices } = file;
  if (!(indices instanceof Int32Array)) {
    throw new MmtokError('MMTOK_SHAPE', 'token file indices must be an Int32Array');
  }
  const input = file.header;
  const codebookSize = input.codebookSize;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (v < -1 || (codebookSize !== undefined && v >= codebookSize)) {
      throw new MmtokError(
        'MMTOK_INDEX_RANGE',
        `index ${v} at position ${i} is outside [-1, ${codebookSize !== undefined ? codebookSize - 1 : MAX_INDEX}]`,
        { position: i, value: v },
      );
    }
  }
  const needed = chooseTokenDtype(indices, codebookSize);
  const dtype = input.dtype ?? needed;
  if (DTYPES.indexOf(dtype) < DTYPES.indexOf(needed)) {
    throw new MmtokError('MMTOK_TOKEN_FILE', `dtype '${dtype}' cannot hold these indices; '${needed}' is needed`, {
      region: 'header',
    });
  }
  const header = checkHeader({ ...input, dtype, source: input.source ?? {} }, (m) =>
    bad(`cannot write a token file: ${m}`, 'header'),
  );
  if (product(header.shape) !== indices.length) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `token shape [${header.shape}] holds ${product(header.shape)} indices but ${indices.length} were given`,
    );
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad so that 16 + N + 4 (the payload start) is a multiple of 8.
  const headerLength = Math.ceil((json.length + 4) / 8) * 8 - 4;
  if (headerLength > MAX_HEADER) bad(`the header is ${headerLength} bytes, more than ${MAX_HEADER}`, 'header');
  const width = DTYPE_BYTES[dtype];
  const headerEnd = FIXED + headerLength;
  const payloadStart = headerEnd + CRC_BYTES;
  const payloadBytes = indices.length * width;
  const out = new Uint8Array(payloadStart + payloadBytes + CRC_BYTES);
  const view = new DataView(out.buffer);
  out.set(TOKEN_FILE_MAGIC, 0);
  view.setUint32(8, TOKEN_FILE_VERSION, true);
  view.setUint32(12, headerLength, true);
  out.set(json, FIXED);
  out.fill(0x20, FIXED + json.length, headerEnd);
  view.setUint32(headerEnd, crc32(out.subarray(0, headerEnd)), true);
  if (dtype === 'uint8') {
    out.set(indices, payloadStart);
  } else if (LITTLE_ENDIAN) {
    // payloadStart is a multiple of 8 in a fresh buffer, so a typed view is aligned.
    if (dtype === 'uint16') new Uint16Array(out.buffer, payloadStart, indices.length).set(indices);
    else new Int32Array(out.buffer, payloadStart, indices.length).set(indices);
  } else {
    for (let i = 0; i < indices.length; i++) {
      if (dtype === 'uint16') view.setUint16(payloadStart + 2 * i, indices[i], true);
      else view.setInt32(payloadStart + 4 * i, indices[i], true);
    }
  }
  const end = payloadStart + payloadBytes;
  view.setUint32(end, crc32(out.subarray(0, end)), true);
  return out;
}

function describeMagic(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const ascii = new TextDecoder('latin1').decode(bytes.subarray(0, 16));
  if (ascii.includes('MMTOK')) {
    // Recognizably ours but altered: say how, since the fix is to transfer it again in binary mode.
    return `its first bytes (${head}) are a damaged mmtok magic; it was likely transferred in text mode or as 7-bit data — copy it again in binary mode`;
  }
  return `its first bytes (${head}) are not the mmtok magic 89 4d 4d 54 4f 4b 0d 0a; it is not a .mmtok token file`;
}

/** Parses and verifies a token file; failures are MMTOK_TOKEN_FILE (structure) or MMTOK_CHECKSUM. */
export function decodeTokenFile(bytes: Uint8Array): TokenFile {
  if (!(bytes instanceof Uint8Array)) bad('expected the bytes of a token file (Uint8Array)', 'magic');
  const len = bytes.length;
  const magicLen = Math.min(len, TOKEN_FILE_MAGIC.length);
  for (let i = 0; i < magicLen; i++) {
    if (bytes[i] !== TOKEN_FILE_MAGIC[i]) bad(`bad magic: ${describeMagic(bytes)}`, 'magic');
  }
  if (len < TOKEN_FILE_MAGIC.length) bad(`truncated in the magic: the file has only ${len} bytes`, 'magic');
  if (len < FIXED) bad(`truncated in the fixed header: the file has only ${len} of its first ${FIXED} bytes`, 'header');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TOKEN_FILE_VERSION) {
    bad(
      `unknown format version ${version}; this build reads version ${TOKEN_FILE_VERSION}` +
        (version > TOKEN_FILE_VERSION ? ' (written by a newer mmtok? upgrade to read it)' : ''),
      'version',
      { version },
    );
  }
  const headerLength = view.getUint32(12, true);
  if (headerLength > MAX_HEADER) {
    bad(`header length ${headerLength} is more than ${MAX_HEADER} bytes; the file is corrupted`, 'header');
  }
  const headerEnd = FIXED + headerLength;
  const payloadStart = headerEnd + CRC_BYTES;
  if (payloadStart > len) {
    bad(
      `truncated in the header: it needs ${headerLength} JSON bytes and a 4-byte CRC, the file ends after ${len - FIXED}`,
      'header',
    );
  }
  const crcAt = (end: number) => crc32(bytes.subarray(0, end)) === view.getUint32(end, true);
  if (!crcAt(headerEnd)) corrupted('the header CRC does not match');

  // The header is now what the writer wrote: a problem in it is the writer's, not the transfer's.
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(FIXED, headerEnd)));
  } catch {
    bad('bad header: not valid UTF-8 JSON', 'header');
  }
  const header = checkHeader(parsed, (m) => bad(`bad header: ${m}`, 'header'));

  const count = product(header.shape);
  const payloadBytes = count * DTYPE_BYTES[header.dtype];
  const expected = payloadStart + payloadBytes + CRC_BYTES;
  if (len !== expected) {
    if (len >= payloadStart + CRC_BYTES && crcAt(len - CRC_BYTES)) {
      bad(
        `shape/payload size mismatch: shape [${header.shape}] of ${header.dtype} needs ${payloadBytes} payload bytes, the file holds ${len - payloadStart - CRC_BYTES}`,
        'payload',
      );
    }
    if (len < payloadStart + payloadBytes) {
      bad(
        `truncated in the payload: ${payloadBytes} bytes expected, ${len - payloadStart} present (${expected} bytes in all)`,
        'payload',
      );
    }
    if (len < expected) bad(`truncated in the CRC: ${expected - len} of its 4 bytes are missing`, 'crc');
    if (crcAt(expected - CRC_BYTES)) {
      bad(`${len - expected} unexpected bytes after the CRC (file of ${len} bytes, ${expected} expected)`, 'crc');
    }
    corrupted(`the file is ${len} bytes, its header implies ${expected}`);
  }
  if (!crcAt(len - CRC_BYTES)) corrupted('');

  const indices = readPayload(bytes, view, payloadStart, count, header.dtype);
  const limit = header.codebookSize;
  for (let i = 0; i < count; i++) {
    const v = indices[i];
    if (v < -1 || (limit !== undefined && v >= limit)) {
      bad(`index ${v} at position ${i} is outside [-1, ${limit !== undefined ? limit - 1 : MAX_INDEX}]`, 'payload');
    }
  }
  return { header, indices };
}

function corrupted(why: string): never {
  throw new MmtokError(
    'MMTOK_CHECKSUM',
    `CRC-32 mismatch: the token file is corrupted${why ? ` (${why})` : ''}; re-create or re-copy it`,
    { region: 'crc' },
  );
}

function readPayload(bytes: Uint8Array, view: DataView, start: number, count: number, dtype: TokenDtype): Int32Array {
  const at = bytes.byteOffset + start;
  if (dtype === 'uint8') return Int32Array.from(bytes.subarray(start, start + count));
  if (LITTLE_ENDIAN && at % DTYPE_BYTES[dtype] === 0) {
    if (dtype === 'uint16') return Int32Array.from(new Uint16Array(bytes.buffer, at, count));
    return new Int32Array(bytes.buffer.slice(at, at + count * 4));
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = dtype === 'uint16' ? view.getUint16(start + 2 * i, true) : view.getInt32(start + 4 * i, true);
  }
  return out;
}
