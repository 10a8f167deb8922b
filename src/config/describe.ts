import { redactUrl } from '../lib/redact.js';
import { ENV_NAMES, ENV_VARIABLES, PHASES, type EnvName } from './env-schema.js';
import type { PioDeployConfig } from './load-config.js';
import { shellQuote } from './shell-words.js';

/** `pio-deploy config --help`: every variable with its phases, default and description. */
export function variablesHelp(): string {
  const width = Math.max(...ENV_NAMES.map((name) => name.length));
  const lines = ['Environment variables (empty values count as unset):', ''];
  for (const name of ENV_NAMES) {
    const declaration = ENV_VARIABLES[name];
    lines.push(`  ${name.padEnd(width)}  [${declaration.phases.join(', ')}]  default: ${declaration.default}`);
    lines.push(`  ${' '.repeat(width)}  ${declaration.description}`);
  }
  lines.push('', 'Phases:');
  for (const [phase, meaning] of Object.entries(PHASES)) lines.push(`  ${phase.padEnd(8)} ${meaning}`);
  return lines.join('\n');
}

/** The CUSTOM.md table; a test keeps the document and this schema in sync. */
export function variablesMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = ENV_NAMES.map((name) => {
    const declaration = ENV_VARIABLES[name];
    const secret = declaration.secret ? ' (secret)' : '';
    return `| \`${name}\`${secret} | ${declaration.phases.join(', ')} | ${cell(declaration.default)} | ${cell(declaration.description)} |`;
  });
  return ['| Variable | Phases | Default | Description |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * A value as it may be shown to a person: secrets hidden; in URLs (each of a comma-separated list) the
 * credentials and query strings (presigned URLs) are replaced by `***`.
 */
export function displayValue(name: EnvName, value: string): string {
  const kind = ENV_VARIABLES[name].secret;
  if (kind === 'value') return '(set, hidden)';
  if (kind === 'url') return value.split(',').map((part) => redactUrl(part.trim())).join(',');
  return value;
}

/** `pio-deploy config`: the variables that are set, and what pio-deploy derives from them. */
export function effectiveConfigLines(config: PioDeployConfig, env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  for (const name of ENV_NAMES) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    lines.push(`${name}=${displayValue(name, raw.trim())}`);
  }
  if (lines.length === 0) lines.push('(no pio-deploy variables set: every default applies)');
  lines.push('', 'Derived:');
  if (config.database) {
    lines.push(`  PIO_STORAGE_SOURCES_PGSQL_URL=${config.database.url}`);
    lines.push(`  PIO_STORAGE_SOURCES_PGSQL_USERNAME=${config.database.username}`);
    lines.push(`  PIO_STORAGE_SOURCES_PGSQL_PASSWORD=${config.database.password ? '(set, hidden)' : '(empty)'}`);
  } else {
    lines.push('  PostgreSQL: no DATABASE_URL (native: embedded PostgreSQL; apache: localhost pio/pio)');
  }
  const es = config.elasticsearch;
  if (es) {
    lines.push(`  PIO_STORAGE_SOURCES_ELASTICSEARCH_SCHEMES=${es.schemes.join(',')}`);
    lines.push(`  PIO_STORAGE_SOURCES_ELASTICSEARCH_HOSTS=${es.hosts.join(',')}`);
    lines.push(`  PIO_STORAGE_SOURCES_ELASTICSEARCH_PORTS=${es.ports.join(',')}`);
    if (es.username) lines.push(`  PIO_STORAGE_SOURCES_ELASTICSEARCH_USERNAME=${es.username}`);
  }
  if (config.s3) {
    lines.push(`  fs.defaultFS=s3a://${config.s3.bucket}${config.s3.endpoint ? ` (endpoint ${config.s3.endpoint})` : ''}`);
  }
  const v = config.values;
  lines.push(`  pio deploy/train options: ${v.PIO_OPTS.map(shellQuote).join(' ') || '(none)'}`);
  lines.push(`  spark options (web): ${v.PIO_SPARK_OPTS.map(shellQuote).join(' ') || '(autoset memory only)'}`);
  lines.push(`  spark options (train): ${v.PIO_TRAIN_SPARK_OPTS.map(shellQuote).join(' ') || '(autoset memory only)'}`);
  return lines;
}
