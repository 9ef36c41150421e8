/**
 * Backend agreement: every backend of the default registry against the js kernels as the oracle
 * (the js kernels themselves are checked against outside references and closed forms in
 * reference-backends.test.ts and kernels-closed-form.test.ts; here js runs only the torch affine case).
 * Inputs are fresh each run (the seed is logged; set MMTOK_TEST_SEED to replay one) plus adversarial
 * cases. Index-valued results must match the oracle exactly, except that nearest-code search may
 * pick another code on a float32 near-tie, which is checked against exact float64 distances.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../src/backends/default.js';
import { jsBackend } from '../src/backends/js/index.js';
import { type Metric, OP_NAMES, type OpInput, type OpName, type OpOutput } from '../src/backends/ops.js';
import { Random } from '../src/random.js';
import { runSeed } from './helpers.js';

const SEED = runSeed('kernels.test');

/** Backends CI installs: there, being unavailable is a failure, not a skip. */
const REQUIRED_IN_CI = ['ort', 'webgpu', 'wasm'];
/** Share of rows on which a float32 backend may pick a different, near-tied nearest code. */
const MAX_NEAR_TIE_SHARE = 0.01;
/** Relative distance gap allowed for such a pick, against the squared norms involved. */
const NEAR_TIE_TOLERANCE = 1e-5;

interface AffineCase {
  rows: number;
  inDim: number;
  outDim: number;
  x: number[];
  weight: number[];
  bias: number[];
  expected: number[];
  scale: number[];
}
/** torch.nn.functional.linear in float64 (fixtures-src/make_affine_vectors.py). */
const affineCases = (
  JSON.parse(readFileSync(new URL('./fixtures/affine.json', import.meta.url), 'utf8')) as { cases: AffineCase[] }
).cases;

const statuses = await defaultRegistry.status();
/** The ops each available backend has kernels for: a backend may implement a subset (wasm). */
const opsOf = new Map(
  await Promise.all(
    statuses
      .filter((s) => s.available)
      .map(async (s) => {
        const has = await Promise.all(
          OP_NAMES.map((op) =>
            defaultRegistry.kernel(op, s.name).then(
              () => true,
              () => false,
            ),
          ),
        );
        return [s.name, new Set(OP_NAMES.filter((_, i) => has[i]))] as const;
      }),
  ),
);
afterAll(() => defaultRegistry.dispose());

function oracle<Op extends OpName>(op: Op, input: OpInput<Op>): Promise<OpOutput<Op>> {
  const kernel = jsBackend.kernels[op];
  if (!kernel) throw new Error(`js has no ${op} kernel`);
  return Promise.resolve(kernel(input));
}

function normals(rng: Random, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal() * scale);
}

function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[ao + j] * b[bo + j];
  return s;
}

function sqDistance(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += (a[ao + j] - b[bo + j]) ** 2;
  return s;
}

/** Float64 score of code c for row r: squared distance (euclidean) or negated cosine similarity. */
function score(x: Float32Array, r: number, codebook: Float32Array, c: number, dim: number, metric: Metric): number {
  if (metric === 'euclidean') return sqDistance(x, r * dim, codebook, c * dim, dim);
  const norms = Math.sqrt(dot(x, r * dim, x, r * dim, dim) * dot(codebook, c * dim, codebook, c * dim, dim));
  return norms === 0 ? 0 : -dot(x, r * dim, codebook, c * dim, dim) / norms;
}

/** The scale a float32 error in `score` is relative to. */
function scoreScale(
  x: Float32Array,
  r: number,
  codebook: Float32Array,
  c: number,
  dim: number,
  metric: Metric,
): number {
  if (metric === 'cosine') return 1;
  return dot(x, r * dim, x, r * dim, dim) + dot(codebook, c * dim, codebook, c * dim, dim);
}

interface NearestCase {
  x: Float32Array;
  rows: number;
  dim: number;
  codebook: Float32Array;
  k: number;
}

/**
 * Where `got` differs from the oracle's `want`, the chosen code must be a near-tie of the best one,
 * and such rows must be rare. With `exact`, every row must match (ties go to the lowest index).
 */
