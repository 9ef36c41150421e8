/**
 * Kernel benchmark: every op on every backend at the sizes of issue #3, median of 5 after a
 * warm-up, beside the reference figures, and faiss IndexFlatL2 and torch's F.linear
 * measured in the same run.
 * Prints a table and writes bench-results/bench.json.
 *
 *   npx tsx --conditions=source scripts/bench.ts [--backends=ort,webgpu] [--reps=5] [--no-faiss] [--no-torch]
 * Without --backends: js and every backend an unnamed call may pick (not a software GPU adapter).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { defaultRegistry } from '../src/backends/default.js';
import type { OpInput, OpName } from '../src/backends/ops.js';
import { Random } from '../src/random.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const REPS = Number(args.get('reps') ?? 5);
/** A warm-up slower than this is the only run (the js oracle at these sizes takes many seconds). */
const SLOW_MS = 3000;
const SEED = 20240603;

interface Reference {
  name: string;
  ms: number;
}

interface Case {
  label: string;
  size: string;
  reference?: Reference;
  /** Resolves the backend's kernels once, returning the timed call. */
  prepare(backend: string): Promise<() => Promise<unknown>>;
}

function opCase<Op extends OpName>(
  label: string,
  size: string,
  op: Op,
  input: OpInput<Op>,
  reference?: Reference,
): Case {
  return {
    label,
    size,
    reference,
    async prepare(backend) {
      const { kernel } = await defaultRegistry.kernel(op, backend);
      return async () => kernel(input);
    },
  };
}

function normals(rng: Random, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

const REFERENCE = 'vector-quantize-pytorch';

/** The video default's tubelet transform at 1280×720: 160×90 tubelets of 4×8×8×3 values → 32. */
const AFFINE = { rows: 14400, inDim: 768, outDim: 32 };

function cases(linearReference: Reference | undefined): Case[] {
  const rng = new Random(SEED);
  const [n, d, k] = [65536, 64, 1024];
  const x = normals(rng, n * d);
  const codebook = normals(rng, k * d);
  const codebooks = Array.from({ length: 8 }, () => normals(rng, k * d));
  const assignments = Int32Array.from({ length: n }, () => rng.int(k));
  const fsqRows = 1 << 20;
  const fsqX = Float32Array.from({ length: fsqRows * 4 }, () => rng.normal() * 2);
  const fsqIndices = Int32Array.from({ length: fsqRows }, () => rng.int(1000));
  const lfqRows = 1 << 18;
  const lfqX = normals(rng, lfqRows * 16);
  const lfqIndices = Int32Array.from({ length: lfqRows }, () => rng.int(1 << 16));
  const vq = `N=${n} D=${d} K=${k}`;
  const levels = [8, 5, 5, 5];
  return [
    opCase(
      'VQ encode (nearestCode euclidean)',
      vq,
      'nearestCode',
      { x, rows: n, dim: d, codebook, codebookSize: k, metric: 'euclidean' },
      { name: REFERENCE, ms: 1136 },
    ),
    opCase('VQ encode (nearestCode cosine)', vq, 'nearestCode', {
      x,
      rows: n,
      dim: d,
      codebook,
      codebookSize: k,
      metric: 'cosine',
    }),
    opCase(
      'RVQ encode 8 levels (residualNearestCode)',
      vq,
      'residualNearestCode',
      { x, rows: n, dim: d, codebooks, codebookSize: k },
      { name: REFERENCE, ms: 10215 },
    ),
    opCase(
      'FSQ encode [8,5,5,5]',
      `N=${fsqRows}`,
      'fsqEncode',
      { x: fsqX, rows: fsqRows, levels, symmetric: false, hardClamp: false },
      { name: REFERENCE, ms: 37.7 },
    ),
    opCase('FSQ decode [8,5,5,5]', `N=${fsqRows}`, 'fsqDecode', { indices: fsqIndices, levels, symmetric: false }),
    opCase(
      'LFQ encode 16 bits',
      `N=${lfqRows}`,
      'lfqEncode',
      { x: lfqX, rows: lfqRows, dim: 16, scale: 1, msbFirst: true },
      { name: REFERENCE, ms: 25.0 },
    ),
    opCase('LFQ decode 16 bits', `N=${lfqRows}`, 'lfqDecode', {
      indices: lfqIndices,
      dim: 16,
      scale: 1,
      msbFirst: true,
    }),
    opCase(
      'affine (linear transform)',
      `N=${AFFINE.rows} ${AFFINE.inDim}→${AFFINE.outDim}`,
      'affine',
      {
        ...AFFINE,
        x: normals(rng, AFFINE.rows * AFFINE.inDim),
        weight: normals(rng, AFFINE.outDim * AFFINE.inDim),
        bias: normals(rng, AFFINE.outDim),
      },
      linearReference,
    ),
    opCase('gather (VQ decode)', vq, 'gather', { codebook, dim: d, indices: assignments }),
    opCase('k-means assign', vq, 'kmeansAssign', { x, rows: n, dim: d, centroids: codebook, k }),
    opCase('k-means update', vq, 'kmeansUpdate', { x, rows: n, dim: d, assignments, k }),
    {
      label: 'k-means iteration (assign + update)',
      size: vq,
      reference: { name: 'faiss k-means, 1 of 10 iterations', ms: 204.3 },
      async prepare(backend) {
        const assign = (await defaultRegistry.kernel('kmeansAssign', backend)).kernel;
        // As k-means does: the update from this backend if it has one, else from the best one that does.
        const update = (await defaultRegistry.kernelOrBest('kmeansUpdate', backend)).kernel;
        return async () => {
          const { indices } = await assign({ x, rows: n, dim: d, centroids: codebook, k });
          return update({ x, rows: n, dim: d, assignments: indices, k });
        };
      },
    },
  ];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>): Promise<{ ms: number; runs: number }> {
  let t = performance.now();
  await fn();
  const warm = performance.now() - t;
  if (warm > SLOW_MS) return { ms: warm, runs: 1 };
  const runs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    t = performance.now();
    await fn();
    runs.push(performance.now() - t);
  }
  return { ms: median(runs), runs: REPS };
}

const FAISS_SCRIPT = `
import json, sys, time
import numpy as np
import faiss
n, d, k, reps = (int(v) for v in sys.argv[1:5])
faiss.omp_set_num_threads(2)
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d), dtype=np.float32)
c = rng.standard_normal((k, d), dtype=np.float32)
index = faiss.IndexFlatL2(d)
index.add(c)
index.search(x, 1)
runs = []
for _ in range(reps):
    t = time.perf_counter()
    index.search(x, 1)
    runs.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": sorted(runs)[len(runs) // 2], "runs": runs, "version": faiss.__version__}))
`;

interface FaissResult {
  /** Median and fastest of the timed runs: faiss's OpenMP timings vary run to run. */
  ms?: number;
  minMs?: number;
  version?: string;
  note?: string;
}

/** faiss IndexFlatL2 search at the VQ size, 2 threads, in Debian's python3-faiss. */
function faissSearch(): FaissResult {
  const r = spawnSync('/usr/bin/python3', ['-c', FAISS_SCRIPT, '65536', '64', '1024', String(REPS)], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    return { note: `faiss unavailable: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const out: { ms: number; runs: number[]; version: string } = JSON.parse(r.stdout);
  return { ms: out.ms, minMs: Math.min(...out.runs), version: out.version };
}

const TORCH_LINEAR_SCRIPT = `
import json, sys, time
import torch
n, i, o, reps = (int(v) for v in sys.argv[1:5])
torch.set_num_threads(2)
g = torch.Generator().manual_seed(0)
x, w, b = torch.randn(n, i, generator=g), torch.randn(o, i, generator=g), torch.randn(o, generator=g)
with torch.no_grad():
    torch.nn.functional.linear(x, w, b)
    runs = []
    for _ in range(reps):
        t = time.perf_counter()
        torch.nn.functional.linear(x, w, b)
        runs.append((time.perf_counter() - t) * 1000)
print(json.dumps({"ms": sorted(runs)[len(runs) // 2], "version": torch.__version__}))
`;

/** torch.nn.functional.linear at the affine size, 2 threads, in Debian's python3-torch. */
function torchLinear(): Reference | undefined {
  const { rows, inDim, outDim } = AFFINE;
  const r = spawnSync('/usr/bin/python3', ['-c', TORCH_LINEAR_SCRIPT, ...[rows, inDim, outDim, REPS].map(String)], {
    encoding: 'utf8',
  });
  if (r.status !== 0) return undefined;
  const out: { ms: number; version: string } = JSON.parse(r.stdout);
  return { name: `torch ${out.version} F.linear, this machine`, ms: Number(out.ms.toFixed(2)) };
}

interface Row {
  op: string;
  size: string;
  backend: string;
  ms?: number;
  runs?: number;
  note?: string;
  reference?: Reference & { ratio?: number };
  faissRatio?: number;
}

const wanted = args.get('backends')?.split(',');
// By default: the backends an unnamed call may pick, plus js; a software GPU only when named.
const statuses = (await defaultRegistry.status()).filter((s) =>
  wanted ? wanted.includes(s.name) : s.automatic || s.name === 'js',
);
const faiss: FaissResult = args.has('no-faiss') ? { note: 'skipped (--no-faiss)' } : faissSearch();
const rows: Row[] = [];
for (const c of cases(args.has('no-torch') ? undefined : torchLinear())) {
  for (const s of statuses) {
    const row: Row = { op: c.label, size: c.size, backend: s.name };
    if (!s.available) {
      row.note = `unavailable: ${s.reason}`;
    } else {
      try {
        const t = await time(await c.prepare(s.name));
        row.ms = t.ms;
        row.runs = t.runs;
        if (c.reference) row.reference = { ...c.reference, ratio: t.ms / c.reference.ms };
        // Against faiss's fastest run, the comparison least favourable to us.
        if (c.label.includes('euclidean') && faiss.minMs) row.faissRatio = t.ms / faiss.minMs;
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        // A backend may implement a subset of the ops (wasm); the registry falls through for the rest.
        row.note = /has no \w+ kernel/.test(message) ? 'no kernel (another backend serves it)' : `failed: ${message}`;
      }
    }
    rows.push(row);
    const shown = row.ms !== undefined ? `${row.ms.toFixed(1)} ms` : row.note;
    console.error(`  ${c.label} on ${s.name}: ${shown}`);
  }
}

const fmt = (v: number | undefined, digits = 1) => (v === undefined ? '' : v.toFixed(digits));
const table = rows.map((r) => ({
  op: r.op,
  size: r.size,
  backend: r.backend,
  'median ms': r.ms === undefined ? (r.note ?? '') : `${fmt(r.ms)}${r.runs === 1 ? ' (1 run)' : ''}`,
  'reference ms': r.reference ? `${r.reference.ms} (${r.reference.name})` : '',
  '× reference': fmt(r.reference?.ratio, 3),
  '× faiss (fastest run)': fmt(r.faissRatio, 3),
}));
table.push({
  op: 'faiss IndexFlatL2 search (VQ encode)',
  size: 'N=65536 D=64 K=1024',
  backend: `faiss ${faiss.version ?? ''} (2 threads)`,
  'median ms': faiss.ms !== undefined ? `${fmt(faiss.ms)} (fastest ${fmt(faiss.minMs)})` : (faiss.note ?? ''),
  'reference ms': '191 (faiss, issue #3)',
  '× reference': fmt(faiss.ms === undefined ? undefined : faiss.ms / 191, 3),
  '× faiss (fastest run)': '',
});
console.table(table);

const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model, node: process.version },
  reps: REPS,
  seed: SEED,
  backends: statuses,
  faiss: { op: 'IndexFlatL2 search k=1', size: 'N=65536 D=64 K=1024', threads: 2, ...faiss },
  results: rows,
};
const dir = new URL('../bench-results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(new URL('bench.json', dir), `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${new URL('bench.json', dir).pathname}`);
await defaultRegistry.dispose();
