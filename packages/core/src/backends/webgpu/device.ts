// GPU* types for this file's declarations, so published types compile without skipLibCheck.
/// <reference types="@webgpu/types" preserve="true" />
import { MmtokError } from '../../errors.js';
import type { WgslProgram } from './program.js';

// Standard usage flags (GPUBufferUsage / GPUMapMode values), so nothing depends on globals being installed.
export const Usage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const MAP_MODE_READ = 0x1;

export interface GpuContextOptions {
  /** Upper bound on rows per dispatch; tests force it small to exercise chunking. */
  maxChunkRows?: number;
}

/** Counters that make caching and chunking observable in tests. */
export interface GpuStats {
  pipelinesCompiled: number;
  dispatches: number;
  codebookUploads: number;
}

type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

/**
 * Finds a GPU: `navigator.gpu` where the host has one (browsers, Deno), otherwise Dawn through the
 * `webgpu` package in Node. Decided when called, never at import time.
 */
async function findGpu(): Promise<GPU> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  let mod: typeof import('webgpu');
  try {
    mod = await import('webgpu');
  } catch (e) {
    throw new MmtokError(
      'MMTOK_BACKEND',
      `no WebGPU: navigator.gpu is absent and the 'webgpu' package (Dawn) failed to load: ${(e as Error).message}; in Node, the webgpu backend needs it installed: npm install webgpu`,
    );
  }
  Object.assign(globalThis, mod.globals);
  // Dawn keeps Node alive while the GPU object is referenced, so the context drops it on dispose.
  return mod.create([]);
}

