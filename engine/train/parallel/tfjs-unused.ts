/**
 * Stands in for the parts of @tensorflow/tfjs a replica thread never uses
 * (tfjs-converter, tfjs-data, tfjs-backend-webgl, and tfjs-backend-cpu unless
 * the run is on the cpu backend) inside the replica-worker bundle: see
 * bundle.ts. Loading them costs each replica ~20 MB of V8 heap.
 */
export {};
