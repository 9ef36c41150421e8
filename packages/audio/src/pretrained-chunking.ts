/**
 * Chunked encoding of long files for model codecs (convolutions, attention), whose frames depend on
 * their neighbours. The (padded) signal is cut into chunks of whole padding units; each chunk is
 * encoded together with `context` samples of real audio on each side (zeros only where the file
 * itself ends) and only the chunk's own frames are kept. With a context at least the encoder's
 * receptive field the tokens equal a whole-file encode; with less, frames near the seams may differ
 * (docs/pretrained.md has measured agreement and seam error). Memory: one window of audio.
 */
import { MmtokError } from '@mmtok/core';
import type { Codes } from './codec.js';
import { convertAudioStream } from './convert-stream.js';
import type { AudioTokenizer } from './tokenizer.js';
import type { AudioBuffer, AudioTokenSet } from './types.js';

export interface ChunkedEncodeOptions {
  /** Samples per chunk (at the tokenizer's rate), rounded up to whole padding units. Default: 10 s. */
  chunkSamples?: number;
  /** Real audio encoded on each side of a chunk, rounded up to whole padding units. Default: 2 s. */
  contextSamples?: number;
  /** Keep the first n levels (of each scale). Default: all. */
  levels?: number;
  /** Called after each chunk with the seconds encoded so far. */
  onProgress?: (seconds: number) => void;
}

/** Planar samples of a stretch of the stream, [start, start + length) in absolute samples. */
class Window {
  private ch: Float32Array[];
  start = 0;
  length = 0;

  constructor(readonly channels: number) {
    this.ch = Array.from({ length: channels }, () => new Float32Array(0));
  }

  append(a: AudioBuffer): void {
    const need = this.length + a.length;
    for (let c = 0; c < this.channels; c++) {
      let buf = this.ch[c];
      if (buf.length < need) {
        const grown = new Float32Array(Math.max(need, 2 * buf.length));
        grown.set(buf.subarray(0, this.length));
        this.ch[c] = buf = grown;
      }
      buf.set(a.data.subarray(c * a.length, (c + 1) * a.length), this.length);
    }
    this.length = need;
  }

  /** Planar [C, to − from] of absolute samples [from, to); samples past what is held are zero. */
  read(from: number, to: number): Float32Array {
    const n = to - from;
    const out = new Float32Array(this.channels * n);
    const have = Math.max(0, Math.min(this.start + this.length, to) - from);
    const at = from - this.start;
    for (let c = 0; c < this.channels; c++) out.set(this.ch[c].subarray(at, at + have), c * n);
    return out;
  }

  /** Forgets the samples before absolute index `abs`. */
  dropBefore(abs: number): void {
    const k = Math.min(this.length, abs - this.start);
    if (k <= 0) return;
    for (const buf of this.ch) buf.copyWithin(0, k, this.length);
    this.start += k;
    this.length -= k;
  }
}

interface Part {
  codes: Codes;
  /** Padding units in the window, and the chunk's own units within it. */
  units: number;
  keepFrom: number;
  keepUnits: number;
}

/**
 * Audio (one buffer, or chunks of one rate and channel count, converted as they come) → tokens
 * [levels, frames] (multi-scale: the scales' blocks, source.scales), encoded chunk by chunk with
 * context. source.chunking records the chunk and context sizes used.
 */
export async function encodeChunked(
  tokenizer: AudioTokenizer,
  audio: AudioBuffer | AsyncIterable<AudioBuffer>,
  options: ChunkedEncodeOptions = {},
): Promise<AudioTokenSet> {
  const unit = tokenizer.hopLength;
  const sr = tokenizer.sampleRate;
  const C = tokenizer.channels;
  const whole = (n: number, what: string) => {
    if (!Number.isFinite(n) || n < 0) throw new MmtokError('MMTOK_CONFIG', `${what} must be ≥ 0, got ${n}`);
    return Math.ceil(n / unit) * unit;
  };
  const chunk = Math.max(unit, whole(options.chunkSamples ?? 10 * sr, 'chunkSamples'));
  const context = whole(options.contextSamples ?? 2 * sr, 'contextSamples');
  const levels = options.levels ?? tokenizer.levels;
  const stream: AsyncIterable<AudioBuffer> =
    Symbol.asyncIterator in audio
      ? convertAudioStream(audio, sr, C)
      : (async function* () {
          yield await tokenizer.prepare(audio);
        })();
  const it = stream[Symbol.asyncIterator]();
  const win = new Window(C);
  let ended = false;
  const parts: Part[] = [];
  for (let start = 0; ; start += chunk) {
    // Read until the window reaches past this chunk's right context, or the stream ends.
    while (!ended && win.start + win.length < start + chunk + context) {
      const next = await it.next();
      if (next.done) ended = true;
      else win.append(next.value);
    }
    const total = win.start + win.length;
    const padded = ended ? Math.ceil(total / unit) * unit : Number.POSITIVE_INFINITY;
    if (start >= padded) break;
    const from = Math.max(0, start - context);
    const end = Math.min(padded, start + chunk);
    const to = Math.min(padded, end + context);
    const codes = await tokenizer.codec.encode(win.read(from, to), C, to - from, levels);
    parts.push({ codes, units: (to - from) / unit, keepFrom: (start - from) / unit, keepUnits: (end - start) / unit });
    win.dropBefore(end - context);
    options.onProgress?.(end / sr);
  }
  const samples = win.start + win.length;
  if (samples === 0) throw new MmtokError('MMTOK_EMPTY', 'cannot encode zero-length audio');
  return assemble(tokenizer, parts, samples, { chunkSamples: chunk, contextSamples: context });
}

