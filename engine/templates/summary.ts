/**
 * Template summaries with analysis totals, for the gallery (engine handlers)
 * and the `templates` CLI command. Pure; loads each template and analyses it.
 */
import { analyzeGraph } from '../analysis/analyze';
import type { TemplateSummary } from '../api/contract';
import { listTemplates, loadTemplate } from './index';
import type { TemplateInfo } from './types';

/** A gallery summary plus the template's file and group. */
export interface TemplateSummaryWithFile extends TemplateSummary {
  /** Repository-relative path, e.g. `templates/resnet50.json`. */
  file: string;
  group: TemplateInfo['group'];
  /** Output shape of each model output (usually one), null where it has an error. */
  outputShapes: (readonly number[] | null)[];
  /** Number of analysis issues that are errors (0 for every shipped template). */
  errors: number;
}

/** Load and analyse one template. */
export async function summarizeTemplate(info: TemplateInfo): Promise<TemplateSummaryWithFile> {
  const doc = await loadTemplate(info.id);
  const a = analyzeGraph(doc);
  const errors = a.issues.filter((i) => i.severity === 'error').length;
  const input = a.inputId ? (a.nodes[a.inputId]?.outputShape ?? null) : null;
  return {
    id: info.id,
    file: info.file,
    group: info.group,
    name: doc.name,
    description: doc.description ?? '',
    meta: doc.meta ?? {},
    inputShape: input,
    outputShapes: a.outputIds.map((id) => a.nodes[id]?.outputShape ?? null),
    totals:
      errors > 0
        ? null
        : { params: a.totals.params, trainable: a.totals.trainable, nonTrainable: a.totals.nonTrainable, macs: a.totals.macs, bytes: a.totals.bytes },
    nodeCount: doc.nodes.length,
    errors,
  };
}

/** Every template, summarised, in gallery order. */
export async function summarizeTemplates(): Promise<TemplateSummaryWithFile[]> {
  const out: TemplateSummaryWithFile[] = [];
  for (const info of listTemplates()) out.push(await summarizeTemplate(info));
  return out;
}
