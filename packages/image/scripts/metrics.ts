import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CodebookAccumulator, psnr } from '@mmtok/diagnostics';
import { type ImageTokenizer, manifestFiles, type RgbImage } from '../src/index.js';

/** PSNR in dB of two same-size 8-bit images (peak 255). */
export function psnr8(a: RgbImage, b: RgbImage): number {
  return psnr({ data: a.data, shape: [a.height, a.width, 3] }, { data: b.data, shape: [b.height, b.width, 3] });
}

/** Token count per 256×256 image, held-out PSNR, training-set codebook utilization per level, weights size. */
export async function evaluate(tok: ImageTokenizer, training: RgbImage[], heldOut: RgbImage) {
  const q = tok.quantizer!;
  const L = q.numQuantizers;
  const usage = new CodebookAccumulator({ codebookSize: q.codebookSize, levels: L, joint: false });
  const trainPsnr: number[] = [];
  for (const img of training) {
    const t = await tok.encode(img);
    usage.update({ data: t.indices, shape: [t.indices.length / L, L] });
    trainPsnr.push(Number(psnr8(img, await tok.decode(t)).toFixed(2)));
  }
  const utilization = usage.stats().perLevel.map((l) => l.utilization);
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
