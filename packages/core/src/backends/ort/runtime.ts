// Types from onnxruntime-common, which onnxruntime-node and onnxruntime-web both re-export: the
// runtimes themselves are optional peer dependencies, imported only when the ort backend loads.
import type * as OrtCommon from 'onnxruntime-common';
import { MmtokError } from '../../errors.js';
import { inNode } from '../../in-node.js';
import { threadBudget } from '../../threads.js';
import { importOnnxRuntimeNode } from './import-node.js';

/** The part of onnxruntime's API the kernels use; onnxruntime-node and onnxruntime-web both provide it. */
export type OrtModule = Pick<typeof OrtCommon, 'InferenceSession' | 'Tensor'> & {
  /** onnxruntime-node only: the execution providers this build has. */
  listSupportedBackends?: () => readonly { name: string }[];
};
export type OrtSession = OrtCommon.InferenceSession;
export type OrtTensor = OrtCommon.Tensor;

/** Execution providers the backend may be asked for; `cpu` is always appended as the fallback. */
export type OrtExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'wasm';

export interface OrtBackendOptions {
  /** Providers to try in order, e.g. `['cuda']`; default `['cpu']` (or `['wasm']` in the browser). */
  executionProviders?: readonly OrtExecutionProvider[];
  /** Intra-op threads; default: the thread budget (threads.ts) when set, else the number of cores. */
  intraOpNumThreads?: number;
  /**
   * Supplies the runtime module, e.g. `() => import('onnxruntime-web')` so a bundler can see it;
   * default: `onnxruntime-node` under Node, `onnxruntime-web` elsewhere, imported by name.
   */
  runtime?: () => Promise<OrtModule>;
}

async function importByName(): Promise<{ module: OrtModule; name: string }> {
  const name = inNode() ? 'onnxruntime-node' : 'onnxruntime-web';
  try {
    // A variable specifier keeps bundlers from pulling the Node addon into browser builds.
    const module: OrtModule = inNode() ? await importOnnxRuntimeNode() : await import(/* @vite-ignore */ name);
    return { module, name };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new MmtokError(
      'MMTOK_BACKEND',
      `ort: cannot import ${name} (${why}); the ort backend needs it installed: npm install ${name}`,
      { module: name },
    );
  }
}

async function defaultThreads(): Promise<number | undefined> {
  if (inNode()) {
    const os = await import('node:os');
    return os.availableParallelism();
  }
  return globalThis.navigator?.hardwareConcurrency;
}

/** A loaded runtime with the session options every kernel graph is created with. */
export interface OrtRuntime {
  readonly ort: OrtModule;
  createSession(model: Uint8Array): Promise<OrtSession>;
}

export async function loadRuntime(options: OrtBackendOptions = {}): Promise<OrtRuntime> {
  const { module: ort, name } = options.runtime
    ? { module: await options.runtime(), name: 'the supplied runtime' }
    : await importByName();
  const asked = options.executionProviders ?? [];
  const supported = ort.listSupportedBackends?.().map((b) => b.name);
  const missing = supported ? asked.filter((ep) => !supported.includes(ep)) : [];
  if (missing.length > 0) {
    throw new MmtokError(
      'MMTOK_BACKEND',
      `ort: execution provider ${missing.join(', ')} not available in ${name} (available: ${supported?.join(', ')})`,
      { asked, supported },
    );
  }
  const fallback = inNode() ? 'cpu' : 'wasm';
  const executionProviders = [...new Set([...asked, fallback])];
  const intraOpNumThreads = options.intraOpNumThreads ?? threadBudget() ?? (await defaultThreads());
  const sessionOptions: OrtCommon.InferenceSession.SessionOptions = {
    executionProviders,
    intraOpNumThreads,
    // The graphs are straight chains: inter-op parallelism only adds thread hand-offs.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Every graph has its own session and thread pool; threads that spin after a run would steal
    // the cores from the next session's run (a transform followed by a quantizer).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
  return {
    ort,
    createSession: (model) => ort.InferenceSession.create(model, sessionOptions),
  };
}
