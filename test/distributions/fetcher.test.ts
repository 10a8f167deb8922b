import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArtifactCache } from '../../src/distributions/cache.js';
import type { ArtifactSpec } from '../../src/distributions/catalog.js';
import { downloadToFile, type FetchOptions } from '../../src/distributions/fetch.js';
import { installDistribution } from '../../src/distributions/install.js';
import { obtainArtifact, type ObtainContext } from '../../src/distributions/obtain.js';
import { createOutput } from '../../src/lib/output.js';
import { PassThrough } from 'node:stream';
import { apachePioTarball, jarFixture, sparkTarball } from '../helpers/fixture-dist.js';
import { sha512Hex, startFixtureServer, type FixtureServer } from '../helpers/http-fixture-server.js';

const FAST: FetchOptions = { attempts: 3, retryBaseMs: 5, idleTimeoutMs: 5000 };

let server: FixtureServer;
let work: string;
let log: string;

function context(extra: Partial<ObtainContext> = {}): ObtainContext {
  const out = new PassThrough();
  const err = new PassThrough();
  out.on('data', (chunk: Buffer) => (log += chunk.toString()));
  err.on('data', (chunk: Buffer) => (log += chunk.toString()));
  return {
    cache: new ArtifactCache(join(work, 'cache')),
    output: createOutput(out, err),
    fetch: FAST,
    write: (text) => (log += text),
    isTTY: false,
    ...extra,
  };
}

function spec(path: string, overrides: Partial<ArtifactSpec> = {}): ArtifactSpec {
  return {
    name: 'FIXTURE',
    title: 'Fixture artifact',
    url: server.url(path),
    checksumSources: [{ url: server.url(`${path}.sha512`), algorithm: 'sha512' }],
    install: { type: 'file', path: 'lib/fixture.jar' },
    ...overrides,
  };
}

async function cacheEntries(): Promise<string[]> {
  try {
    return (await readdir(join(work, 'cache', 'pio-deploy', 'artifacts'))).filter((name) => name !== 'by-url');
  } catch {
    return [];
  }
}

