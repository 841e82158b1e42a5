/**
 * The right-hand panel. With one layer selected: its parameters (a form
 * generated from the layer's ParamSpecs), name, frozen flag, shapes, the
 * parameter formula with the numbers, and its receptive field. With none:
 * the network's description and totals. The "Receptive field" tab is the
 * teaching view.
 */
import type { CSSProperties } from 'react';
import { LAYER_CATEGORIES, getLayerDef, type ParamSchema } from '../../engine/layers';
import type { NodeAnalysis } from '../../engine/analysis/types';
import { categoryColor } from '../canvas/categories';
import { runCommand } from '../commands/registry';
import { formatCompact, formatInt, formatMB, formatShape } from '../format';
import { useAnalysisStore } from '../state/analysis-store';
import { selectedNodeIds, useGraphStore } from '../state/graph-store';
import { useUiStore } from '../state/ui-store';
import { ParamField } from './ParamField';
import { ReceptiveFieldView } from './ReceptiveFieldView';
import { useShallow } from 'zustand/react/shallow';

export function rfSentence(a: NodeAnalysis): string | null {
  const rf = a.receptiveField;
  if (!rf) return null;
  if (rf.global) return 'Every output value sees the whole input image.';
  const [h, w] = rf.size;
  const [sh, sw] = rf.stride;
  return `Each output value sees a ${h}×${w} pixel patch of the input; neighbouring values are ${sh === sw ? sh : `${sh}×${sw}`} px apart.`;
}

function LayerInspector({ id }: { id: string }) {
  const node = useGraphStore((s) => s.doc.nodes.find((n) => n.id === id));
  const a = useAnalysisStore((s) => s.analysis.nodes[id]);
  const setTab = useUiStore((s) => s.set);
  if (!node) return null;
  const def = getLayerDef(node.type);
  const cat = def?.category ?? 'unknown';
  const issues = a?.issues ?? [];
  const specs = (def?.params ?? {}) as ParamSchema;
  return (
    <div data-testid="inspector-layer">
      <div className="insp-head">
        <span className="insp-type">{def?.label ?? node.type}</span>
        <span className="insp-cat" style={{ background: categoryColor(cat) } as CSSProperties}>
          {LAYER_CATEGORIES.find((c) => c.id === cat)?.label ?? 'Unknown'}
        </span>
      </div>
      {def && <p className="insp-help">{def.help}</p>}
      {issues.map((i, k) => (
        <div key={k} className={`callout ${i.severity}`} data-testid="inspector-issue">
          <b>{i.severity === 'error' ? 'Error' : 'Warning'}</b>
          {i.message}
          {i.fix && <div style={{ marginTop: 4 }}>Fix: {i.fix}</div>}
        </div>
      ))}

      <div className="section">
        <h3 className="section-title">Layer</h3>
        <div className="field">
          <label htmlFor="node-name">Name</label>
          <input
            id="node-name"
            type="text"
            key={id + (node.name ?? '')}
            defaultValue={node.name ?? ''}
            placeholder={a?.name ?? id}
            data-testid="node-name"
            onBlur={(e) => void runCommand('rename-node', { id, name: e.target.value })}
            onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
          />
        </div>
        <div className="field">
          <label htmlFor="node-frozen">Frozen</label>
          <label className="toggle" title="A frozen layer keeps its weights during training (transfer learning).">
            <input id="node-frozen" type="checkbox" checked={!!node.frozen} data-testid="node-frozen" onChange={(e) => void runCommand('set-frozen', { ids: [id], frozen: e.target.checked })} />
            {node.frozen ? 'frozen: weights kept as they are' : 'no: trained with the rest'}
          </label>
        </div>
      </div>

      {Object.keys(specs).length > 0 && (
        <div className="section">
          <h3 className="section-title">Parameters</h3>
          {Object.entries(specs).map(([key, spec]) => (
            <ParamField
              key={id + key}
              name={key}
              spec={spec}
              value={key in node.params ? node.params[key] : spec.default}
              error={issues.find((i) => i.field === key)?.message}
              onChange={(value, live) => void runCommand('set-param', { id, key, value, live })}
              onDone={() => useGraphStore.getState().closeStep()}
            />
          ))}
        </div>
      )}

      {a && (
        <div className="section">
          <h3 className="section-title">Weights</h3>
          <div className="formula" data-testid="formula">
            {a.outputShape ? a.formula : 'Fix the errors above to see the count.'}
          </div>
          <dl className="kv" style={{ marginTop: 10 }}>
            <dt>Input</dt>
            <dd data-testid="inspector-input-shape">{a.inputShapes.length ? a.inputShapes.map((s) => formatShape(s)).join(' , ') : '—'}</dd>
            <dt>Output</dt>
            <dd data-testid="inspector-output-shape">{formatShape(a.outputShape)}</dd>
            <dt>Parameters</dt>
            <dd data-testid="inspector-params">{formatInt(a.paramCount)}</dd>
            {a.nonTrainable > 0 && (
              <>
                <dt>of which non-trainable</dt>
                <dd>{formatInt(a.nonTrainable)}</dd>
              </>
            )}
            <dt>Multiply-adds</dt>
            <dd>{formatCompact(a.macs)}</dd>
            <dt>Output memory</dt>
            <dd>{formatMB(a.activationBytes)}</dd>
          </dl>
        </div>
      )}

      {a?.receptiveField && (
        <div className="section">
          <h3 className="section-title">Receptive field</h3>
          <p className="insp-help" style={{ margin: '0 0 8px' }} data-testid="rf-sentence">
            {rfSentence(a)}
          </p>
          {!a.receptiveField.global && (
            <dl className="kv">
              <dt>Size</dt>
              <dd data-testid="rf-size">{a.receptiveField.size.join('×')}</dd>
              <dt>Jump (effective stride)</dt>
              <dd>{a.receptiveField.stride.join('×')}</dd>
            </dl>
          )}
          <button className="btn btn-outline" style={{ marginTop: 10 }} onClick={() => setTab({ rightTab: 'receptive-field' })}>
            Show on an image
          </button>
        </div>
      )}
    </div>
  );
}

