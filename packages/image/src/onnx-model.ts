import { MmtokError } from '@mmtok/core';
import type * as Ort from 'onnxruntime-node';

type OrtModule = typeof Ort;
let ortModule: Promise<OrtModule> | undefined;

/** onnxruntime-node is loaded on first use, so built-in tokenizers never load the native addon. */
function ort(): Promise<OrtModule> {
  ortModule ??= import('onnxruntime-node');
  return ortModule;
}

export interface ModelTensor {
  type: 'float32' | 'int64' | 'int32';
  data: Float32Array | BigInt64Array | Int32Array;
  dims: number[];
}

/** One ONNX model file with a session on the requested execution providers (CPU by default). */
export class OnnxModel {
  private constructor(
    readonly file: string,
    private readonly session: Ort.InferenceSession,
    private readonly module: OrtModule,
  ) {}

  static async load(file: string, executionProviders: readonly string[] = ['cpu']): Promise<OnnxModel> {
    const mod = await ort();
    const available = mod.listSupportedBackends().map((b) => b.name);
    for (const ep of executionProviders) {
      if (!available.includes(ep)) {
        throw new MmtokError(
          'MMTOK_BACKEND',
          `execution provider '${ep}' is not available in this onnxruntime-node build (available: ${available.join(', ')})`,
          { executionProvider: ep, available },
        );
      }
    }
    try {
      const session = await mod.InferenceSession.create(file, { executionProviders: [...executionProviders] });
      return new OnnxModel(file, session, mod);
    } catch (e) {
      const msg = (e as Error).message;
      const requested = executionProviders.join(', ');
      if (executionProviders.some((ep) => ep !== 'cpu') && !/protobuf|parse|load model/i.test(msg)) {
        throw new MmtokError('MMTOK_BACKEND', `${file}: could not start execution provider(s) [${requested}]: ${msg}`, {
          path: file,
          executionProviders: [...executionProviders],
        });
      }
      throw new MmtokError('MMTOK_MODEL', `${file}: onnxruntime could not load the model: ${msg}`, { path: file });
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Runs the model on one input and returns one output, naming dtypes and dims when it fails. */
  async run(inputName: string, input: ModelTensor, outputName: string): Promise<ModelTensor> {
    for (const [name, list, what] of [
      [inputName, this.session.inputNames, 'input'],
      [outputName, this.session.outputNames, 'output'],
    ] as const) {
      if (!list.includes(name)) {
        throw new MmtokError('MMTOK_MODEL', `${this.file} has no ${what} '${name}' (it has: ${list.join(', ')})`, {
          path: this.file,
        });
      }
    }
    let result: Ort.InferenceSession.ReturnType;
    try {
      const tensor = new this.module.Tensor(input.type, input.data, input.dims);
      result = await this.session.run({ [inputName]: tensor }, [outputName]);
    } catch (e) {
      throw new MmtokError(
        'MMTOK_MODEL',
        `${this.file}: run failed with input '${inputName}' (${input.type} [${input.dims.join(', ')}]): ${(e as Error).message}`,
        { path: this.file, input: inputName, dtype: input.type, dims: input.dims },
      );
    }
    const out = result[outputName];
    const dims = [...out.dims];
    if (out.type === 'float32') return { type: 'float32', data: out.data as Float32Array, dims };
    if (out.type === 'int64') return { type: 'int64', data: out.data as BigInt64Array, dims };
    if (out.type === 'int32') return { type: 'int32', data: out.data as Int32Array, dims };
    throw new MmtokError('MMTOK_MODEL', `${this.file}: output '${outputName}' has unsupported type ${out.type}`, {
      path: this.file,
    });
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
