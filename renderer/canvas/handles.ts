/** How many input handles a node shows: one per connected input, plus one free (up to the layer's maximum). */
export function handleCount(maxInputs: number, connectedSlots: number): number {
  if (maxInputs <= 0) return 0;
  if (maxInputs === 1) return 1;
  return Math.min(maxInputs, Math.max(2, connectedSlots + 1));
}
