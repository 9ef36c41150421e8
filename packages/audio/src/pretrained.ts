/**
 * Pretrained audio codecs by name: `hf:org/name[@revision]` (through @mmtok/hub and its cache) or a
 * local folder in the same Transformers.js layout (config.json, preprocessor_config.json,
 * onnx/encoder_model{suffix}.onnx, onnx/decoder_model{suffix}.onnx). The codec is described from the
 * config by model_type (pretrained-config.ts) unless the repo holds an mmtok manifest (mmtok.json),
 * which then wins. docs/pretrained.md is the user's page.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isMmtokError, MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, MmtokError } from '@mmtok/core';
import { readModelJson, tokenizerIdentity } from '@mmtok/core/node';
import {
  dtypesPresent,
  type HubOptions,
  type HubRef,
  hubFile,
  hubFileIfExists,
  hubIdentity,
  hubListFiles,
  isHubSpec,
  ONNX_DTYPE_SUFFIX,
  onnxExternalDataFile,
  onnxModelFile,
  parseHubSpec,
} from '@mmtok/hub';
import { type AudioTokenizerManifest, audioManifestFiles, validateAudioManifest } from './manifest.js';
import { describePretrainedCodec, isFile, PRETRAINED_MANIFEST_FILE } from './pretrained-config.js';
import { AudioTokenizer, type LoadAudioTokenizerOptions } from './tokenizer.js';
import type { TokenizerIdentity } from './types.js';

/** loadAudioTokenizer's options; `dtype` and `hub` are the ones that matter here. */
export type LoadPretrainedAudioOptions = LoadAudioTokenizerOptions;

/** Where a pretrained repo's files come from: the Hub through its cache, or a local folder. */
interface RepoSource {
  /** In messages: hf:org/name@commit or the folder. */
  label: string;
  /** The tokenizer identity's name: hf:org/name@commit, or the folder's absolute path. */
  name: string;
  /** Absolute folder the repo's paths resolve against (the cached snapshot, or the folder itself). */
  dir: string;
  /** A repo file's absolute path (downloaded if needed), or undefined when the repo has none. */
  file(path: string): Promise<string | undefined>;
  /**
   * The same for a file most repos lack (mmtok.json, preprocessor_config.json, external data):
   * offline, a cache filled by another tool has no .no_exist marker for it, so "not cached" is "absent".
   */
  optional(path: string): Promise<string | undefined>;
  /** Every file path in the repo (for messages about what is there). */
  list(): Promise<string[]>;
  notFoundCode: string;
  commit?: string;
}

async function hubSource(spec: string, hub: HubOptions | undefined): Promise<RepoSource> {
  const ref = parseHubSpec(spec);
  // config.json (or the manifest) pins the commit; every later file is read at that commit, never at a
  // branch that might move during the load.
  const optional = async (r: HubRef, path: string) => {
    try {
      return await hubFileIfExists(r, path, hub);
    } catch (e) {
      if (isMmtokError(e, 'MMTOK_HUB_OFFLINE')) return undefined;
      throw e;
    }
  };
  const first = (await optional(ref, PRETRAINED_MANIFEST_FILE)) ?? (await hubFile(ref, 'config.json', hub));
  const pinned = { repo: ref.repo, revision: first.commit };
  const dir = resolve(first.path, '..');
  const label = hubIdentity(ref.repo, first.commit);
  return {
    label,
    name: label,
    dir,
    commit: first.commit,
    notFoundCode: 'MMTOK_HUB_NOT_FOUND',
    file: async (path) => (await hubFileIfExists(pinned, path, hub))?.path,
    optional: async (path) => (await optional(pinned, path))?.path,
    list: async () => (await hubListFiles(pinned, hub)).files,
  };
}

