import { basename } from 'node:path';
import { PROCFILES } from '../buildpack/procfile.js';
import { formatConfigVars } from '../platform/config-vars.js';
import { generateAccessKey } from '../native/storage/ids.js';
import { SMOKE_QUERIES_FILE } from './default-names.js';
import type { QuerySpec } from './queries.js';

/**
 * The deployment files `pio-deploy init` adds to an engine: app.json (Heroku Button, review apps, CI),
 * Procfile, `.env` for local runs, `.gitignore` entries, the smoke-test queries and the README's next
 * steps. Pure text builders; init decides what to write where.
 */

/**
 * The buildpack apps should name in app.json. The project publishes no repository URL in package.json
 * yet; `PIO_DEPLOY_BUILDPACK_URL` overrides this default.
 */
export const DEFAULT_BUILDPACK_URL = 'https://github.com/pio-deploy/pio-deploy';

export function buildpackUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIO_DEPLOY_BUILDPACK_URL?.trim() || DEFAULT_BUILDPACK_URL;
}

/** app.json caps `name` at 30 characters; PredictionIO app names must not contain spaces. */
const MAX_NAME = 30;

/** A name for the app (and its PredictionIO app) from the directory name, e.g. `My Engine!` → `my-engine`. */
export function appNameFor(dir: string, fallback: string): string {
  const cleaned = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+/g, '-')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '');
  return cleaned || fallback;
}

export type Runtime = 'native' | 'apache';

export interface AppJsonInput {
  name: string;
  description: string;
  template?: string;
  runtime: Runtime;
  buildpackUrl: string;
}

/** app.json in the form Heroku's app.json schema reads. */
export function appJson(input: AppJsonInput): Record<string, unknown> {
  return {
    name: input.name.slice(0, MAX_NAME),
    description: input.description,
    keywords: ['predictionio', 'machine-learning', ...(input.template ? [input.template] : [])],
    env: {
      PIO_EVENTSERVER_APP_NAME: {
        description: 'PredictionIO app holding the engine\'s events; the release phase creates it and loads data/initial-events.json.',
        value: input.name,
        required: true,
      },
      PIO_EVENTSERVER_ACCESS_KEY: {
        description: 'Access key of that PredictionIO app (for the event server and feedback events).',
        generator: 'secret',
        required: true,
      },
      // The native engine server's /stop and /reload need it; without one they answer no remote client.
      ...(input.runtime === 'native'
        ? {
            PIO_SERVER_ACCESS_KEY: {
              description: 'Engine server key: POST /stop and /reload need ?accessKey=<this key> (pio undeploy sends it).',
              generator: 'secret',
              required: true,
            },
          }
        : {}),
    },
    // The native runtime serves from a 512 MB dyno; Apache PredictionIO runs Spark in the dyno and
    // needs a larger one.
    formation: { web: { quantity: 1, size: input.runtime === 'native' ? 'basic' : 'standard-2x' } },
    addons: ['heroku-postgresql'],
    buildpacks: [{ url: input.buildpackUrl }],
  };
}

/** Engine variant of the Procfile (team interface, shared with compile). */
export const ENGINE_PROCFILE = PROCFILES.engine;

export interface LocalEnv {
  appName: string;
  accessKey: string;
  /** The engine server's key for /stop and /reload. */
  serverKey: string;
}

export function newLocalEnv(appName: string): LocalEnv {
  return { appName, accessKey: generateAccessKey(), serverKey: generateAccessKey() };
}

/** `.env` for `pio-deploy up`/`smoke`: no DATABASE_URL, so the embedded PostgreSQL is used. */
export function dotEnv(env: LocalEnv): string {
  return [
    '# Config vars for local runs (pio-deploy up, pio-deploy smoke). Not committed: it holds secrets.',
    '# No DATABASE_URL: pio-deploy runs an embedded PostgreSQL under ~/.pio. Set one to use your own.',
    formatConfigVars({
      PIO_EVENTSERVER_APP_NAME: env.appName,
      PIO_EVENTSERVER_ACCESS_KEY: env.accessKey,
      PIO_SERVER_ACCESS_KEY: env.serverKey,
      PIO_POSTGRES_OPTIONAL_SSL: 'true',
    }).trimEnd(),
    '',
  ].join('\n');
}

/** Build output and local secrets never belong in the repository (the platform builds committed files). */
export const GITIGNORE_ENTRIES = ['.env', 'PredictionIO-dist/', '.pio-deploy/', 'target/', 'node_modules/'] as const;

export function gitignore(): string {
  return `${GITIGNORE_ENTRIES.join('\n')}\n`;
}

