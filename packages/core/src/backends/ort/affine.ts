import type { KernelTable, OpInput, OpOutput } from '../ops.js';
import type { OrtContext } from './context.js';
import { GraphBuilder } from './graph.js';
import { chunkRows, forEachChunk, output, runSession, tensor } from './run.js';

/** Output values per run: large enough for MLAS to use every thread, bounded in memory. */
const ELEMENTS = 1 << 21;

/** Weights baked in as constants, so MLAS packs them once per session. */
function affineGraph(weight: Float32Array, bias: Float32Array, inDim: number, outDim: number): GraphBuilder {
  const g = new GraphBuilder('affine');
  const x = g.input('x', 'float32', ['N', inDim]);
  const y = g.op('Gemm', [x, g.constant(weight, [outDim, inDim]), g.constant(bias, [outDim])], {
    transB: { int: 1 },
  });
  g.output(y, 'y', 'float32', ['N', outDim]);
  return g;
}

export function affineKernels(ctx: OrtContext): Pick<KernelTable, 'affine'> {
  const { runtime, sessions } = ctx;
  async function affine(i: OpInput<'affine'>): Promise<OpOutput<'affine'>> {
    const { x, rows, weight, bias, inDim, outDim } = i;
    const session = await sessions.forOwner(weight, `affine:${outDim}x${inDim}:${sessions.id(bias)}`, () =>
      affineGraph(weight, bias, inDim, outDim),
    );
    const out = new Float32Array(rows * outDim);
    await forEachChunk(rows, chunkRows(ELEMENTS, Math.max(inDim, outDim)), async (start, n) => {
      const r = await runSession('affine', session, {
        x: tensor(runtime, x.subarray(start * inDim, (start + n) * inDim), [n, inDim]),
      });
      out.set(output(r, 'y', 'float32'), start * outDim);
    });
    return out;
  }
  return { affine };
}
