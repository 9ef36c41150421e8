/** An ONNX model session on any onnxruntime (onnxruntime-node from disk, onnxruntime-web from bytes). */
import { MmtokError } from '@mmtok/core';
import type * as Ort from 'onnxruntime-common';

/** What a model needs of its runtime module: the Tensor class the session accepts. */
export type OnnxTensorModule = Pick<typeof Ort, 'Tensor'>;

export interface ModelTensor {
  type: 'float32' | 'int64' | 'int32';
  data: Float32Array | BigInt64Array | Int32Array;
  dims: number[];
}

/** One ONNX model with its session; loaded by load-tokenizer.ts (Node) or fetch-tokenizer.ts (browsers). */
export class OnnxModel {
  /** `file` names the model in messages (a path or a URL); `module` is the runtime that made `session`. */
  constructor(
    readonly file: string,
    private readonly session: Ort.InferenceSession,
    private readonly module: OnnxTensorModule,
  ) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Whether an input's first axis is symbolic or -1: then one run can take a batch of several items. */
  hasDynamicBatch(inputName: string): boolean {
    const meta = this.session.inputMetadata?.find((m) => m.name === inputName);
    if (!meta?.isTensor || meta.shape.length === 0) return false;
    const n = meta.shape[0];
    return typeof n === 'string' || n === -1;
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
