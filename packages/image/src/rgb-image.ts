import { MmtokError } from '@mmtok/core';
import type { RgbImage } from './types.js';

/** Throws MMTOK_SHAPE unless `image` is a well-formed RGB image. */
export function checkImage(image: RgbImage, what = 'image'): void {
  const ok =
    image &&
    image.data instanceof Uint8Array &&
    Number.isInteger(image.width) &&
    Number.isInteger(image.height) &&
    image.width > 0 &&
    image.height > 0 &&
    image.channels === 3 &&
    image.data.length === image.width * image.height * 3;
  if (!ok) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `${what} must be { data: Uint8Array of width*height*3 bytes, width, height, channels: 3 } with width, height ≥ 1`,
    );
  }
}
