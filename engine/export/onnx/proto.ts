/**
 * A minimal protobuf writer for the few ONNX messages the exporter emits
 * (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto). Field numbers are those of onnx/onnx.proto (proto2 syntax,
 * so repeated scalars are written unpacked, which every parser accepts).
 *
 * Written by hand rather than with protobufjs: the subset is small, and a
 * writer with no schema compilation keeps the engine dependency-free.
 */

/** Growable byte buffer with the protobuf wire primitives. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Unsigned varint of a non-negative integer or bigint (int64 fields). */
  varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (x >= 0x80n) {
      this.buf[this.len++] = Number(x & 0x7fn) | 0x80;
      x >>= 7n;
    }
    this.buf[this.len++] = Number(x);
  }

  private tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  float(field: number, v: number): void {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setFloat32(0, v, true);
    this.len += 4;
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, new TextEncoder().encode(s));
  }

  /** An embedded message written by `fill`. */
  message(field: number, fill: (w: ProtoWriter) => void): void {
    const w = new ProtoWriter();
    fill(w);
    this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** ONNX TensorProto.DataType values used here. */
export const DT = { FLOAT: 1, INT64: 7 } as const;

/** AttributeProto.AttributeType values used here. */
const AT = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

/** A node attribute: number → INT when integral unless `float` is set. */
export type AttrValue = number | string | number[] | { float: number } | { floats: number[] };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: Record<string, AttrValue>;
}

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** float32 data, or int64 data as bigint array. */
  data: Float32Array | BigInt64Array;
}

/** A graph input/output: element type float, dims (string = symbolic, e.g. 'batch'). */
export interface OnnxValueInfo {
  name: string;
  dims: (number | string)[];
}

export interface OnnxModel {
  opset: number;
  irVersion: number;
  producer: string;
  producerVersion: string;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Free text stored as ModelProto.doc_string. */
  doc?: string;
}

function writeAttr(w: ProtoWriter, name: string, v: AttrValue): void {
  w.string(1, name);
  if (typeof v === 'string') {
    w.bytes(4, new TextEncoder().encode(v));
    w.int(20, AT.STRING);
  } else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`ONNX attribute ${name}: ${v} is not an integer (use { float })`);
    w.int(3, v);
    w.int(20, AT.INT);
  } else if (Array.isArray(v)) {
    for (const x of v) w.int(8, x);
    w.int(20, AT.INTS);
  } else if ('float' in v) {
    w.float(2, v.float);
    w.int(20, AT.FLOAT);
  } else {
    for (const x of v.floats) w.float(7, x);
    w.int(20, AT.FLOATS);
  }
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.data instanceof Float32Array ? DT.FLOAT : DT.INT64);
  w.string(8, t.name);
  // raw_data is little-endian, which is what typed arrays hold on every
  // platform Node and Electron run on.
  w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, DT.FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
}

/** Serialise a model to the ONNX protobuf bytes (a .onnx file). */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  w.string(2, m.producer);
  w.string(3, m.producerVersion);
  if (m.doc) w.string(6, m.doc);
  w.message(7, (g) => {
    for (const n of m.nodes)
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.op);
        for (const [k, v] of Object.entries(n.attrs ?? {})) nw.message(5, (aw) => writeAttr(aw, k, v));
      });
    g.string(2, m.graphName);
    for (const t of m.initializers) g.message(5, (tw) => writeTensor(tw, t));
    for (const i of m.inputs) g.message(11, (vw) => writeValueInfo(vw, i));
    for (const o of m.outputs) g.message(12, (vw) => writeValueInfo(vw, o));
  });
  w.message(8, (o) => {
    o.string(1, '');
    o.int(2, m.opset);
  });
  return w.finish();
}
