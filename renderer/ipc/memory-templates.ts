/**
 * Templates for the in-memory host (`?engine=memory`, development and unit
 * tests): the same catalog and summaries the real hosts serve.
 */
import type { TemplateSummary } from '../../engine/api/contract';
import type { GraphDoc } from '../../engine/graph/doc';
import { loadTemplate } from '../../engine/templates';
import { summarizeTemplates } from '../../engine/templates/summary';

export async function memoryTemplates(): Promise<{ summary: TemplateSummary; doc: GraphDoc }[]> {
  const out: { summary: TemplateSummary; doc: GraphDoc }[] = [];
  for (const s of await summarizeTemplates()) {
    const { file: _f, outputShapes: _o, errors: _e, ...summary } = s;
    out.push({ summary, doc: await loadTemplate(s.id) });
  }
  return out;
}