/** The kept frames of every part, per scale and level, in whole-file layout. */
function assemble(
  tokenizer: AudioTokenizer,
  parts: Part[],
  samples: number,
  chunking: { chunkSamples: number; contextSamples: number },
): AudioTokenSet {
  const blocksOf = (c: Codes) => c.scales ?? [{ levels: c.levels, frames: c.frames }];
  const first = blocksOf(parts[0].codes);
  // Each part's kept frames copied straight into one Int32Array (no per-token JS arrays: hours of audio).
  const kept = first.map((_, s) =>
    parts.reduce((n, p) => n + p.keepUnits * (blocksOf(p.codes)[s].frames / p.units), 0),
  );
  const indices = new Int32Array(first.reduce((n, b, s) => n + b.levels * kept[s], 0));
  let base = 0;
  const scales = first.map((b, s) => {
    let at = 0;
    for (const p of parts) {
      const blocks = blocksOf(p.codes);
      let offset = 0;
      for (let i = 0; i < s; i++) offset += blocks[i].levels * blocks[i].frames;
      const { frames } = blocks[s];
      const perUnit = frames / p.units;
      const k0 = offset + p.keepFrom * perUnit;
      const n = p.keepUnits * perUnit;
      for (let l = 0; l < b.levels; l++) {
        indices.set(p.codes.indices.subarray(k0 + l * frames, k0 + l * frames + n), base + l * kept[s] + at);
      }
      at += n;
    }
    base += b.levels * kept[s];
    return { levels: b.levels, frames: kept[s] };
  });
  const multi = parts[0].codes.scales !== undefined;
  const sr = tokenizer.sampleRate;
  const padded = Math.ceil(samples / tokenizer.hopLength) * tokenizer.hopLength;
  return {
    modality: 'audio',
    indices,
    shape: multi ? [1, indices.length] : [scales[0].levels, scales[0].frames],
    tokenizer: { ...tokenizer.identity },
    source: {
      sampleRate: sr,
      channels: tokenizer.channels,
      samples,
      duration: samples / sr,
      ...(multi
        ? { scales: scales.map((b) => ({ levels: b.levels, frames: b.frames, frameRate: (b.frames * sr) / padded })) }
        : {}),
      chunking,
    },
  };
}

export interface ChunkedDecodeOptions {
  /** Padding units of audio per decoded chunk. Default: 10 s worth. */
  chunkUnits?: number;
  /** Padding units of tokens decoded on each side of a chunk and thrown away. Default: 2 s worth. */
  contextUnits?: number;
}

/**
 * Tokens (whole-file layout, as encode or encodeChunked give them) → audio chunks at the tokenizer's
 * rate, trimmed to source.samples. Each chunk's frames are decoded with `contextUnits` of the
 * neighbouring frames on each side and only the chunk's own samples are kept, so with a context at
 * least the decoder's receptive field the joined chunks equal a whole decode.
 */
export async function* decodeChunked(
  tokenizer: AudioTokenizer,
  tokens: AudioTokenSet,
  options: ChunkedDecodeOptions = {},
): AsyncGenerator<AudioBuffer> {
  const unit = tokenizer.hopLength;
  const sr = tokenizer.sampleRate;
  const C = tokenizer.channels;
  const samples = Number(tokens.source?.samples);
  const [L, T] = tokens.shape ?? [];
  const scales = (tokens.source?.scales as { levels: number; frames: number }[] | undefined) ?? [
    { levels: L, frames: T },
  ];
  const units = Math.ceil(samples / unit);
  const size = scales.reduce((n, s) => n + s.levels * s.frames, 0);
  if (
    !(Number.isInteger(samples) && samples > 0) ||
    tokens.indices?.length !== size ||
    !scales.every((s) => Number.isInteger(s.frames / units) && s.frames > 0)
  ) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `tokens [${tokens.shape?.join(', ')}] do not cover ${samples} samples in whole frames of ${unit} samples`,
    );
  }
  const chunk = Math.max(1, options.chunkUnits ?? Math.ceil((10 * sr) / unit));
  const context = Math.max(0, options.contextUnits ?? Math.ceil((2 * sr) / unit));
  for (let start = 0; start < units; start += chunk) {
    const from = Math.max(0, start - context);
    const end = Math.min(units, start + chunk);
    const to = Math.min(units, end + context);
    // Each scale's frames of units [from, to), levels-major, blocks in scale order.
    const parts: Int32Array[] = [];
    const windowScales = [];
    let offset = 0;
    for (const s of scales) {
      const per = s.frames / units;
      const n = (to - from) * per;
      const block = new Int32Array(s.levels * n);
      for (let l = 0; l < s.levels; l++) {
        const row = offset + l * s.frames + from * per;
        block.set(tokens.indices.subarray(row, row + n), l * n);
      }
      parts.push(block);
      windowScales.push({ levels: s.levels, frames: n, frameRate: (n * sr) / ((to - from) * unit) });
      offset += s.levels * s.frames;
    }
    const multi = tokens.source?.scales !== undefined;
    const indices = multi ? Int32Array.from(parts.flatMap((p) => Array.from(p))) : parts[0];
    const shape = multi ? [1, indices.length] : [L, (to - from) * (T / units)];
    const window = {
      ...tokens,
      indices,
      shape,
      source: { ...tokens.source, samples: (to - from) * unit, ...(multi ? { scales: windowScales } : {}) },
    };
    const audio = await tokenizer.decode(window);
    const keepFrom = (start - from) * unit;
    const keep = Math.min(end * unit, samples) - start * unit;
    const data = new Float32Array(C * keep);
    for (let c = 0; c < C; c++) {
      data.set(audio.data.subarray(c * audio.length + keepFrom, c * audio.length + keepFrom + keep), c * keep);
    }
    yield { data, channels: C, sampleRate: sr, length: keep };
  }
}