function expectNearest(c: NearestCase, metric: Metric, got: Int32Array, want: Int32Array, exact: boolean): void {
  expect(got.length).toBe(want.length);
  let differing = 0;
  for (let r = 0; r < c.rows; r++) {
    if (got[r] === want[r]) continue;
    differing++;
    expect(exact, `row ${r}: got ${got[r]}, oracle ${want[r]} (exact case)`).toBe(false);
    expect(got[r]).toBeGreaterThanOrEqual(0);
    expect(got[r]).toBeLessThan(c.k);
    const best = score(c.x, r, c.codebook, want[r], c.dim, metric);
    const chosen = score(c.x, r, c.codebook, got[r], c.dim, metric);
    const allowed = NEAR_TIE_TOLERANCE * scoreScale(c.x, r, c.codebook, want[r], c.dim, metric);
    expect(chosen - best, `row ${r}: code ${got[r]} is not a near-tie of ${want[r]}`).toBeLessThanOrEqual(allowed);
  }
  expect(differing, 'rows choosing another near-tied code').toBeLessThanOrEqual(Math.ceil(MAX_NEAR_TIE_SHARE * c.rows));
}

function randomCase(rng: Random, rows: number, dim: number, k: number, scale = 1): NearestCase {
  return { x: normals(rng, rows * dim, scale), rows, dim, codebook: normals(rng, k * dim, scale), k };
}

/** A codebook whose second half repeats its first half, queried at its own rows: exact ties. */
function tieCase(rng: Random, dim: number, half: number): NearestCase {
  const base = normals(rng, half * dim);
  const codebook = new Float32Array(2 * half * dim);
  codebook.set(base);
  codebook.set(base, half * dim);
  const rows = 2 * half;
  const x = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    const c = rng.int(half);
    // Half the rows sit on a code, half between a code and the origin: both tie with its copy.
    for (let j = 0; j < dim; j++) x[r * dim + j] = r % 2 === 0 ? base[c * dim + j] : base[c * dim + j] / 2;
  }
  return { x, rows, dim, codebook, k: 2 * half };
}

/** Float32 inputs within a few ulps of every point where the oracle's FSQ level steps. */
function fsqBoundaryInputs(levels: readonly number[], symmetric: boolean, hardClamp: boolean): Float32Array {
  const f32 = new Float32Array(1);
  const bits = new Int32Array(f32.buffer);
  const neighbours = (v: number, out: number[]) => {
    for (let d = -3; d <= 3; d++) {
      f32[0] = v;
      if (v !== 0) bits[0] += v > 0 ? d : -d;
      out.push(f32[0]);
    }
  };
  const rows: number[][] = levels.map(() => []);
  levels.forEach((L, j) => {
    const level = (z: number) => oracleLevel(Float32Array.of(Math.fround(z)), [L], symmetric, hardClamp);
    for (let k = 1; k < L; k++) {
      let lo = -20;
      let hi = 20;
      for (let i = 0; i < 80; i++) {
        const mid = (lo + hi) / 2;
        if (level(mid) >= k) hi = mid;
        else lo = mid;
      }
      neighbours(hi, rows[j]);
    }
    rows[j].push(0, -0, 1, -1, 0.5, -0.5, 1e20, -1e20, 1e-20, -1e-20);
  });
  const n = Math.max(...rows.map((r) => r.length));
  const x = new Float32Array(n * levels.length);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < levels.length; j++) x[r * levels.length + j] = rows[j][r % rows[j].length];
  }
  return x;
}

function oracleLevel(x: Float32Array, levels: number[], symmetric: boolean, hardClamp: boolean): number {
  const kernel = jsBackend.kernels.fsqEncode;
  if (!kernel) throw new Error('js has no fsqEncode kernel');
  const out = kernel({ x, rows: 1, levels, symmetric, hardClamp });
  if (out instanceof Promise) throw new Error('js kernels are synchronous');
  return out.indices[0];
}

