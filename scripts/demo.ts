/**
 * The main job on a bundled sample, offline: encode a photo with the embedded default tokenizer,
 * decode it back, and write a diagnostics report. Run with `npm run demo`.
 */
import { resolve } from 'node:path';
import { decodeFiles, diagnoseFiles, encodeFiles } from '@mmtok/cli';

const sample = resolve('packages/image/assets/samples/coffee.png');
const out = resolve('mmtok-demo');

const encoded = await encodeFiles({ inputs: [sample], output: `${out}/` });
const file = encoded.files[0];
if (!file) throw new Error(`encoding failed: ${JSON.stringify(encoded.failures)}`);
const decoded = await decodeFiles({ inputs: [file.output], output: `${out}/decoded/`, format: 'png' });
const diagnosed = await diagnoseFiles({ inputs: [sample], output: `${out}/report` });
const item = diagnosed.files[0];
const levels = diagnosed.report?.codebook?.perLevel ?? [];

console.log(`mmtok demo — tokenizer ${encoded.tokenizer.name} ${encoded.tokenizer.version}`);
console.log(`  input     ${sample} (${file.width}×${file.height})`);
console.log(`  tokens    ${file.tokens} as [${file.shape.join(', ')}], ${file.bytes} bytes → ${file.output}`);
console.log(`  decoded   ${decoded.files[0]?.output}`);
console.log(`  quality   PSNR ${item?.psnr?.toFixed(2)} dB, SSIM ${item?.ssim?.toFixed(4)}`);
console.log(
  `  codebook  utilization per level: ${levels.map((l) => `${(100 * l.utilization).toFixed(1)}%`).join(' ')}`,
);
console.log(`  report    ${diagnosed.htmlPath} (and ${diagnosed.reportPath})`);
