/**
 * `@mmtok/image/browser`: image tokenizers without a file system or sharp, for browsers (and any
 * runtime with fetch and Web Crypto). RGBA pixels (`ImageData` or `{ data, width, height }`) →
 * tokens → RGBA pixels, with the same tokens and identity as `loadTokenizer` in Node: the embedded
 * default tokenizer, and ONNX tokenizers (manifest + files by URL or as bytes) on onnxruntime-web.
 */
import { MmtokError } from '@mmtok/core';
import { loadTokenizerFromUrls } from './fetch-tokenizer.js';
import type { ImageTokenizer } from './tokenizer.js';
import type { RgbImage } from './types.js';

export {
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_MANIFEST_BYTES,
  type FetchTokenizerOptions,
  loadTokenizer,
  type OnnxWebRuntime,
  type TokenizerBytes,
} from './fetch-tokenizer.js';
export { manifestFiles, type TokenizerManifest, validateManifest } from './manifest.js';
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

/** The embedded default image tokenizer, its files fetched from beside this module. */
export function loadDefaultTokenizer(options: LoadDefaultTokenizerOptions = {}): Promise<ImageTokenizer> {
  return loadTokenizerFromUrls(
    MANIFEST_URL,
    { 'encoder.safetensors': ENCODER_URL, 'quantizer.safetensors': QUANTIZER_URL },
    options,
  );
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