function folderSource(folder: string): RepoSource {
  const dir = resolve(folder);
  const file = async (path: string) => ((await isFile(join(dir, path))) ? join(dir, path) : undefined);
  return {
    label: dir,
    name: dir,
    dir,
    notFoundCode: 'MMTOK_TOKENIZER_NOT_FOUND',
    file,
    optional: file,
    list: async () => {
      const entries = await readdir(dir, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
    },
  };
}

/** A JSON object file the repo has (core's readModelJson: a size cap, MMTOK_MODEL when malformed). */
async function readRepoJson(path: string): Promise<Record<string, unknown>> {
  const value = await readModelJson(dirname(path), basename(path));
  if (!value) throw new MmtokError('MMTOK_IO', `${path} went away while the model was loading`, { path });
  return value;
}

/** onnx/<name><dtype suffix>.onnx, fetched with its external data if it has any; missing → the dtypes there are. */
async function modelFile(src: RepoSource, name: string, dtype: string): Promise<string> {
  const file = onnxModelFile(name, dtype);
  if (await src.file(file)) {
    await src.optional(onnxExternalDataFile(file));
    return file;
  }
  const present = dtypesPresent(await src.list(), name);
  throw new MmtokError(
    src.notFoundCode,
    `${src.label} has no ${file} (dtype ${dtype}); ${name} is there as: ${present.join(', ') || 'none'}`,
    { source: src.label, file, dtype, present },
  );
}

/** The manifest mmtok derives from config.json and preprocessor_config.json. */
async function guessedManifest(src: RepoSource, dtype: string): Promise<AudioTokenizerManifest> {
  const configPath = await src.file('config.json');
  if (!configPath) {
    throw new MmtokError(src.notFoundCode, `${src.label} has neither ${PRETRAINED_MANIFEST_FILE} nor config.json`, {
      source: src.label,
    });
  }
  const config = await readRepoJson(configPath);
  const prePath = await src.optional('preprocessor_config.json');
  const pre = prePath ? await readRepoJson(prePath) : {};
  const d = describePretrainedCodec(config, pre, src.label);
  const encoderFile = await modelFile(src, 'encoder_model', dtype);
  const decoderFile = await modelFile(src, 'decoder_model', dtype);
  const manifest: AudioTokenizerManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    name: src.name,
    version: dtype,
    description: `${d.modelType} codec from ${src.label} (${dtype})`,
    modality: 'audio',
    preprocessing: { sampleRate: d.sampleRate, channels: d.channels },
    encoder: { kind: 'onnx', file: encoderFile, ...d.encoder, output: 'codes' },
    decoder: { kind: 'onnx', file: decoderFile, ...d.decoder, input: 'codes' },
    // The frame rate of the padding unit: the hop for one-scale codecs, SNAC's hop · lcm(...) for SNAC.
    tokens: {
      layout: ['levels', 'frames'],
      frameRate: d.sampleRate / d.paddingMultiple,
      ...(d.codebookSize ? { codebookSize: d.codebookSize } : {}),
    },
    // One-scale codecs: AudioTokenizer.bitrate() counts the levels the model really emits; SNAC's scales need the sum.
    ...(d.scaleStrides && d.bitrate ? { bitrate: d.bitrate } : {}),
    metadata: {
      modelType: d.modelType,
      hopLength: d.hopLength,
      paddingMultiple: d.paddingMultiple,
      ...(d.levels ? { configLevels: d.levels } : {}),
      ...(d.scaleStrides ? { scaleStrides: d.scaleStrides } : {}),
    },
  };
  return validateAudioManifest(manifest, `${src.label} (from config.json)`);
}

/** The repo's own mmtok manifest, with every file it names fetched. */
async function repoManifest(src: RepoSource, path: string, dtype: string | undefined): Promise<AudioTokenizerManifest> {
  if (dtype !== undefined && dtype !== 'fp32') {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `${src.label} names its model files in ${PRETRAINED_MANIFEST_FILE}; dtype ${dtype} cannot pick others`,
      { source: src.label, dtype },
    );
  }
  const m = validateAudioManifest(await readRepoJson(path), path);
  for (const f of audioManifestFiles(m)) {
    if (!(await src.file(f.file))) {
      throw new MmtokError(
        src.notFoundCode,
        `${src.label}: ${PRETRAINED_MANIFEST_FILE} names ${f.file}, which is not there`,
        {
          source: src.label,
          file: f.file,
        },
      );
    }
  }
  return m;
}

/**
 * A pretrained audio codec as an AudioTokenizer. Its identity is { name: hf:org/name@commit (or the
 * folder), version: the dtype, hash }: token files record it, and `loadAudioTokenizer(name, { dtype:
 * version })` finds the same tokenizer again (from the cache first).
 */
export async function loadPretrainedAudioTokenizer(
  spec: string,
  options: LoadPretrainedAudioOptions = {},
): Promise<AudioTokenizer> {
  if (options.dtype !== undefined && !(options.dtype in ONNX_DTYPE_SUFFIX)) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `unknown dtype '${options.dtype}' (known: ${Object.keys(ONNX_DTYPE_SUFFIX).join(', ')})`,
      { dtype: options.dtype },
    );
  }
  const src = isHubSpec(spec) ? await hubSource(spec, options.hub) : folderSource(spec);
  const manifestPath = await src.optional(PRETRAINED_MANIFEST_FILE);
  const dtype = options.dtype ?? 'fp32';
  const manifest = manifestPath
    ? await repoManifest(src, manifestPath, options.dtype)
    : await guessedManifest(src, dtype);
  // A commit never changes: hashing the commit (with the manifest, which names the dtype's files)
  // identifies the tokenizer without reading hundreds of MB of weights. Folders hash their files.
  const hashed = src.commit
    ? await tokenizerIdentity(manifest, src.dir, [], [`commit:${src.commit}`])
    : await tokenizerIdentity(manifest, src.dir, audioManifestFiles(manifest));
  const identity: TokenizerIdentity = { name: src.name, version: dtype, hash: hashed.hash };
  return AudioTokenizer.fromParts(manifest, src.dir, identity, manifestPath ?? join(src.dir, 'config.json'), options);
}
