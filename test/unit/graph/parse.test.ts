import { describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, GRAPH_VERSION, parseGraphDoc, parseGraphJson, type GraphDoc } from '../../../engine/graph';
import { migrateDoc } from '../../../engine/graph/migrate';
import { graph } from '../../helpers/graph-builder';

/** A small valid document to break in each test. */
function base(): GraphDoc {
  const g = graph('base');
  g.input([28, 28, 1]).conv2d({ filters: 8 }, { id: 'conv1' }).flatten().dense({ units: 10 });
  return g.doc;
}
const bad = (json: unknown) => {
  const r = parseGraphDoc(json);
  if (r.ok) throw new Error('expected the document to be rejected');
  return r;
};

describe('parseGraphDoc: valid documents', () => {
  it('accepts a document and fills defaults (params, position, targetIndex)', () => {
    const doc = base() as unknown as Record<string, unknown>;
    const nodes = doc.nodes as Record<string, unknown>[];
    delete nodes[2].params;
    delete nodes[2].position;
    delete (doc.edges as Record<string, unknown>[])[0].targetIndex;
    const r = parseGraphDoc(doc);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.nodes[2].params).toEqual({});
    expect(r.value.nodes[2].position).toEqual({ x: 0, y: 0 });
    expect(r.value.edges[0].targetIndex).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  it('round-trips through JSON text', () => {
    const doc = base();
    const r = parseGraphJson(JSON.stringify(doc));
    expect(r.ok && r.value).toEqual(doc);
  });

  it('warns about parameters a layer does not have, and keeps loading', () => {
    const doc = base();
    doc.nodes[1].params.kernelSize = 3;
    const r = parseGraphDoc(doc);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.warnings.map((w) => `${w.where}: ${w.message}`)).toEqual(['nodes[1] (id "conv1").params.kernelSize: Conv2D has no parameter "kernelSize"; it is ignored']);
  });

  it('loads design mistakes (cycles, shape errors) for analysis to show', () => {
    const g = graph();
    const x = g.input([8, 8, 1]);
    const a = g.node('add');
    g.connect(x, a, 0).connect(a, a, 1);
    expect(parseGraphDoc(g.doc).ok).toBe(true);
  });
});

describe('parseGraphDoc: errors name the node and the field', () => {
  it('a parameter outside its range', () => {
    const doc = base();
    doc.nodes[1].params.kernel = 0;
    expect(bad(doc).message).toBe('nodes[1] (id "conv1").params.kernel: must be at least 1; received 0');
  });

  it('a parameter of the wrong type, and a bad choice', () => {
    const doc = base();
    doc.nodes[1].params.filters = 'many';
    doc.nodes[1].params.padding = 'full';
    const r = bad(doc);
    expect(r.errors.map((e) => e.where)).toEqual(['nodes[1] (id "conv1").params.filters', 'nodes[1] (id "conv1").params.padding']);
    expect(r.errors[0].message).toMatch(/must be a number; received "many"/);
    expect(r.errors[1].message).toMatch(/must be one of 'same', 'valid'; received "full"/);
    expect(r.errors[0].nodeId).toBe('conv1');
    expect(r.errors[0].path).toEqual(['nodes', 1, 'params', 'filters']);
  });

  it('wrong types and missing fields in the structure', () => {
    const doc = base() as unknown as { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] };
    doc.nodes[1].position = { x: 'left', y: 0 };
    delete doc.nodes[3].type;
    delete doc.edges[0].source;
    const r = bad(doc);
    expect(r.message.split('\n')).toEqual([
      'nodes[1] (id "conv1").position.x: must be a number; received "left"',
      'nodes[3] (id "n4").type: is missing',
      'edges[0] (id "e1").source: is missing',
    ]);
  });

  it('unknown layer type, listing the known ones', () => {
    const doc = base();
    doc.nodes[2].type = 'conv3d';
    expect(bad(doc).message).toMatch(/^nodes\[2\] \(id "n3"\)\.type: unknown layer type "conv3d"; known types: input, .*conv2d/);
  });

  it('duplicate ids, edges to missing nodes and slots', () => {
    const doc = base();
    doc.nodes[2].id = 'conv1';
    doc.edges.push({ id: 'e1', source: 'ghost', target: 'conv1', targetIndex: 0 });
    doc.edges.push({ id: 'e9', source: 'n1', target: 'n4', targetIndex: 3 });
    const lines = bad(doc).message.split('\n');
    expect(lines).toContain('nodes[2] (id "conv1").id: duplicate id: nodes[1] already has id "conv1"');
    expect(lines).toContain('edges[3] (id "e1").id: duplicate id: edges[0] already has id "e1"');
    expect(lines).toContain('edges[3] (id "e1").source: no node has id "ghost"');
    expect(lines).toContain('edges[4] (id "e9").targetIndex: Dense "n4" has one input (slot 0); received 3');
  });

  it('two connections into one input slot', () => {
    const doc = base();
    doc.edges.push({ id: 'ex', source: 'n1', target: 'conv1', targetIndex: 0 });
    expect(bad(doc).message).toBe('edges[3] (id "ex").targetIndex: input slot 0 of "conv1" is already fed by edges[0]');
  });

  it('lists at most 50 problems', () => {
    const doc = base();
    for (let i = 0; i < 80; i++) doc.nodes.push({ id: `x${i}`, type: 'nope', params: {}, position: { x: 0, y: 0 } });
    const r = bad(doc);
    expect(r.errors).toHaveLength(50);
    expect(r.message).toMatch(/… and 30 more problems$/);
  });

  it('not JSON, not an object, not our format', () => {
    expect(bad(null).message).toMatch(/expected a JSON object, received null/);
    expect(bad([1]).message).toMatch(/received a list/);
    expect(bad({ nodes: [] }).message).toMatch(/"format" field is missing/);
    expect(bad({ format: 'keras', version: 1 }).message).toMatch(/format is "keras"/);
    const r = parseGraphJson('{"format": "cnn-designer.graph",');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/^Not valid JSON: /);
  });
});