/** The adapter this host offers, its description, and whether it is a software fallback. */
export async function findAdapter(): Promise<{ gpu: GPU; adapter: GPUAdapter; name: string; fallback: boolean }> {
  const gpu = await findGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new MmtokError('MMTOK_BACKEND', 'no WebGPU adapter: requestAdapter() returned null');
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  // isFallbackAdapter is newer than @webgpu/types' GPUAdapterInfo.
  const fallback = (info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter === true;
  return { gpu, adapter, name: name || 'unknown adapter', fallback };
}

/** One device plus the caches that live as long as it: pipelines by program key, codebook buffers. */
export class GpuContext {
  readonly stats: GpuStats = { pipelinesCompiled: 0, dispatches: 0, codebookUploads: 0 };
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  // Codebooks are never mutated once passed to a kernel, so the array object identifies its contents.
  private codebooks = new WeakMap<Float32Array, Map<string, GPUBuffer>>();
  private readonly collector = new FinalizationRegistry<GPUBuffer>((b) => b.destroy());
  private lostReason: string | undefined;
  private lastError: string | undefined;
  private gpu: GPU | undefined;

  private constructor(
    readonly device: GPUDevice,
    gpu: GPU,
    readonly adapterName: string,
    private readonly options: GpuContextOptions,
  ) {
    this.gpu = gpu;
    device.addEventListener('uncapturederror', (e) => {
      this.lastError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    device.lost.then((info) => {
      this.lostReason = `${info.reason}: ${info.message}`;
    });
  }

  static async create(options: GpuContextOptions = {}): Promise<GpuContext> {
    const { gpu, adapter, name } = await findAdapter();
    const a = adapter.limits;
    // Ask for what the adapter offers: the defaults (128 MiB bindings) would force needless chunking.
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
        maxBufferSize: a.maxBufferSize,
      },
    });
    return new GpuContext(device, gpu, name, options);
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /**
   * Rows per dispatch: bounded by the (2-D) workgroup grid, by the largest binding any of the row-sized
   * buffers needs (`bytesPerRow`), and by the forced test limit.
   */
  chunkRows(rowsPerWorkgroup: number, bytesPerRow: number): number {
    const l = this.limits;
    const byGrid = l.maxComputeWorkgroupsPerDimension ** 2 * rowsPerWorkgroup;
    const byBinding = Math.floor(Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize) / Math.max(4, bytesPerRow));
    const forced = this.options.maxChunkRows ?? Number.POSITIVE_INFINITY;
    // Keep chunks a multiple of the workgroup's rows so no workgroup straddles two chunks needlessly.
    const rows = Math.floor(Math.min(byGrid, byBinding, forced));
    const align = Math.max(1, Math.floor(rowsPerWorkgroup));
    return Math.max(1, rows >= align ? rows - (rows % align) : rows);
  }

  /** Throws for a lost device or for a validation error raised since the last check. */
  private check(): void {
    if (!this.gpu) throw new MmtokError('MMTOK_BACKEND', 'the webgpu backend was disposed; load a new one');
    if (this.lostReason) throw new MmtokError('MMTOK_BACKEND', `WebGPU device lost (${this.lostReason})`);
    const error = this.lastError;
    this.lastError = undefined;
    if (error) throw new MmtokError('MMTOK_BACKEND', `WebGPU error: ${error}`);
  }

  /** Compiles once per program key; a WGSL or validation error rejects with the compiler's message. */
  pipeline(program: WgslProgram): Promise<GPUComputePipeline> {
    this.check();
    let p = this.pipelines.get(program.key);
    if (!p) {
      const module = this.device.createShaderModule({ label: program.key, code: program.source() });
      p = this.device
        .createComputePipelineAsync({ label: program.key, layout: 'auto', compute: { module } })
        .catch(async (e: unknown) => {
          this.pipelines.delete(program.key);
          const info = await module.getCompilationInfo();
          const compiler = info.messages.map((m) => `${m.lineNum}:${m.linePos} ${m.type}: ${m.message}`).join('; ');
          throw new MmtokError(
            'MMTOK_BACKEND',
            `WGSL program '${program.key}' failed to build: ${compiler || (e as Error).message}`,
          );
        });
      this.pipelines.set(program.key, p);
      this.stats.pipelinesCompiled++;
    }
    return p;
  }

  /** A storage buffer; `data` uploads initial contents, otherwise it is zeroed. */
  storage(data: ArrayBufferView | number, extraUsage = 0): GPUBuffer {
    const bytes = typeof data === 'number' ? data : data.byteLength;
    // Bindings must be non-empty and 4-byte sized.
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    const buffer = this.device.createBuffer({
      size,
      usage: Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST | extraUsage,
      mappedAtCreation: typeof data !== 'number',
    });
    if (typeof data !== 'number') {
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      buffer.unmap();
    }
    return buffer;
  }

  /** Queues a write of `count` 4-byte elements of `data`, from element `start`, to the buffer's start. */
  write(
    buffer: GPUBuffer,
    data: Float32Array | Int32Array | Uint32Array,
    start = 0,
    count = data.length - start,
  ): void {
    // A byte view over the same memory: writeBuffer's typings want an ArrayBuffer-backed view.
    const bytes = new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset + start * 4, count * 4);
    this.device.queue.writeBuffer(buffer, 0, bytes);
  }

  /** A uniform buffer of u32/f32 words (each value written as the type its array says). */
  uniform(words: Uint32Array | Float32Array): GPUBuffer {
    const size = Math.max(16, Math.ceil(words.byteLength / 16) * 16);
    const buffer = this.device.createBuffer({ size, usage: Usage.UNIFORM, mappedAtCreation: true });
    new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
    buffer.unmap();
    return buffer;
  }

  /** Device copy of a codebook (or a derived form of it, named by `variant`), uploaded once per array. */
  codebook(array: Float32Array, variant = 'raw', derive?: (a: Float32Array) => Float32Array): GPUBuffer {
    this.check();
    let byVariant = this.codebooks.get(array);
    if (!byVariant) {
      byVariant = new Map();
      this.codebooks.set(array, byVariant);
    }
    let buffer = byVariant.get(variant);
    if (!buffer) {
      const data = derive ? derive(array) : array;
      if (data.byteLength > this.limits.maxStorageBufferBindingSize)
        throw new MmtokError(
          'MMTOK_BACKEND',
          `codebook of ${data.byteLength} bytes exceeds this device's maxStorageBufferBindingSize (${this.limits.maxStorageBufferBindingSize}); use the 'js' or 'ort' backend`,
        );
      buffer = this.storage(data);
      byVariant.set(variant, buffer);
      this.collector.register(array, buffer);
      this.stats.codebookUploads++;
    }
    return buffer;
  }

  /** Records one dispatch of `program` over `workgroups` workgroups with bindings in @binding order. */
  async dispatch(
    encoder: GPUCommandEncoder,
    program: WgslProgram,
    bindings: Binding[],
    workgroups: number,
  ): Promise<void> {
    const pipeline = await this.pipeline(program);
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: bindings.map((b, binding) => ({ binding, resource: 'buffer' in b ? b : { buffer: b } })),
    });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    // Fold grids beyond one dimension's limit into y; programs linearize (x + y * num_workgroups.x).
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    pass.dispatchWorkgroups(Math.min(workgroups, max), Math.ceil(workgroups / max));
    pass.end();
    this.stats.dispatches++;
  }

  /** Maps a MAP_READ buffer and copies its first `bytes` out, then destroys it. */
  async read(buffer: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    try {
      await buffer.mapAsync(MAP_MODE_READ, 0, Math.ceil(bytes / 4) * 4);
      this.check();
      return buffer.getMappedRange(0, Math.ceil(bytes / 4) * 4).slice(0, bytes);
    } catch (e) {
      this.check();
      throw new MmtokError('MMTOK_BACKEND', `WebGPU readback failed: ${(e as Error).message}`);
    } finally {
      buffer.destroy();
    }
  }

  readbackBuffer(bytes: number): GPUBuffer {
    return this.device.createBuffer({
      size: Math.max(16, Math.ceil(bytes / 4) * 4),
      usage: Usage.MAP_READ | Usage.COPY_DST,
    });
  }

  destroy(): void {
    this.pipelines.clear();
    this.codebooks = new WeakMap();
    this.device.destroy();
    this.gpu = undefined;
  }

  get alive(): boolean {
    return this.gpu !== undefined;
  }
}
