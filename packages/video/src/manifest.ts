import {
  ManifestChecker,
  type ManifestFile,
  type ManifestHeader,
  type QuantizerConfig,
  validateConfig,
} from '@mmtok/core';
import { readManifestFile } from '@mmtok/core/node';

export { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION } from '@mmtok/core';

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

export interface VideoTokenizerManifest extends ManifestHeader {
  modality: 'video';
  preprocessing: VideoPreprocessingSpec;
  encoder: LinearTubeletEncoderSpec | PerFrameEncoderSpec | OnnxVideoEncoderSpec;
  /** Required for 'linear-tubelet'; absent for 'per-frame' (the image tokenizer has its own). */
  quantizer?: QuantizerSpec;
  decoder: VideoDecoderSpec;
  tokens: { layout: ['t', 'h', 'w', 'levels']; causal: boolean };
}

/** Validates a parsed video manifest strictly; errors are MMTOK_MANIFEST naming the file and the bad key. */
export function validateVideoManifest(value: unknown, file = 'manifest'): VideoTokenizerManifest {
  const c = new ManifestChecker(file);
  const m = c.manifest(value, 'video', ['preprocessing', 'encoder', 'decoder', 'tokens'], ['quantizer']);

  const p = c.object(m.preprocessing, 'manifest.preprocessing', ['mean', 'std'], ['fps', 'width', 'height']);
  for (const k of ['mean', 'std'] as const) {
    const v = p[k];
    if (
      !Array.isArray(v) ||
      v.length !== 3 ||
      v.some((x) => typeof x !== 'number' || !Number.isFinite(x) || (k === 'std' && x <= 0))
    ) {
      c.fail(`manifest.preprocessing.${k}`, 'must be an array of 3 finite numbers (R, G, B)');
    }
  }
  if (p.fps !== undefined && !(typeof p.fps === 'number' && p.fps > 0 && p.fps <= 1000)) {
    c.fail('manifest.preprocessing.fps', 'must be a positive number');
  }
  // One side alone keeps the aspect ratio, so it is bounded as the side of a square.
  if (p.width !== undefined || p.height !== undefined) {
    const [w, h] = [p.width ?? p.height, p.height ?? p.width];
    c.frameSize(w, h, 'manifest.preprocessing', [
      p.width !== undefined ? 'width' : 'height',
      p.height !== undefined ? 'height' : 'width',
    ]);
  }

  const enc = m.encoder as Record<string, unknown> | undefined;
  const kind = enc?.kind;
  if (kind === 'linear-tubelet') {
    const e = c.object(enc, 'manifest.encoder', ['kind', 'temporalPatch', 'patchSize', 'weights', 'firstFrame'], []);
    c.int(e.temporalPatch, 'manifest.encoder.temporalPatch', 1, 64);
    c.int(e.patchSize, 'manifest.encoder.patchSize', 1, 64);
    c.relativeFile(e.weights, 'manifest.encoder.weights');
    if (e.firstFrame !== 'repeat') c.fail('manifest.encoder.firstFrame', "must be 'repeat'");
    if (m.quantizer === undefined) c.fail('manifest.quantizer', "is required for a 'linear-tubelet' encoder");
  } else if (kind === 'per-frame') {
    const e = c.object(enc, 'manifest.encoder', ['kind', 'image'], []);
    if (typeof e.image !== 'string' || e.image === '') c.fail('manifest.encoder.image', 'must name an image tokenizer');
  } else if (kind === 'onnx') {
    c.relativeFile(enc!.file, 'manifest.encoder.file');
  } else {
    c.fail(
      'manifest.encoder.kind',
      `must be one of 'linear-tubelet', 'per-frame', 'onnx', got ${JSON.stringify(kind)}`,
    );
  }

  if (m.quantizer !== undefined) {
    const q = c.object(m.quantizer, 'manifest.quantizer', [], ['config', 'file']);
    if (q.config === undefined && q.file === undefined) c.fail('manifest.quantizer', "needs 'config', 'file' or both");
    if (q.file !== undefined) c.relativeFile(q.file, 'manifest.quantizer.file');
    if (q.config !== undefined) {
      try {
        validateConfig(q.config, 'manifest.quantizer.config');
      } catch (e) {
        c.fail('manifest.quantizer.config', (e as Error).message.replace(/^\w+: /, ''));
      }
    }
  }

  const dec = m.decoder as Record<string, unknown> | undefined;
  const want =
    kind === 'linear-tubelet' ? ['linear-tubelet-inverse', 'onnx'] : kind === 'per-frame' ? ['per-frame'] : ['onnx'];
  if (!want.includes(dec?.kind as string)) {
    c.fail(
      'manifest.decoder.kind',
      `must be one of ${want.map((w) => `'${w}'`).join(', ')} for a '${kind}' encoder, got ${JSON.stringify(dec?.kind)}`,
    );
  }
  if (dec!.kind === 'onnx') c.relativeFile(dec!.file, 'manifest.decoder.file');
  else c.object(dec, 'manifest.decoder', ['kind'], []);

  const t = c.object(m.tokens, 'manifest.tokens', ['layout', 'causal'], []);
  if (JSON.stringify(t.layout) !== JSON.stringify(['t', 'h', 'w', 'levels'])) {
    c.fail('manifest.tokens.layout', `must be ["t","h","w","levels"], got ${JSON.stringify(t.layout)}`);
  }
  if (typeof t.causal !== 'boolean') c.fail('manifest.tokens.causal', 'must be true or false');
  if (kind === 'per-frame' && t.causal)
    c.fail('manifest.tokens.causal', "must be false for 'per-frame' (every frame is its own step)");
  return value as VideoTokenizerManifest;
}

/** The files a manifest names, by role, relative to it (the per-frame image tokenizer is hashed separately). */
export function videoManifestFiles(m: VideoTokenizerManifest): ManifestFile[] {
  const out: ManifestFile[] = [];
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
export function readVideoManifest(
  path: string,
): Promise<{ manifest: VideoTokenizerManifest; text: string; dir: string }> {
  return readManifestFile(path, validateVideoManifest, videoManifestFiles);
}
