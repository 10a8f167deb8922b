import { ENV_VARIABLES } from '../../config/env-schema.js';
import { EngineWorkflowError } from '../workflow/errors.js';
import { DEFAULT_QUERY_BODY_LIMIT } from './server.js';

/** `PIO_ENGINE_QUERY_BODY_LIMIT` in bytes (the schema's rules), the default when unset. */
export function queryBodyLimitFrom(env: NodeJS.ProcessEnv): number {
  const raw = env.PIO_ENGINE_QUERY_BODY_LIMIT;
  const parsed = ENV_VARIABLES.PIO_ENGINE_QUERY_BODY_LIMIT.schema.safeParse(raw);
  if (!parsed.success) {
    const problem = parsed.error.issues[0]?.message ?? 'is invalid';
    throw new EngineWorkflowError(`PIO_ENGINE_QUERY_BODY_LIMIT ${problem}, got '${String(raw)}'.`);
  }
  return parsed.data ?? DEFAULT_QUERY_BODY_LIMIT;
}
