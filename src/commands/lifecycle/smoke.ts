import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandDefinition } from '../../lib/command-spec.js';
import { UserError } from '../../lib/errors.js';
import { SMOKE_QUERIES_FILE } from '../../lifecycle/default-names.js';
import { defaultBuildpackDir } from '../../platform/paths.js';
import { parseSeconds } from '../arg-parsers.js';

const QUERY_FORMAT_HELP = `Queries file: JSON Lines, one query per line (blank lines and lines starting with # are skipped).
Each line POSTs "query" to /queries.json and checks the answer:
  {"query": {"voice_usage": 12, "data_usage": 0, "text_usage": 4}, "expect": {"service_plan": 0}}
  {"query": {"user": "1", "num": 4}, "expectKeys": ["itemScores"]}
  {"query": {"user": "1", "num": 4}, "match": {"path": "itemScores.length", "gte": 1}}
  {"query": {"vector": []}, "expectStatus": 400, "name": "empty vector is refused"}
"expect" is deep equality; "match" is one predicate or an array of them, each a "path" (keys, array
indexes, length) with any of equals, oneOf, gt, gte, lt, lte, type, exists. Status 200 is expected
unless "expectStatus" says otherwise.

Exit status: 0 when every query passed and nothing was left running, 1 otherwise, 130 on Ctrl-C.`;

export const smoke: CommandDefinition = {
  name: 'smoke',
  description:
    "CI check: build, release and serve the app's committed files in temp dirs on a private embedded PostgreSQL, " +
    'send each query of the queries file, report, and stop everything',
  arguments: [{ name: '[dir]' }],
  options: [
    { flags: '-q, --queries <file>', description: `queries file (default: <dir>/${SMOKE_QUERIES_FILE})` },
    { flags: '--env <file>', description: 'extra config vars file (applied after app.json and <dir>/.env)' },
    { flags: '--buildpack <dir>', description: 'classic buildpack directory (default: the one shipped with pio-deploy)' },
    { flags: '--boot-timeout <seconds>', description: 'how long the web process may take to answer HTTP', parse: parseSeconds, default: 120 },
    { flags: '-v, --verbose', description: 'show the full build, release and web output', default: false },
  ],
  notes: QUERY_FORMAT_HELP,
  examples: [`pio-deploy smoke . --queries ${SMOKE_QUERIES_FILE}`],
  action: async (
    dir: string | undefined,
    options: { queries?: string; env?: string; buildpack?: string; bootTimeout: number; verbose: boolean },
  ) => {
    const appDir = resolve(dir ?? '.');
    const queriesFile = options.queries ? resolve(options.queries) : join(appDir, SMOKE_QUERIES_FILE);
    if (!options.queries && !existsSync(queriesFile)) {
      throw new UserError(`No queries file: ${queriesFile} does not exist.`, {
        hint: 'Pass --queries <file> with one JSON query per line (see pio-deploy smoke --help).',
      });
    }
    const { runSmoke } = await import('../../lifecycle/smoke.js');
    process.exitCode = await runSmoke({
      appDir,
      queriesFile,
      buildpackDir: resolve(options.buildpack ?? defaultBuildpackDir()),
      envFile: options.env ? resolve(options.env) : undefined,
      verbose: options.verbose,
      bootTimeoutMs: options.bootTimeout * 1000,
      stdout: process.stdout,
      stderr: process.stderr,
    });
  },
};