describe('migrations', () => {
  it('a file from a newer version gets a clear message', () => {
    const doc = { ...base(), version: GRAPH_VERSION + 1 };
    expect(bad(doc).message).toBe(`version: This file was saved by a newer CNN Designer (format version ${GRAPH_VERSION + 1}); this one reads versions up to ${GRAPH_VERSION}. Update the app to open it.`);
  });

  it('bad versions', () => {
    expect(bad({ ...base(), version: 0 }).message).toMatch(/^version: version must be a whole number from 1; received 0/);
    expect(bad({ ...base(), version: '1' }).message).toMatch(/received "1"/);
  });

  it('runs migrations in order on a copy, then validates', () => {
    // A pretend format history: v2 renamed `kernelSize` to `kernel`, v3 added `frozen`.
    const v1 = base() as unknown as { version: number; nodes: { params: Record<string, unknown>; frozen?: boolean }[] };
    v1.nodes[1].params = { filters: 8, kernelSize: 5 };
    const seen: number[] = [];
    const migrations = {
      2: (d: typeof v1) => {
        seen.push(d.version);
        for (const n of d.nodes) if ('kernelSize' in n.params) {
          n.params.kernel = n.params.kernelSize;
          delete n.params.kernelSize;
        }
        return d;
      },
      3: (d: typeof v1) => {
        seen.push(d.version);
        for (const n of d.nodes) n.frozen ??= false;
      },
    };
    const r = parseGraphDoc(v1, { migrations, targetVersion: 3 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(seen).toEqual([1, 2]);
    expect(r.migratedFrom).toBe(1);
    expect(r.value.version).toBe(3);
    expect(r.value.nodes[1].params).toEqual({ filters: 8, kernel: 5 });
    expect(r.value.nodes.every((n) => n.frozen === false)).toBe(true);
    expect(v1.nodes[1].params).toEqual({ filters: 8, kernelSize: 5 }); // the input is untouched
  });

  it('a migration that throws, or a missing step, is reported, not thrown', () => {
    const throwing = migrateDoc({ format: GRAPH_FORMAT, version: 1 }, { 2: () => { throw new Error('boom'); } }, 2);
    expect(throwing).toEqual({ ok: false, message: 'Could not upgrade the file from format version 1 to 2: boom' });
    const gap = migrateDoc({ format: GRAPH_FORMAT, version: 1 }, {}, 2);
    expect(gap.ok).toBe(false);
  });
});
