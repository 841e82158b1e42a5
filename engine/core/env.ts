/**
 * An environment variable, or undefined where there is no process (the
 * engine's analysis and layer code also load in the renderer). The engine's
 * switches for before/after comparisons (CNN_FOLD, CNN_WASM_*, …) read it.
 */
export function envVar(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}
