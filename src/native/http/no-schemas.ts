function noSchemas(): never {
  throw new Error('This server declares no JSON schemas: requests are validated in the handlers.');
}

/**
 * fastify's `schemaController` for servers whose routes declare no schema: without these stubs fastify
 * would load ajv and fast-json-stringify at start, a large share of start-up time (a quarter of the
 * Event Server's) and several MB, for nothing.
 */
export const NO_SCHEMAS = { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } };
