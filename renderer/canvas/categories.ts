/** The colour of each layer category (defined once, in styles/app.css). */
import type { LayerCategory } from '../../engine/layers';

export function categoryColor(c: LayerCategory | 'unknown'): string {
  return `var(--cat-${c})`;
}
