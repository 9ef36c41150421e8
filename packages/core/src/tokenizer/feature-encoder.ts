/**
 * The shape every semantic (representation) tokenizer shares, whatever the modality: an
 * encoder-only ONNX feature model in the Transformers.js folder layout (config.json,
 * preprocessor_config.json, onnx/model.onnx), an optional PCA projection, a VQ/RVQ codebook, and no
 * decoder. The media packages add their own preprocessing keys to the encoder entry.
 */
import { copyFile, link, mkdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type * as Ort from 'onnxruntime-common';
import type { AnyQuantizer } from '../create.js';
import { MmtokError } from '../errors.js';
import { saveQuantizer, writeFileAtomic } from '../io/files.js';
import { FEATURE_PROJECTION_FORMAT } from '../training/feature-codebook.js';
import { LinearTransform } from '../transforms/linear.js';
import type { ManifestChecker } from './manifest-checker.js';
import type { ManifestFile } from './manifest-file.js';
import { createOnnxSession, OnnxRoleModel, type OnnxRuntime } from './onnx-session.js';
import { writeManifestJson } from './trained-files.js';

export interface FeatureEncoderSpec {
  kind: 'features';
  /** The ONNX model, relative to the manifest (Transformers.js layout: encoder/onnx/model.onnx). */
  file: string;
  /** 'input_values' (audio) or 'pixel_values' (image). */
  inputName: string;
  /** 'last_hidden_state'. */
  outputName: string;
  /** safetensors (mean, components, scale) applied to feature rows before the quantizer. */
  projection?: string;
  /** Where the model came from (a folder, or hf:org/name@commit); recorded, not read. */
  source?: string;
}

/** The keys of FeatureEncoderSpec a media package's validator accepts besides its own. */
export const FEATURE_ENCODER_KEYS = {
  required: ['kind', 'file', 'inputName', 'outputName'],
  optional: ['projection', 'source'],
} as const;

/** Validates the shared keys of a 'features' encoder entry (the object's key set is checked by the caller). */
export function checkFeatureEncoder(c: ManifestChecker, e: Record<string, unknown>): void {
  c.relativeFile(e.file, 'manifest.encoder.file');
  c.string(e.inputName, 'manifest.encoder.inputName');
  c.string(e.outputName, 'manifest.encoder.outputName');
  if (e.projection !== undefined) c.relativeFile(e.projection, 'manifest.encoder.projection');
  if (e.source !== undefined) c.string(e.source, 'manifest.encoder.source');
}

/** The files a 'features' encoder names (hashed into the tokenizer identity). */
export function featureEncoderFiles(e: FeatureEncoderSpec): ManifestFile[] {
  const out: ManifestFile[] = [{ role: 'encoder', key: 'manifest.encoder.file', file: e.file }];
  if (e.projection) out.push({ role: 'projection', key: 'manifest.encoder.projection', file: e.projection });
  return out;
}

/** A semantic tokenizer's tokens cannot be turned back into media: say so, and what to use instead. */
export function noDecoderError(name: string): MmtokError {
  return new MmtokError(
    'MMTOK_NO_DECODER',
    `tokenizer '${name}' is a semantic (encoder-only) tokenizer: its tokens are units of an encoder's features and have no decoder back to media; use a codec tokenizer to reconstruct`,
    { tokenizer: name },
  );
}

/** The projection file of a 'features' encoder, checked against the feature size and the quantizer. */
export async function loadFeatureProjection(
  e: FeatureEncoderSpec,
  dir: string,
  quantizerDim: number,
): Promise<LinearTransform | undefined> {
  if (!e.projection) return undefined;
  const file = resolve(dir, e.projection);
  const { tensors } = LinearTransform.decode(
    await readFile(file),
    FEATURE_PROJECTION_FORMAT,
    'feature projection',
    file,
  );
  const t = new LinearTransform(
    tensors.mean.data,
    tensors.components.data,
    tensors.scale.data,
    tensors.mean.data.length,
    `${file}: feature projection`,
  );
  if (t.dim !== quantizerDim) {
    throw new MmtokError(
      'MMTOK_MISMATCH',
      `${file}: the projection makes ${t.dim} values per row but the quantizer takes dim ${quantizerDim}`,
    );
  }
  return t;
}

const MAX_CONFIG_BYTES = 1 << 20;

/** A JSON object file of a model folder (config.json, preprocessor_config.json); undefined when absent. */
export async function readModelJson(dir: string, name: string): Promise<Record<string, unknown> | undefined> {
  const path = join(dir, name);
  const size = await stat(path).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return undefined;
  if (size > MAX_CONFIG_BYTES) {
    throw new MmtokError('MMTOK_MODEL', `${path}: ${size} bytes is too large for a model config file`, { path });
  }
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new MmtokError('MMTOK_MODEL', `${path}: not valid JSON (${(e as Error).message})`, { path });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new MmtokError('MMTOK_MODEL', `${path}: must hold a JSON object`, { path });
  }
  return value as Record<string, unknown>;
}

