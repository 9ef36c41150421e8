import type { Backend, BackendProvider } from '../backend.js';
import { affineKernels } from './affine.js';
import type { OrtContext } from './context.js';
import { gatherKernels } from './gather.js';
import { nearestKernels } from './nearest.js';
import { loadRuntime, type OrtBackendOptions } from './runtime.js';
import { scalarKernels } from './scalar.js';
import { SessionCache } from './sessions.js';

export type { OrtBackendOptions, OrtExecutionProvider, OrtModule } from './runtime.js';

/** Preferred over js: the graphs run on MLAS (CPU) or a GPU execution provider. */
export const ORT_PRIORITY = 10;

/** An ort backend with its own runtime options (execution providers, threads, runtime module). */
export function createOrtProvider(options: OrtBackendOptions = {}): BackendProvider {
  return {
    name: 'ort',
    priority: ORT_PRIORITY,
    async load(): Promise<Backend> {
      const runtime = await loadRuntime(options);
      const sessions = new SessionCache(runtime);
      const ctx: OrtContext = { runtime, sessions };
      return {
        name: 'ort',
        kernels: {
          ...nearestKernels(ctx),
          ...scalarKernels(ctx),
          ...affineKernels(ctx),
          ...gatherKernels(ctx),
        },
        dispose: () => sessions.dispose(),
      };
    },
  };
}

/** The ort backend on the CPU execution provider: one intra-op thread per core, or the thread budget when set. */
export const ortProvider: BackendProvider = createOrtProvider();