function MultiInspector({ ids }: { ids: string[] }) {
  const nodes = useGraphStore(useShallow((s) => s.doc.nodes.filter((n) => ids.includes(n.id))));
  const params = useAnalysisStore((s) => ids.reduce((t, id) => t + (s.analysis.nodes[id]?.paramCount ?? 0), 0));
  const allFrozen = nodes.every((n) => n.frozen);
  return (
    <div data-testid="inspector-multi">
      <div className="insp-head">
        <span className="insp-type">{ids.length} layers selected</span>
      </div>
      <p className="insp-help">{formatInt(params)} parameters in the selection.</p>
      <div style={{ display: 'flex', gap: 8 }}>
        <button className="btn btn-outline" onClick={() => void runCommand('set-frozen', { ids, frozen: !allFrozen })}>
          {allFrozen ? 'Unfreeze all' : 'Freeze all'}
        </button>
        <button className="btn btn-outline btn-danger" onClick={() => void runCommand('delete-selection')}>
          Delete
        </button>
      </div>
    </div>
  );
}

function NetworkInspector() {
  const doc = useGraphStore((s) => s.doc);
  const totals = useAnalysisStore((s) => s.analysis.totals);
  const meta = doc.meta;
  return (
    <div data-testid="inspector-network">
      <div className="insp-head">
        <span className="insp-type">{doc.name}</span>
      </div>
      {doc.description && <p className="insp-help">{doc.description}</p>}
      {meta?.idea && (
        <div className="section">
          <h3 className="section-title">Key idea{meta.year ? ` (${meta.year})` : ''}</h3>
          <p className="meta-idea">{meta.idea}</p>
          {meta.paper && <p className="muted" style={{ fontSize: 13 }}>{meta.paper}</p>}
          {meta.reference && <p className="muted" style={{ fontSize: 13 }}>Counts match {meta.reference}.</p>}
        </div>
      )}
      <div className="section">
        <h3 className="section-title">Totals</h3>
        <dl className="kv">
          <dt>Layers</dt>
          <dd>{doc.nodes.length}</dd>
          <dt>Parameters</dt>
          <dd>{formatInt(totals.params)}</dd>
          <dt>Trainable</dt>
          <dd>{formatInt(totals.trainable)}</dd>
          <dt>Non-trainable</dt>
          <dd>{formatInt(totals.nonTrainable)}</dd>
          <dt>Model size</dt>
          <dd>{formatMB(totals.bytes)}</dd>
          <dt>Multiply-adds</dt>
          <dd>{formatCompact(totals.macs)}</dd>
          <dt>Activations / image</dt>
          <dd>{formatMB(totals.activationBytes)}</dd>
        </dl>
      </div>
      <p className="palette-hint">
        {doc.nodes.length === 0
          ? 'No layers yet: start with an Input layer (drag it from the palette, or double-click the canvas), or open a template.'
          : 'Select a layer to edit its parameters and see its receptive field.'}
      </p>
    </div>
  );
}

export function Inspector() {
  const ids = useGraphStore(useShallow(selectedNodeIds));
  const tab = useUiStore((s) => s.rightTab);
  const set = useUiStore((s) => s.set);
  return (
    <aside className="panel panel-right" aria-label="Inspector">
      <div className="tabs" role="tablist">
        <button role="tab" className={`tab${tab === 'layer' ? ' active' : ''}`} aria-selected={tab === 'layer'} onClick={() => set({ rightTab: 'layer' })} data-testid="tab-layer">
          Properties
        </button>
        <button role="tab" className={`tab${tab === 'receptive-field' ? ' active' : ''}`} aria-selected={tab === 'receptive-field'} onClick={() => set({ rightTab: 'receptive-field' })} data-testid="tab-rf">
          Receptive field
        </button>
      </div>
      <div className="panel-body">
        {tab === 'receptive-field' ? (
          <ReceptiveFieldView selected={ids.length === 1 ? ids[0] : null} />
        ) : ids.length === 1 ? (
          <LayerInspector id={ids[0]} />
        ) : ids.length > 1 ? (
          <MultiInspector ids={ids} />
        ) : (
          <NetworkInspector />
        )}
      </div>
    </aside>
  );
}
