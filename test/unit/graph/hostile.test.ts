/**
 * Malformed and hostile documents: each gets a clear error (or, for design
 * mistakes, an analysis issue), never a crash or a hang. No timings are
 * asserted; a hang would hit the test timeout.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeGraph } from '../../../engine/analysis';
import { GRAPH_FORMAT, parseGraphDoc, parseGraphJson, type GraphDoc } from '../../../engine/graph';
import { graph, resnetLike } from '../../helpers/graph-builder';

function base(): Record<string, unknown> & { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] } {
  const g = graph('base');
  g.input([28, 28, 1]).conv2d({ filters: 8 }, { id: 'conv1' }).flatten().dense({ units: 10 });
  return g.doc as never;
}
function rejected(json: unknown): string {
  const r = parseGraphDoc(json);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.message;
}
/** Analysis of an unvalidated document never throws. */
function analyzes(json: unknown) {
  let a: ReturnType<typeof analyzeGraph> | undefined;
  expect(() => (a = analyzeGraph(json as GraphDoc))).not.toThrow();
  return a!;
}

const cases: [string, (d: ReturnType<typeof base>) => unknown, RegExp][] = [
  ['nodes is not a list', (d) => ({ ...d, nodes: { a: 1 } }), /^nodes: must be a list; received an object$/],
  ['edges missing', (d) => ({ ...d, edges: undefined }), /^edges: is missing$/],
  ['a node is a number', (d) => ((d.nodes[2] = 42 as never), d), /^nodes\[2\]: must be an object; received 42$/],
  ['id is a number', (d) => ((d.nodes[1].id = 7), d), /^nodes\[1\]\.id: must be a text; received 7$/],
  ['empty id', (d) => ((d.nodes[1].id = ''), d), /^nodes\[1\] \(id ""\)\.id: must not be empty$/],
  ['params is a list', (d) => ((d.nodes[1].params = [3, 3]), d), /^nodes\[1\] \(id "conv1"\)\.params: must be an object; received \[3,3\]$/],
  ['filters 1e308', (d) => (((d.nodes[1].params as Record<string, unknown>).filters = 1e308), d), /^nodes\[1\] \(id "conv1"\)\.params\.filters: must be at most 65536; received 1e\+308$/],
  ['input shape of a billion', (d) => (((d.nodes[0].params as Record<string, unknown>).shape = [1e9, 1e9, 3]), d), /^nodes\[0\] \(id "n1"\)\.params\.shape: entries must be at most 100000; received \[1000000000,1000000000,3\]$/],
  ['targetIndex 1e12', (d) => ((d.edges[0].targetIndex = 1e12), d), /^edges\[0\] \(id "e1"\)\.targetIndex: must be at most 1,023; received 1000000000000$/],
  ['negative slot', (d) => ((d.edges[0].targetIndex = -1), d), /targetIndex: must be at least 0; received -1/],
  ['position 1e300', (d) => ((d.nodes[0].position = { x: 1e300, y: 0 }), d), /position\.x: must be at most 1,000,000,000/],
  ['version 1e300', (d) => ({ ...d, version: 1e300 }), /newer CNN Designer \(format version 1e\+300\)/],
  ['a name of a million characters', (d) => ({ ...d, name: 'x'.repeat(1e6) }), /^name: is too long: at most 200 characters$/],
  ['type missing', (d) => (delete d.nodes[3].type, d), /^nodes\[3\] \(id "n4"\)\.type: is missing$/],
  ['unknown layer type', (d) => ((d.nodes[3].type = 'transformer'), d), /unknown layer type "transformer"/],
  ['edge to a missing node', (d) => ((d.edges[1].target = 'nowhere'), d), /^edges\[1\] \(id "e2"\)\.target: no node has id "nowhere"$/],
  ['duplicate node ids', (d) => ((d.nodes[3].id = 'conv1'), d), /duplicate id: nodes\[1\] already has id "conv1"/],
  ['nested parameter value', (d) => (((d.nodes[1].params as Record<string, unknown>).kernel = [[3], [3]]), d), /params\.kernel: must be a number, text, true\/false, or a short list of those/],
  ['a parameter named __proto__ (own key)', (d) => (Object.defineProperty(d.nodes[1].params, '__proto__', { value: 1, enumerable: true }), d), /^nodes\[1\] \(id "conv1"\)\.params\.__proto__: is not a valid parameter name/],
  ['NaN position', (d) => ((d.nodes[0].position = { x: NaN, y: 0 }), d), /position\.x: must be a finite number; received NaN/],
  ['Infinity kernel', (d) => (((d.nodes[1].params as Record<string, unknown>).kernel = Infinity), d), /params\.kernel: must be a number, text, true\/false, or a short list of those; received Infinity/],
  ['frozen as text', (d) => ((d.nodes[1].frozen = 'yes'), d), /frozen: must be true or false; received "yes"/],
  ['100,001 nodes', (d) => ({ ...d, nodes: Array.from({ length: 100_001 }, (_, i) => ({ id: `n${i}`, type: 'input' })) }), /^nodes: has too many entries: at most 100,000 allowed; received 100,001$/],
];

