/**
 * The `.mmtok` token file: a little-endian container for one TokenSet, plus (version 2) extra
 * tracks such as a video's audio.
 *
 *   offset      size  field
 *   0           8     magic 89 4D 4D 54 4F 4B 0D 0A ("\x89MMTOK\r\n")
 *   8           4     u32 format version (1, or 2 when header.tracks lists extra tracks)
 *   12          4     u32 N = header length in bytes (N ≡ 4 mod 8, so the payload is 8-aligned)
 *   16          N     UTF-8 JSON header, padded with spaces
 *   16+N        4     u32 CRC-32/IEEE of bytes [0, 16+N): the header is trusted before it is used
 *   20+N        P     indices in header.dtype, little-endian, row-major over header.shape
 *   20+N+P      4     u32 CRC-32/IEEE of bytes [0, 20+N+P)
 *
 * Version 2: the payload is the primary indices followed by each track's indices in header.tracks
 * order, every segment zero-padded to a multiple of 8 bytes (so each starts 8-aligned); P is the
 * sum of the padded segment sizes. Files without extra tracks are still written as version 1.
 *
 * The header CRC tells a truncated file (header intact, bytes missing) from a corrupted one.
 * docs/token-file.md describes the fields; docs/read_mmtok.py reads it with numpy alone.
 */
import { MmtokError } from '../errors.js';
import { crc32 } from './checksum.js';

/** The high byte catches 7-bit transfers; CR LF catches newline translation either way. */
export const TOKEN_FILE_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x4d, 0x4d, 0x54, 0x4f, 0x4b, 0x0d, 0x0a);
/** The newest version this build writes and reads (version 1 files are read too). */
export const TOKEN_FILE_VERSION = 2;
const KNOWN_VERSIONS: readonly number[] = [1, 2];

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
  /** Version 2: the extra tracks stored after the primary indices, in payload order. */
  tracks?: TokenTrackHeader[];
}

/** An extra track (e.g. the audio of a video): its own tokenizer, layout and source facts. */
export interface TokenTrackHeader {
  /** Unique within the file, e.g. 'audio'. */
  name: string;
  modality: TokenModality;
  tokenizer: TokenizerIdentity;
  shape: number[];
  dtype: TokenDtype;
  codebookSize?: number;
  source: TokenSource;
}

/** What encodeTokenFile takes for an extra track: dtype chosen when omitted, source defaults to {}. */
export interface TokenTrackInput {
  header: Omit<TokenTrackHeader, 'dtype' | 'source'> & { dtype?: TokenDtype; source?: TokenSource };
  indices: Int32Array;
}

export interface TokenTrack {
  header: TokenTrackHeader;
  indices: Int32Array;
}

/** What encodeTokenFile takes: the dtype is chosen when omitted, and source defaults to {}. */
export interface TokenFileInput {
  header: Omit<TokenFileHeader, 'dtype' | 'source' | 'tracks'> & { dtype?: TokenDtype; source?: TokenSource };
  /** Indices, -1 marking a dropped residual level. */
  indices: Int32Array;
  /** Extra tracks; when non-empty the file is written as version 2. */
  tracks?: readonly TokenTrackInput[];
}

export interface TokenFile {
  /** header.tracks describes `tracks` (version 2 only). */
  header: TokenFileHeader;
  indices: Int32Array;
  /** Extra tracks in payload order; [] for version 1 files. */
  tracks: TokenTrack[];
}

export type TokenFileRegion = 'magic' | 'version' | 'header' | 'payload' | 'crc';

const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

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

type TokenFields = Pick<TokenFileHeader, 'tokenizer' | 'modality' | 'shape' | 'dtype' | 'codebookSize' | 'source'>;

