import type { QuantizerConfig } from '@mmtok/core';
import { ManifestChecker, type ManifestFile, type ManifestHeader } from '@mmtok/core';
import { featureEncoderFiles, readManifestFile } from '@mmtok/core/node';

import { checkFeatureAudioEncoder, type FeatureAudioEncoderSpec } from './semantic.js';

export { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION } from '@mmtok/core';

export interface AudioPreprocessingSpec {
  /** Audio is resampled to this rate (Hz) before the encoder. */
  sampleRate: number;
  /** And remixed to this many channels. */
  channels: number;
}

export interface LinearFrameEncoderSpec {
  kind: 'linear-frame';
  /** 2 · hopLength (50% overlap). */
  frameLength: number;
  hopLength: number;
  /** Analysis = synthesis window; 'sqrt-hann' (periodic) gives perfect reconstruction under overlap-add. */
  window: 'sqrt-hann';
  /** safetensors with mean [C·N], components [dim, C·N], scale [dim]. */
  weights: string;
}

export interface OnnxAudioEncoderSpec {
  kind: 'onnx';
  file: string;
  /** Conventionally 'input_values': float32 [1, channels, samples]. */
  inputName: string;
  /** 'audio_codes' (int64 [1, Q, T]) or a latents output (float32 [1, C, T]); one per scale for multi-scale codecs. */
  outputName: string | string[];
  output: 'codes' | 'latents';
  /** Further keys are the ONNX codec's own (validated by onnx-codec.ts). */
  [k: string]: unknown;
}

export interface LinearFrameDecoderSpec {
  /** The exact inverse of the linear-frame encoder (same weights), with windowed overlap-add. */
  kind: 'linear-frame-inverse';
}

export interface OnnxAudioDecoderSpec {
  kind: 'onnx';
  file: string;
  /** Conventionally 'audio_codes'; one per scale for multi-scale codecs. */
  inputName: string | string[];
  /** Conventionally 'audio_values': float32 [1, channels, samples]. */
  outputName: string;
  input?: 'codes' | 'latents';
  [k: string]: unknown;
}

export interface QuantizerSpec {
  config?: QuantizerConfig;
  file?: string;
}

export interface AudioTokenizerManifest extends ManifestHeader {
  modality: 'audio';
  preprocessing: AudioPreprocessingSpec;
  encoder: LinearFrameEncoderSpec | OnnxAudioEncoderSpec | FeatureAudioEncoderSpec;
  /** Optional only when an ONNX encoder emits codes and an ONNX decoder takes them. */
  quantizer?: QuantizerSpec;
  /** Absent only for a semantic ('features') encoder: its tokens have no way back to audio. */
  decoder?: LinearFrameDecoderSpec | OnnxAudioDecoderSpec;
  tokens: {
    layout: ['levels', 'frames'];
    /** Token frames per second = sampleRate / hop (of the coarsest scale for multi-scale codecs). */
    frameRate: number;
    /** Codes per level, for ONNX codecs without an mmtok quantizer (token files record it). */
    codebookSize?: number;
    /** Levels of a decoder-only ONNX codes codec. */
    levels?: number;
  };
  /** Bits per second at full depth: frameRate · levels · log2(codebookSize). */
  bitrate?: number;
}

