/** An edge labelled with the tensor shape it carries (the source's output shape). */
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { useAnalysisStore } from '../state/analysis-store';
import type { ShapeFlowEdge } from '../state/graph-store';

/** Width of one character of the label font (12 px monospace ≈ 0.6 em). */
const CHAR_W = 7.3;

function ShapeEdgeImpl({ id, source, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd }: EdgeProps<ShapeFlowEdge>) {
  const shape = useAnalysisStore((s) => s.views[source]?.shape ?? null);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  // The label is drawn here rather than with React Flow's EdgeText, which measures
  // every label with getBBox (a forced layout per edge: slow on 500-edge graphs).
  // The font is monospace, so its width is known without measuring.
  const w = shape ? shape.length * CHAR_W + 10 : 0;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={selected ? { stroke: 'var(--accent)', strokeWidth: 3 } : undefined} interactionWidth={16} />
      {shape && (
        <g transform={`translate(${labelX} ${labelY})`} className="edge-label-g" data-testid="edge-label">
          <rect x={-w / 2} y={-9} width={w} height={18} rx={4} className="edge-label-bg" />
          <text className="edge-label" textAnchor="middle" dy="0.35em">
            {shape}
          </text>
        </g>
      )}
    </>
  );
}

export const ShapeEdge = memo(ShapeEdgeImpl);
