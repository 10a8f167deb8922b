import type { CommandDefinition } from '../../../lib/command-spec.js';
import { accesskey } from './accesskey/index.js';
import { app } from './app/index.js';
import { batchpredict } from './batchpredict.js';
import { build } from './build.js';
import { deploy } from './deploy.js';
import { evaluate } from './eval.js';
import { eventserver } from './eventserver.js';
import { exportEvents } from './export.js';
import { help } from './help.js';
import { importEvents } from './import.js';
import { status } from './status.js';
import { template } from './template.js';
import { train } from './train.js';
import { undeploy } from './undeploy.js';
import { upgrade } from './upgrade.js';
import { version } from './version.js';

/**
 * Every native `pio` command, one file each, in the order `pio help` lists them. Declaring them must
 * stay cheap (`pio` starts in well under a second): each action imports its implementation (storage,
 * engines, fastify) when it runs.
 */
export const PIO_COMMANDS: readonly CommandDefinition[] = [
  help,
  version,
  status,
  app,
  accesskey,
  importEvents,
  exportEvents,
  eventserver,
  build,
  train,
  evaluate,
  deploy,
  undeploy,
  batchpredict,
  template,
  upgrade,
];
