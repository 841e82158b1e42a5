/**
 * engine/data: datasets as streams of plain typed arrays. No tfjs, Electron
 * or React here (see docs/datasets.md).
 */
export type { Batch, BatchOptions, Dataset, DatasetChoice, DatasetInfo, DatasetStats, ImageShape, OpenOptions, OpenProgress, Sample, SkippedFile, Split } from './types';
export { DatasetError, type DatasetErrorCode } from './errors';
export { DATASET_KINDS, detectDataset, getDatasetKind, listBuiltinDatasets, listDatasetChoices, openDataset, type DetectedSpec } from './registry';
export type { DatasetKind } from './kind';
export { parseSpec, formatSpec, type ParsedSpec } from './spec';
export { splitTrainValidation, type IndexSplit } from './split';
export { describeDataset, encodePng, pngDataUrl, previewDataset, type ClassPreview, type DatasetPreview, type PreviewOptions } from './preview';
export { writeSample, toUint8 } from './pixels';
export { SHAPE_CLASSES, type ShapesOptions } from './synthetic-shapes';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES } from './idx';
export { CIFAR10_CLASSES } from './cifar';
export { IMAGE_EXTENSIONS } from './folder';
export { decodeImage, type DecodeOptions, type Fit } from './image';
