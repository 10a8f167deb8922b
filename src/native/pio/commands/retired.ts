import type { CommandDefinition } from '../../../lib/command-spec.js';
import { abort } from '../../console/index.js';

/** A command upstream still parses but no longer supports (BEHAVIOUR.md#retired-and-missing-commands): its message, exit 1. */
export function retired(name: string, ...message: string[]): CommandDefinition {
  return {
    name,
    hidden: true,
    arguments: [{ name: '[args...]' }],
    allowUnknownOption: true,
    action: () => abort('Console$', ...message),
  };
}
