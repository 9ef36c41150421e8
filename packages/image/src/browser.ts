/**
 * `@mmtok/image/browser`: the embedded default tokenizer without a file system or sharp, for
 * browsers (and any runtime with fetch and Web Crypto). RGBA pixels (`ImageData` or
 * `{ data, width, height }`) → tokens → RGBA pixels, with the same tokens and identity as
 * `loadTokenizer('default')` in Node.
 */
import { deserializeQuantizer, identityFromDigests, MmtokError, sha256Hex } from '@mmtok/core';
import { LinearPatchTransform } from './linear-tokenizer.js';
import type { TokenizerManifest } from './manifest.js';
import { ImageTokenizer } from './tokenizer.js';
import type { RgbImage } from './types.js';

export { ImageTokenizer } from './tokenizer.js';
export type { ImageSource, RgbImage, TokenizerIdentity, TokenSet } from './types.js';

// One static `new URL(…, import.meta.url)` per file, so bundlers (Vite, webpack, esbuild) ship them.
const MANIFEST_URL = new URL('../assets/default/manifest.json', import.meta.url);
const ENCODER_URL = new URL('../assets/default/encoder.safetensors', import.meta.url);
const QUANTIZER_URL = new URL('../assets/default/quantizer.safetensors', import.meta.url);

/** Canvas pixels: `ImageData`, or the same shape with any byte array. */
export interface RgbaPixels {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export interface LoadDefaultTokenizerOptions {
  /** Core backend for the quantizer and transform ('js', 'webgpu'); the best available when omitted. */
  backend?: string;
  /** Fetches the tokenizer's files (default: global fetch), e.g. from another host or a cache. */
  fetch?: (url: URL) => Promise<Response>;
}

async function fetchBytes(url: URL, get: (url: URL) => Promise<Response>): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await get(url);
  } catch (e) {
    throw new MmtokError('MMTOK_IO', `could not fetch ${url}: ${(e as Error).message}`, { url: String(url) });
  }
  if (!response.ok) throw new MmtokError('MMTOK_IO', `${url}: HTTP ${response.status}`, { url: String(url) });
  return new Uint8Array(await response.arrayBuffer());
}

/** The embedded default image tokenizer, its files fetched from beside this module. */
export async function loadDefaultTokenizer(options: LoadDefaultTokenizerOptions = {}): Promise<ImageTokenizer> {
  const get = options.fetch ?? ((url: URL) => fetch(url));
  const [manifestBytes, encoder, quantizerBytes] = await Promise.all(
    [MANIFEST_URL, ENCODER_URL, QUANTIZER_URL].map((url) => fetchBytes(url, get)),
  );
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as TokenizerManifest;
  // The packaged manifest, checked in Node by validateManifest; here only that it names these files.
  if (
    manifest.encoder.kind !== 'linear-patch' ||
    manifest.encoder.weights !== 'encoder.safetensors' ||
    manifest.quantizer.file !== 'quantizer.safetensors' ||
    manifest.decoder.kind !== 'linear-patch-inverse'
  ) {
    throw new MmtokError('MMTOK_MANIFEST', `${MANIFEST_URL}: not the linear-patch default this entry loads`);
  }
  // The roles and order manifestFiles() gives a linear-patch manifest, so the identity is Node's.
  const identity = await identityFromDigests(manifest, [
    { role: 'encoder', sha256: await sha256Hex(encoder) },
    { role: 'quantizer', sha256: await sha256Hex(quantizerBytes) },
  ]);
  const quantizer = await deserializeQuantizer(quantizerBytes, {
    backend: options.backend,
    expectType: manifest.quantizer.config?.type,
  });
  const linear = LinearPatchTransform.deserialize(encoder, manifest.encoder.patchSize, String(ENCODER_URL));
  return ImageTokenizer.fromParts({
    manifest,
    identity,
    quantizer,
    manifestPath: String(MANIFEST_URL),
    linear,
    backend: options.backend,
  });
}

/** RGBA → RGB, alpha composited over white (readImage's default 'flatten-white'). */
export function rgbaToRgb(pixels: RgbaPixels): RgbImage {
  const { data, width, height } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new MmtokError('MMTOK_SHAPE', `pixels must be at least 1×1, got ${width}×${height}`);
  }
  if (data?.length !== width * height * 4) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${width}×${height} RGBA pixels need ${width * height * 4} bytes, got ${data?.length}`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    const a = data[i + 3];
    for (let c = 0; c < 3; c++)
      out[o + c] = a === 255 ? data[i + c] : Math.round((data[i + c] * a + 255 * (255 - a)) / 255);
  }
  return { data: out, width, height, channels: 3 };
}

/** RGB → opaque RGBA, ready for `new ImageData(data, width, height)`. */
export function rgbToRgba(image: RgbImage): { data: Uint8ClampedArray; width: number; height: number } {
  const data = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, o = 0; o < data.length; i += 3, o += 4) {
    data[o] = image.data[i];
    data[o + 1] = image.data[i + 1];
    data[o + 2] = image.data[i + 2];
    data[o + 3] = 255;
  }
  return { data, width: image.width, height: image.height };
}
