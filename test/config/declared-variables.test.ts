import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FETCH_OPTIONS } from '../../src/distributions/fetch.js';
import { DEFAULT_POLL_INTERVAL_MS } from '../../src/native/engineserver/deploy.js';
import { ENV_NAMES, ENV_VARIABLES } from '../../src/config/env-schema.js';
import { loadConfig } from '../../src/config/load-config.js';

/** Read by src/ but not configuration a user sets: the platform, the CNB lifecycle or our scripts set them. */
const NOT_CONFIGURATION: Record<string, string> = {
  PATH: 'process environment',
  HOME: 'process environment',
  JAVA_HOME: 'set by a JVM buildpack or the system',
  STACK: 'set by the platform (Heroku stack name)',
  CNB_LAYERS_DIR: 'set by the Cloud Native Buildpacks lifecycle',
  CNB_PLATFORM_DIR: 'set by the Cloud Native Buildpacks lifecycle',
  PIO_DEPLOY_NODE_HOME: 'set by buildpack/bin/compile for `pio-deploy buildpack compile`',
  NODE_OPTIONS: "Node's own option variable (the Event Server defers to heap flags set there)",
};

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name));
}

/** `process.env.NAME`, `env.NAME`, `env?.NAME`, `env['NAME']` that are read (not assigned). */
const READ = /\b(?:process\.env|env)\??\.([A-Z][A-Z0-9_]{2,})\b(?!\s*=[^=])|\benv\[['"]([A-Z][A-Z0-9_]{2,})['"]\](?!\s*=[^=])/g;

describe('every variable the code reads is declared in the schema', () => {
  it('finds no undeclared variable reads in src/', async () => {
    const undeclared: string[] = [];
    for (const file of await sourceFiles('src')) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(READ)) {
        const name = match[1] ?? match[2] ?? '';
        if (!(ENV_NAMES as string[]).includes(name) && !(name in NOT_CONFIGURATION)) undeclared.push(`${name} (${file})`);
      }
    }
    expect(undeclared, 'declare these in src/config/env-schema.ts (or list them above with a reason)').toEqual([]);
  });

  it('declares the variables read by name in other modules (fetch tuning, native servers)', () => {
    for (const name of [
      'PIO_DEPLOY_FETCH_ATTEMPTS',
      'PIO_DEPLOY_FETCH_RETRY_MS',
      'PIO_DEPLOY_FETCH_IDLE_TIMEOUT_MS',
      'PIO_ENGINE_POLL_INTERVAL',
      'PIO_SERVER_ACCESS_KEY',
      'PIO_HOME',
      'JDK_URL',
      'JDK_SHA512',
    ]) {
      expect(ENV_NAMES).toContain(name);
    }
    expect(ENV_VARIABLES.PIO_SERVER_ACCESS_KEY.secret).toBe('value');
  });

  it('documents the defaults the consumers really use', () => {
    expect(ENV_VARIABLES.PIO_DEPLOY_FETCH_ATTEMPTS.default).toBe(String(DEFAULT_FETCH_OPTIONS.attempts));
    expect(ENV_VARIABLES.PIO_DEPLOY_FETCH_RETRY_MS.default).toBe(String(DEFAULT_FETCH_OPTIONS.retryBaseMs));
    expect(ENV_VARIABLES.PIO_DEPLOY_FETCH_IDLE_TIMEOUT_MS.default).toBe(String(DEFAULT_FETCH_OPTIONS.idleTimeoutMs));
    expect(ENV_VARIABLES.PIO_ENGINE_POLL_INTERVAL.default).toBe(String(DEFAULT_POLL_INTERVAL_MS));
  });

  it('validates the new variables with the consumers\' rules, all problems at once', () => {
    const config = loadConfig({ PIO_ENGINE_POLL_INTERVAL: '0', PIO_DEPLOY_FETCH_RETRY_MS: '0', PIO_LOG_LEVEL: 'WARN', PIO_SERVER_ACCESS_KEY: 'k3y' });
    expect(config.values.PIO_ENGINE_POLL_INTERVAL).toBe(0);
    expect(config.values.PIO_DEPLOY_FETCH_RETRY_MS).toBe(0);
    expect(config.values.PIO_LOG_LEVEL).toBe('warn');
    expect(config.secrets).toContain('k3y');
    expect(() =>
      loadConfig({ PIO_DEPLOY_FETCH_ATTEMPTS: '0', PIO_DEPLOY_FETCH_IDLE_TIMEOUT_MS: '50', PIO_ENGINE_POLL_INTERVAL: '5s', PIO_EVENTSERVER_CONCURRENT_COMMITS: 'many', PIO_LOG_LEVEL: 'loud' }),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /5 problems[\s\S]*PIO_DEPLOY_FETCH_ATTEMPTS must be a whole number ≥ 1[\s\S]*PIO_DEPLOY_FETCH_IDLE_TIMEOUT_MS must be a whole number ≥ 100[\s\S]*PIO_ENGINE_POLL_INTERVAL must be a whole number ≥ 0[\s\S]*PIO_LOG_LEVEL must be one of[\s\S]*PIO_EVENTSERVER_CONCURRENT_COMMITS must be a whole number ≥ 1/,
        ),
      }),
    );
  });
});
