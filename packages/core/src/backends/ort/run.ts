import { MmtokError } from '../../errors.js';
import type { OrtRuntime, OrtSession, OrtTensor } from './runtime.js';

type Feeds = Record<string, OrtTensor>;
type Results = Awaited<ReturnType<OrtSession['run']>>;

/** Runs a session, naming the op and each input's type and dims if it fails. */
export async function runSession(op: string, session: OrtSession, feeds: Feeds): Promise<Results> {
  try {
    return await session.run(feeds);
  } catch (e) {
    const inputs = Object.entries(feeds)
      .map(([name, t]) => `${name}: ${t.type}[${t.dims.join(', ')}]`)
      .join(', ');
    const why = e instanceof Error ? e.message : String(e);
    throw new MmtokError('MMTOK_BACKEND', `ort: ${op} failed with inputs {${inputs}}: ${why}`, { op });
  }
}

/**
 * Rows in chunks of about `elementsPerChunk` values, so intermediates stay bounded (and, for the
 * elementwise graphs, cache-resident); chunks run one after another, each using every intra-op thread.
 */
export async function forEachChunk(
  rows: number,
  rowsPerChunk: number,
  fn: (start: number, count: number) => Promise<void>,
): Promise<void> {
  const step = Math.max(1, Math.floor(rowsPerChunk));
  for (let start = 0; start < rows; start += step) await fn(start, Math.min(step, rows - start));
}

export function chunkRows(elementsPerChunk: number, elementsPerRow: number): number {
  return Math.max(1, Math.floor(elementsPerChunk / Math.max(1, elementsPerRow)));
}

interface TypedArrays {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
}
const CTORS = { float32: Float32Array, float64: Float64Array, int32: Int32Array };

/** One output's data, checked to have the element type the graph declares. */
export function output<T extends keyof TypedArrays>(results: Results, name: string, type: T): TypedArrays[T] {
  const data = results[name]?.data;
  const ctor = CTORS[type];
  if (!(data instanceof ctor)) {
    throw new MmtokError('MMTOK_BACKEND', `ort: output ${name} is not ${type}`, { name });
  }
  return data as TypedArrays[T];
}

export function tensor(
  rt: OrtRuntime,
  data: Float32Array | Int32Array | Float64Array,
  dims: readonly number[],
): OrtTensor {
  return new rt.ort.Tensor(data, dims);
}
