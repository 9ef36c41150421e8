import { extname } from 'node:path';
import { MmtokError, onThreadBudget } from '@mmtok/core';
import { writeFileAtomic } from '@mmtok/core/node';
import sharp from 'sharp';
import { checkImage } from './rgb-image.js';
import type { RgbImage } from './types.js';

// The thread budget caps libvips' pool. sharp.concurrency is process-wide, not per worker thread:
// each worker runs one pipeline at a time, so the per-worker budget is the right cap, and workers
// setting the same budget agree. Only ever lowered: sharp's own default may already be smaller
// (1 on glibc Linux, against malloc fragmentation).
onThreadBudget((threads) => sharp.concurrency(Math.min(threads, sharp.concurrency())));

/** The threads libvips gives one pipeline (process-wide). */
export function sharpThreads(): number {
  return sharp.concurrency();
}

export type AlphaPolicy = 'flatten-white' | 'flatten-black' | 'error';

export interface ReadImageOptions {
  /** What to do with a transparent image: flatten onto white (default) or black, or refuse it. */
  alpha?: AlphaPolicy;
  /** Largest width × height decoded (default DEFAULT_MAX_PIXELS); larger images are MMTOK_IMAGE_TOO_LARGE. */
  maxPixels?: number;
}

/**
 * Default pixel limit: 50 megapixels. Tokenizing costs about 37 bytes per pixel (decoded RGB,
 * float patches, codes), so this bounds one image near 2 GB; a few-KB PNG can declare far more.
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Formats read (sharp's names; AVIF is reported as 'heif'). GIF yields its first frame. */
const READABLE = new Set(['jpeg', 'png', 'webp', 'heif', 'tiff', 'gif']);

const WRITERS: Record<string, keyof sharp.FormatEnum> = {
  '.png': 'png',
  '.jpg': 'jpeg',
  '.jpeg': 'jpeg',
  '.webp': 'webp',
  '.avif': 'avif',
  '.tif': 'tiff',
  '.tiff': 'tiff',
  '.gif': 'gif',
};

function describe(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : `<buffer of ${input.length} bytes>`;
}

/** What an image file holds, read from its header (nothing decoded). */
export interface ImageInfo {
  /** sharp's format name ('jpeg', 'png', 'webp', 'heif' for AVIF, 'tiff', 'gif'). */
  format: string;
  /** The size readImage decodes to: after EXIF orientation. */
  width: number;
  height: number;
  /** Channels stored in the file (readImage always gives 3). */
  channels: number;
  hasAlpha: boolean;
  /** Frames of an animation (readImage reads the first); 1 otherwise. */
  pages: number;
}

function sharpInput(pathOrBuffer: string | Uint8Array): string | Buffer {
  return typeof pathOrBuffer === 'string'
    ? pathOrBuffer
    : Buffer.from(pathOrBuffer.buffer, pathOrBuffer.byteOffset, pathOrBuffer.byteLength);
}

/** The header of a supported image; MMTOK_IO, MMTOK_IMAGE_FORMAT or MMTOK_IMAGE_DECODE otherwise. */
async function supportedMetadata(pathOrBuffer: string | Uint8Array): Promise<sharp.Metadata> {
  const what = describe(pathOrBuffer);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(sharpInput(pathOrBuffer)).metadata();
  } catch (e) {
    throw classify(e as Error, what, pathOrBuffer);
  }
  if (!meta.format || !READABLE.has(meta.format)) {
    throw new MmtokError(
      'MMTOK_IMAGE_FORMAT',
      `${what}: unsupported image format '${meta.format}' (supported: JPEG, PNG, WebP, AVIF, TIFF, GIF)`,
      { path: what, format: meta.format },
    );
  }
  return meta;
}

/** Describes an image from its header: format, decoded size, channels, alpha, frames. */
export async function probeImage(pathOrBuffer: string | Uint8Array): Promise<ImageInfo> {
  const meta = await supportedMetadata(pathOrBuffer);
  // EXIF orientations 5–8 are transposes: readImage's rotate() swaps the sides.
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    format: meta.format!,
    width: (swap ? meta.height : meta.width) ?? 0,
    height: (swap ? meta.width : meta.height) ?? 0,
    channels: meta.channels ?? 0,
    hasAlpha: meta.hasAlpha === true,
    pages: meta.pages ?? 1,
  };
}

