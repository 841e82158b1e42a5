/** An edge labelled with the tensor shape it carries (the source's output shape). */
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { useAnalysisStore } from '../state/analysis-store';
import type { ShapeFlowEdge } from '../state/graph-store';

function ShapeEdgeImpl({ id, source, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, selected, markerEnd }: EdgeProps<ShapeFlowEdge>) {
  const shape = useAnalysisStore((s) => s.views[source]?.shape ?? null);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  return (
    <BaseEdge
      id={id}
      path={path}
      markerEnd={markerEnd}
      // SVG text, not an HTML portal: cheap enough for the 500+ edges of ResNet-152.
      label={shape ?? undefined}
      labelX={labelX}
      labelY={labelY}
      labelStyle={{ fontFamily: 'var(--mono)', fontSize: 12, fill: '#334155', fontWeight: 500 }}
      labelShowBg
      labelBgPadding={[4, 2]}
      labelBgBorderRadius={4}
      labelBgStyle={{ fill: '#f8fafc' }}
      style={selected ? { stroke: 'var(--accent)', strokeWidth: 3 } : undefined}
      interactionWidth={16}
    />
  );
}

export const ShapeEdge = memo(ShapeEdgeImpl);
