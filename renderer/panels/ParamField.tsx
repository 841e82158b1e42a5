/**
 * One inspector field, generated from a ParamSpec (int, float, choice, bool,
 * pair, intList): no hand-written form per layer. Typing commits live (one
 * undo step per field visit); text that is not a number is kept in the field
 * and flagged, never sent to the document.
 */
import { useEffect, useState } from 'react';
import type { ParamSpec } from '../../engine/layers';

export interface ParamFieldProps {
  name: string;
  spec: ParamSpec;
  /** The stored value (or the default when the document leaves it out). */
  value: unknown;
  /** The analysis' message for this field, if it is wrong. */
  error?: string;
  onChange(value: unknown, live: boolean): void;
  /** The field lost focus: close the live undo step. */
  onDone(): void;
}

function parseNumber(text: string, integer: boolean): number | null {
  const t = text.trim();
  if (!t || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return null;
  const v = Number(t);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) return null;
  return v;
}

function NumberInput(props: { value: unknown; integer: boolean; min?: number; max?: number; step?: number; id?: string; testId: string; label: string; onValue(v: number): void; onDone(): void; invalid?: boolean }) {
  const [text, setText] = useState(String(props.value ?? ''));
  const [focused, setFocused] = useState(false);
  // Follow the document (undo, another node selected) unless the user is typing.
  useEffect(() => {
    if (!focused) setText(String(props.value ?? ''));
  }, [props.value, focused]);
  const parsed = parseNumber(text, props.integer);
  const bad = parsed === null;
  return (
    <input
      id={props.id}
      type="number"
      inputMode={props.integer ? 'numeric' : 'decimal'}
      aria-label={props.label}
      className={bad || props.invalid ? 'invalid' : ''}
      value={text}
      min={props.min}
      max={props.max}
      step={props.step ?? (props.integer ? 1 : 'any')}
      data-testid={props.testId}
      onFocus={() => setFocused(true)}
      onChange={(e) => {
        setText(e.target.value);
        const v = parseNumber(e.target.value, props.integer);
        if (v !== null) props.onValue(v);
      }}
      onBlur={() => {
        setFocused(false);
        props.onDone();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
      }}
    />
  );
}

function IntListInput(props: { value: unknown; testId: string; label: string; onValue(v: number[]): void; onDone(): void; invalid?: boolean }) {
  const show = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));
  const [text, setText] = useState(show(props.value));
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setText(show(props.value));
  }, [props.value, focused]);
  const parse = (t: string) => {
    const parts = t.split(/[\s,×x]+/).filter(Boolean);
    const nums = parts.map((p) => parseNumber(p, true));
    return parts.length && nums.every((n) => n !== null) ? (nums as number[]) : null;
  };
  const bad = parse(text) === null;
  return (
    <input
      type="text"
      aria-label={props.label}
      className={bad || props.invalid ? 'invalid' : ''}
      value={text}
      data-testid={props.testId}
      onFocus={() => setFocused(true)}
      onChange={(e) => {
        setText(e.target.value);
        const v = parse(e.target.value);
        if (v) props.onValue(v);
      }}
      onBlur={() => {
        setFocused(false);
        props.onDone();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
      }}
    />
  );
}

export function ParamField({ name, spec, value, error, onChange, onDone }: ParamFieldProps) {
  const label = spec.label ?? name;
  const id = `param-${name}`;
  const testId = `param-${name}`;
  let control: React.ReactNode;
  switch (spec.kind) {
    case 'int':
    case 'float':
      control = <NumberInput id={id} label={label} testId={testId} value={value} integer={spec.kind === 'int'} min={spec.min} max={spec.max} step={spec.step} invalid={!!error} onValue={(v) => onChange(v, true)} onDone={onDone} />;
      break;
    case 'choice':
      control = (
        <select id={id} value={String(value)} data-testid={testId} onChange={(e) => onChange(e.target.value, false)}>
          {spec.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    case 'bool':
      control = (
        <label className="toggle">
          <input id={id} type="checkbox" checked={value === true} data-testid={testId} onChange={(e) => onChange(e.target.checked, false)} />
          {value === true ? 'on' : 'off'}
        </label>
      );
      break;
    case 'pair': {
      const p: readonly [number, number] = Array.isArray(value) ? (value as [number, number]) : typeof value === 'number' ? [value, value] : [NaN, NaN];
      // Shape errors name their axis ("… input height 14 …"): outline only that half of the pair.
      const msg = error ?? '';
      const onlyH = /\bheight\b/.test(msg) && !/\bwidth\b/.test(msg);
      const onlyW = /\bwidth\b/.test(msg) && !/\bheight\b/.test(msg);
      control = (
        <div className="pair">
          <NumberInput id={id} label={`${label} height`} testId={`${testId}-h`} value={p[0]} integer min={spec.min} max={spec.max} invalid={!!error && !onlyW} onValue={(v) => onChange([v, p[1]], true)} onDone={onDone} />
          <span>×</span>
          <NumberInput label={`${label} width`} testId={`${testId}-w`} value={p[1]} integer min={spec.min} max={spec.max} invalid={!!error && !onlyH} onValue={(v) => onChange([p[0], v], true)} onDone={onDone} />
        </div>
      );
      break;
    }
    case 'intList':
      control = <IntListInput label={label} testId={testId} value={value} invalid={!!error} onValue={(v) => onChange(v, true)} onDone={onDone} />;
      break;
  }
  return (
    <div className="field" title={spec.help}>
      <label htmlFor={id}>{label}</label>
      {control}
      {error && <div className="field-error">{error}</div>}
    </div>
  );
}
