import type { OptionSpec } from '../../lib/command-spec.js';

/** The `--app-dir` of every dyno-time command. */
export const appDirOption: OptionSpec = {
  flags: '--app-dir <dir>',
  description: 'app root (where engine.json and PredictionIO-dist are)',
  default: '.',
  defaultDescription: 'current directory',
};
