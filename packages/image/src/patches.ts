import { MmtokError } from '@mmtok/core';
import type { ImageTensor } from './types.js';

export type PadMode = 'edge' | 'zero';

/** Rounds up to a multiple of m. */
export function ceilTo(v: number, m: number): number {
  return Math.ceil(v / m) * m;
}

function dims(t: ImageTensor): [number, number, number] {
  const [n, c, h, w] = t.shape;
  if (t.shape.length !== 4 || n !== 1 || t.data.length !== c * h * w) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `expected a [1, C, H, W] tensor with C·H·W values, got [${t.shape.join(', ')}]`,
    );
  }
  return [c, h, w];
}

/**
 * Pads H and W up to multiples of `multiple` on the bottom and right. 'edge' repeats the last
 * row/column (no artificial edge for a patch codec to spend bits on); 'zero' fills zeros.
 */
export function padToMultiple(t: ImageTensor, multiple: number, mode: PadMode = 'edge'): ImageTensor {
  const [c, h, w] = dims(t);
  const H = ceilTo(h, multiple);
  const W = ceilTo(w, multiple);
  if (H === h && W === w) return t;
  const out = new Float32Array(c * H * W);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < H; y++) {
      const sy = Math.min(y, h - 1);
      const dst = (ch * H + y) * W;
      if (y >= h && mode === 'zero') continue;
      const src = (ch * h + sy) * w;
      out.set(t.data.subarray(src, src + w), dst);
      if (mode === 'edge') out.fill(t.data[src + w - 1], dst + w, dst + W);
    }
  }
  return { data: out, shape: [1, c, H, W] };
}

/** The top-left height×width of a tensor. */
export function cropTensor(t: ImageTensor, height: number, width: number): ImageTensor {
  const [c, h, w] = dims(t);
  if (height > h || width > w) {
    throw new MmtokError('MMTOK_SHAPE', `cannot crop [${h}, ${w}] to a larger [${height}, ${width}]`);
  }
  if (height === h && width === w) return t;
  const out = new Float32Array(c * height * width);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < height; y++) {
      const src = (ch * h + y) * w;
      out.set(t.data.subarray(src, src + width), (ch * height + y) * width);
    }
  }
  return { data: out, shape: [1, c, height, width] };
}

export interface Patches {
  /** [gridH · gridW, P·P·C] rows; patches row-major over the grid, each patch P×P×C (HWC) row-major. */
  data: Float32Array;
  gridH: number;
  gridW: number;
  patchSize: number;
  channels: number;
}

/** Splits a [1, C, H, W] tensor whose H and W are multiples of P into flattened P×P×C patches. */
export function patchify(t: ImageTensor, patchSize: number): Patches {
  const [c, h, w] = dims(t);
  const P = patchSize;
  if (h % P !== 0 || w % P !== 0) {
    throw new MmtokError('MMTOK_SHAPE', `patchify needs H and W divisible by ${P}, got ${h}×${w}; pad first`);
  }
  const gridH = h / P;
  const gridW = w / P;
  const D = P * P * c;
  const out = new Float32Array(gridH * gridW * D);
  const plane = h * w;
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < gridW; gx++) {
      let o = (gy * gridW + gx) * D;
      for (let py = 0; py < P; py++) {
        const row = (gy * P + py) * w + gx * P;
        for (let px = 0; px < P; px++) {
          for (let ch = 0; ch < c; ch++) out[o++] = t.data[ch * plane + row + px];
        }
      }
    }
  }
  return { data: out, gridH, gridW, patchSize: P, channels: c };
}

/** The inverse of patchify. */
export function unpatchify(p: Patches): ImageTensor {
  const { gridH, gridW, patchSize: P, channels: c } = p;
  const h = gridH * P;
  const w = gridW * P;
  const D = P * P * c;
  if (p.data.length !== gridH * gridW * D) {
    throw new MmtokError(
      'MMTOK_SHAPE',
      `expected ${gridH * gridW} patches of ${D} values, got ${p.data.length} values`,
    );
  }
  const out = new Float32Array(c * h * w);
  const plane = h * w;
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < gridW; gx++) {
      let o = (gy * gridW + gx) * D;
      for (let py = 0; py < P; py++) {
        const row = (gy * P + py) * w + gx * P;
        for (let px = 0; px < P; px++) {
          for (let ch = 0; ch < c; ch++) out[ch * plane + row + px] = p.data[o++];
        }
      }
    }
  }
  return { data: out, shape: [1, c, h, w] };
}
