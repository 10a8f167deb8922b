import { UserError } from '../lib/errors.js';

/** What PredictionIO's Elasticsearch storage source needs (`PIO_STORAGE_SOURCES_ELASTICSEARCH_*`). */
export interface ElasticsearchSettings {
  schemes: string[];
  hosts: string[];
  ports: number[];
  username: string | undefined;
  password: string | undefined;
  /** Non-fatal findings, e.g. a path prefix PredictionIO cannot use. */
  warnings: string[];
}

const DEFAULT_PORTS: Record<string, number> = { 'https:': 443, 'http:': 9200 };

/**
 * Parses `PIO_ELASTICSEARCH_URL`: one URL, or several separated by commas for a multi-node cluster
 * (`https://user:pass@a.example,https://b.example:9243`). An explicit port is always kept (the original
 * buildpack replaced it with 9200); without one, https means 443 and http means 9200. Credentials are
 * percent-decoded; every node must use the same credentials, because PredictionIO has one
 * USERNAME/PASSWORD pair per source.
 */
export function elasticsearchFromUrl(value: string): ElasticsearchSettings {
  const parts = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) throw invalid('it is empty');

  const settings: ElasticsearchSettings = {
    schemes: [],
    hosts: [],
    ports: [],
    username: undefined,
    password: undefined,
    warnings: [],
  };
  parts.forEach((part, index) => {
    const where = parts.length > 1 ? `node ${index + 1}` : 'it';
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      throw invalid(`${where} is not a valid URL`);
    }
    const defaultPort = DEFAULT_PORTS[url.protocol];
    if (defaultPort === undefined) throw invalid(`${where} must start with http:// or https://`);
    if (!url.hostname) throw invalid(`${where} has no host name`);
    const username = decode(url.username, where);
    const password = decode(url.password, where);
    if (username || password) {
      if (settings.username !== undefined && (settings.username !== username || settings.password !== password)) {
        throw invalid('all nodes must use the same user name and password');
      }
      settings.username = username;
      settings.password = password;
    }
    if (url.pathname !== '/' && url.pathname !== '') {
      settings.warnings.push(
        'PIO_ELASTICSEARCH_URL has a path after the host; PredictionIO connects to the host root, so the path is ignored.',
      );
    }
    settings.schemes.push(url.protocol.replace(/:$/, ''));
    settings.hosts.push(url.hostname);
    settings.ports.push(explicitPort(part, url) ?? defaultPort);
  });
  return settings;
}

/** The variables PredictionIO reads, comma-joined the way its Elasticsearch source expects. */
export function elasticsearchStorageEnv(settings: ElasticsearchSettings): Record<string, string> {
  const env: Record<string, string> = {
    PIO_STORAGE_SOURCES_ELASTICSEARCH_TYPE: 'elasticsearch',
    PIO_STORAGE_SOURCES_ELASTICSEARCH_SCHEMES: settings.schemes.join(','),
    PIO_STORAGE_SOURCES_ELASTICSEARCH_HOSTS: settings.hosts.join(','),
    PIO_STORAGE_SOURCES_ELASTICSEARCH_PORTS: settings.ports.join(','),
  };
  if (settings.username) env.PIO_STORAGE_SOURCES_ELASTICSEARCH_USERNAME = settings.username;
  if (settings.password) env.PIO_STORAGE_SOURCES_ELASTICSEARCH_PASSWORD = settings.password;
  return env;
}

/**
 * The port written in the URL, if any. WHATWG URL hides a port equal to the scheme's default
 * (`http://h:80` has port ''), but for Elasticsearch "no port" means 9200, so `:80` must survive.
 */
function explicitPort(text: string, url: URL): number | undefined {
  if (url.port) return Number(url.port);
  const authority = text.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  // An IPv6 literal (`[::1]`) contains colons of its own; only a colon after `]` starts a port.
  const portPart = hostPort.startsWith('[') ? hostPort.slice(hostPort.indexOf(']') + 1) : hostPort;
  const match = /:(\d+)$/.exec(portPart);
  return match ? Number(match[1]) : undefined;
}

function decode(value: string, where: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(`${where} has an invalid percent-encoding in its user name or password`);
  }
}

function invalid(reason: string): UserError {
  return new UserError(`PIO_ELASTICSEARCH_URL is invalid: ${reason}.`, {
    hint: 'Set PIO_ELASTICSEARCH_URL to https://USER:PASSWORD@HOST[:PORT] (percent-encode special characters), e.g. the URL of a Bonsai or Elastic Cloud add-on.',
  });
}
