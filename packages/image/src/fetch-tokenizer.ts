/**
 * Loading image tokenizers without a file system (browsers, workers): a manifest and its files
 * fetched from URLs or given as bytes, validated by the same `validateManifest` as Node, ONNX models
 * run on onnxruntime-web, and the same ImageTokenizer (preprocessing, quantizer, layout) on top.
 */
import {
  deserializeQuantizer,
  identityFromDigests,
  MmtokError,
  openOnnxSession,
  quantizerFromSpec,
  sha256Hex,
} from '@mmtok/core';
import type * as Ort from 'onnxruntime-common';
import { assembleTokenizer } from './assemble-tokenizer.js';
import { manifestFiles, validateManifest } from './manifest.js';
import { OnnxModel } from './onnx-model.js';
import type { ImageTokenizer } from './tokenizer.js';

/** A manifest of at most this many bytes is read (manifests are a few kB). */
export const DEFAULT_MAX_MANIFEST_BYTES = 1 << 20;
/** A file a manifest names of at most this many bytes is read (512 MiB), before anything is allocated for it. */
export const DEFAULT_MAX_FILE_BYTES = 512 * 2 ** 20;

/** What ONNX tokenizers need of onnxruntime-web (or any onnxruntime module). */
export type OnnxWebRuntime = Pick<typeof Ort, 'InferenceSession' | 'Tensor'>;

/** A tokenizer handed over as bytes, e.g. files the user dropped: the manifest and each file it names. */
export interface TokenizerBytes {
  /** manifest.json: its bytes, its text, or the parsed object. */
  manifest: Uint8Array | string | object;
  /** Each file the manifest names, by the relative path it names it with. */
  files: Record<string, Uint8Array | ArrayBuffer>;
  /** Names the manifest in messages. Default 'manifest.json'. */
  name?: string;
}

export interface FetchTokenizerOptions {
  /** Core backend for the quantizer ('js', 'webgpu'); the best available when omitted. */
  backend?: string;
  /** onnxruntime-web execution providers, in order of preference. Default ['wasm']; e.g. ['webgpu', 'wasm']. */
  executionProviders?: string[];
  /**
   * Supplies onnxruntime-web, e.g. `() => import('onnxruntime-web')` so a bundler sees and ships it
   * (`onnxruntime-web/webgpu` for the webgpu provider). Default: `onnxruntime-web` imported by name.
   */
  runtime?: () => Promise<OnnxWebRuntime>;
  /** Fetches the manifest and its files (default: global fetch). */
  fetch?: (url: URL) => Promise<Response>;
  /** Largest manifest read; a larger one is MMTOK_IO. Default DEFAULT_MAX_MANIFEST_BYTES. */
  maxManifestBytes?: number;
  /** Largest file a manifest names that is read; a larger one is MMTOK_IO. Default DEFAULT_MAX_FILE_BYTES. */
  maxFileBytes?: number;
}

/**
 * A response's body, refused (MMTOK_IO) when its Content-Length or, while streaming, its bytes so
 * far pass `limit`: a hostile or mistaken URL cannot make the page allocate gigabytes.
 */
export async function fetchBounded(
  url: URL,
  limit: number,
  get: (url: URL) => Promise<Response> = (u) => fetch(u),
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await get(url);
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not fetch ${url}: ${(e as Error).message}`, { url: String(url) });
  }
  if (!response.ok) {
    throw new MmtokError('MMTOK_IO', `${url}: HTTP ${response.status}`, { url: String(url), status: response.status });
  }
  const tooLarge = (n: number | string) =>
    new MmtokError('MMTOK_IO', `${url}: ${n} bytes is over the ${limit}-byte limit`, { url: String(url), limit });
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) throw tooLarge(declared);
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge(`more than ${limit}`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Where a tokenizer's files come from: `read(file)` gives the bytes of a file the manifest names. */
interface TokenizerSource {
  /** The manifest's URL or name, for messages. */
  label: string;
  manifest: unknown;
  read(file: string, key: string): Promise<Uint8Array>;
  /** A file's URL or name, for messages. */
  where(file: string): string;
}

function parseManifest(bytes: Uint8Array | string, label: string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
  } catch (e) {
    throw new MmtokError('MMTOK_MANIFEST', `${label}: not valid JSON (${(e as Error).message})`, {
      path: label,
      key: 'manifest',
    });
  }
}

function missing(label: string, key: string, file: string, why: string): MmtokError {
  return new MmtokError('MMTOK_MANIFEST', `${label}: ${key}: file '${file}' ${why}`, { path: label, key, file });
}

/**
 * A file URL the manifest names, refused unless it lies beside or below the manifest (the rule
 * Node's readManifest applies on disk), so a manifest cannot make the page fetch other URLs.
 */
function fileUrl(manifestUrl: URL, file: string, key: string, label = String(manifestUrl)): URL {
  const url = new URL(file, manifestUrl);
  const folder = new URL('.', manifestUrl).href;
  if (!url.href.startsWith(folder) || url.href === folder) {
    throw missing(label, key, file, `is outside the manifest's folder (${url})`);
  }
  return url;
}

