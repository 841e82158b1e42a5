/**
 * Fluent builder of GraphDocs for tests.
 *
 * @example a chain
 *   const g = graph();
 *   g.input([28, 28, 1]).conv2d({ filters: 8 }).relu().flatten().dense({ units: 10 });
 *   analyzeGraph(g.doc);
 *
 * @example branch and merge (ResNet block, Inception)
 *   const g = graph();
 *   const a = g.input([32, 32, 16]);
 *   const b = a.conv2d({ filters: 16 }).relu().conv2d({ filters: 16 });
 *   const sum = g.add(a, b);                // edges a→slot 0, b→slot 1
 *   const cat = g.concat(a, b, sum);        // Concatenate, slots in this order
 *
 * @example anything else
 *   x.to('conv2d_transpose', { filters: 4 }, { name: 'up1', frozen: true })
 *   g.node('conv2d')                        // not connected to anything
 *   g.connect(b, a)                         // a raw edge (e.g. to make a cycle)
 *
 * Shortcut methods (`.maxPool2d()`, `.batchNorm()`, …) find their layer type
 * in the catalog by matching the method name against each LayerDef's `type`
 * and `label` with case and punctuation ignored, so they keep working whatever
 * the exact type keys are; `.to(type, …)` takes the key itself.
 */
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDoc, type GraphEdge, type GraphNode } from '../../engine/graph/doc';
import { LAYER_DEFS } from '../../engine/layers';

type Params = Record<string, unknown>;

/** Per-node options: id, display/layer name, frozen flag, canvas position. */
export interface NodeOpts {
  id?: string;
  name?: string;
  frozen?: boolean;
  position?: { x: number; y: number };
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Extra spellings for shortcuts whose label may differ from the method name. */
const ALIASES: Record<string, string[]> = {
  batchNorm: ['batchnormalization', 'batchnorm', 'bn'],
  avgPool2d: ['averagepooling2d', 'avgpool2d', 'averagepool2d'],
  maxPool2d: ['maxpooling2d', 'maxpool2d'],
  globalAvgPool2d: ['globalaveragepooling2d', 'globalavgpool2d', 'globalaveragepool2d', 'globalavgpool'],
  globalMaxPool2d: ['globalmaxpooling2d', 'globalmaxpool2d', 'globalmaxpool'],
  conv2dTranspose: ['conv2dtranspose', 'transposedconv2d', 'deconv2d'],
  depthwiseConv2d: ['depthwiseconv2d'],
  separableConv2d: ['separableconv2d'],
  zeroPadding2d: ['zeropadding2d', 'zeropad2d'],
  concat: ['concatenate', 'concat'],
  leakyRelu: ['leakyrelu'],
};

const RESOLVED = new Map<string, string>();

/** The catalog type key for a shortcut method name; throws a clear error if none. */
export function resolveType(method: string): string {
  const known = RESOLVED.get(method);
  if (known) return known;
  const type = findType(method);
  RESOLVED.set(method, type);
  return type;
}

function findType(method: string): string {
  const wanted = new Set([norm(method), ...(ALIASES[method] ?? [])]);
  for (const d of LAYER_DEFS) if (wanted.has(norm(d.type))) return d.type;
  for (const d of LAYER_DEFS) if (wanted.has(norm(d.label))) return d.type;
  throw new Error(`graph-builder: no layer in the catalog matches .${method}(); known types: ${LAYER_DEFS.map((d) => d.type).join(', ')}`);
}

/** A node in the graph under construction; methods append a layer fed by it. */
export class NodeRef {
  constructor(
    readonly g: GraphBuilder,
    readonly id: string,
  ) {}

  /** Append a layer of catalog type `type` fed by this node (slot 0). */
  to(type: string, params: Params = {}, opts: NodeOpts = {}): NodeRef {
    const n = this.g.node(type, params, opts);
    this.g.connect(this, n, 0);
    return n;
  }
  private via(method: string, params?: Params, opts?: NodeOpts): NodeRef {
    return this.to(resolveType(method), params ?? {}, opts);
  }

  conv2d(p?: Params, o?: NodeOpts) { return this.via('conv2d', p, o); }
  depthwiseConv2d(p?: Params, o?: NodeOpts) { return this.via('depthwiseConv2d', p, o); }
  separableConv2d(p?: Params, o?: NodeOpts) { return this.via('separableConv2d', p, o); }
  conv2dTranspose(p?: Params, o?: NodeOpts) { return this.via('conv2dTranspose', p, o); }
  maxPool2d(p?: Params, o?: NodeOpts) { return this.via('maxPool2d', p, o); }
  avgPool2d(p?: Params, o?: NodeOpts) { return this.via('avgPool2d', p, o); }
  globalAvgPool2d(p?: Params, o?: NodeOpts) { return this.via('globalAvgPool2d', p, o); }
  globalMaxPool2d(p?: Params, o?: NodeOpts) { return this.via('globalMaxPool2d', p, o); }
  batchNorm(p?: Params, o?: NodeOpts) { return this.via('batchNorm', p, o); }
  dropout(p?: Params, o?: NodeOpts) { return this.via('dropout', p, o); }
  relu(p?: Params, o?: NodeOpts) { return this.via('relu', p, o); }
  leakyRelu(p?: Params, o?: NodeOpts) { return this.via('leakyRelu', p, o); }
  sigmoid(p?: Params, o?: NodeOpts) { return this.via('sigmoid', p, o); }
  tanh(p?: Params, o?: NodeOpts) { return this.via('tanh', p, o); }
  softmax(p?: Params, o?: NodeOpts) { return this.via('softmax', p, o); }
  flatten(p?: Params, o?: NodeOpts) { return this.via('flatten', p, o); }
  dense(p?: Params, o?: NodeOpts) { return this.via('dense', p, o); }
  zeroPadding2d(p?: Params, o?: NodeOpts) { return this.via('zeroPadding2d', p, o); }
  rescaling(p?: Params, o?: NodeOpts) { return this.via('rescaling', p, o); }
  reshape(p?: Params, o?: NodeOpts) { return this.via('reshape', p, o); }
}

export class GraphBuilder {
  private nodes: GraphNode[] = [];
  private edges: GraphEdge[] = [];
  private nextNode = 1;
  private nextEdge = 1;

