/** The image tokenizer manifest: its types, strict validation and the files it names. No file system here, so the browser entry validates with it too. */
import { ManifestChecker, type ManifestFile, type ManifestHeader, type QuantizerConfig } from '@mmtok/core';
import type { PadMode } from './patches.js';
import type { ResizePolicy } from './preprocess.js';

export { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION } from '@mmtok/core';

export interface PreprocessingSpec {
  resize: ResizePolicy;
  /** Per-channel mean and std on the [0, 1] scale. */
  mean: [number, number, number];
  std: [number, number, number];
  /** The frame is padded up to multiples of this before the encoder (patch size, conv stride). */
  sizeMultiple: number;
  /** How that padding is filled. Default 'edge'. */
  pad?: PadMode;
}

export interface LinearPatchEncoderSpec {
  kind: 'linear-patch';
  patchSize: number;
  /** safetensors with mean [P·P·3], components [dim, P·P·3], scale [dim]. */
  weights: string;
}

export interface OnnxEncoderSpec {
  kind: 'onnx';
  file: string;
  inputName: string;
  outputName: string;
  /** 'latents': float [1, C, h, w] that mmtok quantizes; 'codes': integer indices [1, h, w] or [1, h, w, levels]. */
  output: 'latents' | 'codes';
}

export interface InverseDecoderSpec {
  /** The exact inverse of the built-in linear-patch encoder (same weights). */
  kind: 'linear-patch-inverse';
}

export interface OnnxDecoderSpec {
  kind: 'onnx';
  file: string;
  inputName: string;
  outputName: string;
  /** 'latents': mmtok feeds quantized latents float [1, C, h, w]; 'indices': int64 [1, h, w] or [1, h, w, levels]. */
  input: 'latents' | 'indices';
}

export interface QuantizerSpec {
  /** A core quantizer config without weights; optional when `file` holds one. */
  config?: QuantizerConfig;
  /** A quantizer file written by core's saveQuantizer, relative to the manifest. */
  file?: string;
}

export type TokenAxis = 'h' | 'w' | 'levels';

export interface TokenizerManifest extends ManifestHeader {
  modality: 'image';
  preprocessing: PreprocessingSpec;
  encoder: LinearPatchEncoderSpec | OnnxEncoderSpec;
  quantizer: QuantizerSpec;
  decoder: InverseDecoderSpec | OnnxDecoderSpec;
  tokens: { layout: TokenAxis[] };
}

export const LAYOUTS: readonly (readonly TokenAxis[])[] = [
  ['h', 'w', 'levels'],
  ['levels', 'h', 'w'],
];

/** RGB triples (mean, std, fill) are image-only. */
class Checker extends ManifestChecker {
  triple(v: unknown, where: string, positive: boolean): void {
    if (!Array.isArray(v) || v.length !== 3) this.fail(where, 'must be an array of 3 numbers (R, G, B)');
    v.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isFinite(x) || (positive && x <= 0)) {
        this.fail(`${where}[${i}]`, `must be a finite${positive ? ' positive' : ''} number, got ${JSON.stringify(x)}`);
      }
    });
  }
}

