import { MmtokError } from '../../errors.js';
import type { Backend, BackendProvider } from '../backend.js';
import { fsqBasis, fsqLevelThresholds } from '../fsq-spec.js';
import type { KernelTable, OpInput, OpOutput } from '../ops.js';
import { KERNELS_WASM_BASE64 } from './module.generated.js';

/** The compiled kernels' exports (pointers are byte offsets into `memory`). */
interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fsqEncode4(x: number, indices: number, rows: number, table: number, k: number): void;
  fsqEncodeStream(x: number, digits: number, elements: number, table: number, phases: number, k: number): void;
  rowSums(digits: number, indices: number, rows: number, dim: number): void;
  fsqDecode(indices: number, out: number, rows: number, dim: number, table: number): void;
  lfqEncode(x: number, indices: number, rows: number, dim: number, scale: number, msbFirst: number): void;
  lfqDecode(indices: number, out: number, rows: number, dim: number, scale: number, msbFirst: number): void;
}

/** Above ort (10): for the ops it has, SIMD kernels beat a graph launch; below webgpu (100). */
export const WASM_PRIORITY = 20;

export interface WasmProviderOptions {
  priority?: number;
  /** Elements per chunk copied through wasm memory (default 2^18: the chunk stays in L2). */
  chunkElements?: number;
}

const PAGE = 65536;
const VECTOR = 16;
const align = (n: number, to = 64) => Math.ceil(n / to) * to;
/** Room for kernels that read or write whole vectors past a buffer's last element. */
const padded = (bytes: number) => align(bytes + VECTOR);

interface FsqEncodeTable {
  bytes: Uint8Array;
  phases: number;
  /** Threshold vectors per phase. */
  k: number;
}

/** Code = (level·A − B) / C in float32 steps, the same steps as fsqLevelCode. */
function codeParams(L: number, symmetric: boolean): [a: number, b: number, c: number] {
  if (symmetric) return [Math.fround(2 / (L - 1)), 1, 1];
  const half = Math.floor(L / 2);
  return [1, half, half];
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The encode kernel's table: per phase (4 consecutive elements of the row-major input, whose
 * dimensions repeat every lcm(dim, 4) elements) base, basis, code parameters and thresholds.
 * A lane with fewer thresholds than the most is padded with NaN, which no input reaches.
 */
function fsqEncodeTable(levels: readonly number[], symmetric: boolean, hardClamp: boolean): FsqEncodeTable {
  const dim = levels.length;
  const basis = fsqBasis(levels);
  const steps = levels.map((L) => fsqLevelThresholds(L, symmetric, hardClamp));
  const k = Math.max(...steps.map((s) => s.thresholds.length));
  const phases = dim / gcd(dim, 4);
  const block = 80 + VECTOR * k;
  const buffer = new ArrayBuffer(phases * block);
  const i32 = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  for (let p = 0; p < phases; p++) {
    const o = (p * block) / 4;
    for (let lane = 0; lane < 4; lane++) {
      const j = (4 * p + lane) % dim;
      const [a, b, c] = codeParams(levels[j], symmetric);
      i32[o + lane] = steps[j].base;
      i32[o + 4 + lane] = basis[j] | 0;
      f32[o + 8 + lane] = a;
      f32[o + 12 + lane] = b;
      f32[o + 16 + lane] = c;
      const t = steps[j].thresholds;
      for (let m = 0; m < k; m++) f32[o + 20 + 4 * m + lane] = m < t.length ? t[m] : Number.NaN;
    }
  }
  return { bytes: new Uint8Array(buffer), phases, k };
}

/** The decode kernel's table: per pair of dimensions basis, levels (float64) and code parameters. */
function fsqDecodeTable(levels: readonly number[], symmetric: boolean): Uint8Array {
  const basis = fsqBasis(levels);
  const pairs = Math.ceil(levels.length / 2);
  const buffer = new ArrayBuffer(pairs * 80);
  const f64 = new Float64Array(buffer);
  const f32 = new Float32Array(buffer);
  for (let q = 0; q < pairs; q++) {
    for (let lane = 0; lane < 2; lane++) {
      const j = 2 * q + lane;
      // An odd dim's spare lane: level 0 of one level, code 0, written where the next row overwrites.
      const [a, b, c] = j < levels.length ? codeParams(levels[j], symmetric) : [0, 0, 1];
      f64[10 * q + lane] = j < levels.length ? basis[j] : 1;
      f64[10 * q + 2 + lane] = j < levels.length ? levels[j] : 1;
      f32[20 * q + 8 + lane] = a;
      f32[20 * q + 12 + lane] = b;
      f32[20 * q + 16 + lane] = c;
    }
  }
  return new Uint8Array(buffer);
}

