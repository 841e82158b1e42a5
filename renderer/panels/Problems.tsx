/**
 * Every issue of the analysis, errors first. Clicking one selects the node
 * that causes it and centres the view on it.
 */
import type { CSSProperties } from 'react';
import type { Issue } from '../../engine/core/issues';
import { getFlow } from '../canvas/flow-ref';
import { useAnalysisStore } from '../state/analysis-store';
import { useGraphStore } from '../state/graph-store';
import { useUiStore } from '../state/ui-store';

export function focusNode(id: string): void {
  const g = useGraphStore.getState();
  g.select([id]);
  useUiStore.getState().set({ rightTab: 'layer' });
  const flow = getFlow();
  const n = g.nodes.find((x) => x.id === id);
  if (flow && n) {
    const w = n.measured?.width ?? 228;
    const h = n.measured?.height ?? 86;
    void flow.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: Math.max(flow.getZoom(), 0.9), duration: 300 });
  }
}

function issueNodeId(i: Issue, edges: { id: string; target: string }[]): string | undefined {
  return i.nodeId ?? (i.edgeId ? edges.find((e) => e.id === i.edgeId)?.target : undefined);
}

/** The name column as wide as the longest name listed (LeNet's "c3" needs no 150 px), at most 24 characters. */
function nameWidth(issues: Issue[], edges: { id: string; target: string }[], names: Record<string, { name?: string } | undefined>): string {
  let longest = 'Network'.length;
  for (const i of issues) {
    const id = issueNodeId(i, edges);
    if (id) longest = Math.max(longest, (names[id]?.name ?? id).length);
  }
  return `${Math.min(24, longest) + 1}ch`;
}

export function Problems() {
  const issues = useAnalysisStore((s) => s.analysis.issues);
  const names = useAnalysisStore((s) => s.analysis.nodes);
  const edges = useGraphStore((s) => s.doc.edges);
  const nodeCount = useGraphStore((s) => s.doc.nodes.length);
  const open = useUiStore((s) => s.problemsOpen);
  const set = useUiStore((s) => s.set);
  // Layers blocked by an error upstream (E015) are listed last and greyed: the fix is elsewhere.
  const sorted = [...issues.filter((i) => i.code !== 'E015'), ...issues.filter((i) => i.code === 'E015')];
  const blocked = issues.length - sorted.filter((i) => i.code !== 'E015').length;
  const errors = issues.filter((i) => i.severity === 'error' && i.code !== 'E015').length;
  const warnings = issues.filter((i) => i.severity === 'warning').length;
  if (nodeCount === 0) return null;
  return (
    <section className="problems" aria-label="Problems" data-testid="problems">
      <div
        className="problems-head"
        role="button"
        tabIndex={0}
        aria-expanded={open}
        onClick={() => set({ problemsOpen: !open })}
        onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), set({ problemsOpen: !open }))}
      >
        <span>{open ? '▾' : '▸'} Problems</span>
        {errors > 0 && <span className="count-chip error">{errors} error{errors > 1 ? 's' : ''}</span>}
        {warnings > 0 && <span className="count-chip warning">{warnings} warning{warnings > 1 ? 's' : ''}</span>}
        {blocked > 0 && <span className="count-chip blocked">{blocked} waiting on a fix upstream</span>}
        {issues.length === 0 && <span className="count-chip ok">No problems</span>}
      </div>
      {open && issues.length > 0 && (
        <ul className="problems-list" style={{ '--problem-name-w': nameWidth(sorted, edges, names) } as CSSProperties}>
 {sorted.map((i, k) => {
            const id = issueNodeId(i, edges);
            return (
              <li key={k} className={`problem${i.code === 'E015' ? ' blocked' : ''}`} onClick={() => id && focusNode(id)} data-testid="problem" title={i.fix}>
                <span className={`sev ${i.code === 'E015' ? 'blocked' : i.severity}`}>{i.code === 'E015' ? '○' : i.severity === 'error' ? '●' : '▲'}</span>
                <span className="problem-node" title={id ? (names[id]?.name ?? id) : undefined}>
                  {id ? (names[id]?.name ?? id) : 'Network'}
                </span>
                <span>
                  {i.message}
                  {i.fix && <span className="problem-fix"> — {i.fix}</span>}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
