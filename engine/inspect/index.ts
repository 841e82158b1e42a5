/**
 * Looking inside a network: feature maps, filters, channel-maximising images,
 * saliency (gradients, SmoothGrad, Grad-CAM) and effective receptive fields.
 * Pure engine code; tf is passed in (as in engine/train). Pictures are RGBA
 * arrays (./image, no tfjs) turned into PNG by ./png.
 */
export * from './types';
export * from './image';
export { runGraph, layerByName, lastSpatialLayer, layerOutputShape, modelInputShape, classCount, type RunOptions } from './run-graph';
export { inputTensor, inputPixels, type InspectImage } from './input';
export { featureMaps } from './feature-maps';
export { convFilters, firstConvLayer, type FilterBank } from './filters';
export { gradientSaliency, smoothGrad, gradCam, type SaliencyResult, type GradCamResult, type SmoothGradOptions } from './saliency';
export { effectiveRf, theoreticalBox, clipBox, type EffectiveRf, type Unit } from './effective-rf';
export { maximizeChannel, type MaximizeOptions, type MaximizeResult } from './maximize';
export * from './render';
export { encodePngRgba, pngBase64, decodePngRgba } from './png';
