import type { KernelTable, OpInput, OpOutput } from '../ops.js';
import type { OrtContext } from './context.js';
import { GraphBuilder } from './graph.js';
import { chunkRows, forEachChunk, output, runSession, tensor } from './run.js';

const ELEMENTS = 1 << 20;

/**
 * Scatter-adds [x | 1] rows into a float64 accumulator [k, dim + 1] (sums, then the count), in row
 * order as the oracle adds them. The accumulator is an input, so chunks carry it forward.
 */
function updateGraph(k: number, dim: number): GraphBuilder {
  const g = new GraphBuilder('kmeans_update');
  const acc = g.input('acc', 'float64', [k, dim + 1]);
  const x = g.op('Cast', [g.input('x', 'float32', ['N', dim])], { to: { type: 'float64' } });
  const assignments = g.input('assignments', 'int32', ['N']);
  const at = g.op('Unsqueeze', [
    g.op('Cast', [assignments], { to: { type: 'int64' } }),
    g.constant(BigInt64Array.of(1n)),
  ]);
  const ones = g.op('Expand', [g.constant(Float64Array.of(1), [1, 1]), g.op('Shape', [at])]);
  const rows = g.op('Concat', [x, ones], { axis: { int: 1 } });
  g.output(g.op('ScatterND', [acc, at, rows], { reduction: { string: 'add' } }), 'acc_out', 'float64', [k, dim + 1]);
  return g;
}

export function kmeansKernels(ctx: OrtContext): Pick<KernelTable, 'kmeansUpdate'> {
  const { runtime, sessions } = ctx;
  async function kmeansUpdate(i: OpInput<'kmeansUpdate'>): Promise<OpOutput<'kmeansUpdate'>> {
    const { x, rows, dim, assignments, k } = i;
    const session = await sessions.forKey(`kmeansUpdate:${k}x${dim}`, () => updateGraph(k, dim));
    let acc: Float64Array = new Float64Array(k * (dim + 1));
    await forEachChunk(rows, chunkRows(ELEMENTS, dim), async (start, n) => {
      const r = await runSession('kmeansUpdate', session, {
        acc: tensor(runtime, acc, [k, dim + 1]),
        x: tensor(runtime, x.subarray(start * dim, (start + n) * dim), [n, dim]),
        assignments: tensor(runtime, assignments.subarray(start, start + n), [n]),
      });
      acc = output(r, 'acc_out', 'float64');
    });
    const sums = new Float64Array(k * dim);
    const counts = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      sums.set(acc.subarray(c * (dim + 1), c * (dim + 1) + dim), c * dim);
      counts[c] = acc[c * (dim + 1) + dim];
    }
    return { sums, counts };
  }
  return { kmeansUpdate };
}
