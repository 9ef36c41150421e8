/**
 * Native WAV (RIFF) reading and writing: PCM 8/16/24/32-bit integer and 32/64-bit float, plain
 * or WAVE_FORMAT_EXTENSIBLE. No ffmpeg needed.
 */
import { MmtokError } from '@mmtok/core';
import type { AudioBuffer } from './types.js';

export type WavEncoding = 'pcm8' | 'pcm16' | 'pcm24' | 'pcm32' | 'float32' | 'float64';

export interface WavFormat {
  encoding: WavEncoding;
  channels: number;
  sampleRate: number;
  /** Bytes per sample frame (all channels). */
  blockAlign: number;
  /** Offset of the first sample byte in the file. */
  dataOffset: number;
  /** Bytes of sample data (whole frames). */
  dataBytes: number;
  /** Samples per channel. */
  length: number;
}

const ascii = (b: Uint8Array, at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

/** True when the bytes start like a RIFF/WAVE file. */
export function isWav(head: Uint8Array): boolean {
  return head.length >= 12 && ascii(head, 0) === 'RIFF' && ascii(head, 8) === 'WAVE';
}

function decodeError(what: string, message: string): MmtokError {
  return new MmtokError('MMTOK_AUDIO_DECODE', `${what}: ${message}`, { path: what });
}

/**
 * Parses the header chunks of a WAV file. `head` holds at least the bytes up to the data chunk's
 * start; `fileSize` is the whole file's size, so a data chunk that claims more bytes than the file
 * has is reported as truncated. A size of 0 or 0xFFFFFFFF (streamed WAV) means "to the end".
 */
export function parseWavHeader(head: Uint8Array, fileSize: number, what: string): WavFormat {
  if (!isWav(head)) throw decodeError(what, 'not a RIFF/WAVE file');
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let at = 12;
  let fmt: Omit<WavFormat, 'dataOffset' | 'dataBytes' | 'length'> | undefined;
  while (at + 8 <= head.length) {
    const id = ascii(head, at);
    const size = v.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > head.length) throw decodeError(what, 'truncated fmt chunk');
      let tag = v.getUint16(body, true);
      const channels = v.getUint16(body + 2, true);
      const sampleRate = v.getUint32(body + 4, true);
      const blockAlign = v.getUint16(body + 12, true);
      const bits = v.getUint16(body + 14, true);
      if (tag === 0xfffe) {
        if (size < 40 || body + 26 > head.length) throw decodeError(what, 'truncated WAVE_FORMAT_EXTENSIBLE chunk');
        tag = v.getUint16(body + 24, true); // the sub-format GUID starts with the format tag
      }
      let encoding: WavEncoding | undefined;
      if (tag === 1) encoding = ({ 8: 'pcm8', 16: 'pcm16', 24: 'pcm24', 32: 'pcm32' } as const)[bits];
      else if (tag === 3) encoding = ({ 32: 'float32', 64: 'float64' } as const)[bits];
      if (!encoding) {
        throw new MmtokError(
          'MMTOK_AUDIO_FORMAT',
          `${what}: unsupported WAV sample format (tag ${tag}, ${bits} bits); supported: PCM 8/16/24/32-bit, float 32/64-bit`,
          { path: what },
        );
      }
      if (channels < 1 || sampleRate < 1 || blockAlign !== channels * (bits / 8)) {
        throw decodeError(what, `inconsistent fmt chunk (${channels} channels, ${sampleRate} Hz, block ${blockAlign})`);
      }
      fmt = { encoding, channels, sampleRate, blockAlign };
    } else if (id === 'data') {
      if (!fmt) throw decodeError(what, 'data chunk before fmt chunk');
      const rest = fileSize - body;
      let bytes = size;
      if (size === 0xffffffff || (size === 0 && rest > 0)) bytes = rest;
      else if (size > rest) throw decodeError(what, `truncated: the data chunk claims ${size} bytes, ${rest} present`);
      bytes -= bytes % fmt.blockAlign;
      return { ...fmt, dataOffset: body, dataBytes: bytes, length: bytes / fmt.blockAlign };
    }
    at = body + size + (size & 1);
  }
  if (at + 8 > fileSize || at >= head.length) {
    throw decodeError(what, fmt ? 'truncated: no data chunk' : 'truncated: no fmt chunk');
  }
  throw decodeError(what, 'no data chunk');
}

/** Bytes of header to read before parsing: enough for the usual chunk layouts (LIST chunks included). */
export const WAV_HEAD_BYTES = 64 * 1024;

