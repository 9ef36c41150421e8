/**
 * File-level streaming: tokenize a long audio file, or decode tokens into one, in bounded memory.
 * Only the token array (small: 2 h × 100 frames/s × 12 levels × 4 B ≈ 35 MB) is held whole.
 */
import { MmtokError } from '@mmtok/core';
import { openAudioWriter, readAudio, streamAudio, type WriteAudioOptions } from './io.js';
// Static: manifest.ts loads semantic.js with any tokenizer anyway, and worker threads need no dynamic import.
import { SemanticAudioCodec } from './semantic.js';
import { type AudioTokenizer, concatTokenSets, type EncodeAudioOptions } from './tokenizer.js';
import type { AudioBuffer, AudioTokenSet } from './types.js';

export interface EncodeAudioFileOptions extends EncodeAudioOptions {
  /** Seconds of audio per chunk. Default 10. */
  chunkSeconds?: number;
  /** Called after each chunk with the seconds encoded so far. */
  onProgress?: (seconds: number) => void;
}

/**
 * Reads `path` chunk by chunk (ffmpeg pipe or native WAV) and encodes it; the tokens equal
 * encode(readAudio(path)) for frame-independent codecs. ONNX codecs are encoded in whole
 * padding units with real audio around each chunk (encodeChunked), so chunks never insert padding.
 */
export async function encodeAudioFile(
  tokenizer: AudioTokenizer,
  path: string,
  options: EncodeAudioFileOptions = {},
): Promise<AudioTokenSet> {
  const chunkSamples = Math.max(1, Math.round((options.chunkSeconds ?? 10) * tokenizer.sampleRate));
  if (tokenizer.codec instanceof SemanticAudioCodec) {
    // A feature model normalizes per utterance and attends over the whole clip: chunks would change
    // every token, so the file is encoded at once (docs/semantic.md: split long recordings first).
    const audio = await readAudio(path, { sampleRate: tokenizer.sampleRate, channels: tokenizer.channels });
    const tokens = await tokenizer.encode(audio, options);
    options.onProgress?.(tokens.source.duration);
    return tokens;
  }
  const chunks = streamAudio(path, { sampleRate: tokenizer.sampleRate, channels: tokenizer.channels, chunkSamples });
  if (!tokenizer.codec.frameIndependent) {
    const [{ OnnxAudioCodec }, { encodeChunked }] = await Promise.all([
      import('./onnx-codec.js'),
      import('./pretrained-chunking.js'),
    ]);
    if (tokenizer.codec instanceof OnnxAudioCodec) {
      return encodeChunked(tokenizer, chunks, { chunkSamples, levels: options.levels, onProgress: options.onProgress });
    }
  }
  const sets: AudioTokenSet[] = [];
  for await (const set of tokenizer.encodeStream(chunks, options)) {
    sets.push(set);
    options.onProgress?.(set.source.duration);
  }
  return concatTokenSets(sets);
}

export interface DecodeAudioFileOptions extends WriteAudioOptions {
  /** Token frames per decoded chunk. Default: 10 s worth. */
  chunkFrames?: number;
}

/** Frames [from, to) of a [levels, frames] token set, as a set whose source.samples caps what it may add. */
function sliceFrames(tokens: AudioTokenSet, from: number, to: number, cap: number): AudioTokenSet {
  const [L, T] = tokens.shape;
  const n = to - from;
  const indices = new Int32Array(L * n);
  for (let l = 0; l < L; l++) indices.set(tokens.indices.subarray(l * T + from, l * T + to), l * n);
  return { ...tokens, indices, shape: [L, n], source: { ...tokens.source, samples: cap } };
}

/** Decodes tokens into an audio file chunk by chunk (streaming writer; atomic: nothing at `path` on failure). */
export async function decodeAudioFile(
  tokenizer: AudioTokenizer,
  tokens: AudioTokenSet,
  path: string,
  options: DecodeAudioFileOptions = {},
): Promise<{ samples: number; sampleRate: number; channels: number }> {
  if (tokens.source?.scales || !tokenizer.codec.frameIndependent) {
    const [{ OnnxAudioCodec }, { decodeChunked }] = await Promise.all([
      import('./onnx-codec.js'),
      import('./pretrained-chunking.js'),
    ]);
    // ONNX codecs: 10 s chunks, each decoded with 2 s of neighbouring frames as context (bounded memory).
    if (tokenizer.codec instanceof OnnxAudioCodec)
      return writeChunks(tokenizer, decodeChunked(tokenizer, tokens), path, options);
    // Other model codecs see the whole token sequence (their receptive field spans chunks): one decode.
    return writeChunks(tokenizer, [await tokenizer.decode(tokens)], path, options);
  }
  const T = tokens.shape?.[1];
  if (!(Number.isInteger(T) && T > 0)) throw new MmtokError('MMTOK_EMPTY', 'the token set has no frames');
  const step = options.chunkFrames ?? Math.max(1, Math.round(10 * tokenizer.frameRate));
  const total = Number(tokens.source.samples);
  async function* slices(): AsyncGenerator<AudioTokenSet> {
    for (let f = 0; f < T; f += step) yield sliceFrames(tokens, f, Math.min(T, f + step), total);
  }
  return writeChunks(tokenizer, tokenizer.decodeStream(slices()), path, options);
}

/** Writes decoded chunks into `path` (atomic: nothing there if a chunk fails). */
async function writeChunks(
  tokenizer: AudioTokenizer,
  chunks: AsyncIterable<AudioBuffer> | Iterable<AudioBuffer>,
  path: string,
  options: WriteAudioOptions,
): Promise<{ samples: number; sampleRate: number; channels: number }> {
  const w = await openAudioWriter(path, { sampleRate: tokenizer.sampleRate, channels: tokenizer.channels }, options);
  let samples = 0;
  try {
    for await (const chunk of chunks) {
      await w.write(chunk);
      samples += chunk.length;
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.close();
  return { samples, sampleRate: tokenizer.sampleRate, channels: tokenizer.channels };
}