/** Checks the fields a primary header and a track share; `at` names the object in messages. */
function checkTokenFields(o: Record<string, unknown>, at: string, fail: (message: string) => never): TokenFields {
  const t = o.tokenizer as Record<string, unknown> | undefined;
  if (!t || typeof t !== 'object' || Array.isArray(t))
    fail(`${at}.tokenizer must be an object { name, version, hash }`);
  for (const key of ['name', 'version', 'hash'] as const) {
    if (typeof t[key] !== 'string') fail(`${at}.tokenizer.${key} must be a string, got ${JSON.stringify(t[key])}`);
  }
  if (!MODALITIES.includes(o.modality as TokenModality)) {
    fail(`${at}.modality must be one of ${MODALITIES.join(', ')}, got ${JSON.stringify(o.modality)}`);
  }
  const shape = o.shape;
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_INDEX)
  ) {
    fail(`${at}.shape must be a non-empty array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!DTYPES.includes(o.dtype as TokenDtype)) {
    fail(`${at}.dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(o.dtype)}`);
  }
  const cs = o.codebookSize;
  if (cs !== undefined && !(typeof cs === 'number' && Number.isInteger(cs) && cs >= 1 && cs <= MAX_INDEX)) {
    fail(`${at}.codebookSize must be an integer in [1, ${MAX_INDEX}], got ${JSON.stringify(cs)}`);
  }
  const source = o.source;
  if (!source || typeof source !== 'object' || Array.isArray(source)) fail(`${at}.source must be an object`);
  const bad = badJsonValue(source, `${at}.source`);
  if (bad) fail(`${bad} must be JSON (finite numbers, strings, booleans, null, arrays, objects)`);
  return {
    tokenizer: { name: t.name as string, version: t.version as string, hash: t.hash as string },
    modality: o.modality as TokenModality,
    shape: [...(shape as number[])],
    dtype: o.dtype as TokenDtype,
    ...(cs !== undefined ? { codebookSize: cs as number } : {}),
    source: { ...(source as TokenSource) },
  };
}

function checkTrack(v: unknown, at: string, fail: (message: string) => never): TokenTrackHeader {
  if (!v || typeof v !== 'object' || Array.isArray(v)) fail(`${at} must be an object`);
  const o = v as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '') fail(`${at}.name must be a non-empty string`);
  const { tokenizer, modality, ...rest } = checkTokenFields(o, at, fail);
  // Fixed key order, as for the primary header: the same tracks write the same bytes.
  return { name: o.name as string, modality, tokenizer, ...rest };
}

/**
 * Checks a header's fields; returns a normalized copy with keys in a fixed order (stable bytes).
 * `tracks` is read only for version 2 (a version 1 reader ignores unknown keys, and so do we).
 */
function checkHeader(h: unknown, version: number, fail: (message: string) => never): TokenFileHeader {
  if (!h || typeof h !== 'object' || Array.isArray(h)) fail('the header is not a JSON object');
  const o = h as Record<string, unknown>;
  const fields = checkTokenFields(o, 'header', fail);
  if (o.createdBy !== undefined && typeof o.createdBy !== 'string') fail('header.createdBy must be a string');
  let tracks: TokenTrackHeader[] | undefined;
  if (version >= 2) {
    if (!Array.isArray(o.tracks) || o.tracks.length === 0) {
      fail('header.tracks must be a non-empty array in a version 2 file');
    }
    tracks = (o.tracks as unknown[]).map((t, i) => checkTrack(t, `header.tracks[${i}]`, fail));
    const names = new Set<string>();
    for (const t of tracks) {
      if (names.has(t.name)) fail(`header.tracks has two tracks named ${JSON.stringify(t.name)}`);
      names.add(t.name);
    }
  }
  return {
    tokenizer: fields.tokenizer,
    modality: fields.modality,
    shape: fields.shape,
    dtype: fields.dtype,
    ...(fields.codebookSize !== undefined ? { codebookSize: fields.codebookSize } : {}),
    source: fields.source,
    ...(o.createdBy !== undefined ? { createdBy: o.createdBy as string } : {}),
    ...(tracks ? { tracks } : {}),
  };
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Segment size in the payload: version 2 pads every segment to 8 bytes so the next starts aligned. */
function segmentBytes(count: number, dtype: TokenDtype, version: number): number {
  const raw = count * DTYPE_BYTES[dtype];
  return version >= 2 ? Math.ceil(raw / 8) * 8 : raw;
}

/** Range-checks one segment's indices and returns the dtype it is stored in. */
function segmentDtype(
  indices: Int32Array,
  input: { codebookSize?: number; dtype?: TokenDtype },
  what: string,
): TokenDtype {
  if (!(indices instanceof Int32Array)) {
    throw new MmtokError('MMTOK_SHAPE', `${what} indices must be an Int32Array`);
  }
  const codebookSize = input.codebookSize;
  for (let i = 0; i < indices.length; i++) {
    const v = indices[i];
    if (v < -1 || (codebookSize !== undefined && v >= codebookSize)) {
      throw new MmtokError(
        'MMTOK_INDEX_RANGE',
        `${what}: index ${v} at position ${i} is outside [-1, ${codebookSize !== undefined ? codebookSize - 1 : MAX_INDEX}]`,
        { position: i, value: v },
      );
    }
  }
  const needed = chooseTokenDtype(indices, codebookSize);
  const dtype = input.dtype ?? needed;
  if (DTYPES.indexOf(dtype) < DTYPES.indexOf(needed)) {
    throw new MmtokError(
      'MMTOK_TOKEN_FILE',
      `${what}: dtype '${dtype}' cannot hold these indices; '${needed}' is needed`,
      { region: 'header' },
    );
  }
  return dtype;
}

function writeSegment(out: Uint8Array, view: DataView, at: number, indices: Int32Array, dtype: TokenDtype): void {
  if (dtype === 'uint8') {
    out.set(indices, at);
  } else if (LITTLE_ENDIAN) {
    // Every segment starts at a multiple of 8 in a fresh buffer, so a typed view is aligned.
    if (dtype === 'uint16') new Uint16Array(out.buffer, at, indices.length).set(indices);
    else new Int32Array(out.buffer, at, indices.length).set(indices);
  } else {
    for (let i = 0; i < indices.length; i++) {
      if (dtype === 'uint16') view.setUint16(at + 2 * i, indices[i], true);
      else view.setInt32(at + 4 * i, indices[i], true);
    }
  }
}

/**
 * Serializes a token file; each dtype is the smallest that holds its indices unless given. With
 * extra `tracks` the file is version 2, else version 1 (byte-identical to earlier builds).
 */
export function encodeTokenFile(file: TokenFileInput): Uint8Array {
  const extra = file.tracks ?? [];
  const version = extra.length > 0 ? 2 : 1;
  const input = file.header;
  // From JavaScript callers a missing header would otherwise surface as a TypeError deep inside.
  if (!isObject(input)) bad('cannot write a token file: header must be an object', 'header');
  for (const [i, t] of extra.entries()) {
    if (!isObject(t?.header)) bad(`cannot write a token file: tracks[${i}].header must be an object`, 'header');
  }
  const dtype = segmentDtype(file.indices, input, 'token file');
  const trackDtypes = extra.map((t) =>
    segmentDtype(t.indices, t.header, `track ${JSON.stringify(t.header?.name ?? '')}`),
  );
  const candidate: Record<string, unknown> = { ...input, dtype, source: input.source ?? {} };
  if (version === 2) {
    candidate.tracks = extra.map((t, i) => ({ ...t.header, dtype: trackDtypes[i], source: t.header.source ?? {} }));
  }
  const header = checkHeader(candidate, version, (m) => bad(`cannot write a token file: ${m}`, 'header'));
  const segments: { indices: Int32Array; dtype: TokenDtype; shape: number[]; what: string }[] = [
    { indices: file.indices, dtype, shape: header.shape, what: 'token' },
    ...(header.tracks ?? []).map((t, i) => ({
      indices: extra[i].indices,
      dtype: t.dtype,
      shape: t.shape,
      what: `track '${t.name}'`,
    })),
  ];
  for (const seg of segments) {
    if (product(seg.shape) !== seg.indices.length) {
      throw new MmtokError(
        'MMTOK_SHAPE',
        `${seg.what} shape [${seg.shape}] holds ${product(seg.shape)} indices but ${seg.indices.length} were given`,
      );
    }
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad so that 16 + N + 4 (the payload start) is a multiple of 8.
  const headerLength = Math.ceil((json.length + 4) / 8) * 8 - 4;
  if (headerLength > MAX_HEADER) bad(`the header is ${headerLength} bytes, more than ${MAX_HEADER}`, 'header');
  const headerEnd = FIXED + headerLength;
  const payloadStart = headerEnd + CRC_BYTES;
  const payloadBytes = segments.reduce((a, seg) => a + segmentBytes(seg.indices.length, seg.dtype, version), 0);
  const out = new Uint8Array(payloadStart + payloadBytes + CRC_BYTES);
  const view = new DataView(out.buffer);
  out.set(TOKEN_FILE_MAGIC, 0);
  view.setUint32(8, version, true);
  view.setUint32(12, headerLength, true);
  out.set(json, FIXED);
  out.fill(0x20, FIXED + json.length, headerEnd);
  view.setUint32(headerEnd, crc32(out.subarray(0, headerEnd)), true);
  let at = payloadStart;
  for (const seg of segments) {
    writeSegment(out, view, at, seg.indices, seg.dtype);
    at += segmentBytes(seg.indices.length, seg.dtype, version);
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

/** Parses and verifies a token file (version 1 or 2); failures are MMTOK_TOKEN_FILE (structure) or MMTOK_CHECKSUM. */
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
  if (!KNOWN_VERSIONS.includes(version)) {
    bad(
      `unknown format version ${version}; this build reads versions ${KNOWN_VERSIONS.join(' and ')}` +
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
  const header = checkHeader(parsed, version, (m) => bad(`bad header: ${m}`, 'header'));

  // Payload segments: the primary indices, then each track (version 2), each at its 8-aligned offset.
  const segments: {
    name?: string;
    count: number;
    dtype: TokenDtype;
    codebookSize?: number;
    start: number;
    bytes: number;
  }[] = [];
  let at = payloadStart;
  for (const h of [header, ...(header.tracks ?? [])]) {
    const count = product(h.shape);
    const size = segmentBytes(count, h.dtype, version);
    segments.push({
      ...('name' in h ? { name: h.name } : {}),
      count,
      dtype: h.dtype,
      codebookSize: h.codebookSize,
      start: at,
      bytes: size,
    });
    at += size;
  }
  const payloadBytes = at - payloadStart;
  const where = (s: (typeof segments)[number]) => (s.name !== undefined ? ` of track '${s.name}'` : '');
  const expected = payloadStart + payloadBytes + CRC_BYTES;
  if (len !== expected) {
    if (len >= payloadStart + CRC_BYTES && crcAt(len - CRC_BYTES)) {
      const shapes = [header, ...(header.tracks ?? [])].map((h) => `[${h.shape}] of ${h.dtype}`).join(' + ');
      bad(
        `shape/payload size mismatch: shape ${shapes} needs ${payloadBytes} payload bytes, the file holds ${len - payloadStart - CRC_BYTES}`,
        'payload',
      );
    }
    if (len < payloadStart + payloadBytes) {
      const cut = segments.find((s) => s.start + s.bytes > len)!;
      bad(
        `truncated in the payload${where(cut)}: ${payloadBytes} bytes expected, ${len - payloadStart} present (${expected} bytes in all)`,
        'payload',
        cut.name !== undefined ? { track: cut.name } : {},
      );
    }
    if (len < expected) bad(`truncated in the CRC: ${expected - len} of its 4 bytes are missing`, 'crc');
    if (crcAt(expected - CRC_BYTES)) {
      bad(`${len - expected} unexpected bytes after the CRC (file of ${len} bytes, ${expected} expected)`, 'crc');
    }
    corrupted(`the file is ${len} bytes, its header implies ${expected}`);
  }
  if (!crcAt(len - CRC_BYTES)) corrupted('');

  const arrays = segments.map((s) => {
    const indices = readPayload(bytes, view, s.start, s.count, s.dtype);
    const limit = s.codebookSize;
    for (let i = 0; i < s.count; i++) {
      const v = indices[i];
      // One code for this cause, however it is found (here, when writing, or by the quantizer when
      // the header gives no codebookSize): MMTOK_INDEX_RANGE.
      if (v < -1 || (limit !== undefined && v >= limit)) {
        throw new MmtokError(
          'MMTOK_INDEX_RANGE',
          `index ${v} at position ${i}${where(s)} is outside [-1, ${limit !== undefined ? limit - 1 : MAX_INDEX}]`,
          { region: 'payload', position: i, value: v, ...(s.name !== undefined ? { track: s.name } : {}) },
        );
      }
    }
    return indices;
  });
  const tracks = (header.tracks ?? []).map((t, i) => ({ header: t, indices: arrays[i + 1] }));
  return { header, indices: arrays[0], tracks };
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
