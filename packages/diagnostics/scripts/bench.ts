// Benchmark (not a test): SSIM on a 1024×1024 RGB pair and codebook stats over 10M indices.
// Run: npx tsx --conditions=source scripts/bench.ts   (or npm run bench)
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { CodebookAccumulator, msSsim, psnr, ssim } from '../src/index.js';

interface Row {
  name: string;
  size: string;
  runs: number;
  medianMs: number;
  minMs: number;
}

function time(name: string, size: string, runs: number, fn: () => unknown): Row {
  fn(); // warm-up (JIT)
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { name, size, runs, medianMs: t[Math.floor(t.length / 2)], minMs: t[0] };
}

// Deterministic pseudo-random data (xorshift) so runs are comparable.
let state = 0x9e3779b9;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 4294967296;
}

const H = 1024;
const W = 1024;
const a = new Uint8Array(H * W * 3);
const b = new Uint8Array(H * W * 3);
for (let i = 0; i < a.length; i++) {
  a[i] = Math.floor(255 * rand());
  b[i] = Math.max(0, Math.min(255, a[i] + Math.floor(40 * (rand() - 0.5))));
}
const img1 = { data: a, shape: [H, W, 3] };
const img2 = { data: b, shape: [H, W, 3] };

const K = 16384;
const N = 10_000_000;
const indices = new Int32Array(N);
for (let i = 0; i < N; i++) indices[i] = Math.floor(K * rand() ** 2); // skewed usage
const L = 8;
const rvq = new Int32Array(N);
for (let i = 0; i < N; i++) rvq[i] = Math.floor(1024 * rand());

const rows: Row[] = [
  time('ssim', '1024×1024×3 uint8', 5, () => ssim(img1, img2)),
  time('msSsim (5 scales)', '1024×1024×3 uint8', 3, () => msSsim(img1, img2)),
  time('psnr', '1024×1024×3 uint8', 5, () => psnr(img1, img2)),
  time('codebook update', `10M indices, K=${K}`, 5, () => new CodebookAccumulator({ codebookSize: K }).update(indices)),
  time('codebook update + stats', `10M indices, K=${K}`, 5, () =>
    new CodebookAccumulator({ codebookSize: K }).update(indices).stats(),
  ),
  time('codebook update + stats, joint', `10M indices as [1.25M, ${L}], K=1024`, 3, () =>
    new CodebookAccumulator({ codebookSize: 1024, levels: L }).update({ data: rvq, shape: [N / L, L] }).stats(),
  ),
];

const env = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  date: new Date().toISOString(),
};
console.log(`@mmtok/diagnostics bench — node ${env.node}, ${env.cpu} (${env.cores} cores)`);
console.log(`${'benchmark'.padEnd(32)} ${'input'.padEnd(36)} ${'median ms'.padStart(10)} ${'min ms'.padStart(10)}`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(32)} ${r.size.padEnd(36)} ${r.medianMs.toFixed(1).padStart(10)} ${r.minMs.toFixed(1).padStart(10)}`,
  );
}
const out = new URL('../bench-results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('bench.json', out), `${JSON.stringify({ env, results: rows }, null, 2)}\n`);
console.log(`wrote ${new URL('bench.json', out).pathname}`);
