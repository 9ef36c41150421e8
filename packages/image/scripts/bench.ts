/**
 * Throughput of the default tokenizer on 512×512 photos, split into stages:
 *   encode: image decode (sharp) → transform (normalize, pad, patchify, PCA) → quantize (RVQ) → write (.mmtok file)
 *   decode: read (.mmtok file) → dequantize (RVQ gather) → transform (inverse PCA, unpatchify, denormalize) → write (PNG via sharp)
 * Prints a table and writes bench-results/bench.json. Run: npm run bench (in packages/image).
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTokenFile, writeTokenFile } from '@mmtok/core/node';
import {
  cropTensor,
  denormalize,
  encodeImage,
  LinearPatchTransform,
  loadTokenizer,
  normalize,
  padToMultiple,
  patchify,
  readImage,
  unpatchify,
} from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 8);
// BACKEND=js|ort|webgpu names one; by default the registry picks, as users get it.
const backend = process.env.BACKEND || undefined;

// 512×512 photos: astronaut as is, and 512×512 centre crops of other samples, re-encoded as JPEG/PNG files in memory.
const sharp = (await import('sharp')).default;
const photos: Uint8Array[] = [];
photos.push(await readFile(`${root}assets/samples/astronaut.png`));
for (const f of ['coffee.png', 'retina.jpg', 'hubble_deep_field.jpg']) {
  photos.push(
    await sharp(`${root}assets/samples/${f}`).resize(512, 512, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer(),
  );
}

const tok = await loadTokenizer('default', { backend });
const m = tok.manifest;
const q = tok.quantizer!;
const P = m.encoder.kind === 'linear-patch' ? m.encoder.patchSize : 0;
const lin = LinearPatchTransform.deserialize(await readFile(`${root}assets/default/encoder.safetensors`), P, 'encoder');

const t: Record<string, number> = {
  imageDecode: 0,
  encTransform: 0,
  quantize: 0,
  encWrite: 0,
  decRead: 0,
  dequantize: 0,
  decTransform: 0,
  decWrite: 0,
  encodeTotal: 0,
  decodeTotal: 0,
};
const tokenPath = join(await mkdtemp(join(tmpdir(), 'mmtok-bench-')), 'photo.mmtok');
let n = 0;
const now = () => performance.now();
for (let round = 0; round < ROUNDS + 1; round++) {
  for (const bytes of photos) {
    const warm = round === 0;
    let a = now();
    const img = await readImage(bytes);
    let b = now();
    const lap = (k: string) => {
      if (!warm) t[k] += b - a;
      a = b;
    };
    lap('imageDecode');
    const x = padToMultiple(normalize(img, m.preprocessing), m.preprocessing.sizeMultiple);
    const p = patchify(x, P);
    const z = await lin.forward(p.data);
    b = now();
    lap('encTransform');
    const idx = await q.encode({ data: z, shape: [p.gridH * p.gridW, lin.dim] });
    b = now();
    lap('quantize');
    const shape = [p.gridH, p.gridW, q.numQuantizers];
    await writeTokenFile(tokenPath, {
      header: {
        tokenizer: tok.identity,
        modality: 'image',
        shape,
        codebookSize: q.codebookSize,
        source: { width: img.width, height: img.height },
      },
      indices: idx.data,
    });
    b = now();
    lap('encWrite');
    const stored = await readTokenFile(tokenPath);
    b = now();
    lap('decRead');
    const codes = await q.decode({ data: stored.indices, shape: [p.gridH * p.gridW, q.numQuantizers] });
    b = now();
    lap('dequantize');
    const y = cropTensor(
      unpatchify({ data: await lin.inverse(codes.data), gridH: p.gridH, gridW: p.gridW, patchSize: P, channels: 3 }),
      img.height,
      img.width,
    );
    const out = denormalize(y, m.preprocessing);
    b = now();
    lap('decTransform');
    await encodeImage(out, '.png');
    b = now();
    lap('decWrite');
    if (!warm) n++;
  }
}
// End-to-end through the public API as a cross-check.
let e2eEnc = 0;
let e2eDec = 0;
for (const bytes of photos) {
  const img = await readImage(bytes);
  let a = now();
  const tokens = await tok.encode(img);
  e2eEnc += now() - a;
  a = now();
  await tok.decode(tokens);
  e2eDec += now() - a;
}
t.encodeTotal = t.imageDecode + t.encTransform + t.quantize + t.encWrite;
t.decodeTotal = t.decRead + t.dequantize + t.decTransform + t.decWrite;
const rows = Object.entries(t).map(([stage, ms]) => ({ stage, msPerImage: ms / n, imagesPerSecond: (1000 * n) / ms }));
rows.push({
  stage: 'api encode()',
  msPerImage: e2eEnc / photos.length,
  imagesPerSecond: (1000 * photos.length) / e2eEnc,
});
rows.push({
  stage: 'api decode()',
  msPerImage: e2eDec / photos.length,
  imagesPerSecond: (1000 * photos.length) / e2eDec,
});
console.log(
  `default tokenizer, 512×512, ${n} images timed, quantizer backend '${backend ?? 'automatic'}', ${q.numQuantizers}×${q.codebookSize} RVQ`,
);
console.log(`${'stage'.padEnd(16)}${'ms/image'.padStart(10)}${'images/s'.padStart(10)}`);
for (const r of rows)
  console.log(
    `${r.stage.padEnd(16)}${r.msPerImage.toFixed(1).padStart(10)}${r.imagesPerSecond.toFixed(1).padStart(10)}`,
  );
await mkdir(`${root}bench-results`, { recursive: true });
await writeFile(
  `${root}bench-results/bench.json`,
  `${JSON.stringify({ date: new Date().toISOString(), backend, images: n, rows }, null, 2)}\n`,
);