/** Hard link when the file system allows (a Hub cache blob costs no space), else a copy; temp + rename. */
async function placeFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  const tmp = `${to}.${process.pid}.tmp`;
  await rm(tmp, { force: true });
  // Hub snapshot entries are relative symlinks to blobs: link the blob, not the link.
  const blob = await realpath(from);
  await link(blob, tmp).catch(() => copyFile(blob, tmp));
  await rename(tmp, to);
}

export interface SemanticTokenizerFiles {
  /** The model folder (local, or a Hub snapshot) and the ONNX file inside it, relative to it. */
  modelDir: string;
  modelFile: string;
  projection?: LinearTransform;
  quantizer: AnyQuantizer;
  manifest: object;
}

/**
 * Writes a semantic tokenizer folder: encoder/ (config.json, preprocessor_config.json, the ONNX file
 * and its external data, as in the model folder), projection.safetensors, quantizer.safetensors,
 * then manifest.json last. Returns the manifest path.
 */
export async function writeSemanticTokenizer(outDir: string, files: SemanticTokenizerFiles): Promise<string> {
  const encoderDir = join(outDir, 'encoder');
  for (const name of ['config.json', 'preprocessor_config.json', files.modelFile, `${files.modelFile}_data`]) {
    const from = join(files.modelDir, name);
    const exists = await stat(from).then(
      (s) => s.isFile(),
      () => false,
    );
    if (exists) await placeFile(from, join(encoderDir, name));
  }
  if (files.projection) {
    await writeFileAtomic(
      join(outDir, 'projection.safetensors'),
      files.projection.encode({ format: FEATURE_PROJECTION_FORMAT }),
    );
  }
  await saveQuantizer(files.quantizer, join(outDir, 'quantizer.safetensors'));
  const manifestPath = join(outDir, 'manifest.json');
  await writeManifestJson(manifestPath, files.manifest);
  return manifestPath;
}

/** An encoder-only ONNX model: one float32 input → last_hidden_state float32 [1, T, D]. */
export class OnnxFeatureModel extends OnnxRoleModel {
  private constructor(
    file: string,
    session: Ort.InferenceSession,
    module: OnnxRuntime,
    readonly inputName: string,
    readonly outputName: string,
  ) {
    super(file, 'encoder', session, module);
  }

  static async load(
    file: string,
    io: { inputName: string; outputName: string; inputRank: number },
    executionProviders: readonly string[] = ['cpu'],
  ): Promise<OnnxFeatureModel> {
    const { session, runtime } = await createOnnxSession(file, executionProviders, 'feature model');
    const model = new OnnxFeatureModel(file, session, runtime, io.inputName, io.outputName);
    try {
      model.checkTensors(
        [{ name: io.inputName, dtypes: ['float32'], ranks: [io.inputRank] }],
        [{ name: io.outputName, dtypes: ['float32'], ranks: [3] }],
        () => {},
      );
    } catch (e) {
      await model.dispose();
      throw e;
    }
    return model;
  }

  /** Runs one input (batch 1) → features [rows, dim] (rows = the output's second axis). */
  async features(data: Float32Array, dims: number[]): Promise<{ data: Float32Array; rows: number; dim: number }> {
    const out = await this.runFeeds({ [this.inputName]: { type: 'float32', data, dims } }, [this.outputName], {});
    const t = out[this.outputName];
    if (t.type !== 'float32' || t.dims.length !== 3 || t.dims[0] !== 1) {
      this.fail(`output '${this.outputName}' must be float32 [1, T, D], got ${t.type} [${t.dims.join(', ')}]`);
    }
    return { data: t.data as Float32Array, rows: t.dims[1], dim: t.dims[2] };
  }
}
