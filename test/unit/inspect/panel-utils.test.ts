/** Pure helpers of the Look inside panel. */
import { describe, expect, it } from 'vitest';
import { resolveWeightsPath } from '../../../renderer/panels/inspect/inspect-store';

describe('resolveWeightsPath', () => {
  it('resolves a document-relative weights path beside the document, keeps absolute ones', () => {
    expect(resolveWeightsPath('/home/a/nets/my.cnnd', 'my.weights')).toBe('/home/a/nets/my.weights');
    expect(resolveWeightsPath('C:\\nets\\my.cnnd', 'my.weights')).toBe('C:\\nets\\my.weights');
    expect(resolveWeightsPath('/home/a/my.cnnd', '/data/w')).toBe('/data/w');
    expect(resolveWeightsPath('/home/a/my.cnnd', 'D:\\w')).toBe('D:\\w');
    expect(resolveWeightsPath(null, 'my.weights')).toBe('my.weights');
    expect(resolveWeightsPath('/home/a/my.cnnd', undefined)).toBe('');
  });
});
