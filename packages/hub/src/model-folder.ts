import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MmtokError } from '@mmtok/core';
import { hubFile, hubFileIfExists } from './hub-file.js';
import type { HubOptions } from './hub-options.js';
import { onnxExternalDataFile, onnxModelFile } from './onnx-files.js';
import { hubIdentity, isHubSpec } from './spec.js';

/** A single-model Transformers.js folder on disk: a local folder, or a Hub snapshot in the cache. */
export interface ModelFolder {
  /** Absolute folder holding config.json, preprocessor_config.json and onnx/. */
  dir: string;
  /** The ONNX file for the dtype, relative to `dir` (onnx/model.onnx for fp32). */
  modelFile: string;
  /** The folder as given, or hf:org/name@<commit> for a Hub repo. */
  source: string;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/**
 * Resolves an encoder-only model in the Transformers.js layout (config.json,
 * preprocessor_config.json, onnx/<name><dtype suffix>.onnx and its `_data`) from a local folder or
 * `hf:org/name[@rev]`; Hub files are fetched into the shared cache, so `dir` is their snapshot.
 */
export async function resolveModelFolder(
  spec: string,
  options: { dtype?: string; name?: string; hub?: HubOptions } = {},
): Promise<ModelFolder> {
  // The trainers pass their `model` option straight through: refuse a missing one here, once.
  if (typeof spec !== 'string' || spec === '') {
    throw new MmtokError('MMTOK_CONFIG', "option 'model' is required: a feature model folder or hf:org/name");
  }
  const modelFile = onnxModelFile(options.name ?? 'model', options.dtype);
  if (isHubSpec(spec)) {
    const model = await hubFile(spec, modelFile, options.hub);
    const snapshot = model.path.slice(0, model.path.length - modelFile.length - 1);
    const ref = { repo: model.repo, revision: model.commit };
    await hubFile(ref, 'config.json', options.hub);
    await hubFileIfExists(ref, 'preprocessor_config.json', options.hub);
    await hubFileIfExists(ref, onnxExternalDataFile(modelFile), options.hub);
    return { dir: snapshot, modelFile, source: hubIdentity(model.repo, model.commit) };
  }
  const dir = resolve(spec);
  if (!(await isFile(join(dir, modelFile)))) {
    throw new MmtokError(
      'MMTOK_MODEL',
      `${dir}: no ${modelFile}; a feature model folder holds config.json, preprocessor_config.json and ${modelFile} (the Transformers.js layout), or name one as hf:org/name`,
      { path: dir, file: modelFile },
    );
  }
  return { dir, modelFile, source: spec };
}
