/**
 * One inspection request → pictures: resolves the layer (node id or name),
 * the class and the unit, runs the chosen views and turns their numbers into
 * pictures. Shared by the inspect job (PNG base64 over the contract) and the
 * CLI (PNG files), so both show the same thing.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { InspectView } from '../api/contract';
import type { GraphAnalysis, NodeAnalysis } from '../analysis/types';
import { effectiveRf, theoreticalBox, clipBox, type Unit } from './effective-rf';
import { featureMaps } from './feature-maps';
import { convFilters, firstConvLayer } from './filters';
import { hconcat } from './image';
import { inputPixels, inputTensor, type InspectImage } from './input';
import { maximizeChannel } from './maximize';
import { erfPicture, heatPicture, inputPicture, overlayPicture, renderFeatureMaps, renderFilters, saliencyHeat } from './render';
import { classCount, lastSpatialLayer, layerByName, layerOutputShape, runGraph } from './run-graph';
import { gradCam, gradientSaliency, smoothGrad } from './saliency';
import { InspectError, type GridLayout, type LongRunOptions, type RgbaImage } from './types';

type TF = typeof tfjs;

/** A model ready to inspect. */
export interface InspectTarget {
  model: tfjs.LayersModel;
  /** The analysis of the model's document (layer names, receptive fields). */
  analysis: GraphAnalysis;
  /** Names of the classes (index = output unit), or empty when unknown. */
  classNames: string[];
}

/** What to compute. */
export interface ViewRequest {
  views: InspectView[];
  /** The layer: a node id or a layer name. Default: the last layer with a spatial output. */
  layer?: string;
  /** The image (needed by every view but filters and maximize). */
  image?: InspectImage;
  /** Layer for Grad-CAM (node id or name) when it differs from `layer`. */
  gradcamLayer?: string;
  /** Class for saliency and Grad-CAM (default: the network's top class for the image). */
  classIndex?: number;
  /** Unit for the effective RF (default: the centre of channel 0). */
  unit?: Unit;
  /** Channel for maximize (default 0). */
  channel?: number;
  steps?: number;
  samples?: number;
  maxTiles?: number;
}

/** A picture of a view, with a name for files. */
export interface ViewPicture {
  view: InspectView;
  /** File stem, e.g. `feature-maps`, `gradcam`. */
  name: string;
  caption: string;
  layer?: string;
  image: RgbaImage;
  grid?: GridLayout;
}

/** Everything computed for a request. */
export interface ViewsResult {
  pictures: ViewPicture[];
  /** The image at the input size, enlarged, with the scale (for drawing boxes on it). */
  input?: { image: RgbaImage; scale: number };
  stats: Record<string, number>;
  notes: string[];
  prediction?: { index: number; name: string; probability: number }[];
  /** The layer the request resolved to. */
  layer: string;
}

/** The analysis node for a node id or layer name, or null. */
export function nodeOf(analysis: GraphAnalysis, layer: string): NodeAnalysis | null {
  return analysis.nodes[layer] ?? Object.values(analysis.nodes).find((n) => n.name === layer) ?? null;
}

const NEEDS_IMAGE: readonly InspectView[] = ['activations', 'saliency', 'smoothgrad', 'gradcam', 'effective-rf'];

/** Top classes of a classifier for the image (softmax of the logits), best first. */
function predict(tf: TF, model: tfjs.LayersModel, img: InspectImage, names: string[], k = 5): { index: number; name: string; probability: number }[] {
  const p = tf.tidy(() => tf.softmax(runGraph(tf, model, inputTensor(tf, model, img), { logits: true }) as tfjs.Tensor2D).dataSync());
  return Array.from(p, (probability, index) => ({ index, name: names[index] ?? `class ${index}`, probability }))
    .sort((a, b) => b.probability - a.probability || a.index - b.index)
    .slice(0, k);
}

/**
 * Compute the requested views. Progress goes from 0 to 1 over all views
 * (the long ones, SmoothGrad and maximize, report within their share).
 */
