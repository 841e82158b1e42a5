/**
 * Parameter specs: the schema a layer declares for its parameters. The
 * inspector form, document validation and defaults are all derived from these.
 */

interface SpecBase<T> {
  /** Default value, used for new nodes and missing fields in documents. */
  default: T;
  /** Label in the inspector; defaults to the key. */
  label?: string;
  /** One-line help shown as a tooltip. */
  help?: string;
  /** Shown on the node itself as a key parameter. */
  key?: boolean;
}

export interface IntSpec extends SpecBase<number> {
  kind: 'int';
  min?: number;
  max?: number;
  step?: number;
  /**
   * When set, 0 is a special value meaning this (e.g. 'same as pool size',
   * 'no limit'); the inspector shows this text instead of 0.
   */
  zeroMeans?: string;
}
export interface FloatSpec extends SpecBase<number> {
  kind: 'float';
  min?: number;
  max?: number;
  step?: number;
  /**
   * When set, 0 is a special value meaning this (e.g. 'same as pool size',
   * 'no limit'); the inspector shows this text instead of 0.
   */
  zeroMeans?: string;
  /** min is exclusive (e.g. a rate in (0, 1)). */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}
export interface ChoiceSpec<T extends string = string> extends SpecBase<T> {
  kind: 'choice';
  options: readonly T[];
}
export interface BoolSpec extends SpecBase<boolean> {
  kind: 'bool';
}
/** Two integers, one per spatial axis (height, width). JSON may give one int for both. */
export interface PairSpec extends SpecBase<readonly [number, number]> {
  kind: 'pair';
  min?: number;
  max?: number;
  /**
   * When set, 0 is a special value meaning this (e.g. 'same as pool size',
   * 'no limit'); the inspector shows this text instead of 0.
   */
  zeroMeans?: string;
}
/** A list of integers, e.g. the target shape of Reshape. */
export interface IntListSpec extends SpecBase<readonly number[]> {
  kind: 'intList';
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
}

export type ParamSpec = IntSpec | FloatSpec | ChoiceSpec | BoolSpec | PairSpec | IntListSpec;

/** The TypeScript value type a spec produces. */
export type ValueOf<S> = S extends IntSpec | FloatSpec
  ? number
  : S extends ChoiceSpec<infer T>
    ? T
    : S extends BoolSpec
      ? boolean
      : S extends PairSpec
        ? readonly [number, number]
        : S extends IntListSpec
          ? readonly number[]
          : never;

export type ParamSchema = Record<string, ParamSpec>;
export type ParamsOf<S extends ParamSchema> = { [K in keyof S]: ValueOf<S[K]> };

type Opts<S> = Omit<S, 'kind'>;

export const int = (o: Opts<IntSpec>): IntSpec => ({ kind: 'int', ...o });
export const float = (o: Opts<FloatSpec>): FloatSpec => ({ kind: 'float', ...o });
export const bool = (o: Opts<BoolSpec>): BoolSpec => ({ kind: 'bool', ...o });
export const pair = (o: Omit<Opts<PairSpec>, 'default'> & { default: number | readonly [number, number] }): PairSpec => ({
  kind: 'pair',
  ...o,
  default: typeof o.default === 'number' ? [o.default, o.default] : o.default,
});
export const intList = (o: Opts<IntListSpec>): IntListSpec => ({ kind: 'intList', ...o });
export function choice<const T extends string>(options: readonly T[], o: Omit<Opts<ChoiceSpec<T>>, 'options'>): ChoiceSpec<T> {
  return { kind: 'choice', options, ...o };
}

/**
 * Check one value against its spec. Returns the normalised value, or a
 * message quoting what was received. Never throws.
 */
export function checkParam(key: string, spec: ParamSpec, v: unknown): { value: unknown } | { error: string } {
  const got = (x: unknown) => JSON.stringify(x) ?? String(x);
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof v !== 'number' || !Number.isFinite(v)) return { error: `${key} must be a number; received ${got(v)}` };
      if (spec.kind === 'int' && !Number.isInteger(v)) return { error: `${key} must be a whole number; received ${v}` };
      const fs = spec as FloatSpec;
      if (spec.min !== undefined && (fs.exclusiveMin ? v <= spec.min : v < spec.min))
        return { error: `${key} must be ${fs.exclusiveMin ? 'greater than' : 'at least'} ${spec.min}; received ${v}` };
      if (spec.max !== undefined && (fs.exclusiveMax ? v >= spec.max : v > spec.max))
        return { error: `${key} must be ${fs.exclusiveMax ? 'less than' : 'at most'} ${spec.max}; received ${v}` };
      return { value: v };
    }
    case 'choice':
      if (typeof v !== 'string' || !spec.options.includes(v))
        return { error: `${key} must be one of ${spec.options.map((o) => `'${o}'`).join(', ')}; received ${got(v)}` };
      return { value: v };
    case 'bool':
      if (typeof v !== 'boolean') return { error: `${key} must be true or false; received ${got(v)}` };
      return { value: v };
    case 'pair': {
      const p = typeof v === 'number' ? [v, v] : v;
      if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => typeof x === 'number' && Number.isInteger(x)))
        return { error: `${key} must be a whole number or a pair [height, width]; received ${got(v)}` };
      for (const x of p as number[]) {
        if (spec.min !== undefined && x < spec.min) return { error: `${key} must be at least ${spec.min}; received ${got(v)}` };
        if (spec.max !== undefined && x > spec.max) return { error: `${key} must be at most ${spec.max}; received ${got(v)}` };
      }
      return { value: [p[0], p[1]] as const };
    }
    case 'intList': {
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x)))
        return { error: `${key} must be a list of whole numbers; received ${got(v)}` };
      if (spec.minLength !== undefined && v.length < spec.minLength) return { error: `${key} needs at least ${spec.minLength} entries; received ${v.length}` };
      if (spec.maxLength !== undefined && v.length > spec.maxLength) return { error: `${key} takes at most ${spec.maxLength} entries; received ${v.length}` };
      for (const x of v as number[]) {
        if (spec.min !== undefined && x < spec.min) return { error: `${key} entries must be at least ${spec.min}; received ${got(v)}` };
        if (spec.max !== undefined && x > spec.max) return { error: `${key} entries must be at most ${spec.max}; received ${got(v)}` };
      }
      return { value: [...v] };
    }
  }
}
