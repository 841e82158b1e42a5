/** Commands that edit the document: add, connect, delete, parameters, names. */
import { defineCommand } from './define';
import { addNodes, connect as connectOp, makeNode, removeElements, renameDoc, setFrozen, setName, setParam, type XY } from '../state/doc-ops';

export const addLayer = defineCommand<{ type: string; position: XY; params?: Record<string, unknown> }>({
  id: 'add-layer',
  label: 'Add layer',
  run({ graph }, { type, position, params }) {
    const node = makeNode(graph.doc, type, position, params);
    return { doc: addNodes(graph.doc, [node]), capture: 'immediately', select: [node.id] };
  },
});

export const connectLayers = defineCommand<{ source: string; target: string; targetIndex: number }>({
  id: 'connect',
  label: 'Connect',
  run: ({ graph }, { source, target, targetIndex }) => ({ doc: connectOp(graph.doc, source, target, targetIndex), capture: 'immediately' }),
});

export const deleteSelection = defineCommand({
  id: 'delete-selection',
  label: 'Delete',
  keys: ['Delete', 'Backspace'],
  enabled: (c) => c.selection.length > 0 || c.edgeSelection.length > 0,
  run: ({ graph, selection, edgeSelection }) => ({ doc: removeElements(graph.doc, selection, edgeSelection), capture: 'immediately', select: [] }),
});

export const deleteElements = defineCommand<{ nodes?: string[]; edges?: string[] }>({
  id: 'delete-elements',
  label: 'Delete',
  run: ({ graph }, { nodes = [], edges = [] }) => ({ doc: removeElements(graph.doc, nodes, edges), capture: 'immediately' }),
});

/**
 * Set one parameter. `live` edits (typing in a field) merge into one undo step
 * that closes when the field loses focus.
 */
export const setParamCmd = defineCommand<{ id: string; key: string; value: unknown; live?: boolean }>({
  id: 'set-param',
  label: 'Change parameter',
  run: ({ graph }, { id, key, value, live }) => ({ doc: setParam(graph.doc, id, key, value), capture: live ? 'eventually' : 'immediately' }),
});

export const renameNode = defineCommand<{ id: string; name: string }>({
  id: 'rename-node',
  label: 'Rename layer',
  run: ({ graph }, { id, name }) => ({ doc: setName(graph.doc, id, name), capture: 'immediately' }),
});

export const setFrozenCmd = defineCommand<{ ids: string[]; frozen: boolean }>({
  id: 'set-frozen',
  label: 'Freeze',
  run: ({ graph }, { ids, frozen }) => ({ doc: setFrozen(graph.doc, ids, frozen), capture: 'immediately' }),
});

export const renameDocument = defineCommand<{ name: string }>({
  id: 'rename-document',
  label: 'Rename network',
  run: ({ graph }, { name }) => ({ doc: renameDoc(graph.doc, name.trim() || 'Untitled network'), capture: 'immediately' }),
});
