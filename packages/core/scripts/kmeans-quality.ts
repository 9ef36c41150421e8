/**
 * k-means quality against faiss (a measurement script, not a test).
 * Gaussian-mixture data 65536×64 around 1024 centres, K = 1024, 10 Lloyd iterations; the same data
 * goes to Debian's python3-faiss (2 threads), and both codebooks are scored by the same faiss
 * IndexFlatL2 search so the MSE figures are computed one way.
 *
 *   cd packages/core && npx tsx --conditions=source scripts/kmeans-quality.ts [--backend js|ort] [--skip-random] [--init-sample N]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type KmeansInit, kmeans, Random } from '../src/index.js';

const N = 65536;
const D = 64;
const CENTRES = 1024;
const K = 1024;
const ITERATIONS = 10;
const DATA_SEED = 1234;
const KMEANS_SEED = 1;
const THREADS = 2;

const argv = process.argv.slice(2);
const backend = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1] : undefined;
const initSampleSize = argv.includes('--init-sample') ? Number(argv[argv.indexOf('--init-sample') + 1]) : undefined;
const inits: KmeansInit[] = argv.includes('--skip-random') ? ['kmeans++'] : ['kmeans++', 'random'];

/** Centres ~ N(0, 1)^D; each centre has its own spread in [0.2, 0.6] and a weight in [0.5, 1.5]. */
function gaussianMixture(): Float32Array {
  const rng = new Random(DATA_SEED);
  const mu = Float32Array.from({ length: CENTRES * D }, () => rng.normal());
  const sigma = Float64Array.from({ length: CENTRES }, () => 0.2 + 0.4 * rng.next());
  const cum = new Float64Array(CENTRES);
  let total = 0;
  for (let c = 0; c < CENTRES; c++) cum[c] = total += 0.5 + rng.next();
  const x = new Float32Array(N * D);
  for (let r = 0; r < N; r++) {
    const u = rng.next() * total;
    let c = 0;
    while (c < CENTRES - 1 && cum[c] <= u) c++;
    for (let j = 0; j < D; j++) x[r * D + j] = mu[c * D + j] + sigma[c] * rng.normal();
  }
  return x;
}

const PYTHON = `
import json, sys, time
import numpy as np
import faiss
n, d, k, niter, threads, seed = (int(v) for v in sys.argv[2:8])
faiss.omp_set_num_threads(threads)
x = np.fromfile(sys.argv[1] + '/data.f32', dtype=np.float32).reshape(n, d)
km = faiss.Kmeans(d, k, niter=niter, seed=seed, verbose=False)
t0 = time.perf_counter()
km.train(x)
seconds = time.perf_counter() - t0
def mse(c):
    index = faiss.IndexFlatL2(d)
    index.add(np.ascontiguousarray(c, dtype=np.float32))
    dist, _ = index.search(x, 1)
    return float(dist.astype(np.float64).sum() / (n * d))
ours = {}
for name in sys.argv[8:]:
    ours[name] = mse(np.fromfile(sys.argv[1] + '/' + name + '.f32', dtype=np.float32).reshape(k, d))
print(json.dumps({'faiss': {'mse': mse(km.centroids), 'seconds': seconds, 'version': faiss.__version__}, 'ours': ours}))
`;

