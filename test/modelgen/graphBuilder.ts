/** Writes ONNX protobuf graphs node by node, with weights in an external data file (test tooling). */
import * as fs from 'node:fs';
import { onnx } from 'onnx-proto';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export type Attr = number | number[] | string | { float: number } | { graph: onnx.IGraphProto };

function attribute(name: string, v: Attr): onnx.IAttributeProto {
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('graph' in v) return { name, type: AT.GRAPH, g: v.graph };
  return { name, type: AT.FLOAT, f: v.float };
}

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Appends tensors to a `.onnx_data` file at aligned offsets; supports chunked writes. */
export class ExternalDataFile {
  private readonly fd: number;
  private end = 0;
  constructor(readonly path: string, readonly location: string) {
    this.fd = fs.openSync(path, 'w');
  }
  reserve(bytes: number): number {
    const align = bytes >= 4096 ? 4096 : 64;
    const off = Math.ceil(this.end / align) * align;
    this.end = off + bytes;
    return off;
  }
  writeAt(offset: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
  }
  close(): number {
    // Make the file length cover the last tensor even if its tail was never written.
    fs.ftruncateSync(this.fd, this.end);
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return this.end;
  }
}

export class GraphBuilder {
  /** Where op() appends: the main graph's nodes, or a subgraph's while one is built. */
  nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private readonly consts = new Set<string>();
  private n = 0;
  constructor(readonly data: ExternalDataFile) {}

  /** Adds a node; returns its outputs (auto-named from `name` unless given). */
  op(opType: string, inputs: string[], name: string, opts: { outputs?: number | string[]; attrs?: Record<string, Attr>; domain?: string } = {}): string[] {
    const nodeName = `${name}/${opType}_${this.n++}`;
    const outputs = Array.isArray(opts.outputs)
      ? opts.outputs
      : Array.from({ length: opts.outputs ?? 1 }, (_, i) => `${nodeName}/output_${i}`);
    this.nodes.push({
      name: nodeName,
      opType,
      domain: opts.domain ?? '',
      input: inputs,
      output: outputs,
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }
  op1(opType: string, inputs: string[], name: string, opts: { attrs?: Record<string, Attr>; domain?: string; output?: string } = {}): string {
    return this.op(opType, inputs, name, { attrs: opts.attrs, domain: opts.domain, outputs: opts.output ? [opts.output] : 1 })[0];
  }

  /** Small inline constant initializer (raw data in the .onnx). */
  constI64(name: string, values: number[], dims: number[] = [values.length]): string {
    if (this.consts.has(name)) return name;
    this.consts.add(name);
    this.initializers.push({ name, dataType: DT.INT64, dims, rawData: bytesOf(BigInt64Array.from(values.map(BigInt))) });
    return name;
  }
  constF32(name: string, values: number[], dims: number[] = [values.length]): string {
    if (this.consts.has(name)) return name;
    this.consts.add(name);
    this.initializers.push({ name, dataType: DT.FLOAT, dims, rawData: bytesOf(Float32Array.from(values)) });
    return name;
  }

  /** Declares an external initializer at `offset` of the data file. */
  external(name: string, dataType: number, dims: number[], offset: number, length: number): string {
    this.initializers.push({
      name,
      dataType,
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: this.data.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ],
    });
    return name;
  }
  /** Writes `values` to the data file and declares it. */
  writeExternal(name: string, dataType: number, dims: number[], values: ArrayBufferView): string {
    const bytes = bytesOf(values);
    const off = this.data.reserve(bytes.length);
    this.data.writeAt(off, bytes);
    return this.external(name, dataType, dims, off, bytes.length);
  }
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}


