import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { MmtokError, type QuantizerConfig, validateConfig } from '@mmtok/core';

export const MANIFEST_FORMAT = 'mmtok-tokenizer';
export const MANIFEST_FORMAT_VERSION = 1;

export interface VideoPreprocessingSpec {
  /** Per-channel mean and std on the [0, 1] scale. */
  mean: [number, number, number];
  std: [number, number, number];
  /** Frames are resampled to this rate before encoding; default: the source's. */
  fps?: number;
  /** Frames are scaled to this size before encoding; default: the source's. */
  width?: number;
  height?: number;
}

export interface LinearTubeletEncoderSpec {
  kind: 'linear-tubelet';
  /** T: frames per tubelet (and per token step after the causal first one). */
  temporalPatch: number;
  /** P: tubelets are T×P×P×3. */
  patchSize: number;
  /** safetensors with mean [T·P·P·3], components [dim, T·P·P·3], scale [dim]. */
  weights: string;
  /** How the causal first frame is encoded: 'repeat' = the tubelet transform on the frame repeated T times. */
  firstFrame: 'repeat';
}

export interface PerFrameEncoderSpec {
  kind: 'per-frame';
  /** An image tokenizer: a built-in name of @mmtok/image ('default') or a manifest path relative to this one. */
  image: string;
}

/** ONNX video encoders over [B, C, T, H, W]; the keys past `kind` and `file` are validated by onnx-video.ts. */
export interface OnnxVideoEncoderSpec {
  kind: 'onnx';
  file: string;
  [k: string]: unknown;
}

export interface VideoDecoderSpec {
  kind: 'linear-tubelet-inverse' | 'per-frame' | 'onnx';
  file?: string;
  [k: string]: unknown;
}

export interface QuantizerSpec {
  config?: QuantizerConfig;
  file?: string;
}

export interface VideoTokenizerManifest {
  $schema?: string;
  format: typeof MANIFEST_FORMAT;
  formatVersion: typeof MANIFEST_FORMAT_VERSION;
  name: string;
  version: string;
  description?: string;
  modality: 'video';
  preprocessing: VideoPreprocessingSpec;
  encoder: LinearTubeletEncoderSpec | PerFrameEncoderSpec | OnnxVideoEncoderSpec;
  /** Required for 'linear-tubelet'; absent for 'per-frame' (the image tokenizer has its own). */
  quantizer?: QuantizerSpec;
  decoder: VideoDecoderSpec;
  tokens: { layout: ['t', 'h', 'w', 'levels']; causal: boolean };
  metadata?: Record<string, unknown>;
}

function failer(file: string) {
  return (where: string, message: string): never => {
    throw new MmtokError('MMTOK_MANIFEST', `${file}: ${where}: ${message}`, { path: file, key: where });
  };
}

function keys(o: unknown, where: string, required: string[], optional: string[], fail: ReturnType<typeof failer>) {
  if (!o || typeof o !== 'object' || Array.isArray(o)) fail(where, 'must be an object');
  const r = o as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!required.includes(k) && !optional.includes(k)) {
      fail(`${where}.${k}`, `unknown key (allowed: ${[...required, ...optional].join(', ')})`);
    }
  }
  for (const k of required) if (r[k] === undefined) fail(`${where}.${k}`, 'is required');
  return r;
}

