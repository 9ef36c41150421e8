import type { GpuContext } from './device.js';
import { type WgslProgram, workgroupsFor } from './program.js';

type RowArray = Float32Array | Int32Array;

/** A row-parallel program run over [rows, width] inputs in chunks that respect device limits. */
export interface RowJob<O extends readonly ('f32' | 'i32')[]> {
  program: WgslProgram;
  rows: number;
  /** Invocations per row (elementwise programs); 1 for one invocation per row. */
  itemsPerRow?: number;
  /** Uploaded chunk by chunk; bound right after the params. */
  inputs: { data: RowArray; width: number }[];
  /** Device-resident buffers bound after the inputs (codebooks, tables). */
  fixed?: GPUBuffer[];
  /** Bound last, in order; each is read back as a [rows, width] array. */
  outputs: { [I in keyof O]: { width: number; type: O[I] } };
  /** Uniform words for a chunk of `n` rows. */
  params(n: number): Uint32Array;
}

type Out<T> = T extends 'f32' ? Float32Array : Int32Array;

/** The bit pattern of a float32, for uniform structs that mix u32 and f32 fields. */
export function f32Word(v: number): number {
  return new Uint32Array(Float32Array.of(v).buffer)[0];
}

/**
 * Chunks rows so every row-sized binding fits, uploads each chunk into the same buffers (queue
 * order guarantees a chunk's write lands after the previous dispatch), copies each chunk's results
 * into one readback buffer per output and maps those once at the end.
 */
export async function runRows<const O extends readonly ('f32' | 'i32')[]>(
  ctx: GpuContext,
  job: RowJob<O>,
): Promise<{ [I in keyof O]: Out<O[I]> }> {
  const { program, rows, inputs, outputs } = job;
  const outs = outputs as readonly { width: number; type: 'f32' | 'i32' }[];
  const make = (type: 'f32' | 'i32', n: number) => (type === 'f32' ? new Float32Array(n) : new Int32Array(n));
  if (rows === 0) return outs.map((o) => make(o.type, 0)) as { [I in keyof O]: Out<O[I]> };

  const itemsPerRow = job.itemsPerRow ?? 1;
  const widest = Math.max(1, ...inputs.map((i) => i.width), ...outs.map((o) => o.width));
  const chunk = Math.min(rows, ctx.chunkRows(program.itemsPerWorkgroup / itemsPerRow, widest * 4));
  const inBufs = inputs.map((i) => ctx.storage(chunk * i.width * 4));
  const outBufs = outs.map((o) => ctx.storage(chunk * o.width * 4));
  const reads = outs.map((o) => ctx.readbackBuffer(rows * o.width * 4));
  try {
    for (let start = 0; start < rows; start += chunk) {
      const n = Math.min(chunk, rows - start);
      inputs.forEach((i, b) => {
        ctx.write(inBufs[b], i.data, start * i.width, n * i.width);
      });
      const params = ctx.uniform(job.params(n));
      const encoder = ctx.device.createCommandEncoder();
      await ctx.dispatch(
        encoder,
        program,
        [params, ...inBufs, ...(job.fixed ?? []), ...outBufs],
        workgroupsFor(program, n * itemsPerRow),
      );
      outs.forEach((o, b) => {
        if (o.width > 0) encoder.copyBufferToBuffer(outBufs[b], 0, reads[b], start * o.width * 4, n * o.width * 4);
      });
      ctx.device.queue.submit([encoder.finish()]);
      params.destroy();
    }
    const results = await Promise.all(reads.map((r, b) => ctx.read(r, rows * outs[b].width * 4)));
    return results.map((buf, b) => (outs[b].type === 'f32' ? new Float32Array(buf) : new Int32Array(buf))) as {
      [I in keyof O]: Out<O[I]>;
    };
  } finally {
    for (const b of [...inBufs, ...outBufs]) b.destroy();
  }
}