async function main(): Promise<void> {
  const t0 = performance.now();
  const x = gaussianMixture();
  console.log(
    `data: ${N}×${D} Gaussian mixture of ${CENTRES} centres (seed ${DATA_SEED}), ${(performance.now() - t0) / 1000}s`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'mmtok-kmeans-'));
  try {
    writeFileSync(join(dir, 'data.f32'), x);
    const runs: {
      init: KmeansInit;
      backend: string;
      mse: number;
      seconds: number;
      initSeconds: number;
      progress: { iteration: number; mse: number; seconds: number }[];
    }[] = [];
    for (const init of inits) {
      let initSeconds = 0;
      const progress: { iteration: number; mse: number; seconds: number }[] = [];
      const start = performance.now();
      const r = await kmeans({ data: x, shape: [N, D] }, K, {
        seed: KMEANS_SEED,
        iterations: ITERATIONS,
        tolerance: 0,
        init,
        initSampleSize,
        backend,
        onProgress: (p) => {
          if (p.iteration === 0) initSeconds = p.elapsedMs / 1000;
          progress.push({ iteration: p.iteration, mse: p.mse, seconds: p.elapsedMs / 1000 });
          process.stderr.write(
            `  ${init} iteration ${p.iteration}: mse ${p.mse.toFixed(6)} at ${(p.elapsedMs / 1000).toFixed(1)}s\n`,
          );
        },
      });
      const seconds = (performance.now() - start) / 1000;
      writeFileSync(join(dir, `${init}.f32`), r.centroids);
      runs.push({ init, backend: r.backends.assign, mse: r.mse, seconds, initSeconds, progress });
    }

    const py = spawnSync(
      '/usr/bin/python3',
      ['-c', PYTHON, dir, ...[N, D, K, ITERATIONS, THREADS, KMEANS_SEED].map(String), ...inits],
      { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(THREADS) }, maxBuffer: 1 << 24 },
    );
    if (py.status !== 0) throw new Error(`faiss run failed (is python3-faiss installed?):\n${py.stderr}`);
    const faiss = JSON.parse(py.stdout.trim().split('\n').pop() ?? '{}') as {
      faiss: { mse: number; seconds: number; version: string };
      ours: Record<string, number>;
    };

    const rows = [
      {
        name: `faiss ${faiss.faiss.version} (random init, ${THREADS} threads)`,
        mse: faiss.faiss.mse,
        seconds: faiss.faiss.seconds,
      },
      ...runs.map((r) => ({
        name: `mmtok ${r.init} (${r.backend} backend)`,
        mse: faiss.ours[r.init],
        seconds: r.seconds,
        ownMse: r.mse,
        initSeconds: r.initSeconds,
      })),
    ];
    console.log(
      `\nk-means: N=${N}, D=${D}, K=${K}, ${ITERATIONS} Lloyd iterations; MSE per element, scored by faiss IndexFlatL2`,
    );
    console.log(`${'run'.padEnd(44)}${'MSE'.padStart(12)}${'vs faiss'.padStart(10)}${'time s'.padStart(10)}`);
    for (const r of rows) {
      const rel = `${(((r.mse - faiss.faiss.mse) / faiss.faiss.mse) * 100).toFixed(2)}%`;
      console.log(
        `${r.name.padEnd(44)}${r.mse.toFixed(6).padStart(12)}${rel.padStart(10)}${r.seconds.toFixed(2).padStart(10)}`,
      );
    }
    const primary = faiss.ours['kmeans++'];
    const within = primary <= faiss.faiss.mse * 1.02;
    console.log(`\nmmtok kmeans++ final MSE ≤ 1.02 × faiss's: ${within ? 'yes' : 'NO'}`);
    // Time to equal objective: the first iteration whose MSE is within 1% of faiss's final one.
    const reach = runs.find((r) => r.init === 'kmeans++')?.progress.find((p) => p.mse <= faiss.faiss.mse * 1.01);
    const notSlower = reach !== undefined && reach.seconds <= faiss.faiss.seconds;
    console.log(
      reach
        ? `mmtok kmeans++ is within 1% of faiss's final MSE after iteration ${reach.iteration}, at ${reach.seconds.toFixed(2)} s (faiss: ${faiss.faiss.seconds.toFixed(2)} s for its 10 iterations): ${notSlower ? 'no slower' : 'SLOWER'}`
        : "mmtok kmeans++ did not come within 1% of faiss's final MSE",
    );

    const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results', 'kmeans-quality.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          node: process.version,
          data: { rows: N, dim: D, centres: CENTRES, seed: DATA_SEED, sigma: [0.2, 0.6] },
          k: K,
          iterations: ITERATIONS,
          threads: THREADS,
          faiss: faiss.faiss,
          mmtok: runs.map((r) => ({ ...r, mseScoredByFaiss: faiss.ours[r.init] })),
          withinTwoPercent: within,
          equalObjective: reach ? { ...reach, faissSeconds: faiss.faiss.seconds, notSlower } : null,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`wrote ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
