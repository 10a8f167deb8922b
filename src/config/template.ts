import { UserError } from '../lib/errors.js';
import { singleQuote } from './shell-words.js';

/**
 * The template syntax for engine overrides under `<app>/config/` (documented in CUSTOM.md):
 *
 *   {{NAME}}            value of NAME; an error if NAME is unset or empty
 *   {{NAME:-default}}   value of NAME, or the literal default text when unset or empty
 *   \{{                 a literal `{{`
 *
 * NAME is any environment variable plus the values pio-deploy computes (PIO_STORAGE_SOURCES_*, …).
 * Substituted values are escaped for the file they land in (see `escaperFor`), so a password with
 * quotes or `<` cannot break the file; template text itself is copied verbatim.
 */
export type Escaper = (value: string) => string;

const PLACEHOLDER = /\\\{\{|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::-(.*?))?\s*\}\}|\{\{/g;

export function renderTemplate(
  source: string,
  lookup: (name: string) => string | undefined,
  escape: Escaper,
  fileLabel: string,
): string {
  const problems: string[] = [];
  const output = source.replace(PLACEHOLDER, (match, name: string | undefined, fallback: string | undefined, offset: number) => {
    if (match === '\\{{') return '{{';
    const line = source.slice(0, offset).split('\n').length;
    if (name === undefined) {
      problems.push(`line ${line}: "{{" does not start a placeholder; write {{NAME}}, {{NAME:-default}} or \\{{ for a literal`);
      return match;
    }
    const value = lookup(name);
    if (value !== undefined && value !== '') return escape(value);
    if (fallback !== undefined) return escape(fallback);
    problems.push(`line ${line}: {{${name}}} but ${name} is not set; set it or write {{${name}:-default}}`);
    return match;
  });
  if (problems.length > 0) {
    throw new UserError(`${fileLabel} cannot be rendered:\n  ${problems.join('\n  ')}`, {
      hint: 'Template syntax: {{NAME}} or {{NAME:-default}} (see CUSTOM.md, "Configuration files").',
    });
  }
  return output;
}

/** Always single-quoted: safe for any byte sequence in bash. */
export const shellEscape: Escaper = singleQuote;

export const xmlEscape: Escaper = (value) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** spark-defaults.conf is read with java.util.Properties: backslash escapes and line breaks matter. */
export const propertiesEscape: Escaper = (value) =>
  value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/^\s/, (space) => `\\${space}`);

/** A double-quoted scalar is valid YAML and JSON; it never changes type or breaks indentation. */
export const yamlEscape: Escaper = (value) => JSON.stringify(value);

/** Inside an existing JSON string: escape, without adding the surrounding quotes. */
export const jsonStringEscape: Escaper = (value) => JSON.stringify(value).slice(1, -1);

export const rawValue: Escaper = (value) => value;

export function escaperFor(fileName: string): Escaper {
  if (/\.(sh|bash)$/.test(fileName)) return shellEscape;
  if (/\.xml$/.test(fileName)) return xmlEscape;
  if (/\.(conf|properties)$/.test(fileName)) return propertiesEscape;
  if (/\.ya?ml$/.test(fileName)) return yamlEscape;
  if (/\.json$/.test(fileName)) return jsonStringEscape;
  return rawValue;
}
