import { MmtokError } from '@mmtok/core';
import type sharp from 'sharp';
import type { ImageTensor, RgbImage } from './types.js';

/**
 * How an image becomes the model's frame:
 * - none: as is (any size);
 * - exact: resized to width×height, aspect ratio not kept;
 * - shorter-side-crop: shorter side resized to `size`, then the centre size×size crop;
 * - pad: longer side resized to `size`, then padded to size×size with `fill` (letterbox).
 */
export type ResizePolicy =
  | { mode: 'none' }
  | { mode: 'exact'; width: number; height: number }
  | { mode: 'shorter-side-crop'; size: number }
  | { mode: 'pad'; size: number; fill?: [number, number, number] };

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where the image went: decode maps `content` of the frame back onto `sourceRect` of the original. */
export interface Geometry {
  width: number;
  height: number;
  frameWidth: number;
  frameHeight: number;
  /** The part of the frame that holds image content (all of it except under 'pad'). */
  content: Rect;
  /** The part of the original the content shows (all of it except under 'shorter-side-crop'). */
  sourceRect: Rect;
}

/** sharp, imported on first resize: the browser entry uses this module without it ('none' needs no resize). */
async function raw(image: RgbImage): Promise<sharp.Sharp> {
  const { default: load } = await import('sharp');
  return load(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
}

async function toImage(pipeline: sharp.Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    channels: 3,
  };
}

/** Resizes with sharp's Lanczos-3 (a no-op copy when the size already matches). */
export async function resizeImage(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  return toImage((await raw(image)).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }));
}

export function cropImage(image: RgbImage, r: Rect): RgbImage {
  if (r.left === 0 && r.top === 0 && r.width === image.width && r.height === image.height) return image;
  const out = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.top + y) * image.width + r.left) * 3;
    out.set(image.data.subarray(from, from + r.width * 3), y * r.width * 3);
  }
  return { data: out, width: r.width, height: r.height, channels: 3 };
}

function full(width: number, height: number): Rect {
  return { left: 0, top: 0, width, height };
}

/** Applies a resize policy; returns the frame and how to map it back. */
export async function applyResize(
  image: RgbImage,
  policy: ResizePolicy,
): Promise<{ frame: RgbImage; geometry: Geometry }> {
  const { width: w, height: h } = image;
  const geometry = (frame: RgbImage, content: Rect, sourceRect: Rect): { frame: RgbImage; geometry: Geometry } => ({
    frame,
    geometry: { width: w, height: h, frameWidth: frame.width, frameHeight: frame.height, content, sourceRect },
  });
  switch (policy.mode) {
    case 'none':
      return geometry(image, full(w, h), full(w, h));
    case 'exact': {
      const frame = await resizeImage(image, policy.width, policy.height);
      return geometry(frame, full(policy.width, policy.height), full(w, h));
    }
    case 'shorter-side-crop': {
      // Crop the centred square in source pixels first, then resize: same result as
      // resize-then-crop up to rounding, and the source rectangle is exact.
      const s = Math.min(w, h);
      const sourceRect = { left: Math.floor((w - s) / 2), top: Math.floor((h - s) / 2), width: s, height: s };
      const frame = await resizeImage(cropImage(image, sourceRect), policy.size, policy.size);
      return geometry(frame, full(policy.size, policy.size), sourceRect);
    }
    case 'pad': {
      const scale = policy.size / Math.max(w, h);
      const rw = Math.max(1, Math.round(w * scale));
      const rh = Math.max(1, Math.round(h * scale));
      const inner = await resizeImage(image, rw, rh);
      const content = {
        left: Math.floor((policy.size - rw) / 2),
        top: Math.floor((policy.size - rh) / 2),
        width: rw,
        height: rh,
      };
      const fill = policy.fill ?? [0, 0, 0];
      const out = new Uint8Array(policy.size * policy.size * 3);
      for (let i = 0; i < out.length; i += 3) out.set(fill, i);
      for (let y = 0; y < rh; y++) {
        out.set(
          inner.data.subarray(y * rw * 3, (y + 1) * rw * 3),
          ((content.top + y) * policy.size + content.left) * 3,
        );
      }
      return geometry({ data: out, width: policy.size, height: policy.size, channels: 3 }, content, full(w, h));
    }
    default:
      throw new MmtokError('MMTOK_CONFIG', `unknown resize mode ${JSON.stringify((policy as { mode: unknown }).mode)}`);
  }
}

/** Maps a decoded frame back to the original's geometry: drop padding, resize to the source rectangle. */
export async function undoResize(frame: RgbImage, g: Geometry): Promise<RgbImage> {
  const content = cropImage(frame, g.content);
  return resizeImage(content, g.sourceRect.width, g.sourceRect.height);
}

export interface Normalization {
  /** Per-channel mean and std on the [0, 1] scale: x = (v / 255 - mean) / std. */
  mean: readonly [number, number, number] | readonly number[];
  std: readonly [number, number, number] | readonly number[];
}

/** HWC uint8 → NCHW float32 normalized. */
export function normalize(image: RgbImage, n: Normalization): ImageTensor {
  const { width: w, height: h } = image;
  const plane = w * h;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const a = 1 / (255 * n.std[c]);
    const b = -n.mean[c] / n.std[c];
    for (let i = 0; i < plane; i++) out[c * plane + i] = image.data[i * 3 + c] * a + b;
  }
  return { data: out, shape: [1, 3, h, w] };
}

/** NCHW float32 → HWC uint8, rounded and clamped. */
export function denormalize(t: { data: Float32Array; shape: readonly number[] }, n: Normalization): RgbImage {
  const [, c3, h, w] = t.shape;
  if (t.shape.length !== 4 || t.shape[0] !== 1 || c3 !== 3) {
    throw new MmtokError('MMTOK_SHAPE', `expected a [1, 3, H, W] tensor, got [${t.shape.join(', ')}]`);
  }
  const plane = w * h;
  const out = new Uint8Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const a = 255 * n.std[c];
    const b = 255 * n.mean[c];
    for (let i = 0; i < plane; i++) {
      const v = Math.round(t.data[c * plane + i] * a + b);
      out[i * 3 + c] = Math.min(255, Math.max(0, v));
    }
  }
  return { data: out, width: w, height: h, channels: 3 };
}