beforeEach(async () => {
  server = await startFixtureServer();
  work = await mkdtemp(join(tmpdir(), 'pio-fetcher-test-'));
  log = '';
});
afterEach(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('downloads', () => {
  it('verifies against the published gpg-layout .sha512, caches by digest and reuses without any request', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024, 7);
    server.put('/a.jar', body);
    const first = await obtainArtifact(spec('/a.jar'), context());
    expect(first.sha512).toBe(sha512Hex(body));
    expect(first.downloadedBytes).toBe(body.length);
    expect(await cacheEntries()).toEqual([sha512Hex(body)]);
    expect(log).toMatch(/\.\.\. 50% \(1\.5 MB of 3\.0 MB\)/);
    expect(log).toContain('... 100%');

    const requestsBefore = server.requests.length;
    const second = await obtainArtifact(spec('/a.jar'), context());
    expect(second.downloadedBytes).toBe(0);
    expect(second.path).toBe(first.path);
    expect(server.requests.length).toBe(requestsBefore);
    expect(log).toContain('Using cached a.jar');
  });

  it('retries 5xx answers with backoff and then succeeds', async () => {
    server.put('/flaky.jar', jarFixture('flaky'), { behaviour: { failFirst: 2, status: 503 } });
    const result = await obtainArtifact(spec('/flaky.jar'), context());
    expect(result.downloadedBytes).toBe(jarFixture('flaky').length);
    expect(server.requests.filter((r) => r.path === '/flaky.jar').map((r) => r.status)).toEqual([503, 503, 200]);
    expect(log).toContain('Retrying in');
  });

  it('does not retry a 404 and caches nothing', async () => {
    server.put('/gone.jar', jarFixture('gone'), { behaviour: 'not-found' });
    await expect(obtainArtifact(spec('/gone.jar'), context())).rejects.toThrow(/answered HTTP 404/);
    expect(server.requests.filter((r) => r.path === '/gone.jar')).toHaveLength(1);
    expect(await cacheEntries()).toEqual([]);
  });

  it('catches a truncated body, retries it, and leaves no temp file behind', async () => {
    server.put('/cut.tgz', Buffer.alloc(200_000, 1), { behaviour: 'truncate' });
    await expect(obtainArtifact(spec('/cut.tgz'), context())).rejects.toThrow(/closed early|cut short/);
    expect(server.requests.filter((r) => r.path === '/cut.tgz')).toHaveLength(FAST.attempts);
    expect(await cacheEntries()).toEqual([]);
  });

  it('rejects corrupted bytes without retrying and without a cache entry', async () => {
    server.put('/bad.jar', Buffer.alloc(10_000, 3), { behaviour: 'corrupt' });
    const failure = obtainArtifact(spec('/bad.jar'), context());
    await expect(failure).rejects.toThrow(/bad\.jar failed verification/);
    expect(server.requests.filter((r) => r.path === '/bad.jar')).toHaveLength(1);
    expect(await cacheEntries()).toEqual([]);
  });

  it('moves on to the next checksum source after a 404 and warns when only SHA-1 exists', async () => {
    const body = jarFixture('maven');
    server.put('/m.jar', body, { checksum: 'none' });
    const { createHash } = await import('node:crypto');
    server.put('/m.jar.sha1', Buffer.from(`${createHash('sha1').update(body).digest('hex')}\n`), { checksum: 'none' });
    const result = await obtainArtifact(
      spec('/m.jar', {
        checksumSources: [
          { url: server.url('/m.jar.sha512'), algorithm: 'sha512' },
          { url: server.url('/m.jar.sha1'), algorithm: 'sha1' },
        ],
      }),
      context(),
    );
    expect(result.sha512).toBe(sha512Hex(body));
    expect(log).toContain(`Set FIXTURE_SHA512=${sha512Hex(body)} to pin it`);
  });

  it('says how to fix a file with no checksum at all', async () => {
    server.put('/nosum.jar', jarFixture('x'), { checksum: 'none' });
    await expect(obtainArtifact(spec('/nosum.jar'), context())).rejects.toMatchObject({
      message: expect.stringContaining('No checksum is known'),
      hint: expect.stringContaining('FIXTURE_SHA512'),
    });
  });

  it('re-downloads when a cache entry was damaged on disk', async () => {
    const body = jarFixture('damaged');
    server.put('/d.jar', body);
    const first = await obtainArtifact(spec('/d.jar'), context());
    await writeFile(first.path, 'bit rot');
    const second = await obtainArtifact(spec('/d.jar'), context());
    expect(second.downloadedBytes).toBe(body.length);
    expect(await readFile(second.path)).toEqual(body);
  });

  it('reads file:// addresses and redacts credentials in errors', async () => {
    const file = join(work, 'local.jar');
    await writeFile(file, jarFixture('local'));
    const result = await downloadToFile(pathToFileURL(file).toString(), join(work, 'copy'), ['sha512'], FAST);
    expect(result.digests.sha512).toBe(sha512Hex(jarFixture('local')));
    const secretUrl = server.url('/missing.jar').replace('http://', 'http://admin:hunter22@');
    const error = await downloadToFile(secretUrl, join(work, 'x'), ['sha512'], FAST).then(() => undefined, (e: Error) => e);
    expect(String(error)).toContain('404');
    expect(String(error)).not.toContain('hunter22');
  });
});

