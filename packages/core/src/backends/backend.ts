import type { KernelTable } from './ops.js';

/** A set of kernels that run on one kind of hardware or runtime. */
export interface Backend {
  readonly name: string;
  readonly kernels: KernelTable;
  /**
   * Why this backend is used only when named, never picked automatically (e.g. a software GPU
   * adapter, slower than the CPU backends); undefined when it may be picked.
   */
  readonly manualOnly?: string;
  dispose?(): Promise<void> | void;
}

/**
 * How to obtain a backend: `load` resolves to a ready backend or throws saying why it cannot run
 * here (missing package, no adapter, ...). Loaded once and cached by the registry.
 */
export interface BackendProvider {
  readonly name: string;
  /** Higher is preferred when the caller names no backend. */
  readonly priority: number;
  load(): Promise<Backend>;
}
