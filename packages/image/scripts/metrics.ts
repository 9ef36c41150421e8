import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ImageTokenizer, manifestFiles, type RgbImage } from '../src/index.js';

/** PSNR in dB of two same-size 8-bit images (peak 255). */
export function psnr8(a: RgbImage, b: RgbImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    s += d * d;
  }
  return 10 * Math.log10((255 * 255) / (s / a.data.length));
}

/** Token count per 256×256 image, held-out PSNR, training-set codebook utilization per level, weights size. */
export async function evaluate(tok: ImageTokenizer, training: RgbImage[], heldOut: RgbImage) {
  const q = tok.quantizer!;
  const L = q.numQuantizers;
  const used = Array.from({ length: L }, () => new Uint8Array(q.codebookSize));
  const trainPsnr: number[] = [];
  for (const img of training) {
    const t = await tok.encode(img);
    for (let i = 0; i < t.indices.length; i++) used[i % L][t.indices[i]] = 1;
    trainPsnr.push(Number(psnr8(img, await tok.decode(t)).toFixed(2)));
  }
  const utilization = used.map((u) => u.reduce((a, b) => a + b, 0) / q.codebookSize);
  const square: RgbImage = { data: new Uint8Array(256 * 256 * 3), width: 256, height: 256, channels: 3 };
  const t256 = await tok.encode(square);
  const held = await tok.encode(heldOut);
  const back = await tok.decode(held);
  let bytes = 0;
  for (const f of manifestFiles(tok.manifest)) bytes += (await stat(join(dirname(tok.manifestPath), f.file))).size;
  return {
    tokensPer256: t256.indices.length,
    tokenShape256: t256.shape,
    heldOutPsnr: Number(psnr8(heldOut, back).toFixed(2)),
    heldOutSize: [back.width, back.height],
    trainPsnr,
    utilization: utilization.map((u) => Number(u.toFixed(4))),
    minUtilization: Math.min(...utilization),
    weightsBytes: bytes,
  };
}