describe('installing a distribution', () => {
  it('unpacks every part into PredictionIO-dist, stripping top-level dirs', async () => {
    server.put('/pio.tar.gz', await apachePioTarball('0.13.0'));
    server.put('/spark.tgz', await sparkTarball('2.1.1'));
    server.put('/pg.jar', jarFixture('pg'));
    const app = join(work, 'app');
    await import('node:fs/promises').then((fs) => fs.mkdir(app));
    const installed = await installDistribution(
      {
        kind: 'apache',
        version: '0.13.0',
        title: 'fixture',
        artifacts: [
          spec('/spark.tgz', { name: 'SPARK_DIST', install: { type: 'unpack', dir: 'vendors/spark-hadoop' } }),
          spec('/pio.tar.gz', { name: 'PREDICTIONIO_DIST', install: { type: 'unpack', dir: '' } }),
          spec('/pg.jar', { name: 'POSTGRESQL_DRIVER', install: { type: 'file', path: 'lib/postgresql_jdbc.jar' } }),
        ],
      },
      app,
      context(),
    );
    const dist = join(app, 'PredictionIO-dist');
    expect(installed.dir).toBe(dist);
    expect((await stat(join(dist, 'bin', 'pio'))).mode & 0o111).not.toBe(0);
    expect(await readFile(join(dist, 'RELEASE'), 'utf8')).toBe('PredictionIO 0.13.0\n');
    expect(await readFile(join(dist, 'vendors', 'spark-hadoop', 'bin', 'spark-submit'), 'utf8')).toContain('spark-submit');
    expect(await readFile(join(dist, 'lib', 'postgresql_jdbc.jar'))).toEqual(jarFixture('pg'));
    const manifest = JSON.parse(await readFile(join(dist, '.pio-deploy-distribution.json'), 'utf8')) as { kind: string };
    expect(manifest.kind).toBe('apache');
    expect((await readdir(app)).sort()).toEqual(['PredictionIO-dist']);
  });

  it('leaves no partial install when a later artifact fails', async () => {
    server.put('/pio.tar.gz', await apachePioTarball('0.13.0'));
    server.put('/spark.tgz', await sparkTarball('2.1.1'), { behaviour: 'corrupt' });
    const app = join(work, 'app');
    await import('node:fs/promises').then((fs) => fs.mkdir(app));
    await expect(
      installDistribution(
        {
          kind: 'apache',
          version: '0.13.0',
          title: 'fixture',
          artifacts: [
            spec('/pio.tar.gz', { install: { type: 'unpack', dir: '' } }),
            spec('/spark.tgz', { install: { type: 'unpack', dir: 'vendors/spark-hadoop' } }),
          ],
        },
        app,
        context(),
      ),
    ).rejects.toThrow(/failed verification/);
    expect(await readdir(app)).toEqual([]);
  });
});

describe('cache housekeeping and progress', () => {
  it('keeps only the artifacts a build used', async () => {
    server.put('/keep.jar', jarFixture('keep'));
    server.put('/old.jar', jarFixture('old'));
    const keep = await obtainArtifact(spec('/keep.jar'), context());
    await obtainArtifact(spec('/old.jar'), context());
    const cache = new ArtifactCache(join(work, 'cache'));
    expect(await cache.retainOnly([keep.sha512])).toBe(1);
    expect(await cacheEntries()).toEqual([keep.sha512]);
    expect(await cache.digestForUrl(server.url('/old.jar'))).toBeUndefined();
    expect(await cache.digestForUrl(server.url('/keep.jar'))).toBe(keep.sha512);
  });

  it('draws one bar line on a TTY and periodic lines for unknown sizes', async () => {
    const { createProgress } = await import('../../src/distributions/progress.js');
    let tty = '';
    const bar = createProgress((text) => (tty += text), true);
    bar.listener(50, 100);
    bar.listener(100, 100);
    bar.finish();
    expect(tty).toBe('\r       [###############...............] 50% of 100 B\r       [##############################] 100% of 100 B\n');
    let lines = '';
    const unknown = createProgress((text) => (lines += text), false);
    unknown.listener(25 * 1024 * 1024, undefined);
    unknown.finish();
    expect(lines).toBe('       ... 10.0 MB\n       ... 20.0 MB\n');
  });
});