describe('malformed documents get a clear error naming what is wrong', () => {
  it.each(cases)('%s', (_name, mutate, expected) => {
    const d = mutate(base());
    expect(rejected(d)).toMatch(expected);
    analyzes(d);
  });

  it('JSON nested 200,000 deep', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const text = `{"format":"${GRAPH_FORMAT}","version":1,"name":"x","nodes":[{"id":"a","type":"input","params":{"shape":${deep}}}],"edges":[]}`;
    const r = parseGraphJson(text);
    expect(r.ok).toBe(false);
    // Either JSON.parse refuses it or the schema does; both name it.
    if (!r.ok) expect(r.message).toMatch(/Not valid JSON|params\.shape: must be a number, text/);
  });

  it('a parameter nested 100,000 deep, in an unvalidated document, is an analysis issue', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    const d = base();
    (d.nodes[1].params as Record<string, unknown>).kernel = v;
    expect(rejected(d)).toMatch(/params\.kernel/);
    const a = analyzes(d);
    expect(a.nodes.conv1.issues[0]).toMatchObject({ code: 'E001' });
  });

  it('prototype-pollution keys stay plain data', () => {
    const text = `{"__proto__": {"polluted": 1}, "format": "${GRAPH_FORMAT}", "version": 1, "name": "x",
      "nodes": [{"id": "__proto__", "type": "input", "params": {"shape": [4, 4, 1]}},
                {"id": "constructor", "type": "conv2d", "params": {"__proto__": {"polluted": 2}, "filters": 2}}],
      "edges": [{"id": "hasOwnProperty", "source": "__proto__", "target": "constructor"}]}`;
    const r = parseGraphJson(text);
    expect(r.ok).toBe(false); // the "__proto__" parameter key is refused
    if (!r.ok) expect(r.message).toBe('nodes[1] (id "constructor").params.__proto__: is not a valid parameter name (letters, digits and _ only)');
    const a = analyzes(JSON.parse(text));
    expect(Object.keys(a.nodes)).toEqual(['__proto__', 'constructor']);
    expect(a.nodes['__proto__'].outputShape).toEqual([4, 4, 1]);
    const byId = (id: string) => a.nodes[id];
    expect(byId('constructor').outputShape).toEqual([4, 4, 2]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('random garbage in any field: parse and analysis never throw', () => {
    const paths: ((d: ReturnType<typeof base>, v: unknown) => void)[] = [
      (d, v) => (d.nodes = v as never),
      (d, v) => (d.edges = v as never),
      (d, v) => (d.nodes[1] = v as never),
      (d, v) => (d.nodes[1].params = v),
      (d, v) => ((d.nodes[1].params as Record<string, unknown>).kernel = v),
      (d, v) => ((d.nodes[1].params as Record<string, unknown>).filters = v),
      (d, v) => ((d.nodes[0].params as Record<string, unknown>).shape = v),
      (d, v) => (d.nodes[2].type = v),
      (d, v) => (d.nodes[2].id = v),
      (d, v) => (d.edges[0] = v as never),
      (d, v) => (d.edges[0].source = v),
      (d, v) => (d.edges[0].targetIndex = v),
      (d, v) => (d.version = v),
      (d, v) => (d.meta = v),
      (d, v) => (d.training = v),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: paths.length - 1 }), fc.anything({ maxDepth: 4, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withTypedArray: true }), (i, v) => {
        const d = base();
        paths[i](d, v);
        const r = parseGraphDoc(d);
        if (!r.ok) {
          expect(r.message.length).toBeGreaterThan(0);
          expect(r.errors.length).toBeGreaterThan(0);
        }
        analyzes(d);
      }),
      { numRuns: 400, seed: 6 },
    );
  });
});

describe('large and pathological graphs', () => {
  it('10,000 layers: loads and analyses cleanly', () => {
    const doc = resnetLike(10_000);
    expect(doc.nodes).toHaveLength(10_000);
    const r = parseGraphDoc(JSON.parse(JSON.stringify(doc)));
    expect(r.ok).toBe(true);
    const a = analyzeGraph(doc);
    expect(a.issues).toEqual([]);
    expect(a.order).toHaveLength(10_000);
  });

  it('a 10,000-layer cycle is named without listing every layer', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    const first = g.node('add', {}, { name: 'loop_0' });
    g.connect(x, first, 0);
    let prev = first;
    for (let i = 1; i < 10_000; i++) prev = prev.relu({}, { name: `loop_${i}` });
    g.connect(prev, first, 1);
    prev.conv2d({}, { name: 'after' });
    const a = analyzeGraph(g.doc);
    const e8 = a.issues.filter((i) => i.code === 'E008');
    expect(e8).toHaveLength(10_000);
    expect(e8[0].message).toMatch(/^"loop_0" is on a cycle: loop_0 → loop_1 → .* → … \(10000 layers\)$/);
    expect(e8[0].message.length).toBeLessThan(300);
    expect(a.issues.find((i) => i.code === 'E015')?.message).toMatch(/"after" comes after a cycle/);
  });

  it('10,000 unconnected layers, 10,000 Inputs, 10,000 unknown types', () => {
    const g = graph();
    g.input([8, 8, 1]).relu();
    for (let i = 0; i < 10_000; i++) g.node(i % 3 === 0 ? 'relu' : i % 3 === 1 ? 'input' : 'no-such-layer');
    const a = analyzeGraph(g.doc);
    const codes = new Set(a.issues.map((i) => i.code));
    expect(codes).toEqual(new Set(['E014', 'E010', 'E012']));
  });

  it('a chain 20,000 deep (no recursion in the topological sort)', () => {
    const g = graph();
    let x = g.input([4, 4, 1]);
    for (let i = 0; i < 20_000; i++) x = x.relu();
    const a = analyzeGraph(g.doc);
    expect(a.issues).toEqual([]);
    expect(a.nodes[x.id].receptiveField?.size).toEqual([1, 1]);
  });
});
