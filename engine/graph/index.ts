/**
 * The graph document: types, schema, parsing and migrations. Pure (browser
 * safe). File load/save is in ./io (Node only) and deliberately not exported
 * here so the renderer bundle never pulls in node:fs.
 */
export * from './doc';
export { graphDocSchema, nodeSchema, edgeSchema, MAX_NODES, MAX_EDGES, MAX_NAME, MAX_TEXT, MAX_PARAM_LIST, MAX_SLOT, MAX_COORD } from './schema';
export { parseGraphDoc, parseGraphJson, type DocProblem, type ParseResult, type ParseOptions } from './parse';
export { migrateDoc, MIGRATIONS, type Migration, type MigrateResult } from './migrate';
