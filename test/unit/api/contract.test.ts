/**
 * The contract is declared once and everything derived from it agrees:
 * channels, schemas, handlers, client. The lists are also checked against
 * the EngineApi interface at compile time; these tests keep the runtime
 * honest (e.g. a handler table edited with a cast).
 */
import { describe, expect, it } from 'vitest';
import {
  EVENT_NAMES,
  REQUEST_NAMES,
  REQUEST_SCHEMAS,
  channelOf,
  eventChannelOf,
  isEventName,
  isRequestName,
  parseRequestArg,
  type EngineApi,
} from '../../../engine/api';
import { HANDLERS } from '../../../electron/handlers';
import { emptyDoc } from '../../../engine/graph/doc';

describe('the contract and what is derived from it', () => {
  it('names requests and events apart, and channels after them', () => {
    expect(REQUEST_NAMES.length).toBeGreaterThan(10);
    for (const m of REQUEST_NAMES) {
      expect(m.startsWith('on')).toBe(false);
      expect(channelOf(m)).toBe(`engine:${m}`);
      expect(isRequestName(m)).toBe(true);
      expect(isEventName(m)).toBe(false);
    }
    for (const e of EVENT_NAMES) {
      expect(e).toMatch(/^on[A-Z]/);
      expect(eventChannelOf(e)).toBe(`engine-event:${e}`);
    }
    expect(new Set([...REQUEST_NAMES.map(channelOf), ...EVENT_NAMES.map(eventChannelOf)]).size).toBe(REQUEST_NAMES.length + EVENT_NAMES.length);
    for (const bogus of ['toString', '__proto__', 'constructor', 'hasOwnProperty', '', 'onJobProgress']) expect(isRequestName(bogus)).toBe(false);
  });

  it('has a schema and a handler for every request, and nothing else', () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual([...REQUEST_NAMES].sort());
    expect(Object.keys(HANDLERS).sort()).toEqual([...REQUEST_NAMES].sort());
    for (const m of REQUEST_NAMES) expect(typeof HANDLERS[m]).toBe('function');
  });

  it('covers what the app needs', () => {
    const needed: (keyof EngineApi)[] = [
      'backendInfo', 'listTemplates', 'loadTemplate', 'openProject', 'saveProject', 'saveProjectAs', 'recentFiles',
      'readAutosave', 'writeAutosave', 'clearAutosave', 'exportDiagram', 'startTraining', 'cancelJob', 'listDatasets',
      'previewDataset', 'evaluate', 'predict', 'onJobProgress', 'onJobEnd',
    ];
    const all = new Set<string>([...REQUEST_NAMES, ...EVENT_NAMES]);
    for (const n of needed) expect(all.has(n), n).toBe(true);
  });
});

describe('request schemas', () => {
  const doc = emptyDoc('n');
  const accepted: [string, unknown][] = [
    ['hostInfo', undefined],
    ['loadTemplate', 'resnet50'],
    ['openProject', undefined],
    ['openProject', { path: '/a/b.cnnd' }],
    ['saveProject', { path: '/a/b.cnnd', doc }],
    ['saveProjectAs', { doc, suggestedName: 'x' }],
    ['writeAutosave', { doc, path: null }],
    ['exportDiagram', { format: 'svg', svg: '<svg/>' }],
    ['exportDiagram', { format: 'png', base64: 'iVBORw0KGgo=', path: '/x.png', overwrite: true }],
    ['startTraining', { doc, dataset: { spec: 'builtin:shapes' }, settings: { epochs: 2, optimizer: 'adam' } }],
    ['predict', { model: { modelId: 'm1' }, image: { base64: 'AAAA' }, topK: 3 }],
    ['cancelJob', 'job-1'],
  ];
  it.each(accepted)('%s accepts a valid argument', (m, arg) => {
    expect(isRequestName(m)).toBe(true);
    const r = parseRequestArg(m as never, arg);
    expect(r.ok, JSON.stringify(r)).toBe(true);
  });

  const refused: [string, unknown, RegExp][] = [
    ['hostInfo', { sneaky: 1 }, /invalid argument/],
    ['loadTemplate', 42, /loadTemplate: invalid argument/],
    ['loadTemplate', '', /invalid argument/],
    ['openProject', { path: 'a\0b' }, /path.*NUL/],
    ['saveProject', { path: '/x.cnnd', doc: { ...doc, nodes: [{ id: 'a', type: 'conv2d', params: {}, position: { x: NaN, y: 0 } }] } }, /doc\.nodes\.0\.position\.x/],
    ['saveProject', { path: '/x.cnnd', doc: { ...doc, format: 'other' } }, /doc\.format/],
    ['saveProject', { doc }, /'path'/],
    ['exportDiagram', { format: 'gif', data: '' }, /format/],
    ['exportDiagram', { format: 'png', base64: 'data:image/png;base64,AAAA' }, /base64/],
    ['startTraining', { doc, dataset: { spec: 'builtin:shapes' }, settings: { epochs: 0 } }, /settings\.epochs/],
    ['cancelJob', { jobId: 'x' }, /invalid argument/],
  ];
  it.each(refused)('%s refuses a bad argument and names the field', (m, arg, msg) => {
    const r = parseRequestArg(m as never, arg);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(msg);
  });

  it('does not echo huge values back in the message', () => {
    const r = parseRequestArg('loadTemplate', 'x'.repeat(100_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.length).toBeLessThan(500);
  });
});
