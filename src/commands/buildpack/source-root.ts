import { fileURLToPath } from 'node:url';
import type { BuildProcess } from '../../buildpack/compile-session.js';

/** The pio-deploy checkout this CLI runs from (what the buildpack installs into the app). */
export const SOURCE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What both build phases take from the process bin/compile or bin/build started. */
export function fromThisProcess(): BuildProcess {
  return {
    sourceRoot: SOURCE_ROOT,
    nodeHome: process.env.PIO_DEPLOY_NODE_HOME || undefined,
    processEnv: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    isTTY: process.stdout.isTTY === true,
  };
}
