/**
 * The one node component for every layer type. Everything it shows comes from
 * the LayerDef (label, category, key parameters) and the analysis (shape,
 * parameter count, issues); node data holds only the user's choices.
 */
import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { memo, useEffect, useRef, type CSSProperties } from 'react';
import { formatInt } from '../../engine/core/shape';
import { getLayerDef } from '../../engine/layers';
import { useAnalysisStore } from '../state/analysis-store';
import type { LayerFlowNode } from '../state/graph-store';
import { categoryColor } from './categories';
import { handleCount } from './handles';


/** Parameter count on a node: exact up to 99,999, then 1.2M-style so it fits. */
export function formatCompactParams(n: number): string {
  if (n < 100_000) return formatInt(n);
  if (n < 10_000_000) return `${(n / 1e6).toFixed(2)}M`;
  return `${(n / 1e6).toFixed(1)}M`;
}

function LayerNodeImpl({ id, data, selected }: NodeProps<LayerFlowNode>) {
  const view = useAnalysisStore((s) => s.views[id]);
  const slots = useAnalysisStore((s) => s.slots[id] ?? 0);
  const def = getLayerDef(data.type);
  const handles = handleCount(def?.inputs.max ?? 1, slots);
  const updateInternals = useUpdateNodeInternals();
  // Handles changed after the node was drawn: React Flow must re-measure where
  // they are. (Not on mount: React Flow measures new nodes itself, and one
  // update per node would re-render the canvas once per node.)
  const drawnHandles = useRef(handles);
  useEffect(() => {
    if (drawnHandles.current === handles) return;
    drawnHandles.current = handles;
    updateInternals(id);
  }, [handles, id, updateInternals]);

  const label = view?.label ?? def?.label ?? data.type;
  const cat = view?.category ?? def?.category ?? 'unknown';
  const first = view?.issues[0];
  const cls = ['layer-node', selected && 'selected', view?.severity === 'error' && 'has-error', view?.severity === 'warning' && 'has-warning', data.frozen && 'frozen'].filter(Boolean).join(' ');
  // The full name: the header cuts long ones ("inception4a.branch3.1.conv"), the tooltip does not.
  const name = view?.name ?? data.name ?? id;
  const tip = view?.issues.map((i) => `${i.severity === 'error' ? 'Error' : 'Warning'}: ${i.message}${i.fix ? `\nFix: ${i.fix}` : ''}`).join('\n\n');

  return (
    <div className={cls} style={{ '--cat': categoryColor(cat) } as CSSProperties} data-testid={`node-${id}`} data-type={data.type} title={tip || `${name}${def?.help ? ` — ${def.help}` : ''}`}>
      {Array.from({ length: handles }, (_, i) => (
        <Handle key={i} id={`in-${i}`} type="target" position={Position.Top} style={handles > 1 ? { left: `${((i + 1) / (handles + 1)) * 100}%` } : undefined} />
      ))}
      <div className="ln-head">
        <span className="ln-label">{label}</span>
        <span className="ln-name">
          {data.frozen ? '❄ ' : ''}
          {name}
        </span>
        {view && view.params > 0 && (
          <span className="ln-params" data-testid="node-params" title={`${formatInt(view.params)} parameters`}>
            {formatCompactParams(view.params)}
          </span>
        )}
        {view?.severity && (
          <span className={`issue-badge ${view.severity}`} data-testid="issue-badge" aria-label={`${view.issues.length} problem(s)`}>
            {view.severity === 'error' ? '!' : '▲'}
          </span>
        )}
      </div>
      <div className="ln-body">
        <span className="ln-summary">{view?.summary ?? ''}</span>
        <span className={`shape-pill${view?.shape ? '' : ' unknown'}`} data-testid="node-shape">
          {view?.shape ?? '?'}
        </span>
      </div>
      {first && selected && (
        // Floats below the selected node (so node sizes, and the layout, never change with issues).
        <div className={`ln-issue ${first.severity}`} data-testid="node-issue">
          {first.message}
          {first.fix && <div className="ln-fix">{first.fix}</div>}
        </div>
      )}
      {data.type !== 'output' && <Handle id="out" type="source" position={Position.Bottom} />}
    </div>
  );
}

export const LayerNode = memo(LayerNodeImpl);
