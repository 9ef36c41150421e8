// Benchmark (not a test): SSIM/PSNR on a 1024×1024 RGB pair beside scikit-image on the same pair in
// the same run, and codebook stats over 10M indices.
// Run: npx tsx --conditions=source scripts/bench.ts [--no-skimage]   (or npm run bench)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodebookAccumulator, msSsim, psnr, ssim } from '../src/index.js';

interface Row {
  name: string;
  size: string;
  runs: number;
  medianMs: number;
  minMs: number;
  value?: number;
  reference?: { name: string; medianMs: number; value: number };
}

function time(name: string, size: string, runs: number, fn: () => unknown): Row {
  const value = fn(); // warm-up (JIT)
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return {
    name,
    size,
    runs,
    medianMs: t[Math.floor(t.length / 2)],
    minMs: t[0],
    ...(typeof value === 'number' ? { value } : {}),
  };
}

const SKIMAGE = `
import json, sys, time
import numpy as np
import skimage
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
h, w, runs = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
a = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(h, w, 3)
b = np.fromfile(sys.argv[2], dtype=np.uint8).reshape(h, w, 3)
out = {}
for name, fn in [
    ("ssim", lambda: structural_similarity(a, b, channel_axis=2, data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)),
    ("psnr", lambda: peak_signal_noise_ratio(a, b, data_range=255)),
]:
    value = fn()
    t = []
    for _ in range(runs):
        s = time.perf_counter()
        fn()
        t.append((time.perf_counter() - s) * 1000)
    out[name] = {"medianMs": sorted(t)[len(t) // 2], "value": float(value)}
print(json.dumps({"version": skimage.__version__, **out}))
`;

/** scikit-image's SSIM (Gaussian window, as ssim() here) and PSNR on the same bytes; undefined if unavailable. */
function skimage(x: Uint8Array, y: Uint8Array, h: number, w: number, runs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'mmtok-bench-'));
  try {
    writeFileSync(join(dir, 'a.u8'), x);
    writeFileSync(join(dir, 'b.u8'), y);
    const r = spawnSync(
      '/usr/bin/python3',
      ['-c', SKIMAGE, join(dir, 'a.u8'), join(dir, 'b.u8'), String(h), String(w), String(runs)],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) return undefined;
    return JSON.parse(r.stdout) as Record<string, { medianMs: number; value: number }> & { version: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

const ref = process.argv.includes('--no-skimage') ? undefined : skimage(a, b, H, W, 5);
for (const [row, key] of [
  [rows[0], 'ssim'],
  [rows[2], 'psnr'],
] as const) {
  if (ref?.[key]) row.reference = { name: `scikit-image ${ref.version}`, ...ref[key] };
}

const env = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  date: new Date().toISOString(),
};
console.log(`@mmtok/diagnostics bench — node ${env.node}, ${env.cpu} (${env.cores} cores)`);
console.table(
  rows.map((r) => ({
    benchmark: r.name,
    input: r.size,
    'median ms': Number(r.medianMs.toFixed(1)),
    'min ms': Number(r.minMs.toFixed(1)),
    value: r.value,
    'reference ms': r.reference ? `${r.reference.medianMs.toFixed(1)} (${r.reference.name})` : '',
    'reference value': r.reference?.value,
    '× reference': r.reference ? Number((r.medianMs / r.reference.medianMs).toFixed(3)) : '',
  })),
);
if (!ref && !process.argv.includes('--no-skimage'))
  console.log('scikit-image not available (apt-get install python3-skimage): no reference column');
const out = new URL('../bench-results/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('bench.json', out), `${JSON.stringify({ env, results: rows }, null, 2)}\n`);
console.log(`wrote ${new URL('bench.json', out).pathname}`);
