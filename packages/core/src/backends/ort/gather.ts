import type { KernelTable, OpInput, OpOutput } from '../ops.js';
import type { OrtContext } from './context.js';
import { GraphBuilder } from './graph.js';
import { chunkRows, forEachChunk, output, runSession, tensor } from './run.js';

const ELEMENTS = 1 << 18;

/** The codebook is an input, not a constant: one session per row width serves every codebook. */
function gatherGraph(dim: number): GraphBuilder {
  const g = new GraphBuilder('gather');
  const codebook = g.input('codebook', 'float32', ['K', dim]);
  const indices = g.input('indices', 'int32', ['N']);
  g.output(g.op('Gather', [codebook, indices], { axis: { int: 0 } }), 'rows', 'float32', ['N', dim]);
  return g;
}

export function gatherKernels(ctx: OrtContext): Pick<KernelTable, 'gather'> {
  const { runtime, sessions } = ctx;
  async function gather(i: OpInput<'gather'>): Promise<OpOutput<'gather'>> {
    const { codebook, dim, indices } = i;
    const session = await sessions.forKey(`gather:${dim}`, () => gatherGraph(dim));
    const book = tensor(runtime, codebook, [codebook.length / dim, dim]);
    const out = new Float32Array(indices.length * dim);
    await forEachChunk(indices.length, chunkRows(ELEMENTS, dim), async (start, n) => {
      const r = await runSession('gather', session, {
        codebook: book,
        indices: tensor(runtime, indices.subarray(start, start + n), [n]),
      });
      out.set(output(r, 'rows', 'float32'), start * dim);
    });
    return out;
  }
  return { gather };
}