/** Validates a parsed manifest strictly; errors are MMTOK_MANIFEST naming the manifest file and the bad key. */
export function validateManifest(value: unknown, file = 'manifest'): TokenizerManifest {
  const c = new Checker(file);
  const m = c.manifest(value, 'image', ['preprocessing', 'encoder', 'quantizer', 'decoder', 'tokens'], []);

  const p = c.object(m.preprocessing, 'manifest.preprocessing', ['resize', 'mean', 'std', 'sizeMultiple'], ['pad']);
  const r = c.object(p.resize, 'manifest.preprocessing.resize', ['mode'], ['width', 'height', 'size', 'fill']);
  const mode = c.oneOf(
    r.mode,
    ['none', 'exact', 'shorter-side-crop', 'pad'] as const,
    'manifest.preprocessing.resize.mode',
  );
  const allowed: string[] = {
    none: [],
    exact: ['width', 'height'],
    'shorter-side-crop': ['size'],
    pad: ['size', 'fill'],
  }[mode];
  for (const k of Object.keys(r)) {
    if (k !== 'mode' && !allowed.includes(k)) c.fail(`manifest.preprocessing.resize.${k}`, `is not a '${mode}' option`);
  }
  if (r.fill !== undefined) c.triple(r.fill, 'manifest.preprocessing.resize.fill', false);
  if (mode === 'exact') c.frameSize(r.width, r.height, 'manifest.preprocessing.resize');
  else if (mode !== 'none') c.frameSize(r.size, r.size, 'manifest.preprocessing.resize', ['size', 'size']);
  c.triple(p.mean, 'manifest.preprocessing.mean', false);
  c.triple(p.std, 'manifest.preprocessing.std', true);
  c.int(p.sizeMultiple, 'manifest.preprocessing.sizeMultiple', 1, 1024);
  if (p.pad !== undefined) c.oneOf(p.pad, ['edge', 'zero'] as const, 'manifest.preprocessing.pad');

  const enc = m.encoder as Record<string, unknown> | undefined;
  const encKind = c.oneOf(enc?.kind, ['linear-patch', 'onnx'] as const, 'manifest.encoder.kind');
  if (encKind === 'linear-patch') {
    const e = c.object(enc, 'manifest.encoder', ['kind', 'patchSize', 'weights'], []);
    const P = c.int(e.patchSize, 'manifest.encoder.patchSize', 1, 256);
    c.relativeFile(e.weights, 'manifest.encoder.weights');
    if ((p.sizeMultiple as number) % P !== 0) {
      c.fail('manifest.preprocessing.sizeMultiple', `must be a multiple of the encoder's patchSize ${P}`);
    }
  } else {
    const e = c.object(enc, 'manifest.encoder', ['kind', 'file', 'inputName', 'outputName', 'output'], []);
    c.relativeFile(e.file, 'manifest.encoder.file');
    c.string(e.inputName, 'manifest.encoder.inputName');
    c.string(e.outputName, 'manifest.encoder.outputName');
    c.oneOf(e.output, ['latents', 'codes'] as const, 'manifest.encoder.output');
  }

  c.quantizer(m.quantizer);

  const dec = m.decoder as Record<string, unknown> | undefined;
  const decKind = c.oneOf(dec?.kind, ['linear-patch-inverse', 'onnx'] as const, 'manifest.decoder.kind');
  if (decKind === 'linear-patch-inverse') {
    c.object(dec, 'manifest.decoder', ['kind'], []);
    if (encKind !== 'linear-patch')
      c.fail('manifest.decoder.kind', "'linear-patch-inverse' needs a 'linear-patch' encoder");
  } else {
    const d = c.object(dec, 'manifest.decoder', ['kind', 'file', 'inputName', 'outputName', 'input'], []);
    c.relativeFile(d.file, 'manifest.decoder.file');
    c.string(d.inputName, 'manifest.decoder.inputName');
    c.string(d.outputName, 'manifest.decoder.outputName');
    c.oneOf(d.input, ['latents', 'indices'] as const, 'manifest.decoder.input');
  }

  const t = c.object(m.tokens, 'manifest.tokens', ['layout'], []);
  const layout = t.layout;
  if (
    !Array.isArray(layout) ||
    !LAYOUTS.some((l) => l.length === layout.length && l.every((a, i) => a === layout[i]))
  ) {
    c.fail(
      'manifest.tokens.layout',
      `must be one of ${LAYOUTS.map((l) => JSON.stringify(l)).join(', ')}, got ${JSON.stringify(layout)}`,
    );
  }
  return value as TokenizerManifest;
}

/** The files a manifest names, by role and manifest key, as paths relative to it. */
export function manifestFiles(m: TokenizerManifest): ManifestFile[] {
  const out: ManifestFile[] = [];
  if (m.encoder.kind === 'onnx') out.push({ role: 'encoder', key: 'manifest.encoder.file', file: m.encoder.file });
  else out.push({ role: 'encoder', key: 'manifest.encoder.weights', file: m.encoder.weights });
  if (m.quantizer.file) out.push({ role: 'quantizer', key: 'manifest.quantizer.file', file: m.quantizer.file });
  if (m.decoder.kind === 'onnx') out.push({ role: 'decoder', key: 'manifest.decoder.file', file: m.decoder.file });
  return out;
}