async function fromUrl(manifestUrl: URL, options: FetchTokenizerOptions): Promise<TokenizerSource> {
  const get = options.fetch ?? ((u: URL) => fetch(u));
  const label = String(manifestUrl);
  const bytes = await fetchBounded(manifestUrl, options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES, get);
  return {
    label,
    manifest: parseManifest(bytes, label),
    where: (file) => String(new URL(file, manifestUrl)),
    read: async (file, key) => {
      const url = fileUrl(manifestUrl, file, key);
      try {
        return await fetchBounded(url, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, get);
      } catch (e) {
        // A missing file is the manifest's fault, as in Node; other failures stay MMTOK_IO.
        if ((e as MmtokError).details?.status === 404) throw missing(label, key, file, `not found (${url})`);
        throw e;
      }
    },
  };
}

function fromBytes(given: TokenizerBytes): TokenizerSource {
  const label = given.name ?? 'manifest.json';
  const manifest =
    typeof given.manifest === 'string' || given.manifest instanceof Uint8Array
      ? parseManifest(given.manifest, label)
      : given.manifest;
  // Names are resolved as URLs are, so 'a/../b.onnx' finds 'b.onnx' and '../b.onnx' is refused.
  const base = new URL('https://tokenizer.invalid/manifest.json');
  const byPath = new Map(Object.entries(given.files).map(([name, b]) => [new URL(name, base).href, b]));
  return {
    label,
    manifest,
    where: (file) => `${label}: ${file}`,
    read: async (file, key) => {
      const bytes = byPath.get(fileUrl(base, file, key, label).href);
      if (!bytes) throw missing(label, key, file, 'was not given');
      return bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    },
  };
}

/** onnxruntime-web from `options.runtime` or imported by name; failing to load it is MMTOK_BACKEND saying what to install. */
async function onnxRuntimeWeb(runtime: FetchTokenizerOptions['runtime']): Promise<OnnxWebRuntime> {
  // A variable specifier: bundlers and type-checkers need not find the optional peer dependency.
  const name = 'onnxruntime-web';
  try {
    return await (runtime ?? (() => import(/* @vite-ignore */ name) as Promise<OnnxWebRuntime>))();
  } catch (e) {
    throw new MmtokError(
      'MMTOK_BACKEND',
      `ONNX tokenizers in the browser need onnxruntime-web, which could not be loaded (${(e as Error).message}): npm install onnxruntime-web, and pass { runtime: () => import('onnxruntime-web') } when bundling`,
      { module: name },
    );
  }
}

async function loadFromSource(source: TokenizerSource, options: FetchTokenizerOptions): Promise<ImageTokenizer> {
  const { label } = source;
  const m = validateManifest(source.manifest, label);
  const files = manifestFiles(m);
  // Fetched at once (an encoder and a decoder can be hundreds of MB each); a file two roles name, once.
  const unique = [...new Map(files.map((f) => [f.file, f])).values()];
  const bytes = new Map(
    await Promise.all(unique.map(async ({ file, key }) => [file, await source.read(file, key)] as const)),
  );
  const identity = await identityFromDigests(
    m,
    await Promise.all(files.map(async ({ role, file }) => ({ role, sha256: await sha256Hex(bytes.get(file)!) }))),
  );
  const quantizer = await quantizerFromSpec(
    m.quantizer,
    label,
    (file, o) => deserializeQuantizer(bytes.get(file)!, { ...o, source: source.where(file) }),
    { backend: options.backend },
  );
  const eps = options.executionProviders ?? ['wasm'];
  let ort: OnnxWebRuntime | undefined;
  return assembleTokenizer(
    m,
    { identity, quantizer, manifestPath: label, backend: options.backend },
    {
      bytes: async (file) => bytes.get(file)!,
      where: source.where,
      onnx: async (file) => {
        ort ??= await onnxRuntimeWeb(options.runtime);
        const where = source.where(file);
        return new OnnxModel(where, await openOnnxSession(ort, 'onnxruntime-web', bytes.get(file)!, where, eps), ort);
      },
    },
  );
}

/**
 * Loads an image tokenizer from a manifest URL (a URL ending in '/' means its manifest.json), its
 * files fetched relative to it, or from the bytes of the manifest and its files. Relative URLs are
 * resolved against the page. Same validation, identity and tokens as Node's `loadTokenizer`.
 */
export async function loadTokenizer(
  source: string | URL | TokenizerBytes,
  options: FetchTokenizerOptions = {},
): Promise<ImageTokenizer> {
  if (typeof source === 'object' && !(source instanceof URL)) return loadFromSource(fromBytes(source), options);
  let url = new URL(source, globalThis.location?.href);
  if (url.pathname.endsWith('/')) url = new URL('manifest.json', url);
  return loadFromSource(await fromUrl(url, options), options);
}

/**
 * A tokenizer whose files sit at fixed URLs (a bundler's asset URLs need not lie beside each
 * other): `files` maps each name the manifest uses to its URL.
 */
export async function loadTokenizerFromUrls(
  manifestUrl: URL,
  files: Record<string, URL>,
  options: FetchTokenizerOptions = {},
): Promise<ImageTokenizer> {
  const get = options.fetch ?? ((u: URL) => fetch(u));
  const label = String(manifestUrl);
  const manifestBytes = await fetchBounded(manifestUrl, options.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES, get);
  return loadFromSource(
    {
      label,
      manifest: parseManifest(manifestBytes, label),
      where: (file) => String(files[file] ?? file),
      read: async (file, key) => {
        if (!Object.hasOwn(files, file)) throw missing(label, key, file, 'is not one of the files this entry ships');
        return fetchBounded(files[file], options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, get);
      },
    },
    options,
  );
}
