import { describe, expect, it } from 'vitest';
import { pgConnectionFromDatabaseUrl, pgsqlFromDatabaseUrl } from '../../src/config/database-url.js';
import { elasticsearchFromUrl, elasticsearchStorageEnv } from '../../src/config/elasticsearch-url.js';
import { UserError } from '../../src/lib/errors.js';

const strict = { optionalSsl: false };

describe('pgsqlFromDatabaseUrl', () => {
  it('converts a Heroku DATABASE_URL and requires TLS by default', () => {
    expect(pgsqlFromDatabaseUrl('postgres://u:p@h.example:5432/db1', strict)).toEqual({
      url: 'jdbc:postgresql://h.example:5432/db1?sslmode=require',
      username: 'u',
      password: 'p',
    });
  });

  it('omits sslmode with PIO_POSTGRES_OPTIONAL_SSL and defaults the port to 5432', () => {
    expect(pgsqlFromDatabaseUrl('postgresql://pio@localhost/x', { optionalSsl: true })).toEqual({
      url: 'jdbc:postgresql://localhost:5432/x',
      username: 'pio',
      password: '',
    });
  });

  it('percent-decodes credentials containing : @ / , and %', () => {
    const result = pgsqlFromDatabaseUrl('postgres://us%40er:p%3Aa%40s%2Fs%2C%25@db.example:6543/d', strict);
    expect(result.username).toBe('us@er');
    expect(result.password).toBe('p:a@s/s,%');
    expect(result.url).toBe('jdbc:postgresql://db.example:6543/d?sslmode=require');
  });

  it('keeps existing query parameters, appends sslmode once, and respects an explicit sslmode', () => {
    expect(pgsqlFromDatabaseUrl('postgres://u:p@h/db?application_name=web&connect_timeout=5', strict).url).toBe(
      'jdbc:postgresql://h:5432/db?application_name=web&connect_timeout=5&sslmode=require',
    );
    expect(pgsqlFromDatabaseUrl('postgres://u:p@h/db?sslmode=verify-full', strict).url).toBe(
      'jdbc:postgresql://h:5432/db?sslmode=verify-full',
    );
  });

  it('never copies credentials from the query into the JDBC URL', () => {
    const result = pgsqlFromDatabaseUrl('postgres://u:p@h/db?password=leak&user=x&a=1', strict);
    expect(result.url).toBe('jdbc:postgresql://h:5432/db?a=1&sslmode=require');
  });

  it('keeps IPv6 hosts bracketed', () => {
    expect(pgsqlFromDatabaseUrl('postgres://u:p@[::1]:5433/db', strict).url).toBe('jdbc:postgresql://[::1]:5433/db?sslmode=require');
  });

  it.each([
    ['', 'it is empty'],
    ['not a url', 'not a valid URL'],
    ['mysql://u:p@h/db', 'scheme is "mysql"'],
    ['postgres://u:p@h', 'exactly one database'],
    ['postgres://u:p@h/a/b', 'exactly one database'],
    ['postgres://u:p%zz@h/db', 'invalid percent-encoding'],
    ['postgres://u:p@h:notaport/db', 'not a valid URL'],
  ])('rejects %j naming DATABASE_URL without echoing it', (value, reason) => {
    let error: unknown;
    try {
      pgsqlFromDatabaseUrl(value, strict);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    const userError = error as UserError;
    expect(userError.message).toContain('DATABASE_URL is invalid');
    expect(userError.message).toContain(reason);
    expect(userError.hint).toContain('postgres://USER:PASSWORD@HOST:PORT/DATABASE');
    if (value.includes('p%zz')) expect(userError.message).not.toContain('p%zz');
  });

  it('derives node-postgres options with TLS following sslmode', () => {
    expect(pgConnectionFromDatabaseUrl('postgres://a%20b:c%3Ad@h:6000/my%20db', strict)).toEqual({
      host: 'h',
      port: 6000,
      database: 'my db',
      user: 'a b',
      password: 'c:d',
      ssl: { rejectUnauthorized: false },
    });
    expect(pgConnectionFromDatabaseUrl('postgres://a@h/db', { optionalSsl: true }).ssl).toBe(false);
    expect(pgConnectionFromDatabaseUrl('postgres://a@h/db?sslmode=disable', strict).ssl).toBe(false);
    expect(pgConnectionFromDatabaseUrl('postgres://a@h/db?sslmode=verify-full', strict).ssl).toEqual({ rejectUnauthorized: true });
    expect(pgConnectionFromDatabaseUrl('postgres://a@[::1]/db', strict).host).toBe('::1');
  });
});

describe('elasticsearchFromUrl', () => {
  it('parses the Bonsai example: https without port means 443', () => {
    const es = elasticsearchFromUrl('https://u:p@x.bonsaisearch.net');
    expect(es).toMatchObject({ schemes: ['https'], hosts: ['x.bonsaisearch.net'], ports: [443], username: 'u', password: 'p' });
  });

  it('keeps an explicit port (the original replaced it with 9200)', () => {
    expect(elasticsearchFromUrl('https://u:p@es.example:9243').ports).toEqual([9243]);
    expect(elasticsearchFromUrl('http://es.example:9201').ports).toEqual([9201]);
  });

  it('keeps explicit default ports and defaults http to 9200', () => {
    expect(elasticsearchFromUrl('http://es.example:80').ports).toEqual([80]);
    expect(elasticsearchFromUrl('https://es.example:443').ports).toEqual([443]);
    expect(elasticsearchFromUrl('http://es.example').ports).toEqual([9200]);
    expect(elasticsearchFromUrl('http://[::1]').ports).toEqual([9200]);
    expect(elasticsearchFromUrl('http://[::1]:9300').ports).toEqual([9300]);
  });

  it('percent-decodes credentials and supports several nodes', () => {
    const es = elasticsearchFromUrl('https://el%3Aa:s%40c@a.example:9243, https://el%3Aa:s%40c@b.example');
    expect(es).toMatchObject({
      schemes: ['https', 'https'],
      hosts: ['a.example', 'b.example'],
      ports: [9243, 443],
      username: 'el:a',
      password: 's@c',
    });
    expect(elasticsearchStorageEnv(es)).toEqual({
      PIO_STORAGE_SOURCES_ELASTICSEARCH_TYPE: 'elasticsearch',
      PIO_STORAGE_SOURCES_ELASTICSEARCH_SCHEMES: 'https,https',
      PIO_STORAGE_SOURCES_ELASTICSEARCH_HOSTS: 'a.example,b.example',
      PIO_STORAGE_SOURCES_ELASTICSEARCH_PORTS: '9243,443',
      PIO_STORAGE_SOURCES_ELASTICSEARCH_USERNAME: 'el:a',
      PIO_STORAGE_SOURCES_ELASTICSEARCH_PASSWORD: 's@c',
    });
  });

  it('warns about a path prefix instead of silently dropping it', () => {
    expect(elasticsearchFromUrl('https://es.example/prefix').warnings).toHaveLength(1);
    expect(elasticsearchFromUrl('https://es.example/').warnings).toHaveLength(0);
  });

  it.each([
    ['ftp://es.example', 'http:// or https://'],
    ['es.example:9200', 'http:// or https://'],
    ['https://a:b@x.example,https://c:d@y.example', 'same user name and password'],
    [' , ', 'empty'],
  ])('rejects %j naming PIO_ELASTICSEARCH_URL', (value, reason) => {
    expect(() => elasticsearchFromUrl(value)).toThrow(/PIO_ELASTICSEARCH_URL is invalid/);
    expect(() => elasticsearchFromUrl(value)).toThrow(reason);
  });
});