/** Entries of `GITIGNORE_ENTRIES` an existing .gitignore lacks (exact lines, with or without a slash). */
export function missingGitignoreEntries(existing: string): string[] {
  const lines = new Set(existing.split(/\r?\n/).map((line) => line.trim().replace(/^\//, '').replace(/\/$/, '')));
  return GITIGNORE_ENTRIES.filter((entry) => !lines.has(entry.replace(/\/$/, '')));
}

export function smokeQueries(queries: QuerySpec[]): string {
  return [
    '# pio-deploy smoke: one JSON query per line with the expected answer (see pio-deploy smoke --help).',
    ...queries.map((query) => JSON.stringify(query)),
    '',
  ].join('\n');
}

/** An example sync hook, deliberately not executable: the release phase runs data/create-sync-events. */
export const SYNC_HOOK_EXAMPLE_FILE = 'data/create-sync-events.example';

export function syncHookExample(): string {
  return `#!/usr/bin/env bash
# Example data hook. To use it: rename it to data/create-sync-events, make it executable
# (chmod +x data/create-sync-events), commit and deploy. Every release then runs it before training;
# whatever it writes to data/sync-events.json (one event JSON per line) is imported into
# $PIO_EVENTSERVER_APP_NAME. Set PIO_PURGE_EVENTS_ON_SYNC=true to replace the app's events each time.
set -euo pipefail
cd "$(dirname "$0")"
# Replace this with an export from your own system (database query, API call, ...).
cp initial-events.json sync-events.json
`;
}

export interface ReadmeInput {
  name: string;
  template?: string;
  firstQuery?: unknown;
  /** The template's own README, placed below the deployment steps with its headings one level down. */
  engineReadme?: string;
}

export function readme(input: ReadmeInput): string {
  const query = JSON.stringify(input.firstQuery ?? {});
  const lines = [
    `# ${input.name}`,
    '',
    `A PredictionIO ${input.template ? `${input.template} ` : ''}engine, ready to deploy with pio-deploy.`,
    '',
    '## Next commands',
    '',
    '```bash',
    '# Build, release (create the PredictionIO app, import data/initial-events.json, train) and serve',
    '# on this machine, on an embedded PostgreSQL:',
    'pio-deploy up --port 8000',
    `curl -s -X POST http://localhost:8000/queries.json -H 'Content-Type: application/json' -d '${query}'`,
    '',
    `# The same lifecycle in a throwaway directory, checking the answers in ${SMOKE_QUERIES_FILE} (CI):`,
    `pio-deploy smoke --queries ${SMOKE_QUERIES_FILE}`,
    '',
    '# Deploy with git push to a local platform (zero-downtime releases):',
    'pio-deploy remote add staging && git push staging main',
    '',
    '# Or to Heroku (app.json declares PostgreSQL, the config vars and the buildpack):',
    `heroku create ${input.name} --buildpack ${buildpackUrl()}`,
    'heroku addons:create heroku-postgresql',
    `heroku config:set PIO_EVENTSERVER_APP_NAME=${input.name} PIO_EVENTSERVER_ACCESS_KEY=$(openssl rand -hex 32) PIO_SERVER_ACCESS_KEY=$(openssl rand -hex 32)`,
    'git push heroku main',
    '```',
    '',
    'The platform builds committed files only: commit your changes before `pio-deploy up` or a push.',
    '',
    '## Files',
    '',
    '- `engine.json`, `template.json`, `src/`: the engine.',
    '- `data/initial-events.json`: imported by the first release; see `data/create-sync-events.example`',
    '  for loading fresh events on every release.',
    '- `Procfile`: `web` serves the engine, `release` loads data and trains, `train` retrains on demand.',
    '- `app.json`: add-ons, config vars and dyno size for Heroku (Button, review apps, CI).',
    '- `.env` (not committed): config vars for local runs, with a generated access key.',
    `- \`${SMOKE_QUERIES_FILE}\`: queries and expected answers for \`pio-deploy smoke\`.`,
    '',
  ];
  if (input.engineReadme) {
    lines.push('## The engine', '', demoteHeadings(input.engineReadme).trimEnd(), '');
  }
  return lines.join('\n');
}

/** `# Title` → `### Title` etc. outside code fences, so the engine's README nests under one heading. */
function demoteHeadings(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .filter((line, index) => !(index === 0 && /^#\s/.test(line)))
    .map((line) => {
      if (/^\s*```/.test(line)) inFence = !inFence;
      return !inFence && /^#{1,5}\s/.test(line) ? `#${line}` : line;
    })
    .join('\n');
}
