/** Loading image tokenizers from disk (Node): built-in names, manifest paths, folders. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createOnnxSession,
  loadManifestQuantizer,
  locateManifest,
  readManifestFile,
  tokenizerIdentity,
} from '@mmtok/core/node';
import { assembleTokenizer } from './assemble-tokenizer.js';
import { builtinManifestPath, listTokenizers } from './default.js';
import { manifestFiles, type TokenizerManifest, validateManifest } from './manifest.js';
import { OnnxModel } from './onnx-model.js';
import type { ImageTokenizer, LoadTokenizerOptions } from './tokenizer.js';

/** Reads, parses and validates a manifest file, and checks that the files it names exist beside or below it. */
export function readManifest(path: string): Promise<{ manifest: TokenizerManifest; text: string; dir: string }> {
  return readManifestFile(path, validateManifest, manifestFiles);
}

/** An ONNX model file on onnxruntime-node. */
async function loadOnnxModel(file: string, executionProviders: readonly string[]): Promise<OnnxModel> {
  const { session, runtime } = await createOnnxSession(file, executionProviders);
  return new OnnxModel(file, session, runtime);
}

/** A manifest file and everything it names. */
export async function loadManifestTokenizer(path: string, options: LoadTokenizerOptions = {}): Promise<ImageTokenizer> {
  const { manifest: m, dir } = await readManifest(path);
  const eps = options.executionProviders ?? ['cpu'];
  const identity = await tokenizerIdentity(m, dir, manifestFiles(m));
  const quantizer = await loadManifestQuantizer(m.quantizer, dir, path, { backend: options.backend });
  return assembleTokenizer(
    m,
    { identity, quantizer, manifestPath: resolve(path), backend: options.backend },
    {
      bytes: (file) => readFile(resolve(dir, file)),
      where: (file) => resolve(dir, file),
      onnx: (file) => loadOnnxModel(resolve(dir, file), eps),
    },
  );
}

/**
 * Loads a tokenizer by built-in name ('default'), by manifest path, or by a directory holding
 * manifest.json. Unknown names fail with MMTOK_TOKENIZER_NOT_FOUND listing the built-ins.
 */
export async function loadTokenizer(
  nameOrManifestPath: string,
  options: LoadTokenizerOptions = {},
): Promise<ImageTokenizer> {
  const path = await locateManifest(
    nameOrManifestPath,
    { manifestPath: builtinManifestPath, list: listTokenizers },
    'tokenizer',
  );
  return loadManifestTokenizer(path, options);
}