/** Validates a parsed audio manifest strictly; errors are MMTOK_MANIFEST naming the file and the bad key. */
export function validateAudioManifest(value: unknown, file = 'manifest'): AudioTokenizerManifest {
  const c = new ManifestChecker(file);
  const m = c.manifest(value, 'audio', ['preprocessing', 'encoder', 'tokens'], ['quantizer', 'bitrate', 'decoder']);
  if (m.bitrate !== undefined) c.positive(m.bitrate, 'manifest.bitrate');

  const p = c.object(m.preprocessing, 'manifest.preprocessing', ['sampleRate', 'channels'], []);
  const sampleRate = c.int(p.sampleRate, 'manifest.preprocessing.sampleRate', 1000, 768000);
  c.int(p.channels, 'manifest.preprocessing.channels', 1, 64);

  const t = c.object(m.tokens, 'manifest.tokens', ['layout', 'frameRate'], ['codebookSize', 'levels']);
  if (t.codebookSize !== undefined) c.int(t.codebookSize, 'manifest.tokens.codebookSize', 1);
  if (t.levels !== undefined) c.int(t.levels, 'manifest.tokens.levels', 1, 1024);
  if (!Array.isArray(t.layout) || t.layout.length !== 2 || t.layout[0] !== 'levels' || t.layout[1] !== 'frames') {
    c.fail('manifest.tokens.layout', `must be ["levels", "frames"], got ${JSON.stringify(t.layout)}`);
  }
  const frameRate = c.positive(t.frameRate, 'manifest.tokens.frameRate');
  const hop = sampleRate / frameRate;
  if (Math.abs(hop - Math.round(hop)) > 1e-9) {
    c.fail(
      'manifest.tokens.frameRate',
      `sampleRate / frameRate must be a whole hop in samples, got ${sampleRate} / ${frameRate} = ${hop}`,
    );
  }

  const enc = m.encoder as Record<string, unknown> | undefined;
  const encKind = c.oneOf(enc?.kind, ['linear-frame', 'onnx', 'features'] as const, 'manifest.encoder.kind');
  if (encKind === 'features') {
    checkFeatureAudioEncoder(c, enc, hop);
    if (m.quantizer === undefined) c.fail('manifest.quantizer', "is required for a 'features' encoder");
    if (m.decoder !== undefined) c.fail('manifest.decoder', "must be absent for a 'features' encoder (it has none)");
    c.quantizer(m.quantizer);
    return value as AudioTokenizerManifest;
  }
  if (m.decoder === undefined) c.fail('manifest.decoder', 'is required');
  if (encKind === 'linear-frame') {
    const e = c.object(enc, 'manifest.encoder', ['kind', 'frameLength', 'hopLength', 'window', 'weights'], []);
    const H = c.int(e.hopLength, 'manifest.encoder.hopLength', 1, 1 << 16);
    if (e.frameLength !== 2 * H)
      c.fail('manifest.encoder.frameLength', `must be 2 · hopLength = ${2 * H}, got ${JSON.stringify(e.frameLength)}`);
    c.oneOf(e.window, ['sqrt-hann'] as const, 'manifest.encoder.window');
    c.relativeFile(e.weights, 'manifest.encoder.weights');
    if (H !== Math.round(hop))
      c.fail('manifest.encoder.hopLength', `must equal sampleRate / tokens.frameRate = ${hop}`);
  } else {
    const e = c.object(enc, 'manifest.encoder', ['kind', 'file', 'inputName', 'outputName', 'output'], 'any');
    c.relativeFile(e.file, 'manifest.encoder.file');
    c.string(e.inputName, 'manifest.encoder.inputName');
    c.names(e.outputName, 'manifest.encoder.outputName');
    c.oneOf(e.output, ['codes', 'latents'] as const, 'manifest.encoder.output');
  }

  if (m.quantizer !== undefined) {
    c.quantizer(m.quantizer);
  } else if (encKind === 'linear-frame' || enc?.output === 'latents') {
    c.fail(
      'manifest.quantizer',
      `is required for a${encKind === 'linear-frame' ? " 'linear-frame'" : 'n ONNX latents'} encoder`,
    );
  }

  const dec = m.decoder as Record<string, unknown> | undefined;
  const decKind = c.oneOf(dec?.kind, ['linear-frame-inverse', 'onnx'] as const, 'manifest.decoder.kind');
  if (decKind === 'linear-frame-inverse') {
    c.object(dec, 'manifest.decoder', ['kind'], []);
    if (encKind !== 'linear-frame')
      c.fail('manifest.decoder.kind', "'linear-frame-inverse' needs a 'linear-frame' encoder");
  } else {
    const d = c.object(dec, 'manifest.decoder', ['kind', 'file', 'inputName', 'outputName'], 'any');
    c.relativeFile(d.file, 'manifest.decoder.file');
    c.names(d.inputName, 'manifest.decoder.inputName');
    c.string(d.outputName, 'manifest.decoder.outputName');
    if (d.input !== undefined) c.oneOf(d.input, ['codes', 'latents'] as const, 'manifest.decoder.input');
  }
  return value as AudioTokenizerManifest;
}

/** The files a manifest names, by role and manifest key, relative to it. */
export function audioManifestFiles(m: AudioTokenizerManifest): ManifestFile[] {
  const out: ManifestFile[] = [];
  if (m.encoder.kind === 'features') out.push(...featureEncoderFiles(m.encoder));
  else if (m.encoder.kind === 'onnx') out.push({ role: 'encoder', key: 'manifest.encoder.file', file: m.encoder.file });
  else out.push({ role: 'encoder', key: 'manifest.encoder.weights', file: m.encoder.weights });
  if (m.quantizer?.file) out.push({ role: 'quantizer', key: 'manifest.quantizer.file', file: m.quantizer.file });
  if (m.decoder?.kind === 'onnx') out.push({ role: 'decoder', key: 'manifest.decoder.file', file: m.decoder.file });
  return out;
}

/** Reads, parses and validates an audio manifest, and checks that the files it names exist. */
export function readAudioManifest(
  path: string,
): Promise<{ manifest: AudioTokenizerManifest; text: string; dir: string }> {
  return readManifestFile(path, validateAudioManifest, audioManifestFiles);
}

/** Hop in samples: sampleRate / frameRate. */
export function hopOf(m: AudioTokenizerManifest): number {
  return Math.round(m.preprocessing.sampleRate / m.tokens.frameRate);
}
