// Benchmark (not a test): pack 1 M image tokens and 10 hours of 16-level audio tokens into a
// Megatron indexed dataset, beside a plain copy of a file of the same size on the same disk.
// Run: npx tsx --conditions=source scripts/bench.ts [--scale 0.1] [--dir /tmp]   (or npm run bench)
// The '(decoded sets)' row packs the audio again from decoded token sets, separating reading and
// checking the .mmtok bytes (core's decodeTokenFile) from pack's own work.
// Writes bench-results/sequence.json.
import { copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeTokenFile, encodeTokenFile, type TokenModality } from '@mmtok/core';
import { presetLayout } from '../src/index.js';
import { type PackItem, pack } from '../src/node.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const scale = Number(arg('--scale', '1'));
const root = await mkdtemp(join(arg('--dir', tmpdir()), 'mmtok-sequence-bench-'));
const TOK = { name: 'bench', version: '1.0.0', hash: '0'.repeat(64) };

/** Token files (bytes, as pack reads them) with pseudo-random codes. */
function tokenFiles(modality: TokenModality, shape: number[], codebookSize: number, count: number): PackItem[] {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = 12345;
  return Array.from({ length: count }, (_, d) => {
    const indices = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1_103_515_245 + 12_345) >>> 0;
      indices[i] = (s >>> 8) % codebookSize;
    }
    return {
      key: `${modality}-${d}`,
      tokenFile: encodeTokenFile({ header: { tokenizer: TOK, modality, shape, codebookSize }, indices }),
    };
  });
}

interface Row {
  case: string;
  documents: number;
  tokens: number;
  outputMB: number;
  packMs: number;
  packMBps: number;
  copyMs: number;
  copyMBps: number;
}

async function run(
  name: string,
  items: PackItem[],
  preset: string,
  codebookSize: number[],
  modality: TokenModality,
): Promise<Row> {
  const prefix = join(root, name, 'data');
  const t0 = performance.now();
  const r = await pack({
    documents: items,
    prefix,
    layout: presetLayout(preset, { modality, tokenizer: TOK, codebookSize }),
  });
  const packMs = performance.now() - t0;
  // The baseline: copy a file as large as everything pack wrote, on the same disk (with its fsync).
  const size = r.bytes;
  const src = join(root, name, 'plain.src');
  await writeFile(src, new Uint8Array(size));
  const t1 = performance.now();
  await copyFile(src, join(root, name, 'plain.copy'));
  const fh = await open(join(root, name, 'plain.copy'), 'r+');
  await fh.sync();
  await fh.close();
  const copyMs = performance.now() - t1;
  const mb = size / 1e6;
  await rm(join(root, name), { recursive: true, force: true });
  return {
    case: name,
    documents: r.documents,
    tokens: r.tokens,
    outputMB: mb,
    packMs,
    packMBps: mb / (packMs / 1000),
    copyMs,
    copyMBps: mb / (copyMs / 1000),
  };
}

const rows: Row[] = [];
try {
  // 1 M image tokens: 163 images of 32×32 positions × 6 levels (the default image tokenizer's layout), K = 256.
  const images = Math.max(1, Math.round(163 * scale));
  rows.push(
    await run('image-1M', tokenFiles('image', [32, 32, 6], 256, images), 'offset', Array(6).fill(256), 'image'),
  );
  // 10 h of audio at 75 frames/s × 16 levels, K = 1024 (EnCodec-like), as 600 one-minute clips.
  const clips = Math.max(1, Math.round(600 * scale));
  const audio = tokenFiles('audio', [16, 75 * 60], 1024, clips);
  rows.push(await run('audio-10h-16lvl', audio, 'delay', Array(16).fill(1024), 'audio'));
  // The same, given decoded token sets: pack's own work without reading and checking .mmtok bytes.
  const decoded = audio.map((d) => ({ key: d.key, tokenFile: decodeTokenFile(d.tokenFile as Uint8Array) }));
  rows.push(await run('  (decoded sets)', decoded, 'delay', Array(16).fill(1024), 'audio'));
} finally {
  await rm(root, { recursive: true, force: true });
}

console.log(`scale ${scale}; disk: ${root}`);
console.log('case              docs     tokens   output MB   pack MB/s   copy MB/s   pack/copy');
for (const r of rows) {
  console.log(
    `${r.case.padEnd(16)} ${String(r.documents).padStart(5)} ${String(r.tokens).padStart(10)} ${r.outputMB.toFixed(1).padStart(11)} ${r.packMBps.toFixed(0).padStart(11)} ${r.copyMBps.toFixed(0).padStart(11)} ${(r.packMBps / r.copyMBps).toFixed(2).padStart(11)}`,
  );
}
const out = new URL('../bench-results/', import.meta.url);
await mkdir(out, { recursive: true });
await writeFile(new URL('sequence.json', out), `${JSON.stringify({ scale, rows }, null, 2)}\n`);