function int(v: unknown, where: string, min: number, max: number, fail: ReturnType<typeof failer>): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(where, `must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v as number;
}

function relFile(v: unknown, where: string, fail: ReturnType<typeof failer>): string {
  if (typeof v !== 'string' || v === '') fail(where, 'must be a non-empty string');
  if (isAbsolute(v as string)) fail(where, 'must be a path relative to the manifest');
  return v as string;
}

/** Validates a parsed video manifest strictly; errors are MMTOK_MANIFEST naming the file and the bad key. */
export function validateVideoManifest(value: unknown, file = 'manifest'): VideoTokenizerManifest {
  const fail = failer(file);
  const m = keys(
    value,
    'manifest',
    ['format', 'formatVersion', 'name', 'version', 'modality', 'preprocessing', 'encoder', 'decoder', 'tokens'],
    ['$schema', 'description', 'metadata', 'quantizer'],
    fail,
  );
  if (m.format !== MANIFEST_FORMAT) fail('manifest.format', `must be '${MANIFEST_FORMAT}'`);
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
    fail('manifest.formatVersion', `unsupported version ${JSON.stringify(m.formatVersion)} (this build reads 1)`);
  }
  for (const k of ['name', 'version'] as const) {
    if (typeof m[k] !== 'string' || m[k] === '') fail(`manifest.${k}`, 'must be a non-empty string');
  }
  if (m.modality !== 'video') fail('manifest.modality', `must be 'video', got ${JSON.stringify(m.modality)}`);
  if (
    m.metadata !== undefined &&
    (typeof m.metadata !== 'object' || m.metadata === null || Array.isArray(m.metadata))
  ) {
    fail('manifest.metadata', 'must be an object');
  }

  const p = keys(m.preprocessing, 'manifest.preprocessing', ['mean', 'std'], ['fps', 'width', 'height'], fail);
  for (const k of ['mean', 'std'] as const) {
    const v = p[k];
    if (
      !Array.isArray(v) ||
      v.length !== 3 ||
      v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || (k === 'std' && x <= 0))
    ) {
      fail(`manifest.preprocessing.${k}`, 'must be an array of 3 finite numbers (R, G, B)');
    }
  }
  if (p.fps !== undefined && !(typeof p.fps === 'number' && p.fps > 0 && p.fps <= 1000)) {
    fail('manifest.preprocessing.fps', 'must be a positive number');
  }
  for (const k of ['width', 'height'] as const)
    if (p[k] !== undefined) int(p[k], `manifest.preprocessing.${k}`, 1, 16384, fail);

  const enc = m.encoder as Record<string, unknown> | undefined;
  const kind = enc?.kind;
  if (kind === 'linear-tubelet') {
    const e = keys(enc, 'manifest.encoder', ['kind', 'temporalPatch', 'patchSize', 'weights', 'firstFrame'], [], fail);
    int(e.temporalPatch, 'manifest.encoder.temporalPatch', 1, 64, fail);
    int(e.patchSize, 'manifest.encoder.patchSize', 1, 64, fail);
    relFile(e.weights, 'manifest.encoder.weights', fail);
    if (e.firstFrame !== 'repeat') fail('manifest.encoder.firstFrame', "must be 'repeat'");
    if (m.quantizer === undefined) fail('manifest.quantizer', "is required for a 'linear-tubelet' encoder");
  } else if (kind === 'per-frame') {
    const e = keys(enc, 'manifest.encoder', ['kind', 'image'], [], fail);
    if (typeof e.image !== 'string' || e.image === '') fail('manifest.encoder.image', 'must name an image tokenizer');
  } else if (kind === 'onnx') {
    relFile(enc!.file, 'manifest.encoder.file', fail);
  } else {
    fail('manifest.encoder.kind', `must be one of 'linear-tubelet', 'per-frame', 'onnx', got ${JSON.stringify(kind)}`);
  }

  if (m.quantizer !== undefined) {
    const q = keys(m.quantizer, 'manifest.quantizer', [], ['config', 'file'], fail);
    if (q.config === undefined && q.file === undefined) fail('manifest.quantizer', "needs 'config', 'file' or both");
    if (q.file !== undefined) relFile(q.file, 'manifest.quantizer.file', fail);
    if (q.config !== undefined) {
      try {
        validateConfig(q.config, 'manifest.quantizer.config');
      } catch (e) {
        fail('manifest.quantizer.config', (e as Error).message.replace(/^\w+: /, ''));
      }
    }
  }

  const dec = m.decoder as Record<string, unknown> | undefined;
  const want =
    kind === 'linear-tubelet' ? ['linear-tubelet-inverse', 'onnx'] : kind === 'per-frame' ? ['per-frame'] : ['onnx'];
  if (!want.includes(dec?.kind as string)) {
    fail(
      'manifest.decoder.kind',
      `must be one of ${want.map((w) => `'${w}'`).join(', ')} for a '${kind}' encoder, got ${JSON.stringify(dec?.kind)}`,
    );
  }
  if (dec!.kind === 'onnx') relFile(dec!.file, 'manifest.decoder.file', fail);
  else keys(dec, 'manifest.decoder', ['kind'], [], fail);

  const t = keys(m.tokens, 'manifest.tokens', ['layout', 'causal'], [], fail);
  if (JSON.stringify(t.layout) !== JSON.stringify(['t', 'h', 'w', 'levels'])) {
    fail('manifest.tokens.layout', `must be ["t","h","w","levels"], got ${JSON.stringify(t.layout)}`);
  }
  if (typeof t.causal !== 'boolean') fail('manifest.tokens.causal', 'must be true or false');
  if (kind === 'per-frame' && t.causal)
    fail('manifest.tokens.causal', "must be false for 'per-frame' (every frame is its own step)");
  return value as VideoTokenizerManifest;
}

/** The files a manifest names, by role, relative to it (the per-frame image tokenizer is hashed separately). */
export function videoManifestFiles(m: VideoTokenizerManifest): { role: string; key: string; file: string }[] {
  const out: { role: string; key: string; file: string }[] = [];
  if (m.encoder.kind === 'linear-tubelet')
    out.push({ role: 'encoder', key: 'manifest.encoder.weights', file: m.encoder.weights });
  if (m.encoder.kind === 'onnx') out.push({ role: 'encoder', key: 'manifest.encoder.file', file: m.encoder.file });
  if (m.quantizer?.file) out.push({ role: 'quantizer', key: 'manifest.quantizer.file', file: m.quantizer.file });
  if (m.decoder.kind === 'onnx' && typeof m.decoder.file === 'string') {
    out.push({ role: 'decoder', key: 'manifest.decoder.file', file: m.decoder.file });
  }
  return out;
}

/** Reads, parses and validates a video manifest and checks that the files it names exist. */
export async function readVideoManifest(
  path: string,
): Promise<{ manifest: VideoTokenizerManifest; text: string; dir: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not read tokenizer manifest ${path}: ${(e as Error).message}`, { path });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MmtokError('MMTOK_MANIFEST', `${path}: not valid JSON (${(e as Error).message})`, {
      path,
      key: 'manifest',
    });
  }
  const manifest = validateVideoManifest(parsed, path);
  const dir = dirname(resolve(path));
  for (const { key, file } of videoManifestFiles(manifest)) {
    const full = resolve(dir, file);
    try {
      if (!(await stat(full)).isFile()) throw new Error('not a file');
    } catch {
      throw new MmtokError('MMTOK_MANIFEST', `${path}: ${key}: file '${file}' not found (looked for ${full})`, {
        path,
        key,
        file: full,
      });
    }
  }
  return { manifest, text, dir };
}
