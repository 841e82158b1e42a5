/**
 * The dataset picker's requests (listDatasets, previewDataset) over the data
 * module. Opened datasets are kept by spec for a while: opening Fashion-MNIST
 * gunzips 30 MB, and the picker asks for the same set again as the user
 * browses.
 */
import { err, ok, type DatasetInfo, type DatasetPreview, type PreviewDatasetRequest, type Result } from '../../engine/api';
import { DatasetError, listDatasetChoices, openDataset, previewDataset, type Dataset } from '../../engine/data';

const CACHE_SIZE = 3;
const cache = new Map<string, Promise<Dataset>>();

async function opened(spec: string): Promise<Dataset> {
  const hit = cache.get(spec);
  if (hit) {
    // Most recently used last.
    cache.delete(spec);
    cache.set(spec, hit);
    return hit;
  }
  const p = openDataset(spec);
  cache.set(spec, p);
  p.catch(() => cache.delete(spec));
  while (cache.size > CACHE_SIZE) {
    const [oldSpec, old] = cache.entries().next().value as [string, Promise<Dataset>];
    cache.delete(oldSpec);
    void old.then((d) => d.close()).catch(() => undefined);
  }
  return p;
}

function failure(e: unknown): Result<never> {
  if (e instanceof DatasetError) return err(e.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'INVALID_ARGUMENT', e.message);
  return err('IO_ERROR', e instanceof Error ? e.message : String(e));
}

/** The picker's list: built-in sets and the file formats, with whether each is ready here. */
export async function listDatasets(): Promise<Result<DatasetInfo[]>> {
  try {
    const choices = await listDatasetChoices();
    return ok(
      choices.map((c) => ({
        spec: c.spec,
        name: c.name,
        inputShape: null,
        classNames: [],
        available: c.ready,
        detail: c.expects ? `${c.description} Expects: ${c.expects}` : c.description,
      })),
    );
  } catch (e) {
    return failure(e);
  }
}

/** Class counts and sample images of one dataset, for the picker. */
export async function previewDatasetResult(req: PreviewDatasetRequest): Promise<Result<DatasetPreview>> {
  try {
    const ds = await opened(req.spec);
    const count = Math.min(Math.max(req.count ?? 16, 1), 64);
    const perClass = Math.max(1, Math.ceil(count / Math.max(ds.classNames.length, 1)));
    const p = await previewDataset(ds, perClass);
    const samples = p.classes
      .flatMap((c) => c.samples.map((s) => ({ label: c.label, image: s.dataUrl.slice(s.dataUrl.indexOf(',') + 1) })))
      .slice(0, count);
    return ok({
      spec: ds.spec,
      name: ds.name,
      inputShape: [...ds.inputShape],
      classNames: [...ds.classNames],
      classCounts: [...ds.classCounts.train],
      testCount: ds.counts.test,
      samples,
    });
  } catch (e) {
    return failure(e);
  }
}
