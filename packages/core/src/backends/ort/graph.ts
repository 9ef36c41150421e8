import type { onnx as Onnx } from 'onnx-proto';
import onnxProto from 'onnx-proto';

// onnx-proto is CommonJS: its namespace object is the default export under ESM.
const { onnx } = onnxProto;
type NodeProto = Onnx.INodeProto;
type TensorProto = Onnx.ITensorProto;
type ValueInfoProto = Onnx.IValueInfoProto;
type AttributeProto = Onnx.IAttributeProto;

const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

/** Element types the kernels use, by their onnxruntime names. */
export type ElementType = 'float32' | 'float64' | 'int32' | 'int64' | 'bool';

export const ONNX_TYPE: Record<ElementType, number> = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

type ConstantData = Float32Array | Float64Array | Int32Array | BigInt64Array;

function elementTypeOf(data: ConstantData): ElementType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'int64';
}

/** A node attribute with its ONNX type made explicit (a JS number alone cannot say int or float). */
export type Attr =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly string: string }
  | { readonly type: ElementType };

function attribute(name: string, a: Attr): AttributeProto {
  if ('int' in a) return { name, type: AttributeType.INT, i: a.int };
  if ('float' in a) return { name, type: AttributeType.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: AttributeType.INTS, ints: [...a.ints] };
  if ('string' in a) return { name, type: AttributeType.STRING, s: new TextEncoder().encode(a.string) };
  return { name, type: AttributeType.INT, i: ONNX_TYPE[a.type] };
}

/** A dimension: a fixed size, or a name for one fixed only at run time. */
export type Dim = number | string;

function valueInfo(name: string, type: ElementType, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** The opset the graphs are written against (reduction axes as attributes). */
export const OPSET = 17;

/**
 * Builds one ONNX graph: values are named by the builder, constants become initializers (so
 * onnxruntime can pre-pack Gemm weights), and `toBytes` serializes it with onnx-proto.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private next = 0;

  constructor(private readonly name: string) {}

  private fresh(prefix: string): string {
    return `${prefix}_${this.next++}`;
  }

  input(name: string, type: ElementType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(value: string, name: string, type: ElementType, dims: readonly Dim[]): void {
    this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: this.fresh('out') });
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** A constant tensor; a scalar when `dims` is empty. */
  constant(data: ConstantData, dims: readonly number[] = [data.length]): string {
    const name = this.fresh('const');
    // raw_data is little-endian by the ONNX spec, as typed arrays are on every platform JS runs on.
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    this.initializers.push({ name, dims: [...dims], dataType: ONNX_TYPE[elementTypeOf(data)], rawData });
    return name;
  }

  scalar(value: number): string {
    return this.constant(Float32Array.of(value), []);
  }

  /** Adds a node and returns its single output. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    const out = this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      input: [...inputs],
      output: [out],
      name: out,
      attribute: Object.entries(attrs).map(([k, a]) => attribute(k, a)),
    });
    return out;
  }

  /** Adds a node with `count` outputs (TopK: values and indices) and returns them. */
  opMulti(opType: string, inputs: readonly string[], count: number, attrs: Record<string, Attr> = {}): string[] {
    const base = this.fresh(opType.toLowerCase());
    const outs = Array.from({ length: count }, (_, i) => `${base}_${i}`);
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outs,
      name: base,
      attribute: Object.entries(attrs).map(([k, a]) => attribute(k, a)),
    });
    return outs;
  }

  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'mmtok',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
