/**
 * resolveParams (engine/layers/define-layer.ts) with each layer's defaults
 * computed once instead of cloned on every call: analysis resolves every
 * node's parameters on every keystroke, and the clone dominated a
 * 1,000-layer analysis. Same result (a test compares the two on random
 * input); the defaults are frozen and shared, which is safe because
 * parameters are read-only everywhere.
 */
import { checkParam, defaultParams, type AnyLayerDef, type ParamSchema } from '../layers';
import type { ResolvedParams } from '../layers/define-layer';

const DEFAULTS = new WeakMap<AnyLayerDef, Readonly<Record<string, unknown>>>();

function defaultsOf(def: AnyLayerDef): Readonly<Record<string, unknown>> {
  let d = DEFAULTS.get(def);
  if (!d) {
    const fresh = defaultParams(def);
    for (const v of Object.values(fresh)) if (v && typeof v === 'object') Object.freeze(v);
    d = Object.freeze(fresh);
    DEFAULTS.set(def, d);
  }
  return d;
}

/** Merge stored params over the defaults and check each against its spec. Never throws. */
export function resolveParamsFast(def: AnyLayerDef, raw: Record<string, unknown> | undefined): ResolvedParams {
  const params: Record<string, unknown> = { ...defaultsOf(def) };
  const errors: ResolvedParams['errors'] = [];
  const unknown: string[] = [];
  if (!raw || typeof raw !== 'object') return { params, errors, unknown };
  const specs = def.params as ParamSchema;
  // Specs first (errors in spec order), then unknown keys in stored order,
  // exactly as resolveParams does.
  for (const k in specs) {
    if (!(k in raw) || raw[k] === undefined) continue;
    const r = checkParam(k, specs[k], raw[k]);
    if ('error' in r) errors.push({ field: k, message: r.error });
    else params[k] = r.value;
  }
  for (const k of Object.keys(raw)) if (!(k in specs)) unknown.push(k);
  return { params, errors, unknown };
}

interface CacheEntry {
  def: AnyLayerDef;
  keys: string[];
  vals: unknown[];
  resolved: ResolvedParams;
}

/**
 * Resolution cached per stored params object. In the editor a keystroke
 * changes one node; every other node keeps its params object and skips the
 * checks. The entry remembers the values it was computed from and is used
 * only if they are all still the same (so mutating a params object in place
 * is safe too). The result is shared and read-only.
 */
const CACHE = new WeakMap<object, CacheEntry>();

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function resolveParamsCached(def: AnyLayerDef, raw: Record<string, unknown> | undefined): ResolvedParams {
  if (!raw || typeof raw !== 'object') return resolveParamsFast(def, raw);
  const keys = Object.keys(raw);
  const hit = CACHE.get(raw);
  if (hit && hit.def === def && hit.keys.length === keys.length) {
    let same = true;
    for (let i = 0; i < keys.length && same; i++) same = keys[i] === hit.keys[i] && sameValue(raw[keys[i]], hit.vals[i]);
    if (same) return hit.resolved;
  }
  const resolved = resolveParamsFast(def, raw);
  // Remember copies of the values (flat ones only: anything nested is
  // invalid anyway and simply not cached).
  const vals: unknown[] = [];
  for (const k of keys) {
    const v = raw[k];
    if (v !== null && typeof v === 'object') {
      if (!Array.isArray(v) || v.some((x) => x !== null && typeof x === 'object')) return resolved;
      vals.push([...v]);
    } else vals.push(v);
  }
  CACHE.set(raw, { def, keys, vals, resolved });
  return resolved;
}