export async function computeViews(tf: TF, t: InspectTarget, req: ViewRequest, o: LongRunOptions = {}): Promise<ViewsResult> {
  const { model, analysis } = t;
  const names = t.classNames;
  const notes: string[] = [];
  const stats: Record<string, number> = {};
  const views = [...new Set(req.views)];
  if (views.length === 0) throw new InspectError('choose at least one view', 'options');

  // The layer: given, or the last spatial one.
  let layer: string;
  if (req.layer !== undefined) {
    const n = nodeOf(analysis, req.layer);
    if (!n) throw new InspectError(`there is no layer '${req.layer}' in this network (give a node id or a layer name)`, 'layer');
    layer = n.name;
    layerByName(model, layer);
  } else {
    const l = lastSpatialLayer(model);
    if (!l) throw new InspectError('the network has no layer with a spatial output to look at; choose a layer', 'layer');
    layer = l;
    notes.push(`layer: ${layer} (the last one with a spatial output)`);
  }

  const image = req.image;
  if (!image && views.some((v) => NEEDS_IMAGE.includes(v))) throw new InspectError(`the ${views.filter((v) => NEEDS_IMAGE.includes(v)).join(', ')} view${views.length > 1 ? 's need' : ' needs'} an image: choose one from the dataset or a file`, 'image');
  const shown = image ? inputPixels(tf, model, image) : undefined;
  const input = shown ? inputPicture(shown) : undefined;

  let isClassifier = true;
  try {
    classCount(model);
  } catch {
    isClassifier = false;
  }
  const prediction = shown && isClassifier ? predict(tf, model, shown, names) : undefined;
  const classIndex = req.classIndex ?? prediction?.[0]?.index ?? 0;
  const className = names[classIndex] ?? `class ${classIndex}`;
  if (req.classIndex === undefined && prediction && views.some((v) => v === 'saliency' || v === 'smoothgrad' || v === 'gradcam')) notes.push(`class: ${className} (the network's top class for this image)`);

  const pictures: ViewPicture[] = [];
  const share = 1 / views.length;
  for (let vi = 0; vi < views.length; vi++) {
    const view = views[vi];
    if (o.signal?.aborted) throw new InspectError('cancelled', 'cancelled');
    const sub = { signal: o.signal, onProgress: (f: number, m?: string) => o.onProgress?.((vi + f) * share, m) };
    o.onProgress?.(vi * share, `computing ${view}`);
    switch (view) {
      case 'activations': {
        const s = featureMaps(tf, model, layer, shown!);
        const p = renderFeatureMaps(s, { maxTiles: req.maxTiles });
        const more = s.channels > p.layout.count ? ` (first ${p.layout.count} of ${s.channels})` : '';
        pictures.push({ view, name: 'feature-maps', caption: `Feature maps of ${layer}: ${s.height}×${s.width}×${s.channels}${more}, each map scaled to its own range`, layer, image: p.image, grid: p.layout });
        break;
      }
      case 'filters': {
        const own = /Conv/.test(layerByName(model, layer).getClassName()) && layerByName(model, layer).getWeights().length > 0;
        const conv = own ? layer : firstConvLayer(model);
        if (!conv) throw new InspectError('the network has no convolution whose filters could be shown', 'layer');
        if (!own) notes.push(`filters: ${conv} (the chosen layer ${layer} has no filters; showing the first convolution)`);
        const b = convFilters(model, conv);
        const p = renderFilters(b, { maxTiles: req.maxTiles });
        const how = b.inChannels === 3 ? 'RGB, each filter stretched to its own range' : b.inChannels === 1 ? 'blue < 0 < red' : `mean over ${b.inChannels} input channels, blue < 0 < red`;
        pictures.push({ view, name: 'filters', caption: `Filters of ${conv}: ${b.count} × ${b.kernelHeight}×${b.kernelWidth}×${b.inChannels} (${how})`, layer: conv, image: p.image, grid: p.layout });
        break;
      }
      case 'saliency':
      case 'smoothgrad': {
        if (!isClassifier) classCount(model);
        const r = view === 'saliency' ? gradientSaliency(tf, model, shown!, classIndex) : await smoothGrad(tf, model, shown!, classIndex, { ...sub, samples: req.samples });
        const heat = saliencyHeat(r.map);
        const [h, w] = shown!.shape;
        const over = overlayPicture(shown!, heat);
        const alone = heatPicture(heat, h, w, input!.scale);
        const label = view === 'saliency' ? 'Saliency (gradient)' : `SmoothGrad (${req.samples ?? 25} noisy copies)`;
        pictures.push({ view, name: view, caption: `${label} for ${className}: |∂score/∂pixel|, clipped at the 99th percentile, over the image`, image: hconcat([alone, over]) });
        stats[`${view}.score`] = r.score;
        break;
      }
      case 'gradcam': {
        let camLayer = layer;
        if (req.gradcamLayer !== undefined) {
          const n = nodeOf(analysis, req.gradcamLayer);
          if (!n) throw new InspectError(`there is no layer '${req.gradcamLayer}' for Grad-CAM in this network`, 'layer');
          camLayer = n.name;
        }
        const shape = layerOutputShape(model, camLayer);
        const at = shape.length === 3 && layerByName(model, camLayer).getClassName() !== 'InputLayer' ? camLayer : undefined;
        const r = gradCam(tf, model, shown!, classIndex, at);
        if (!at) notes.push(`Grad-CAM layer: ${r.layer} (${camLayer} has no spatial output)`);
        const over = overlayPicture(shown!, r.map);
        let camMax = 0;
        for (const v of r.cam.data) camMax = Math.max(camMax, v);
        const empty = camMax === 0 ? '; zero everywhere: nothing at this layer speaks for this class' : '';
        pictures.push({ view, name: 'gradcam', caption: `Grad-CAM for ${className} at ${r.layer} (${r.cam.height}×${r.cam.width}, upsampled)${empty}`, layer: r.layer, image: over });
        Object.assign(stats, { 'gradcam.score': r.score, 'gradcam.max': camMax });
        break;
      }
      case 'effective-rf': {
        const node = nodeOf(analysis, layer)!;
        const shape = layerOutputShape(model, layer);
        const unit = req.unit ?? (shape.length === 3 ? { row: Math.floor(shape[0] / 2), col: Math.floor(shape[1] / 2), channel: 0 } : { row: 0, col: 0, channel: 0 });
        const e = effectiveRf(tf, model, layer, unit, shown!);
        const [h, w] = shown!.shape;
        const rf = node.receptiveField;
        const theo = rf ? theoreticalBox(rf, unit.row, unit.col) : null;
        const pic = erfPicture(shown!, e.map, theo, e.nonZeroBox);
        const mx = e.map.reduce((a, b) => Math.max(a, b), 1e-30);
        const heat = heatPicture(Float32Array.from(e.map, (v) => Math.sqrt(v / mx)), h, w, input!.scale);
        const size = rf && !rf.global ? `${rf.size[0]}×${rf.size[1]}` : rf?.global ? 'the whole image' : 'unknown';
        pictures.push({
          view,
          name: 'erf',
          caption: `Effective receptive field of ${layer} unit (row ${unit.row}, col ${unit.col}, channel ${unit.channel}), before its activation: |∂unit/∂pixel| (√-scaled); green: theoretical field ${size} from the analysis; orange: pixels with a non-zero gradient`,
          layer,
          image: hconcat([heat, pic]),
        });
        if (theo) Object.assign(stats, { 'rf.top': theo.top, 'rf.left': theo.left, 'rf.bottom': theo.bottom, 'rf.right': theo.right });
        const clipped = theo ? clipBox(theo, h, w) : null;
        if (clipped) Object.assign(stats, { 'rf.clippedHeight': clipped.bottom - clipped.top + 1, 'rf.clippedWidth': clipped.right - clipped.left + 1 });
        if (e.nonZeroBox) Object.assign(stats, { 'erf.height': e.nonZeroBox.bottom - e.nonZeroBox.top + 1, 'erf.width': e.nonZeroBox.right - e.nonZeroBox.left + 1 });
        Object.assign(stats, { 'unit.row': unit.row, 'unit.col': unit.col, 'unit.channel': unit.channel, 'unit.value': e.value });
        break;
      }
      case 'maximize': {
        const channel = req.channel ?? 0;
        const r = await maximizeChannel(tf, model, layer, channel, { ...sub, steps: req.steps });
        const p = inputPicture({ pixels: r.pixels, shape: r.shape });
        pictures.push({ view, name: 'maximize', caption: `What channel ${channel} of ${layer} responds to: gradient ascent, ${r.steps} steps (mean activation ${r.startValue.toFixed(3)} → ${r.endValue.toFixed(3)})`, layer, image: p.image });
        Object.assign(stats, { 'maximize.start': r.startValue, 'maximize.end': r.endValue });
        break;
      }
      default:
        throw new InspectError(`unknown view '${view as string}'`, 'options');
    }
  }
  o.onProgress?.(1, 'done');
  return { pictures, input, stats, notes, prediction, layer };
}
