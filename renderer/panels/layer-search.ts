/** Palette search: the layers whose label, type, category or help match a query, best first. */
import { LAYER_CATEGORIES, LAYER_DEFS, type AnyLayerDef } from '../../engine/layers';

export function searchLayers(query: string, defs: readonly AnyLayerDef[] = LAYER_DEFS): AnyLayerDef[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...defs];
  const catLabel = (d: AnyLayerDef) => LAYER_CATEGORIES.find((c) => c.id === d.category)?.label.toLowerCase() ?? '';
  const score = (d: AnyLayerDef): number => {
    const label = d.label.toLowerCase();
    if (label === q || d.type === q) return 0;
    if (label.startsWith(q) || d.type.startsWith(q)) return 1;
    if (label.includes(q) || d.type.includes(q)) return 2;
    if (catLabel(d).includes(q)) return 3;
    if (d.help.toLowerCase().includes(q)) return 4;
    return -1;
  };
  return defs
    .map((d) => ({ d, s: score(d) }))
    .filter((x) => x.s >= 0)
    .sort((a, b) => a.s - b.s)
    .map((x) => x.d);
}
