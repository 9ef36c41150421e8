/**
 * Resizing as Pillow's Image.resize does it for 8-bit RGB, so that pixel_values match what
 * transformers' image processors (which resize through PIL) feed the model, to the level: a
 * separable convolution, horizontal pass then vertical, each with the filter stretched by the
 * downscale factor (antialiasing), coefficients normalized per output pixel and rounded to 22-bit
 * fixed point, each pass rounded and clipped to 8 bits.
 */
import { MmtokError } from '@mmtok/core';
import type { RgbImage } from './types.js';

/** Pillow's resample codes, as preprocessor_config.json's `resample` writes them. */
export type PilResample = 0 | 1 | 2 | 3;

const PRECISION_BITS = 32 - 8 - 2;

interface Filter {
  support: number;
  weight(x: number): number;
}

const sinc = (x: number) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

const FILTERS: Record<1 | 2 | 3, Filter> = {
  // Lanczos, a = 3.
  1: { support: 3, weight: (x) => (x > -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
  // Triangle.
  2: { support: 1, weight: (x) => Math.max(0, 1 - Math.abs(x)) },
  // Keys cubic with a = −0.5.
  3: {
    support: 2,
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/** Per output pixel: the first input index and its fixed-point weights. */
function coefficients(inSize: number, outSize: number, filter: Filter): { start: number; weights: Int32Array }[] {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const out: { start: number; weights: Int32Array }[] = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const start = Math.max(0, Math.trunc(center - support + 0.5));
    const end = Math.min(inSize, Math.trunc(center + support + 0.5));
    const w = new Float64Array(end - start);
    const ss = 1 / filterScale;
    let sum = 0;
    for (let i = 0; i < w.length; i++) {
      w[i] = filter.weight((i + start - center + 0.5) * ss);
      sum += w[i];
    }
    const weights = new Int32Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const k = sum !== 0 ? w[i] / sum : w[i];
      weights[i] = Math.trunc(k * (1 << PRECISION_BITS) + (k < 0 ? -0.5 : 0.5));
    }
    out.push({ start, weights });
  }
  return out;
}

const clip8 = (acc: number) => Math.min(255, Math.max(0, acc >> PRECISION_BITS));

/** One pass along an axis: `stride` steps between neighbours on that axis in the source. */
function pass(
  src: Uint8Array,
  lines: number,
  inSize: number,
  outSize: number,
  filter: Filter,
  horizontal: boolean,
): Uint8Array {
  const coeffs = coefficients(inSize, outSize, filter);
  const out = new Uint8Array(lines * outSize * 3);
  const half = 1 << (PRECISION_BITS - 1);
  for (let line = 0; line < lines; line++) {
    for (let o = 0; o < outSize; o++) {
      const { start, weights } = coeffs[o];
      for (let c = 0; c < 3; c++) {
        let acc = half;
        for (let i = 0; i < weights.length; i++) {
          const at = horizontal ? (line * inSize + start + i) * 3 + c : ((start + i) * lines + line) * 3 + c;
          acc += src[at] * weights[i];
        }
        out[(horizontal ? line * outSize + o : o * lines + line) * 3 + c] = clip8(acc);
      }
    }
  }
  return out;
}

/** `image` resized to width × height as Pillow resizes it with `resample`. */
export function pilResize(image: RgbImage, width: number, height: number, resample: PilResample): RgbImage {
  if (![0, 1, 2, 3].includes(resample)) {
    throw new MmtokError(
      'MMTOK_CONFIG',
      `resample must be 0 (nearest), 1 (lanczos), 2 (bilinear) or 3 (bicubic), got ${resample}`,
    );
  }
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new MmtokError('MMTOK_CONFIG', `resize target must be positive integers, got ${width}×${height}`);
  }
  const { width: W, height: H } = image;
  if (W === width && H === height) return image;
  if (resample === 0) {
    // Nearest: the source pixel under each output pixel's centre.
    const out = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const sy = Math.min(H - 1, Math.floor(((y + 0.5) * H) / height));
      for (let x = 0; x < width; x++) {
        const sx = Math.min(W - 1, Math.floor(((x + 0.5) * W) / width));
        out.set(image.data.subarray((sy * W + sx) * 3, (sy * W + sx) * 3 + 3), (y * width + x) * 3);
      }
    }
    return { data: out, width, height, channels: 3 };
  }
  const filter = FILTERS[resample];
  let data = image.data;
  if (width !== W) data = pass(data, H, W, width, filter, true);
  if (height !== H) data = pass(data, width, H, height, filter, false);
  return { data, width, height, channels: 3 };
}