describe('kernel backends', () => {
  it('lists the backends it runs on', () => {
    for (const s of statuses) {
      if (!s.available) console.warn(`kernels.test: backend ${s.name} unavailable here, skipped: ${s.reason}`);
    }
    expect(statuses.find((s) => s.name === 'js')?.available).toBe(true);
    expect(opsOf.get('js')?.size, 'the js oracle has every op').toBe(OP_NAMES.length);
    for (const [name, ops] of opsOf) {
      const missing = OP_NAMES.filter((op) => !ops.has(op));
      if (missing.length) console.info(`kernels.test: backend ${name} has no ${missing.join(', ')} kernels`);
    }
  });

  it.runIf(Boolean(process.env.CI))('has every backend CI installs', () => {
    for (const name of REQUIRED_IN_CI) {
      const s = statuses.find((b) => b.name === name);
      expect(s, `backend ${name} is not registered`).toBeDefined();
      expect(s?.available, `backend ${name} unavailable in CI: ${s?.reason}`).toBe(true);
    }
  });
});

for (const status of statuses) {
  const name = status.name;
  const isOracle = name === 'js';
  const suiteTitle = isOracle ? 'js kernels (the oracle)' : `${name} kernels agree with the js oracle`;
  describe.skipIf(!status.available)(suiteTitle, () => {
    const rng = new Random(SEED);
    // Agreement cases are not made for the oracle: comparing it with itself could fail only by throwing.
    // It is checked against definitions and references in kernels-closed-form and reference-backends.test.ts.
    const agrees = (title: string, fn: () => Promise<void>) => {
      if (!isOracle) it(title, fn);
    };
    const run = <Op extends OpName>(op: Op, input: OpInput<Op>) => defaultRegistry.run(op, input, name);
    // Ops a partial backend lacks get no tests: the registry serves them from another backend.
    const has = (...ops: OpName[]) => ops.every((op) => opsOf.get(name)?.has(op));
    // Suites made only of agreement cases are not made for the oracle (an empty suite is an error).
    const hasAgreement = (...ops: OpName[]) => !isOracle && has(...ops);

    if (hasAgreement('nearestCode'))
      describe('nearestCode', () => {
        const shapes: [rows: number, dim: number, k: number][] = [
          [500, 64, 256],
          [300, 3, 37],
          [300, 7, 2],
          [257, 13, 100],
          [1, 16, 64],
          [1, 5, 2],
        ];
        for (const metric of ['euclidean', 'cosine'] as const) {
          for (const [rows, dim, k] of shapes) {
            agrees(`${metric} on random data, N=${rows} D=${dim} K=${k}`, async () => {
              const c = randomCase(rng, rows, dim, k);
              const input = { x: c.x, rows, dim, codebook: c.codebook, codebookSize: k, metric };
              expectNearest(c, metric, await run('nearestCode', input), await oracle('nearestCode', input), false);
            });
          }
          for (const scale of [1e20, 1e-20]) {
            agrees(`${metric} at magnitude ${scale}`, async () => {
              const c = randomCase(rng, 200, 7, 50, scale);
              const input = { x: c.x, rows: c.rows, dim: c.dim, codebook: c.codebook, codebookSize: c.k, metric };
              expectNearest(c, metric, await run('nearestCode', input), await oracle('nearestCode', input), false);
            });
          }
          agrees(`${metric} gives exact ties to the lowest index`, async () => {
            for (const [dim, half] of [
              [3, 1],
              [13, 40],
              [64, 300],
            ]) {
              const c = tieCase(rng, dim, half);
              const input = { x: c.x, rows: c.rows, dim, codebook: c.codebook, codebookSize: c.k, metric };
              const want = await oracle('nearestCode', input);
              for (const w of want) expect(w).toBeLessThan(half);
              expectNearest(c, metric, await run('nearestCode', input), want, true);
            }
          });
        }
      });

    if (hasAgreement('residualNearestCode'))
      describe('residualNearestCode', () => {
        for (const [rows, dim, k, levels] of [
          [400, 32, 64, 4],
          [300, 7, 2, 3],
          [1, 13, 16, 8],
        ]) {
          agrees(`N=${rows} D=${dim} K=${k} levels=${levels}`, async () => {
            const x = normals(rng, rows * dim);
            const codebooks = Array.from({ length: levels }, (_, l) => normals(rng, k * dim, 0.6 ** l));
            const input = { x, rows, dim, codebooks, codebookSize: k };
            const got = await run('residualNearestCode', input);
            const want = await oracle('residualNearestCode', input);
            expect(got.indices.length).toBe(want.indices.length);
            // Replays the oracle's float32 residual chain along the backend's choices.
            let differing = 0;
            for (let r = 0; r < rows; r++) {
              const residual = x.slice(r * dim, (r + 1) * dim);
              const q = new Float32Array(dim);
              let same = true;
              for (let l = 0; l < levels; l++) {
                const chosen = got.indices[r * levels + l];
                const best = await oracle('nearestCode', {
                  x: residual,
                  rows: 1,
                  dim,
                  codebook: codebooks[l],
                  codebookSize: k,
                  metric: 'euclidean',
                });
                if (chosen !== want.indices[r * levels + l]) same = false;
                expectNearest(
                  { x: residual, rows: 1, dim, codebook: codebooks[l], k },
                  'euclidean',
                  Int32Array.of(chosen),
                  best,
                  false,
                );
                for (let j = 0; j < dim; j++) {
                  residual[j] -= codebooks[l][chosen * dim + j];
                  q[j] += codebooks[l][chosen * dim + j];
                }
              }
              if (!same) differing++;
              for (let j = 0; j < dim; j++) {
                expect(Math.abs(got.quantized[r * dim + j] - q[j])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(q[j])));
              }
            }
            expect(differing).toBeLessThanOrEqual(Math.ceil(MAX_NEAR_TIE_SHARE * rows));
          });
        }
      });

    if (hasAgreement('kmeansAssign', 'kmeansUpdate'))
      describe('kmeans', () => {
        for (const [rows, dim, k, scale] of [
          [600, 16, 50, 1],
          [200, 3, 2, 1],
          [150, 13, 20, 1e15],
          [150, 7, 20, 1e-15],
        ]) {
          agrees(`assign N=${rows} D=${dim} K=${k} at magnitude ${scale}`, async () => {
            const c = randomCase(rng, rows, dim, k, scale);
            const input = { x: c.x, rows, dim, centroids: c.codebook, k };
            const got = await run('kmeansAssign', input);
            const want = await oracle('kmeansAssign', input);
            expectNearest(c, 'euclidean', got.indices, want.indices, false);
            for (let r = 0; r < rows; r++) {
              const exact = Math.fround(sqDistance(c.x, r * dim, c.codebook, got.indices[r] * dim, dim));
              const slack = 1e-5 * exact + 1e-6 * scoreScale(c.x, r, c.codebook, got.indices[r], dim, 'euclidean');
              expect(Math.abs(got.distances[r] - exact), `row ${r} distance`).toBeLessThanOrEqual(slack);
            }
          });
        }
        agrees('update sums and counts every cluster, empty ones included', async () => {
          for (const [rows, dim, k] of [
            [5000, 16, 40],
            [1, 7, 3],
            [300, 13, 1000],
            // Large enough for a multi-threaded runtime to split the work: no update may be lost.
            [65536, 64, 1024],
          ]) {
            const x = normals(rng, rows * dim);
            const assignments = Int32Array.from({ length: rows }, () => rng.int(k));
            const input = { x, rows, dim, assignments, k };
            const got = await run('kmeansUpdate', input);
            const want = await oracle('kmeansUpdate', input);
            expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
            // A backend may accumulate in float32: its error scales with the sum of magnitudes added.
            const magnitude = new Float64Array(k * dim);
            for (let r = 0; r < rows; r++) {
              for (let j = 0; j < dim; j++) magnitude[assignments[r] * dim + j] += Math.abs(x[r * dim + j]);
            }
            for (let i = 0; i < want.sums.length; i++) {
              expect(Math.abs(got.sums[i] - want.sums[i]), `sum ${i}`).toBeLessThanOrEqual(1e-5 * magnitude[i]);
            }
          }
        });
      });

    if (hasAgreement('gather'))
      agrees('gather copies rows exactly, N=1 and repeats included', async () => {
        for (const [n, dim, k] of [
          [1000, 64, 100],
          [1, 3, 2],
          [77, 13, 5],
        ]) {
          const codebook = normals(rng, k * dim);
          const indices = Int32Array.from({ length: n }, () => rng.int(k));
          const input = { codebook, dim, indices };
          expect(await run('gather', input)).toEqual(await oracle('gather', input));
        }
      });

    if (has('affine'))
      describe('affine', () => {
        // js accumulates in float64, so only the output's float32 rounding remains.
        const tolerance = isOracle ? 1e-7 : 2e-5;
        it('equals torch.nn.functional.linear within float32 rounding', async () => {
          for (const c of affineCases) {
            const input = {
              x: Float32Array.from(c.x),
              rows: c.rows,
              weight: Float32Array.from(c.weight),
              bias: Float32Array.from(c.bias),
              inDim: c.inDim,
              outDim: c.outDim,
            };
            const got = await run('affine', input);
            expect(got.length).toBe(c.expected.length);
            for (let i = 0; i < got.length; i++) {
              const err = Math.abs(got[i] - c.expected[i]);
              expect(err, `${c.rows}×${c.inDim}→${c.outDim}, output ${i}`).toBeLessThanOrEqual(tolerance * c.scale[i]);
            }
          }
        });
        for (const [rows, inDim, outDim] of [
          [40_001, 64, 8],
          [3, 5, 700],
          [1, 768, 32],
        ])
          agrees(`N=${rows} ${inDim}→${outDim} (chunked, ragged)`, async () => {
            const input = {
              x: normals(rng, rows * inDim),
              rows,
              weight: normals(rng, outDim * inDim, 1 / Math.sqrt(inDim)),
              bias: normals(rng, outDim),
              inDim,
              outDim,
            };
            const got = await run('affine', input);
            const want = await oracle('affine', input);
            let worst = 0;
            for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
            expect(worst).toBeLessThan(1e-4);
          });
      });

    if (hasAgreement('fsqEncode', 'fsqDecode'))
      describe('fsq', () => {
        const configs: number[][] = [[8, 5, 5, 5], [2, 3, 4], [7, 5, 5, 5, 5], [16, 16], [1000]];
        for (const levels of configs) {
          for (const symmetric of [false, true]) {
            for (const hardClamp of [false, true]) {
              const label = `levels [${levels}]${symmetric ? ' symmetric' : ''}${hardClamp ? ' hard clamp' : ''}`;
              agrees(`encodes exactly: ${label}`, async () => {
                const random = normals(rng, 2000 * levels.length, 2);
                const boundary = fsqBoundaryInputs(levels, symmetric, hardClamp);
                for (const x of [random, boundary]) {
                  const input = { x, rows: x.length / levels.length, levels, symmetric, hardClamp };
                  const got = await run('fsqEncode', input);
                  const want = await oracle('fsqEncode', input);
                  expect(got.indices).toEqual(want.indices);
                  expect(got.codes).toEqual(want.codes);
                }
              });
            }
            agrees(`decodes every index exactly: levels [${levels}]${symmetric ? ' symmetric' : ''}`, async () => {
              const size = levels.reduce((a, b) => a * b, 1);
              const input = { indices: Int32Array.from({ length: size }, (_, i) => i), levels, symmetric };
              expect(await run('fsqDecode', input)).toEqual(await oracle('fsqDecode', input));
            });
          }
        }
      });

    if (hasAgreement('lfqEncode', 'lfqDecode'))
      describe('lfq', () => {
        for (const dim of [1, 7, 16, 31]) {
          for (const msbFirst of [true, false]) {
            agrees(
              `dim ${dim}${msbFirst ? ' msb first' : ' lsb first'}: encode with zeros, decode round trip`,
              async () => {
                const special = [0, -0, 1e-30, -1e-30, 1e30, -1e30, 1, -1];
                const rows = 500;
                const x = normals(rng, rows * dim);
                for (let i = 0; i < x.length; i += 3) x[i] = special[rng.int(special.length)];
                const scale = 0.5 + rng.next();
                const input = { x, rows, dim, scale, msbFirst };
                const got = await run('lfqEncode', input);
                const want = await oracle('lfqEncode', input);
                expect(got.indices).toEqual(want.indices);
                expect(got.codes).toEqual(want.codes);
                const back = { indices: want.indices, dim, scale, msbFirst };
                expect(await run('lfqDecode', back)).toEqual(await oracle('lfqDecode', back));
              },
            );
          }
        }
      });
  });
}
