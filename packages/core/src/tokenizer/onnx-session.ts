// Types from onnxruntime-common (which onnxruntime-node re-exports): onnxruntime-node itself is an
// optional peer dependency, needed only by ONNX tokenizers.
import type * as Ort from 'onnxruntime-common';
import { importOnnxRuntimeNode } from '../backends/ort/import-node.js';
import { MmtokError } from '../errors.js';
import { threadBudget } from '../threads.js';

export type OnnxRuntime = typeof Ort & { listSupportedBackends(): readonly { name: string }[] };
let runtime: Promise<OnnxRuntime> | undefined;

async function importOnnxRuntime(): Promise<OnnxRuntime> {
  try {
    return await importOnnxRuntimeNode<OnnxRuntime>();
  } catch (e) {
    runtime = undefined;
    throw new MmtokError(
      'MMTOK_BACKEND',
      `ONNX tokenizers need onnxruntime-node, which could not be loaded (${(e as Error).message}): npm install onnxruntime-node`,
      { module: 'onnxruntime-node' },
    );
  }
}

/** onnxruntime-node, imported on first use so built-in (non-ONNX) tokenizers never load the native addon. */
export function onnxRuntime(): Promise<OnnxRuntime> {
  runtime ??= importOnnxRuntime();
  return runtime;
}

/**
 * Opens an ONNX model file on the given execution providers, in order of preference, with
 * onnxruntime-node. Errors as `openOnnxSession` says.
 */
export async function createOnnxSession(
  file: string,
  executionProviders: readonly string[],
  what = 'model',
  details: Record<string, unknown> = {},
): Promise<{ session: Ort.InferenceSession; runtime: OnnxRuntime }> {
  const mod = await onnxRuntime();
  const session = await openOnnxSession(mod, 'onnxruntime-node', file, file, executionProviders, what, details);
  return { session, runtime: mod };
}

/**
 * Opens a model (a file path, or its bytes, which `label` names in messages) with any onnxruntime
 * module (onnxruntime-node, onnxruntime-web). A provider the build lists as missing is MMTOK_BACKEND,
 * as is one that fails to start on a model that parses; anything else is MMTOK_MODEL, "could not
 * load the `what`", with `details` added.
 */
export async function openOnnxSession(
  mod: Pick<typeof Ort, 'InferenceSession'> & { listSupportedBackends?: () => readonly { name: string }[] },
  runtimeName: string,
  model: string | Uint8Array,
  label: string,
  executionProviders: readonly string[],
  what = 'model',
  details: Record<string, unknown> = {},
): Promise<Ort.InferenceSession> {
  const available = mod.listSupportedBackends?.().map((b) => b.name);
  for (const ep of executionProviders) {
    if (available && !available.includes(ep)) {
      throw new MmtokError(
        'MMTOK_BACKEND',
        `execution provider '${ep}' is not available in this ${runtimeName} build (available: ${available.join(', ')})`,
        { executionProvider: ep, available },
      );
    }
  }
  try {
    // The thread budget, when set, sizes the intra-op pool (onnxruntime's default: every core).
    const threads = threadBudget();
    const options = {
      executionProviders: [...executionProviders],
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
    };
    return typeof model === 'string'
      ? await mod.InferenceSession.create(model, options)
      : await mod.InferenceSession.create(model, options);
  } catch (e) {
    const msg = (e as Error).message;
    // A model that parses but whose provider fails to start is a backend problem, not a model one.
    if (executionProviders.some((ep) => ep !== 'cpu' && ep !== 'wasm') && !/protobuf|parse|load model/i.test(msg)) {
      throw new MmtokError(
        'MMTOK_BACKEND',
        `${label}: could not start execution provider(s) [${executionProviders.join(', ')}]: ${msg}`,
        { path: label, executionProviders: [...executionProviders] },
      );
    }
    throw new MmtokError('MMTOK_MODEL', `${label}: onnxruntime could not load the ${what}: ${msg}`, {
      path: label,
      ...details,
    });
  }
}

