import type { ParamSchema, ParamsOf } from './params';
import { checkParam } from './params';
import type { AnyLayerDef, LayerDef } from './types';

/** Identity at run time; gives each layer file full typing of its params. */
export function defineLayer<const S extends ParamSchema>(def: LayerDef<S>): LayerDef<S> {
  return def;
}

/** Every parameter at its default. */
export function defaultParams(def: AnyLayerDef): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(def.params as ParamSchema)) out[k] = structuredClone(spec.default);
  return out;
}

export interface ResolvedParams {
  /** Stored values checked and normalised, missing ones filled with defaults. */
  params: Record<string, unknown>;
  /** One per bad field, quoting the value received. */
  errors: { field: string; message: string }[];
  /** Keys in the document that the layer does not have. */
  unknown: string[];
}

/** Merge stored params over defaults and check each against its spec. Never throws. */
export function resolveParams(def: AnyLayerDef, raw: Record<string, unknown> | undefined): ResolvedParams {
  const params = defaultParams(def);
  const errors: ResolvedParams['errors'] = [];
  const specs = def.params as ParamSchema;
  const given = raw && typeof raw === 'object' ? raw : {};
  for (const [k, spec] of Object.entries(specs)) {
    if (!(k in given) || given[k] === undefined) continue;
    const r = checkParam(k, spec, given[k]);
    if ('error' in r) errors.push({ field: k, message: r.error });
    else params[k] = r.value;
  }
  const unknown = Object.keys(given).filter((k) => !(k in specs));
  return { params, errors, unknown };
}

export type { ParamsOf };
