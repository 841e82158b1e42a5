/**
 * The template gallery for the renderer, over engine/templates. Summaries
 * (which analyse every template, ResNet-152 included) are computed once per
 * run and cached: the templates are read-only files shipped with the app.
 */
import { err, ok, type Result, type TemplateSummary } from '../../engine/api';
import type { GraphDoc } from '../../engine/graph/doc';
import { getTemplateInfo, loadTemplate } from '../../engine/templates/index';
import { summarizeTemplates } from '../../engine/templates/summary';

export class TemplateService {
  private summaries: Promise<TemplateSummary[]> | null = null;

  list(): Promise<Result<TemplateSummary[]>> {
    this.summaries ??= summarizeTemplates().then((all) =>
      // Only the contract's fields cross the transport.
      all.map(({ id, name, description, group, meta, inputShape, totals, nodeCount }) => ({ id, name, description, group, meta, inputShape, totals, nodeCount })),
    );
    return this.summaries.then(ok, (e) => {
      this.summaries = null; // let a later call try again
      return err<TemplateSummary[]>('INTERNAL', `The template gallery could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  async load(id: string): Promise<Result<GraphDoc>> {
    if (!getTemplateInfo(id)) return err('NOT_FOUND', `There is no template '${id}'. Pick one from the gallery.`);
    return ok(await loadTemplate(id));
  }
}
