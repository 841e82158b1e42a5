/** Test-set evaluation: accuracy, per-class accuracy, the confusion matrix as a heatmap, and the most confident mistakes. */
import type { EvaluationResult } from '../../../engine/api/contract';
import { currentModel, startEvaluation } from './run-training';
import { useTrainingStore } from './training-store';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** Cell colour: white → blue by the share of the row (the true class). */
function cellStyle(v: number, rowTotal: number, diagonal: boolean) {
  const f = rowTotal ? v / rowTotal : 0;
  const hue = diagonal ? 217 : 12;
  return { background: `hsla(${hue}, 85%, 45%, ${f.toFixed(3)})`, color: f > 0.5 ? '#fff' : 'var(--text)' };
}

export function ConfusionMatrix({ r }: { r: EvaluationResult }) {
  const names = r.classNames;
  return (
    <table className="trn-confusion" data-testid="confusion-matrix">
      <caption>Confusion matrix: rows are the true classes, columns what the network said</caption>
      <thead>
        <tr>
          <th />
          {names.map((n, j) => (
            <th key={j} className="trn-col" title={n}>
              {n}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {r.confusion.map((row, i) => {
          const total = row.reduce((a, b) => a + b, 0);
          return (
            <tr key={i}>
              <th title={`${names[i]}: ${total} images`}>{names[i]}</th>
              {row.map((v, j) => (
                <td key={j} style={cellStyle(v, total, i === j)} title={`${v} ${names[i]} image${v === 1 ? '' : 's'} classified as ${names[j]}`}>
                  {v}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function EvaluationView() {
  const s = useTrainingStore();
  const model = currentModel();
  const r = s.evaluation;
  return (
    <section className="trn-section" data-testid="evaluation-view">
      <div className="trn-row">
        <button className="btn btn-primary" data-testid="evaluate-start" disabled={!model || s.evalJobId !== null} onClick={() => void startEvaluation()}>
          Evaluate on the test set
        </button>
        {!model && <span className="trn-muted">Train the network first (or open a document with saved weights).</span>}
        {s.evalJobId && <progress max={1} value={s.evalFraction ?? undefined} />}
      </div>
      {s.evalError && <p className="trn-error">{s.evalError}</p>}
      {r && (
        <>
          <p className="trn-big" data-testid="test-accuracy">
            Test accuracy <strong>{pct(r.accuracy)}</strong> <span className="trn-muted">(loss {r.loss.toFixed(4)})</span>
          </p>
          <div className="trn-eval-grid">
            <ConfusionMatrix r={r} />
            <table className="trn-perclass">
              <thead>
                <tr>
                  <th>class</th>
                  <th>accuracy</th>
                </tr>
              </thead>
              <tbody>
                {r.perClassAccuracy.map((a, i) => (
                  <tr key={i}>
                    <td>{r.classNames[i]}</td>
                    <td>
                      <span className="trn-bar" style={{ width: `${Math.round(a * 120)}px` }} /> {pct(a)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Most confident mistakes</h3>
          {r.mistakes.length === 0 ? (
            <p className="trn-muted">No mistakes on the test set.</p>
          ) : (
            <div className="trn-gallery" data-testid="mistakes">
              {r.mistakes.map((m) => (
                <figure key={m.index} title={`test image ${m.index}`}>
                  <img src={`data:image/png;base64,${m.image}`} alt={`test image ${m.index}`} />
                  <figcaption>
                    <span className="trn-true">{r.classNames[m.trueClass]}</span> taken for <span className="trn-pred">{r.classNames[m.predictedClass]}</span> ({pct(m.confidence)})
                  </figcaption>
                </figure>
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}
