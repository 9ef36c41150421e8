import { MmtokError } from '@mmtok/core';

export interface Normalization {
  /** Per-channel mean and std on the [0, 1] scale. */
  mean: readonly number[];
  std: readonly number[];
}

export interface Tubelets {
  /** [gridH · gridW, T·P·P·3] rows; each tubelet flattened t, y, x, channel (THWC). */
  rows: Float32Array;
  gridH: number;
  gridW: number;
}

/**
 * T RGB frames (w×h, HWC bytes) → normalized T×P×P×3 tubelets. Sides are padded up to multiples
 * of P by repeating the last row/column (no artificial edge for the codec to spend bits on).
 */
export function tubeletize(frames: readonly Uint8Array[], w: number, h: number, P: number, n: Normalization): Tubelets {
  const gridH = Math.ceil(h / P);
  const gridW = Math.ceil(w / P);
  const D = frames.length * P * P * 3;
  const rows = new Float32Array(gridH * gridW * D);
  for (const [t, f] of frames.entries()) {
    if (f.length !== w * h * 3)
      throw new MmtokError('MMTOK_SHAPE', `frame ${t} has ${f.length} bytes, need ${w * h * 3}`);
  }
  const [a0, a1, a2] = [0, 1, 2].map((c) => 1 / (255 * n.std[c]));
  const [b0, b1, b2] = [0, 1, 2].map((c) => -n.mean[c] / n.std[c]);
  // One tubelet after another: the 44 MB of a 720p step are written once, in order (1.5× faster
  // than filling every tubelet a frame at a time).
  let o = 0;
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < gridW; gx++) {
      for (const f of frames) {
        for (let py = 0; py < P; py++) {
          const line = Math.min(gy * P + py, h - 1) * w;
          for (let px = 0; px < P; px++) {
            const s = (line + Math.min(gx * P + px, w - 1)) * 3;
            rows[o++] = f[s] * a0 + b0;
            rows[o++] = f[s + 1] * a1 + b1;
            rows[o++] = f[s + 2] * a2 + b2;
          }
        }
      }
    }
  }
  return { rows, gridH, gridW };
}

/** The inverse of tubeletize: rows → T frames cropped to w×h, denormalized, rounded and clamped. */
export function untubeletize(t: Tubelets, T: number, P: number, w: number, h: number, n: Normalization): Uint8Array[] {
  const { rows, gridH, gridW } = t;
  const [a0, a1, a2] = [0, 1, 2].map((c) => 255 * n.std[c]);
  const [b0, b1, b2] = [0, 1, 2].map((c) => 255 * n.mean[c]);
  const out = Array.from({ length: T }, () => new Uint8Array(w * h * 3));
  // Rows are read once, in order (as tubeletize writes them); the padding beyond w×h is skipped.
  let i = 0;
  for (let gy = 0; gy < gridH; gy++) {
    for (let gx = 0; gx < gridW; gx++) {
      const x0 = gx * P;
      const cols = Math.min(P, w - x0);
      for (const f of out) {
        for (let py = 0; py < P; py++) {
          const y = gy * P + py;
          if (y >= h) {
            i += P * 3;
            continue;
          }
          let o = (y * w + x0) * 3;
          for (let px = 0; px < cols; px++, i += 3, o += 3) {
            // Uint8Array assignment truncates after clamping to [0, 255]; +0.5 makes it round.
            f[o] = Math.min(255, Math.max(0, rows[i] * a0 + b0 + 0.5));
            f[o + 1] = Math.min(255, Math.max(0, rows[i + 1] * a1 + b1 + 0.5));
            f[o + 2] = Math.min(255, Math.max(0, rows[i + 2] * a2 + b2 + 0.5));
          }
          i += (P - cols) * 3;
        }
      }
    }
  }
  return out;
}
