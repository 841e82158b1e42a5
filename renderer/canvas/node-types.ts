/**
 * Node and edge types, at module scope: React Flow warns (error002) and
 * re-mounts every node when these maps are rebuilt on each render.
 */
import type { EdgeTypes, NodeTypes } from '@xyflow/react';
import { LayerNode } from './LayerNode';
import { ShapeEdge } from './ShapeEdge';

export const nodeTypes = { layer: LayerNode } satisfies NodeTypes;
export const edgeTypes = { shape: ShapeEdge } satisfies EdgeTypes;
