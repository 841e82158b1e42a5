/**
 * The typed contract between renderer and engine (design.md, "IPC: one
 * contract, two transports"). Declared in engine/api/: contract.ts (the
 * EngineApi interface and payload types), result.ts (Result values),
 * channels.ts (request/event lists and channel names), schemas.ts (zod schema
 * per request). The transport-neutral client is engine/api-client.ts.
 */
export * from './api/index';
