/**
 * `cli inspect FILE --weights DIR --image IMG --out DIR …`: the pictures of
 * the inspect panel as PNG files: feature maps, filters, saliency (gradient
 * and SmoothGrad), Grad-CAM, the effective receptive field beside the
 * theoretical one, and optionally a channel-maximising image.
 */
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { InspectView } from '../api/contract';
import { analyzeGraph } from '../analysis/analyze';
import { initBackend, parseBackendName } from '../backend';
import { openDataset } from '../data';
import { loadGraphFile } from '../graph/io';
import type { InspectImage } from '../inspect/input';
import { computeViews } from '../inspect/session';
import { encodePngRgba } from '../inspect/png';
import { modelInputShape } from '../inspect/run-graph';
import { buildModel } from '../train/build-model';
import { decodeImage, decodePolicyFor } from '../train/predict';
import { readTrainingInfo } from '../train/training-info';
import { loadTrainedModel } from '../train/session';
import { writeFileAtomic } from '../train/weights';
import { bar, intOpt, parseArgs, UsageError } from './train-args';
import type { CliCommand, CliIO } from './types';

const ALL_VIEWS: InspectView[] = ['activations', 'filters', 'saliency', 'smoothgrad', 'gradcam', 'effective-rf'];

const USAGE = `Usage: cli inspect FILE (--image IMG | --sample SPEC#INDEX) --out DIR [options]
  Writes PNG pictures of what the network of FILE sees in one image:
    feature-maps.png  the chosen layer's output, one tile per channel
    filters.png       the chosen conv layer's filters (else the first conv's)
    saliency.png      |∂class score/∂pixel| alone and over the image
    smoothgrad.png    the same averaged over noisy copies (SmoothGrad)
    gradcam.png       Grad-CAM at the chosen layer (else the last spatial one)
    erf.png           the effective receptive field of one unit, with the
                      theoretical field from the analysis (green box)
    maximize.png      with --maximize CH: an image that excites channel CH
  --weights DIR       trained weights (TF.js folder); without it the network
                      is freshly initialised (random weights)
  --image IMG         PNG/JPEG/WebP file, resized to the network's Input
  --sample SPEC#N     image N of a dataset's test split, e.g. builtin:shapes#3
  --layer NAME        layer (name or node id); default: the last spatial one
  --class K           class for saliency and Grad-CAM; default: the top class
  --unit R,C,CH       unit of the layer for erf.png; default: the centre, channel 0
  --views LIST        comma-separated subset of ${[...ALL_VIEWS, 'maximize'].join(',')}
  --maximize CH       also write maximize.png for channel CH of the layer
  --steps N           gradient-ascent steps for --maximize (default 200, at most 500)
  --samples N         SmoothGrad copies (default 25)
  --backend NAME      tensorflow | wasm | cpu
  --json              print {"files":[…],"layer":…,"prediction":[…],…} instead of lines`;

const FILE_OF: Record<InspectView, string> = {
  activations: 'feature-maps.png',
  filters: 'filters.png',
  saliency: 'saliency.png',
  smoothgrad: 'smoothgrad.png',
  gradcam: 'gradcam.png',
  'effective-rf': 'erf.png',
  maximize: 'maximize.png',
};