  constructor(private readonly name = 'test graph') {}

  /** A new Input layer. */
  input(shape: readonly number[], opts: NodeOpts = {}): NodeRef {
    return this.node('input', { shape: [...shape] }, opts);
  }

  /** A node of catalog type `type` with no connections. Ids default to n1, n2, … */
  node(type: string, params: Params = {}, opts: NodeOpts = {}): NodeRef {
    const id = opts.id ?? `n${this.nextNode}`;
    this.nextNode++;
    const i = this.nodes.length;
    const node: GraphNode = { id, type, params: structuredClone(params), position: opts.position ?? { x: (i % 8) * 220, y: Math.floor(i / 8) * 120 } };
    if (opts.name !== undefined) node.name = opts.name;
    if (opts.frozen !== undefined) node.frozen = opts.frozen;
    this.nodes.push(node);
    return new NodeRef(this, id);
  }

  /** A raw edge from → to at input slot `targetIndex`. */
  connect(from: NodeRef | string, to: NodeRef | string, targetIndex = 0): this {
    const source = typeof from === 'string' ? from : from.id;
    const target = typeof to === 'string' ? to : to.id;
    this.edges.push({ id: `e${this.nextEdge++}`, source, target, targetIndex });
    return this;
  }

  /** A merge layer of `type` fed by `inputs`, input i into slot i. */
  merge(type: string, inputs: readonly NodeRef[], params: Params = {}, opts: NodeOpts = {}): NodeRef {
    const n = this.node(type, params, opts);
    inputs.forEach((x, i) => this.connect(x, n, i));
    return n;
  }

  /** Add (residual sum) of the given branches. */
  add(...inputs: NodeRef[]): NodeRef {
    return this.merge(resolveType('add'), inputs);
  }

  /** Concatenate of the given branches, in this order (along channels by default). */
  concat(...inputs: NodeRef[]): NodeRef {
    return this.merge(resolveType('concat'), inputs);
  }

  /** Change a stored node in place (e.g. to write a bad value for a test). */
  patch(ref: NodeRef | string, f: (n: GraphNode) => void): this {
    const id = typeof ref === 'string' ? ref : ref.id;
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`graph-builder: no node ${id}`);
    f(n);
    return this;
  }

  /** The document as built so far (a fresh copy each time). */
  get doc(): GraphDoc {
    return structuredClone({ format: GRAPH_FORMAT, version: GRAPH_VERSION, name: this.name, nodes: this.nodes, edges: this.edges });
  }
}

/** Start a new graph. */
export function graph(name?: string): GraphBuilder {
  return new GraphBuilder(name);
}

/**
 * A ResNet-style graph of exactly `layers` nodes (at least 12), for benchmarks
 * and size tests: Input, a 7×7/2 conv stem and a max pool, then residual
 * units of Conv2D → BatchNorm → ReLU → Conv2D → BatchNorm → Add(shortcut) →
 * ReLU, a stride-2 unit with a 1×1 projection every 8 units while the image
 * is large (224 → 7, filters 64 → 512), then global pooling and Dense layers
 * to make up the count. Analyses without issues.
 */
export function resnetLike(layers: number): GraphDoc {
  const g = graph(`resnet-like ${layers}`);
  let x: NodeRef = g.input([224, 224, 3]).conv2d({ filters: 64, kernel: 7, stride: 2 }).maxPool2d({ pool: 3, stride: 2, padding: 'same' });
  let count = 3;
  let filters = 64;
  let size = 56;
  let unit = 0;
  while (count + 8 + 2 <= layers) {
    const down = unit > 0 && unit % 8 === 0 && size > 7;
    if (down) {
      filters = Math.min(filters * 2, 512);
      size /= 2;
    }
    const s = down ? 2 : 1;
    const r = x.conv2d({ filters, kernel: 3, stride: s, useBias: false }).batchNorm().relu().conv2d({ filters, kernel: 3, useBias: false }).batchNorm();
    const shortcut = down ? x.conv2d({ filters, kernel: 1, stride: 2, useBias: false }) : x;
    x = g.add(shortcut, r).relu();
    count += down ? 8 : 7;
    unit++;
  }
  x = x.globalAvgPool2d();
  count++;
  while (count < layers) {
    x = x.dense({ units: 10 });
    count++;
  }
  return g.doc;
}
