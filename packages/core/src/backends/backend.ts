import type { KernelTable } from './ops.js';

/** A set of kernels that run on one kind of hardware or runtime. */
export interface Backend {
  readonly name: string;
  readonly kernels: KernelTable;
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
  /**
   * Checked before loading when the caller names no backend: why this one should be used only when
   * named (e.g. a software GPU adapter, slower than the CPU backends), or undefined. Cheap, so an
   * unnamed call never pays for starting a backend it would not pick.
   */
  manualOnly?(): Promise<string | undefined>;
}