/**
 * Decodes an image into 8-bit RGB: EXIF orientation applied, grayscale expanded, alpha flattened
 * (or refused), 16-bit samples reduced to 8. Errors: MMTOK_IO (unreadable file), MMTOK_IMAGE_FORMAT
 * (not a supported image format), MMTOK_IMAGE_DECODE (corrupt data), MMTOK_IMAGE_ALPHA (alpha: 'error').
 */
export async function readImage(pathOrBuffer: string | Uint8Array, options: ReadImageOptions = {}): Promise<RgbImage> {
  const what = describe(pathOrBuffer);
  const alpha = options.alpha ?? 'flatten-white';
  if (!['flatten-white', 'flatten-black', 'error'].includes(alpha)) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `option 'alpha' must be 'flatten-white', 'flatten-black' or 'error', got ${JSON.stringify(alpha)}`,
    );
  }
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1) {
    throw new MmtokError('MMTOK_CONFIG', `option 'maxPixels' must be a positive integer, got ${maxPixels}`);
  }
  const input = sharpInput(pathOrBuffer);
  const meta = await supportedMetadata(pathOrBuffer);
  // Checked on the header, before anything is decoded: a small file may declare a huge image.
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > maxPixels) {
    throw new MmtokError(
      'MMTOK_IMAGE_TOO_LARGE',
      `${what} is ${meta.width}×${meta.height} = ${pixels} pixels, more than the limit of ${maxPixels}; raise it with --max-pixels (maxPixels) if this image is meant to be that large`,
      { path: what, width: meta.width, height: meta.height, maxPixels },
    );
  }
  if (meta.hasAlpha && alpha === 'error') {
    throw new MmtokError(
      'MMTOK_IMAGE_ALPHA',
      `${what} has an alpha channel; pass alpha: 'flatten-white' or 'flatten-black' to composite it`,
      { path: what },
    );
  }
  try {
    // pages: 1 reads only the first frame of an animation; rotate() applies EXIF orientation.
    let img = sharp(input, { pages: 1, limitInputPixels: maxPixels }).rotate();
    if (meta.hasAlpha) img = img.flatten({ background: alpha === 'flatten-black' ? '#000000' : '#ffffff' });
    const { data, info } = await img
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      channels: 3,
    };
  } catch (e) {
    throw classify(e as Error, what, pathOrBuffer);
  }
}

function classify(e: Error, what: string, input: string | Uint8Array): MmtokError {
  if (e instanceof MmtokError) return e;
  const msg = e.message ?? String(e);
  if (typeof input === 'string' && /no such file|ENOENT|EACCES|EISDIR|Input file is missing/i.test(msg)) {
    return new MmtokError('MMTOK_IO', `could not read ${what}: ${msg}`, { path: what });
  }
  if (/unsupported image format/i.test(msg)) {
    return new MmtokError('MMTOK_IMAGE_FORMAT', `${what}: unsupported or unrecognized image format`, { path: what });
  }
  return new MmtokError('MMTOK_IMAGE_DECODE', `${what}: the image data is corrupt or truncated (${msg.trim()})`, {
    path: what,
  });
}

export { checkImage };

export interface WriteImageOptions {
  /** Quality for lossy formats (JPEG, WebP, AVIF), 1–100. Default 95. */
  quality?: number;
}

/** The encoded bytes of an image in the format named by `ext` ('.png', '.jpg', ...). */
export async function encodeImage(image: RgbImage, ext: string, options: WriteImageOptions = {}): Promise<Uint8Array> {
  checkImage(image);
  const format = WRITERS[ext.toLowerCase()];
  if (!format) {
    throw new MmtokError(
      'MMTOK_IMAGE_FORMAT',
      `cannot write '${ext}' images (supported: ${Object.keys(WRITERS).join(', ')})`,
      { ext },
    );
  }
  const quality = options.quality ?? 95;
  const raw = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  const lossy = format === 'jpeg' || format === 'webp' || format === 'avif';
  // TIFF defaults to JPEG compression in sharp; LZW keeps it lossless as users expect of TIFF.
  const opts = lossy ? { quality } : format === 'tiff' ? { compression: 'lzw' } : {};
  const buf = await raw.toFormat(format, opts).toBuffer();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Writes an image in the format of the path's extension, atomically (temp file + rename). */
export async function writeImage(image: RgbImage, path: string, options: WriteImageOptions = {}): Promise<void> {
  const bytes = await encodeImage(image, extname(path), options);
  await writeFileAtomic(path, bytes);
}
