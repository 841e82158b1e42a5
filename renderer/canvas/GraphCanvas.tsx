/**
 * The canvas: React Flow wired to the graph store. Layers arrive by drag and
 * drop from the palette or by double-clicking the canvas (search-and-add);
 * wires are checked as they are dragged (connection-rules.ts).
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStore,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type IsValidConnection,
  type OnConnectEnd,
  type OnConnectStart,
} from '@xyflow/react';
import { useCallback, useEffect, useRef, useState, type DragEvent, type MouseEvent } from 'react';
import { runCommand } from '../commands/registry';
import { useAnalysisStore } from '../state/analysis-store';
import { useGraphStore, type LayerFlowNode, type ShapeFlowEdge } from '../state/graph-store';
import { useUiStore } from '../state/ui-store';
import { categoryColor } from './categories';
import { getLayerDef } from '../../engine/layers';
import { checkConnection } from './connection-rules';
import { setFlow, type Flow } from './flow-ref';
import { edgeTypes, nodeTypes } from './node-types';

/**
 * Minimap colour by layer category. A stable module-level function: a new one
 * per render would redraw every minimap node on every edit (slow at 500 nodes).
 */
const minimapColor = (n: LayerFlowNode) => categoryColor(getLayerDef(n.data.type)?.category ?? 'unknown');

/** MIME type of a palette drag: the layer type key. */
export const LAYER_DND_TYPE = 'application/x-cnn-layer';

/** Below this zoom, nodes are drawn as plain category-coloured blocks. */
const FAR_ZOOM = 0.35;

/** Above this many nodes, only what is on screen is rendered (keeps panning smooth). */
const VISIBLE_ONLY_ABOVE = 120;


export function GraphCanvas() {
  const nodes = useGraphStore((s) => s.nodes);
  const edges = useGraphStore((s) => s.edges);
  const onNodesChange = useGraphStore((s) => s.onNodesChange);
  const onEdgesChange = useGraphStore((s) => s.onEdgesChange);
  const minimap = useUiStore((s) => s.minimap);

  const flow = useReactFlow<LayerFlowNode, ShapeFlowEdge>();
  // Zoomed far out, text is unreadable: draw nodes as coloured blocks (less to paint per frame).
  const far = useStore((s) => s.transform[2] < FAR_ZOOM);
  const [hint, setHint] = useState<string | null>(null);
  const lastVerdict = useRef<string | null>(null);

  useEffect(() => {
    setFlow(flow as Flow);
    return () => setFlow(null);
  }, [flow]);

  const isValidConnection: IsValidConnection<ShapeFlowEdge> = useCallback((c: ShapeFlowEdge | Connection) => {
    const v = checkConnection(useGraphStore.getState().doc, useAnalysisStore.getState().analysis, c);
    const reason = v.ok ? null : v.reason;
    // Tell the user why a wire is refused, while they drag it.
    if (reason !== lastVerdict.current) {
      lastVerdict.current = reason;
      setHint(reason);
    }
    return v.ok;
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const v = checkConnection(useGraphStore.getState().doc, useAnalysisStore.getState().analysis, c);
    if (v.ok && c.source && c.target) void runCommand('connect', { source: c.source, target: c.target, targetIndex: v.targetIndex });
  }, []);

  const onConnectStart: OnConnectStart = useCallback(() => {
    lastVerdict.current = null;
    setHint(null);
  }, []);
  const onConnectEnd: OnConnectEnd = useCallback((_e: unknown, _s: FinalConnectionState) => {
    lastVerdict.current = null;
    setHint(null);
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(LAYER_DND_TYPE)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(LAYER_DND_TYPE);
      if (!type) return;
      e.preventDefault();
      const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      // Centre the new node under the pointer.
      void runCommand('add-layer', { type, position: { x: p.x - 110, y: p.y - 31 } });
    },
    [flow],
  );

  const onDoubleClick = useCallback(
    (e: MouseEvent) => {
      // Only on the empty canvas, not on a node or a control.
      const el = e.target as HTMLElement;
      if (!el.classList.contains('react-flow__pane')) return;
      const fp = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      useUiStore.getState().set({ addPopup: { screen: { x: e.clientX, y: e.clientY }, flow: fp } });
    },
    [flow],
  );

  const onNodeDragStop = useCallback(() => useGraphStore.getState().closeStep(), []);
  const onEdgeDoubleClick = useCallback((_: MouseEvent, edge: Edge) => void runCommand('delete-elements', { edges: [edge.id] }), []);

  const empty = nodes.length === 0;
  return (
    <div className={`canvas-wrap${far ? ' far' : ''}`} onDragOver={onDragOver} onDrop={onDrop} onDoubleClick={onDoubleClick} data-testid="canvas">
      <ReactFlow<LayerFlowNode, ShapeFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStop={onNodeDragStop}
        onEdgeDoubleClick={onEdgeDoubleClick}
        // Deleting goes through the delete command (one undo step); keys are handled by useShortcuts.
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        zoomOnDoubleClick={false}
        onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_ABOVE}
        minZoom={0.05}
        maxZoom={2.5}
        defaultEdgeOptions={{ type: 'shape' }}
        connectionRadius={28}
        proOptions={{ hideAttribution: true }}
      >
        {/* The dot grid is repainted on every pan frame; on big graphs, where panning
            matters most, the plain canvas colour keeps panning smooth (bench/editor.bench.ts). */}
        {nodes.length <= VISIBLE_ONLY_ABOVE && <Background variant={BackgroundVariant.Dots} gap={20} size={1.4} color="#cbd5e1" />}
        <Controls showInteractive={false} position="bottom-left" />
        {/* An empty minimap is just a blank white box: show it once there is something to map. */}
        {minimap && nodes.length > 0 && <MiniMap<LayerFlowNode> pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(241,245,249,0.7)" position="bottom-right" />}
      </ReactFlow>
      {empty && (
        <div className="empty-canvas">
          <div>
            <h2>Start your network</h2>
            <p>Drag an Input layer from the palette onto this canvas,</p>
            <p>or double-click anywhere to search for a layer.</p>
          </div>
        </div>
      )}
      {hint && (
        <div className="connect-hint" role="status" data-testid="connect-hint">
          {hint}
        </div>
      )}
    </div>
  );
}