/** One tensor fed to a model. */
export interface OnnxFeed {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

/** What the manifest expects of a named model input or output. */
export interface OnnxTensorExpectation {
  name: string;
  dtypes: readonly string[];
  ranks: readonly number[];
}

/** "a float32 [1, ?, 3]", "b (not a tensor)". */
export function describeOnnxValue(m: Ort.InferenceSession.ValueMetadata): string {
  if (!m.isTensor) return `${m.name} (not a tensor)`;
  return `${m.name} ${m.type} [${m.shape.map((d) => (d === '' ? '?' : String(d))).join(', ')}]`;
}

/**
 * An ONNX session in a named role ('encoder', 'decoder') whose MMTOK_MODEL errors name the file,
 * the role and every input and output the model has, so a manifest mismatch can be fixed from the message.
 */
export class OnnxRoleModel {
  protected constructor(
    readonly file: string,
    readonly role: string,
    protected readonly session: Ort.InferenceSession,
    protected readonly module: OnnxRuntime,
  ) {}

  /** "inputs: a float32 [batch, 1, samples]; outputs: b int64 [batch, levels, frames]" */
  signature(): string {
    const list = (m: readonly Ort.InferenceSession.ValueMetadata[]) => m.map(describeOnnxValue).join(', ') || 'none';
    return `inputs: ${list(this.session.inputMetadata)}; outputs: ${list(this.session.outputMetadata)}`;
  }

  fail(message: string, details: Record<string, unknown> = {}): never {
    throw new MmtokError('MMTOK_MODEL', `${this.file} (${this.role}): ${message} (the model has ${this.signature()})`, {
      path: this.file,
      role: this.role,
      inputs: this.session.inputMetadata.map(describeOnnxValue),
      outputs: this.session.outputMetadata.map(describeOnnxValue),
      ...details,
    });
  }

  /**
   * The manifest's tensors exist with an expected dtype and rank, then `extra` for each (e.g. a
   * channel count); a model input the manifest does not name fails too.
   */
  protected checkTensors<I extends OnnxTensorExpectation, O extends OnnxTensorExpectation>(
    inputs: readonly I[],
    outputs: readonly O[],
    extra: (what: 'input' | 'output', s: I | O, m: Ort.InferenceSession.TensorValueMetadata) => void,
  ): void {
    const sides = [
      { what: 'input' as const, list: inputs as readonly (I | O)[], meta: this.session.inputMetadata },
      { what: 'output' as const, list: outputs as readonly (I | O)[], meta: this.session.outputMetadata },
    ];
    for (const { what, list, meta } of sides) {
      for (const s of list) {
        const m = meta.find((v) => v.name === s.name);
        if (!m) this.fail(`the manifest names ${what} '${s.name}', which the model does not have`);
        if (!m.isTensor) this.fail(`${what} '${s.name}' is not a tensor`);
        if (!s.dtypes.includes(m.type))
          this.fail(`${what} '${s.name}' is ${m.type}, expected ${s.dtypes.join(' or ')}`);
        // An empty shape means onnxruntime does not know the rank: checked when it runs.
        if (m.shape.length > 0 && !s.ranks.includes(m.shape.length)) {
          this.fail(`${what} '${s.name}' has rank ${m.shape.length}, expected ${s.ranks.join(' or ')}`);
        }
        extra(what, s, m);
      }
    }
    const fed = new Set(inputs.map((s) => s.name));
    const unfed = this.session.inputNames.filter((n) => !fed.has(n));
    if (unfed.length > 0) this.fail(`input(s) ${unfed.map((n) => `'${n}'`).join(', ')} are not named in the manifest`);
  }

  /** Runs the model; a failure names every fed input's name, dtype and dims, plus `details`. */
  protected async runFeeds(
    feeds: Record<string, OnnxFeed>,
    outputs: string[],
    details: Record<string, unknown>,
  ): Promise<Ort.InferenceSession.ReturnType> {
    try {
      const tensors: Record<string, Ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) tensors[name] = new this.module.Tensor(f.type, f.data, f.dims);
      return await this.session.run(tensors, outputs);
    } catch (e) {
      const given = Object.entries(feeds).map(([n, f]) => `${n} ${f.type} [${f.dims.join(', ')}]`);
      this.fail(`run failed with ${given.join(', ')}: ${(e as Error).message}`, details);
    }
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
