/** Analysis: pure, runs in the renderer (live) and in the engine. */
export * from './types';
export { analyzeGraph, isBuildable, BYTES_PER_VALUE, HUGE_PARAMS, HUGE_ACTIVATION_VALUES } from './analyze';
export { topoSort, type TopoResult } from './topo';
export {
  inputAxis, unitRegion, windowAxis, transposedAxis, mergeAxes, inputState, applyStep, globalState, mergeStates, summarize, recurrence, rfUnitRegion, MAX_PERIOD,
  type AxisRf, type RfState,
} from './receptive-field';
