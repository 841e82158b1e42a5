/** Totals of the whole network and the compute backend, always in view. */
import { formatCompact, formatInt, formatMB } from '../format';
import { useAnalysisStore } from '../state/analysis-store';
import { useUiStore } from '../state/ui-store';

export function StatusBar() {
  const totals = useAnalysisStore((s) => s.analysis.totals);
  const frozen = useAnalysisStore((s) => {
    let f = 0;
    for (const n of Object.values(s.analysis.nodes)) if (n.frozen) f += n.paramCount;
    return f;
  });
  const layers = useAnalysisStore((s) => Object.keys(s.analysis.nodes).length);
  // With errors, layers after them have no counts: the totals are a lower bound.
  const partial = useAnalysisStore((s) => s.analysis.issues.some((i) => i.severity === 'error'));
  const backend = useUiStore((s) => s.backend);
  const engineError = useUiStore((s) => s.engineError);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span>
        Parameters <b data-testid="total-params">{formatInt(totals.params)}</b>
        {partial && (
          <span title="Layers after an error are not counted until it is fixed" data-testid="totals-partial">
            {' '}
            (so far)
          </span>
        )}
      </span>
      <span>
        Trainable <b data-testid="trainable-params">{formatInt(totals.trainable)}</b>
      </span>
      <span title="Non-trainable: BatchNorm statistics and frozen layers">
        Non-trainable <b data-testid="nontrainable-params">{formatInt(totals.nonTrainable)}</b>
        {frozen > 0 && <> (frozen {formatInt(frozen)})</>}
      </span>
      <span>
        Size <b data-testid="model-size">{formatMB(totals.bytes)}</b>
      </span>
      <span>
        Multiply-adds <b data-testid="total-macs">{formatCompact(totals.macs)}</b>
      </span>
      <span>
        Layers <b>{layers}</b>
      </span>
      <span className="grow" />
      <span title={[backend?.detail, ...(backend?.notes ?? [])].filter(Boolean).join('\n')} data-testid="backend">
        <span className={`status-dot${backend?.backend ? '' : ' off'}`} />
        {engineError ? 'Engine not connected' : backend ? (backend.backend ? `Backend: ${backend.backend}${backend.detail ? ` · ${backend.detail}` : ''}` : 'Backend: not loaded') : 'Connecting…'}
      </span>
    </footer>
  );
}