/** Linear memory laid out per call from the heap base: tables first, then the chunk buffers. */
class WasmKernels {
  private readonly heap: number;
  private readonly encodeTables = new Map<string, FsqEncodeTable>();
  private readonly decodeTables = new Map<string, Uint8Array>();

  constructor(
    private readonly k: KernelExports,
    private readonly chunkElements: number,
  ) {
    this.heap = align(k.heapBase());
  }

  /** Grows memory to hold `end` bytes; views must be taken after this (growing detaches them). */
  private reserve(end: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (end > have) this.k.memory.grow(Math.ceil((end - have) / PAGE));
  }

  private f32(ptr: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, ptr, n);
  }

  private i32(ptr: number, n: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, ptr, n);
  }

  /** Rows per chunk: a multiple of 4 (the 4-row kernels), at least 4. */
  private chunkRows(dim: number): number {
    return Math.max(4, Math.floor(this.chunkElements / Math.max(dim, 1)) & ~3);
  }

  fsqEncode(i: OpInput<'fsqEncode'>): OpOutput<'fsqEncode'> {
    const { x, rows, levels, symmetric, hardClamp } = i;
    const dim = levels.length;
    const key = `${levels.join(',')}/${symmetric}/${hardClamp}`;
    let table = this.encodeTables.get(key);
    if (!table) {
      table = fsqEncodeTable(levels, symmetric, hardClamp);
      this.encodeTables.set(key, table);
    }
    const chunk = this.chunkRows(dim);
    const tablePtr = this.heap;
    const xPtr = align(tablePtr + table.bytes.length);
    const digitsPtr = xPtr + padded(chunk * dim * 4);
    const indexPtr = digitsPtr + (dim === 4 ? 0 : padded(chunk * dim * 4));
    this.reserve(indexPtr + padded(chunk * 4));
    new Uint8Array(this.k.memory.buffer, tablePtr, table.bytes.length).set(table.bytes);
    const xs = this.f32(xPtr, chunk * dim);
    const is = this.i32(indexPtr, chunk);
    const indices = new Int32Array(rows);
    const codes = new Float32Array(rows * dim);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const n = Math.min(chunk, rows - r0);
      xs.set(x.subarray(r0 * dim, (r0 + n) * dim));
      if (dim === 4) this.k.fsqEncode4(xPtr, indexPtr, n, tablePtr, table.k);
      else {
        this.k.fsqEncodeStream(xPtr, digitsPtr, n * dim, tablePtr, table.phases, table.k);
        this.k.rowSums(digitsPtr, indexPtr, n, dim);
      }
      codes.set(n === chunk ? xs : xs.subarray(0, n * dim), r0 * dim);
      indices.set(n === chunk ? is : is.subarray(0, n), r0);
    }
    return { indices, codes };
  }

  fsqDecode(i: OpInput<'fsqDecode'>): OpOutput<'fsqDecode'> {
    const { indices, levels, symmetric } = i;
    const dim = levels.length;
    const rows = indices.length;
    const key = `${levels.join(',')}/${symmetric}`;
    let table = this.decodeTables.get(key);
    if (!table) {
      table = fsqDecodeTable(levels, symmetric);
      this.decodeTables.set(key, table);
    }
    const chunk = this.chunkRows(dim);
    const tablePtr = this.heap;
    const indexPtr = align(tablePtr + table.length);
    const outPtr = indexPtr + padded(chunk * 4);
    this.reserve(outPtr + padded(chunk * dim * 4));
    new Uint8Array(this.k.memory.buffer, tablePtr, table.length).set(table);
    const is = this.i32(indexPtr, chunk);
    const os = this.f32(outPtr, chunk * dim);
    const out = new Float32Array(rows * dim);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const n = Math.min(chunk, rows - r0);
      is.set(indices.subarray(r0, r0 + n));
      this.k.fsqDecode(indexPtr, outPtr, n, dim, tablePtr);
      out.set(n === chunk ? os : os.subarray(0, n * dim), r0 * dim);
    }
    return out;
  }

  lfqEncode(i: OpInput<'lfqEncode'>): OpOutput<'lfqEncode'> {
    const { x, rows, dim, scale, msbFirst } = i;
    const chunk = this.chunkRows(dim);
    const xPtr = this.heap;
    const indexPtr = xPtr + padded(chunk * dim * 4);
    this.reserve(indexPtr + padded(chunk * 4));
    const xs = this.f32(xPtr, chunk * dim);
    const is = this.i32(indexPtr, chunk);
    const indices = new Int32Array(rows);
    const codes = new Float32Array(rows * dim);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const n = Math.min(chunk, rows - r0);
      xs.set(x.subarray(r0 * dim, (r0 + n) * dim));
      this.k.lfqEncode(xPtr, indexPtr, n, dim, scale, msbFirst ? 1 : 0);
      codes.set(n === chunk ? xs : xs.subarray(0, n * dim), r0 * dim);
      indices.set(n === chunk ? is : is.subarray(0, n), r0);
    }
    return { indices, codes };
  }

  lfqDecode(i: OpInput<'lfqDecode'>): OpOutput<'lfqDecode'> {
    const { indices, dim, scale, msbFirst } = i;
    const rows = indices.length;
    const chunk = this.chunkRows(dim);
    const indexPtr = this.heap;
    const outPtr = indexPtr + padded(chunk * 4);
    this.reserve(outPtr + padded(chunk * dim * 4));
    const is = this.i32(indexPtr, chunk);
    const os = this.f32(outPtr, chunk * dim);
    const out = new Float32Array(rows * dim);
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const n = Math.min(chunk, rows - r0);
      is.set(indices.subarray(r0, r0 + n));
      this.k.lfqDecode(indexPtr, outPtr, n, dim, scale, msbFirst ? 1 : 0);
      out.set(n === chunk ? os : os.subarray(0, n * dim), r0 * dim);
    }
    return out;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function instantiate(): Promise<KernelExports> {
  if (typeof WebAssembly !== 'object') {
    throw new MmtokError('MMTOK_BACKEND', 'WebAssembly is not available in this runtime');
  }
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  // validate() is false where the engine lacks fixed-width SIMD, the only post-MVP feature used.
  if (!WebAssembly.validate(bytes)) {
    throw new MmtokError(
      'MMTOK_BACKEND',
      'this runtime’s WebAssembly lacks SIMD (v128), which the wasm kernels need; use the js or ort backend',
    );
  }
  const module = await WebAssembly.compile(bytes);
  const instance = await WebAssembly.instantiate(module, {});
  for (const name of [
    'memory',
    'heapBase',
    'fsqEncode4',
    'fsqEncodeStream',
    'rowSums',
    'fsqDecode',
    'lfqEncode',
    'lfqDecode',
  ]) {
    if (!(name in instance.exports)) throw new MmtokError('MMTOK_BACKEND', `wasm kernels lack export ${name}`);
  }
  return instance.exports as unknown as KernelExports;
}

/**
 * A wasm backend: WebAssembly SIMD kernels for FSQ and LFQ encode/decode. It has no kernels for
 * the other ops, so the registry takes those from the next backend.
 */
export function createWasmProvider(options: WasmProviderOptions = {}): BackendProvider {
  const chunkElements = options.chunkElements ?? 1 << 18;
  return {
    name: 'wasm',
    priority: options.priority ?? WASM_PRIORITY,
    async load(): Promise<Backend> {
      const kernels = new WasmKernels(await instantiate(), chunkElements);
      const table: KernelTable = {
        fsqEncode: (i) => kernels.fsqEncode(i),
        fsqDecode: (i) => kernels.fsqDecode(i),
        lfqEncode: (i) => kernels.lfqEncode(i),
        lfqDecode: (i) => kernels.lfqDecode(i),
      };
      return { name: 'wasm', kernels: table };
    },
  };
}

export const wasmProvider: BackendProvider = createWasmProvider();
