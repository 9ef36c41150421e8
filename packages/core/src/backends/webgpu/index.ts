import type { Backend, BackendProvider } from '../backend.js';
import type { KernelTable } from '../ops.js';
import { findAdapter, GpuContext, type GpuContextOptions, type GpuStats } from './device.js';
import { noHardwareGpu } from './hardware.js';
import { webgpuKernels } from './kernels.js';

/** The webgpu backend: WGSL kernels on one device; `dispose()` destroys the device and its buffers. */
export class WebgpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly kernels: KernelTable;

  constructor(private readonly context: GpuContext) {
    this.kernels = webgpuKernels(context);
  }

  /** Adapter description, for reports. */
  get adapter(): string {
    return this.context.adapterName;
  }

  /** Pipelines compiled, dispatches recorded and codebooks uploaded so far. */
  get stats(): Readonly<GpuStats> {
    return this.context.stats;
  }

  dispose(): void {
    this.context.destroy();
  }
}

export interface WebgpuProviderOptions extends GpuContextOptions {
  priority?: number;
}

/** A provider with its own options (tests force small chunks); the default one is `webgpuProvider`. */
export function createWebgpuProvider(options: WebgpuProviderOptions = {}): BackendProvider {
  return {
    name: 'webgpu',
    priority: options.priority ?? 100,
    load: async () => new WebgpuBackend(await GpuContext.create(options)),
    manualOnly: async () => {
      // Asked before Dawn starts: Dawn prints warnings on stderr as soon as it looks for adapters.
      const absent = await noHardwareGpu();
      if (absent) return absent;
      const adapter = await findAdapter();
      return adapter.fallback
        ? `the adapter (${adapter.name}) is a software fallback, slower than the CPU backends`
        : undefined;
    },
  };
}

/** Preferred over every CPU backend when a hardware adapter exists. */
export const webgpuProvider = createWebgpuProvider();
