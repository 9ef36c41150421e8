import { MmtokError } from '../errors.js';
import type { Backend, BackendProvider } from './backend.js';
import type { Kernel, OpInput, OpName, OpOutput } from './ops.js';

export interface BackendStatus {
  name: string;
  priority: number;
  available: boolean;
  /** Why it is unavailable, or why it is used only when named. */
  reason?: string;
  /** Whether an unnamed call may pick it. */
  automatic: boolean;
}

type LoadState = { backend: Backend } | { error: string };

/** Backends by name, loaded lazily; picks the best one that has a kernel for an op. */
export class BackendRegistry {
  private readonly providers = new Map<string, BackendProvider>();
  private readonly loads = new Map<string, Promise<LoadState>>();
  private readonly manual = new Map<string, Promise<string | undefined>>();

  register(provider: BackendProvider): this {
    this.providers.set(provider.name, provider);
    this.loads.delete(provider.name);
    this.manual.delete(provider.name);
    return this;
  }

  /** Why `name` is used only when named, or undefined (a failing probe leaves the decision to load()). */
  private manualOnly(name: string): Promise<string | undefined> {
    let reason = this.manual.get(name);
    if (!reason) {
      const probe = this.providers.get(name)?.manualOnly;
      reason = probe ? probe().catch(() => undefined) : Promise.resolve(undefined);
      this.manual.set(name, reason);
    }
    return reason;
  }

  names(): string[] {
    return [...this.providers.values()].sort((a, b) => b.priority - a.priority).map((p) => p.name);
  }

  private load(name: string): Promise<LoadState> {
    let state = this.loads.get(name);
    if (!state) {
      const provider = this.providers.get(name);
      if (!provider) return Promise.resolve({ error: 'not registered' });
      state = provider.load().then(
        (backend) => ({ backend }),
        (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
      );
      this.loads.set(name, state);
    }
    return state;
  }

  /** Every registered backend with whether it loads here and, if not, why. */
  async status(): Promise<BackendStatus[]> {
    return Promise.all(
      this.names().map(async (name) => {
        const state = await this.load(name);
        const priority = this.providers.get(name)?.priority ?? 0;
        if ('error' in state) return { name, priority, available: false, automatic: false, reason: state.error };
        const manual = await this.manualOnly(name);
        return { name, priority, available: true, automatic: !manual, ...(manual ? { reason: manual } : {}) };
      }),
    );
  }

  /** The kernel for `op` on the named backend, or on the best available one. */
  async kernel<Op extends OpName>(op: Op, backend?: string): Promise<{ backend: string; kernel: Kernel<Op> }> {
    const candidates = backend ? [backend] : this.names();
    const reasons: string[] = [];
    for (const name of candidates) {
      if (!this.providers.has(name)) {
        reasons.push(`[${name}] unknown backend`);
        continue;
      }
      const manual = backend ? undefined : await this.manualOnly(name);
      if (manual) {
        reasons.push(`[${name}] used only when named: ${manual}`);
        continue;
      }
      const state = await this.load(name);
      if ('error' in state) {
        reasons.push(`[${name}] ${state.error}`);
        continue;
      }
      const kernel = state.backend.kernels[op] as Kernel<Op> | undefined;
      if (kernel) return { backend: name, kernel };
      reasons.push(`[${name}] has no ${op} kernel`);
    }
    const known = this.names().join(', ');
    throw new MmtokError(
      'MMTOK_BACKEND',
      `no available backend for ${op}${backend ? ` on '${backend}'` : ''}: ${reasons.join('; ')} (registered: ${known})`,
      { op, backend, reasons },
    );
  }

  /**
   * The named backend's kernel for `op` if it has one, else the best available: for the steps around
   * a quantizer (affine transforms), which a backend chosen for the quantizer should not bind to a
   * backend without them. An unknown or unavailable name still fails as in `kernel`.
   */
  async kernelOrBest<Op extends OpName>(op: Op, backend?: string): Promise<{ backend: string; kernel: Kernel<Op> }> {
    if (backend && this.providers.has(backend)) {
      const state = await this.load(backend);
      if ('backend' in state && !state.backend.kernels[op]) return this.kernel(op);
    }
    return this.kernel(op, backend);
  }

  /**
   * Starts, ahead of the work, the backend a call would try first: the named one, or the best one an
   * unnamed call may pick. Starting a GPU backend can print (Dawn logs adapter limits on stderr), so a
   * program that draws progress calls this before drawing. Never throws: a backend that cannot start
   * says why when a kernel is asked of it.
   */
  async prepare(backend?: string): Promise<void> {
    for (const name of backend ? [backend] : this.names()) {
      if (!this.providers.has(name)) return;
      if (!backend && (await this.manualOnly(name))) continue;
      if ('backend' in (await this.load(name))) return;
    }
  }

  async run<Op extends OpName>(op: Op, input: OpInput<Op>, backend?: string): Promise<OpOutput<Op>> {
    const { kernel } = await this.kernel(op, backend);
    return kernel(input);
  }

  async dispose(): Promise<void> {
    for (const state of this.loads.values()) {
      const s = await state;
      if ('backend' in s) await s.backend.dispose?.();
    }
    this.loads.clear();
    this.manual.clear();
  }
}
