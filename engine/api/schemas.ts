/**
 * zod schemas for the argument of every request in the contract. The host
 * parses every argument with these before a handler runs: the renderer is
 * not trusted (a compromised page must not reach the engine with malformed
 * data). Typed against the contract, so a schema that drifts from its
 * request type is a compile error.
 *
 * The graph document schema here is structural (what a transport must check:
 * types, sizes, no prototype tricks). Semantic checks (layer types, params)
 * belong to the graph loader and analysis, which report issues per node.
 */
import { z } from 'zod';
import type { EngineRequestName, RequestArg } from './contract';

/** Limits that keep one message from exhausting the host's memory. */
export const LIMITS = {
  /** Path length, characters. */
  path: 4096,
  /** Nodes in one document (ResNet-152 has ~500). */
  nodes: 20_000,
  edges: 40_000,
  /** SVG text, characters (64 MiB). */
  svg: 64 * 1024 * 1024,
  /** Base64 text, characters (≈ 96 MiB of bytes). */
  base64: 128 * 1024 * 1024,
  /** Short strings: ids, names. */
  short: 512,
  /** Long text: descriptions. */
  text: 100_000,
} as const;

const noNul = (s: string) => !s.includes('\0');

export const pathSchema = z
  .string()
  .min(1, 'a path is required')
  .max(LIMITS.path)
  .refine(noNul, 'a path cannot contain a NUL character');

const idSchema = z.string().min(1).max(LIMITS.short).refine(noNul, 'no NUL characters allowed');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const base64Schema = z
  .string()
  .max(LIMITS.base64)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64 without a data: prefix');

export const graphNodeSchema = z.object({
  id: idSchema,
  type: z.string().min(1).max(LIMITS.short),
  params: z.record(z.string(), z.unknown()),
  position: z.object({ x: finite, y: finite }),
  name: z.string().max(LIMITS.short).optional(),
  frozen: z.boolean().optional(),
});

export const graphEdgeSchema = z.object({
  id: idSchema,
  source: idSchema,
  target: idSchema,
  targetIndex: z.number().int().min(0),
});

/** Structural schema of a GraphDoc as it crosses a transport. */
export const graphDocSchema = z.object({
  format: z.literal('cnn-designer.graph'),
  version: z.number().int().min(1),
  name: z.string().max(LIMITS.short),
  description: z.string().max(LIMITS.text).optional(),
  meta: z
    .object({
      year: z.number().int().optional(),
      paper: z.string().max(LIMITS.text).optional(),
      paperUrl: z.string().max(LIMITS.text).optional(),
      idea: z.string().max(LIMITS.text).optional(),
      reference: z.string().max(LIMITS.text).optional(),
      tags: z.array(z.string().max(LIMITS.short)).max(100).optional(),
    })
    .optional(),
  nodes: z.array(graphNodeSchema).max(LIMITS.nodes),
  edges: z.array(graphEdgeSchema).max(LIMITS.edges),
  training: z
    .object({
      optimizer: z.enum(['sgd', 'adam', 'rmsprop']).optional(),
      learningRate: finite.positive().optional(),
      momentum: finite.min(0).optional(),
      batchSize: z.number().int().min(1).optional(),
      epochs: z.number().int().min(1).optional(),
      validationSplit: finite.min(0).max(0.9).optional(),
      augment: z.object({ flip: z.boolean().optional(), shift: finite.min(0).optional() }).optional(),
      earlyStopping: z.object({ patience: z.number().int().min(1) }).nullable().optional(),
    })
    .optional(),
  dataset: z.object({ spec: z.string().min(1).max(LIMITS.path) }).optional(),
  weights: z.object({ path: pathSchema, savedAt: z.string().optional() }).optional(),
});

const trainingSettingsSchema = graphDocSchema.shape.training.unwrap();
const datasetSchema = z.object({ spec: z.string().min(1).max(LIMITS.path).refine(noNul) });

const modelRefSchema = z.union([
  z.object({ modelId: idSchema }),
  z.object({ doc: graphDocSchema, weightsPath: pathSchema.optional() }),
]);

const imageInputSchema = z.union([z.object({ path: pathSchema }), z.object({ base64: base64Schema })]);

const none = z.undefined();

const inspectViewSchema = z.enum(['activations', 'filters', 'saliency', 'smoothgrad', 'gradcam', 'effective-rf', 'maximize']);

/**
 * One schema per request, typed by the contract. A key missing here, or a
 * schema whose output does not match the request's argument type, fails to
 * compile.
 */