/** Interleaved sample bytes (whole frames) → planar float32 appended into `out` at `offset`, with `outLength` samples per channel. */
export function decodeWavSamples(
  bytes: Uint8Array,
  fmt: Pick<WavFormat, 'encoding' | 'channels' | 'blockAlign'>,
  out: Float32Array,
  outLength: number,
  offset: number,
): number {
  const C = fmt.channels;
  const n = Math.floor(bytes.length / fmt.blockAlign);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    const base = i * fmt.blockAlign;
    for (let c = 0; c < C; c++) {
      let x: number;
      switch (fmt.encoding) {
        case 'pcm8':
          x = (bytes[base + c] - 128) / 128;
          break;
        case 'pcm16':
          x = v.getInt16(base + 2 * c, true) / 32768;
          break;
        case 'pcm24': {
          const p = base + 3 * c;
          x = (((bytes[p] | (bytes[p + 1] << 8) | (bytes[p + 2] << 16)) << 8) >> 8) / 8388608;
          break;
        }
        case 'pcm32':
          x = v.getInt32(base + 4 * c, true) / 2147483648;
          break;
        case 'float32':
          x = v.getFloat32(base + 4 * c, true);
          break;
        default:
          x = v.getFloat64(base + 8 * c, true);
      }
      out[c * outLength + offset + i] = x;
    }
  }
  return n;
}

/** Parses a whole WAV file held in memory. */
export function decodeWav(bytes: Uint8Array, what: string): AudioBuffer {
  const fmt = parseWavHeader(bytes.subarray(0, Math.min(bytes.length, WAV_HEAD_BYTES)), bytes.length, what);
  const data = new Float32Array(fmt.channels * fmt.length);
  decodeWavSamples(bytes.subarray(fmt.dataOffset, fmt.dataOffset + fmt.dataBytes), fmt, data, fmt.length, 0);
  return { data, channels: fmt.channels, sampleRate: fmt.sampleRate, length: fmt.length };
}

const BITS: Record<WavEncoding, number> = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, float32: 32, float64: 64 };

/** A 44-byte canonical header (68 with WAVE_FORMAT_EXTENSIBLE for more than 2 channels or > 16-bit ints). */
export function wavHeader(encoding: WavEncoding, channels: number, sampleRate: number, length: number): Uint8Array {
  const bits = BITS[encoding];
  const isFloat = encoding.startsWith('float');
  const extensible = channels > 2 || (!isFloat && bits > 16);
  const fmtSize = extensible ? 40 : 16;
  const blockAlign = channels * (bits / 8);
  const dataBytes = length * blockAlign;
  const headerBytes = 12 + 8 + fmtSize + 8;
  const h = new Uint8Array(headerBytes);
  const v = new DataView(h.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) h[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, Math.min(0xffffffff, headerBytes - 8 + dataBytes), true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  const tag = isFloat ? 3 : 1;
  v.setUint16(20, extensible ? 0xfffe : tag, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * blockAlign, true);
  v.setUint16(32, blockAlign, true);
  v.setUint16(34, bits, true);
  if (extensible) {
    v.setUint16(36, 22, true);
    v.setUint16(38, bits, true);
    v.setUint32(40, 0, true); // channel mask: unspecified
    // KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: tag, then 00000000-0010-8000-00aa00389b71.
    v.setUint16(44, tag, true);
    h.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
  }
  put(headerBytes - 8, 'data');
  v.setUint32(headerBytes - 4, Math.min(0xffffffff, dataBytes), true);
  return h;
}

/** Planar samples [offset, offset + n) of `audio` → interleaved bytes in `encoding` (clipped to [-1, 1] for integers). */
export function encodeWavSamples(
  audio: AudioBuffer,
  encoding: WavEncoding,
  offset = 0,
  n = audio.length - offset,
): Uint8Array {
  const C = audio.channels;
  const bps = BITS[encoding] / 8;
  const out = new Uint8Array(n * C * bps);
  const v = new DataView(out.buffer);
  const clip = (x: number) => (x > 1 ? 1 : x < -1 ? -1 : Number.isNaN(x) ? 0 : x);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < C; c++) {
      const x = audio.data[c * audio.length + offset + i];
      const at = (i * C + c) * bps;
      switch (encoding) {
        case 'pcm8':
          out[at] = Math.round(clip(x) * 127) + 128;
          break;
        case 'pcm16':
          v.setInt16(at, Math.round(clip(x) * 32767), true);
          break;
        case 'pcm24': {
          const s = Math.round(clip(x) * 8388607);
          out[at] = s & 0xff;
          out[at + 1] = (s >> 8) & 0xff;
          out[at + 2] = (s >> 16) & 0xff;
          break;
        }
        case 'pcm32':
          v.setInt32(at, Math.round(clip(x) * 2147483647), true);
          break;
        case 'float32':
          v.setFloat32(at, x, true);
          break;
        default:
          v.setFloat64(at, x, true);
      }
    }
  }
  return out;
}

/** A whole WAV file in memory. */
export function encodeWav(audio: AudioBuffer, encoding: WavEncoding = 'pcm16'): Uint8Array {
  const head = wavHeader(encoding, audio.channels, audio.sampleRate, audio.length);
  const body = encodeWavSamples(audio, encoding);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