export async function runInspect(args: string[], io: CliIO): Promise<number> {
  let p: ReturnType<typeof parseArgs>;
  let views: InspectView[];
  let unit: { row: number; col: number; channel: number } | undefined;
  try {
    p = parseArgs(args, ['weights', 'image', 'sample', 'layer', 'class', 'unit', 'views', 'maximize', 'steps', 'samples', 'backend', 'out'], ['json', 'help']);
    if (p.options.has('help')) {
      io.out(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(`expected one graph FILE; received ${p.positional.length ? p.positional.join(' ') : 'none'}`);
    if (!p.options.has('out')) throw new UsageError('missing --out DIR (where to write the pictures)');
    if (p.options.has('image') === p.options.has('sample')) throw new UsageError('give exactly one of --image IMG or --sample SPEC#INDEX');
    views = p.options.has('views') ? (p.options.get('views')!.split(',').map((s) => s.trim()) as InspectView[]) : [...ALL_VIEWS];
    for (const v of views) if (!(v in FILE_OF)) throw new UsageError(`unknown view '${v}' in --views; use ${Object.keys(FILE_OF).join(', ')}`);
    intOpt(p, 'class', 0);
    intOpt(p, 'steps', 1, 500);
    intOpt(p, 'samples', 1, 200);
    if (p.options.has('maximize')) {
      intOpt(p, 'maximize', 0);
      if (!views.includes('maximize')) views.push('maximize');
    }
    if (p.options.has('unit')) {
      const u = p.options.get('unit')!.split(',').map((s) => Number(s.trim()));
      if (u.length !== 3 || u.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`--unit must be ROW,COL,CHANNEL (whole numbers ≥ 0); received '${p.options.get('unit')}'`);
      unit = { row: u[0], col: u[1], channel: u[2] };
    }
    parseBackendName(p.options.get('backend'));
  } catch (e) {
    io.err(`inspect: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }

  const loaded = await loadGraphFile(p.positional[0]);
  if (!loaded.ok) {
    io.err(`inspect: ${loaded.message}`);
    return 1;
  }
  const doc = loaded.value;
  const json = p.options.has('json');
  const out = p.options.get('out')!;
  try {
    const { tf } = await initBackend({ prefer: parseBackendName(p.options.get('backend')) });
    const analysis = analyzeGraph(doc);
    const wdir = p.options.get('weights');
    const notes: string[] = [];
    const model = wdir ? await loadTrainedModel(tf, doc, wdir) : buildModel(tf, doc, analysis);
    if (!wdir) notes.push('no --weights: the network has random (freshly initialised) weights');
    // Without training.json (weights not saved by `train`) classes are numbered.
    const info = wdir ? await readTrainingInfo(wdir) : null;
    let classNames = info?.classNames ?? [];
    let image: InspectImage;
    if (p.options.has('image')) {
      const d = await decodeImage(p.options.get('image')!, modelInputShape(model), decodePolicyFor(info?.trainedOn.datasetSpec));
      image = { pixels: d.pixels, shape: d.shape };
    } else {
      const s = p.options.get('sample')!;
      const at = s.lastIndexOf('#');
      const index = Number(s.slice(at + 1));
      if (at < 0 || !Number.isInteger(index) || index < 0) throw new UsageError(`--sample must be SPEC#INDEX, e.g. builtin:shapes#3; received '${s}'`);
      const ds = await openDataset(s.slice(0, at));
      try {
        if (index >= ds.counts.test) throw new UsageError(`--sample: the test split of ${ds.name} has ${ds.counts.test} images (0 to ${ds.counts.test - 1}); received ${index}`);
        const smp = await ds.sample('test', index);
        image = { pixels: smp.pixels, shape: smp.shape };
        if (!classNames.length) classNames = ds.classNames;
        notes.push(`image: test sample ${index} of ${ds.name}, labelled ${ds.classNames[smp.label] ?? smp.label}`);
      } finally {
        await ds.close();
      }
    }
    let last = -1;
    const r = await computeViews(
      tf,
      { model, analysis, classNames },
      {
        views,
        layer: p.options.get('layer'),
        image,
        classIndex: intOpt(p, 'class', 0),
        unit,
        channel: intOpt(p, 'maximize', 0),
        steps: intOpt(p, 'steps', 1, 500),
        samples: intOpt(p, 'samples', 1, 200),
      },
      {
        onProgress: (f, m) => {
          if (json || !process.stderr.isTTY) return;
          const pct = Math.floor(f * 100);
          if (pct === last) return;
          last = pct;
          process.stderr.write(`\r${bar(f)} ${pct}% ${m ?? ''}`.padEnd(70));
        },
      },
    );
    if (!json && process.stderr.isTTY) process.stderr.write('\n');
    model.dispose();
    await mkdir(out, { recursive: true });
    const files: { file: string; view: InspectView; caption: string; width: number; height: number }[] = [];
    for (const pic of r.pictures) {
      const file = path.resolve(out, FILE_OF[pic.view]);
      await writeFileAtomic(file, encodePngRgba(pic.image));
      files.push({ file, view: pic.view, caption: pic.caption, width: pic.image.width, height: pic.image.height });
    }
    if (r.input) {
      const file = path.resolve(out, 'input.png');
      await writeFileAtomic(file, encodePngRgba(r.input.image));
    }
    const allNotes = [...notes, ...r.notes];
    if (json) io.out(JSON.stringify({ files: files.map((f) => f.file), pictures: files, layer: r.layer, prediction: r.prediction ?? null, stats: r.stats, notes: allNotes }));
    else {
      for (const n of allNotes) io.out(`note: ${n}`);
      if (r.prediction) io.out(`prediction: ${r.prediction.slice(0, 3).map((x) => `${x.name} ${(x.probability * 100).toFixed(1)}%`).join(', ')}`);
      for (const f of files) io.out(`${f.file}  ${f.width}×${f.height}  ${f.caption}`);
    }
    return 0;
  } catch (e) {
    io.err(`inspect: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
}

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Feature maps, filters, saliency, Grad-CAM and receptive fields of one image, as PNG files',
  usage: USAGE,
  run: runInspect,
};