export const REQUEST_SCHEMAS: { [K in EngineRequestName]: z.ZodType<RequestArg<K>> } = {
  hostInfo: none,
  takeOpenedFiles: none,
  backendInfo: none,
  listTemplates: none,
  loadTemplate: idSchema,
  openProject: z.object({ path: pathSchema.optional() }).optional(),
  saveProject: z.object({ path: pathSchema, doc: graphDocSchema }),
  saveProjectAs: z.object({
    doc: graphDocSchema,
    path: pathSchema.optional(),
    suggestedName: z.string().max(LIMITS.short).optional(),
    overwrite: z.boolean().optional(),
  }),
  recentFiles: none,
  clearRecentFiles: none,
  listProjectFiles: z.object({ dir: pathSchema.optional() }).optional(),
  readAutosave: none,
  writeAutosave: z.object({ doc: graphDocSchema, path: pathSchema.nullable() }),
  clearAutosave: none,
  exportDiagram: z.intersection(
    z.discriminatedUnion('format', [
      z.object({ format: z.literal('svg'), svg: z.string().max(LIMITS.svg) }),
      z.object({ format: z.literal('png'), base64: base64Schema }),
    ]),
    z.object({
      path: pathSchema.optional(),
      suggestedName: z.string().max(LIMITS.short).optional(),
      overwrite: z.boolean().optional(),
    }),
  ),
  chooseFolder: z.object({ purpose: z.enum(['export', 'dataset', 'import', 'weights']), defaultPath: pathSchema.optional() }),
  listDatasets: none,
  previewDataset: z.object({ spec: datasetSchema.shape.spec, count: z.number().int().min(1).max(64).optional() }),
  startTraining: z.object({
    doc: graphDocSchema,
    dataset: datasetSchema,
    settings: trainingSettingsSchema,
    initialModel: modelRefSchema.optional(),
    saveBesidePath: pathSchema.optional(),
    adaptInput: z.boolean().optional(),
    limit: z.number().int().min(1).max(10_000_000).optional(),
    threads: z.number().int().min(0).max(64).optional(),
  }),
  evaluate: z.object({
    model: modelRefSchema,
    dataset: datasetSchema,
    mistakes: z.number().int().min(0).max(256).optional(),
    limit: z.number().int().min(1).max(10_000_000).optional(),
  }),
  predict: z.object({
    model: modelRefSchema,
    image: imageInputSchema,
    topK: z.number().int().min(1).max(1000).optional(),
    classNames: z.array(z.string().max(LIMITS.short)).max(100_000).optional(),
  }),
  inspect: z.object({
    model: modelRefSchema,
    view: inspectViewSchema,
    nodeId: idSchema,
    image: imageInputSchema.optional(),
    classIndex: z.number().int().min(0).optional(),
    unit: z.tuple([z.number().int().min(0), z.number().int().min(0), z.number().int().min(0)]).optional(),
    views: z.array(inspectViewSchema).min(1).max(7).optional(),
    sample: z.object({ spec: datasetSchema.shape.spec, split: z.enum(['train', 'test']).optional(), index: z.number().int().min(0) }).optional(),
    channel: z.number().int().min(0).optional(),
    steps: z.number().int().min(1).max(500).optional(),
    samples: z.number().int().min(1).max(200).optional(),
    maxTiles: z.number().int().min(1).max(1024).optional(),
    gradcamNodeId: idSchema.optional(),
  }),
  exportModel: z.object({
    model: modelRefSchema,
    format: z.enum(['tfjs', 'onnx', 'keras', 'pytorch']),
    dir: pathSchema.optional(),
  }),
  importModel: z.object({ path: pathSchema }),
  cancelJob: idSchema,
};

/**
 * Parse a request's argument. On failure, a message that names the field and
 * says what was expected (never the whole value, which may be huge).
 */
export function parseRequestArg<K extends EngineRequestName>(
  method: K,
  arg: unknown,
): { ok: true; value: RequestArg<K> } | { ok: false; message: string; field?: string } {
  const r = REQUEST_SCHEMAS[method].safeParse(arg);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0];
  const field = first && first.path.length ? first.path.map(String).join('.') : undefined;
  const where = field ? `argument field '${field}'` : 'argument';
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : '';
  return {
    ok: false,
    message: `${method}: invalid ${where}: ${first?.message ?? 'does not match the contract'}${more}`,
    ...(field ? { field } : {}),
  };
}
