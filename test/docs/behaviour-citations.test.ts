import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Code, tests and documents cite our own reference, `BEHAVIOUR.md#<anchor>` (and rows of
 * COMPATIBILITY.md, CUSTOM.md, …), never a document outside the repository. This checks both halves:
 * no outside citation is left, and every `<DOC>.md#<anchor>` names a heading that exists.
 */

const ROOT = process.cwd();
const SCANNED_DIRS = ['src', 'test', 'templates', 'bench', 'buildpack', 'bin'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);
/** This file holds bad citations on purpose (the negative cases below). */
const THIS_FILE = 'test/docs/behaviour-citations.test.ts';

/** Citations of the specifications that live outside the repository, and their in-house labels. */
const OUTSIDE_CITATIONS: Array<{ pattern: RegExp; what: string }> = [
  { pattern: /§/, what: 'a section sign (outside-spec section number)' },
  { pattern: /\bspec\s+(?:§|\d|Appendix\b)/i, what: 'a "spec <section>" citation' },
  { pattern: /predictionio-compat/, what: 'the outside predictionio-compat document' },
  { pattern: /buildpack-platform/, what: 'the outside buildpack-platform document' },
  { pattern: /\.\.\/shared\b/, what: 'a path outside the repository' },
  { pattern: /\bW\d+\b/, what: 'an outside weakness label such as (W11)' },
];

/** `BEHAVIOUR.md#event-validation`, `COMPATIBILITY.md#known-gaps`, also inside markdown links. */
const DOCUMENT_ANCHOR = /\b([A-Z][A-Z0-9_-]*\.md)#([A-Za-z0-9_-]+)/g;
/** `[text](#anchor)` inside a markdown file: an anchor of the same file. */
const LOCAL_ANCHOR = /\]\(#([A-Za-z0-9_-]+)\)/g;

export interface SourceText {
  /** Repository-relative path with `/` separators. */
  path: string;
  text: string;
}

/** GitHub's heading slug: lower case, punctuation dropped (hyphens and underscores kept), spaces → `-`. */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors GitHub generates for a markdown file's headings (repeats get `-1`, `-2`, …). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split('\n')) {
    const fenceMark = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fenceMark) {
      if (fence === undefined) fence = fenceMark;
      else if (fence === fenceMark) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = githubSlug(heading);
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/**
 * Every problem in `files`, as `path:line: explanation`. `documents` maps a root document name
 * (`BEHAVIOUR.md`) to its anchors; a citation of a document not in the map is a problem too.
 */
export function findCitationProblems(files: SourceText[], documents: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const { path, text } of files) {
    const ownAnchors = path.endsWith('.md') && !path.includes('/') ? documents.get(path) : undefined;
    text.split('\n').forEach((line, index) => {
      const where = `${path}:${index + 1}`;
      for (const { pattern, what } of OUTSIDE_CITATIONS) {
        if (pattern.test(line)) problems.push(`${where}: ${what}: ${line.trim()}`);
      }
      for (const [, document, anchor] of line.matchAll(DOCUMENT_ANCHOR)) {
        const anchors = documents.get(document!);
        if (!anchors) problems.push(`${where}: ${document}#${anchor} cites a document the repository root does not have`);
        else if (!anchors.has(anchor!)) problems.push(`${where}: ${document} has no heading for #${anchor}`);
      }
      if (ownAnchors) {
        for (const [, anchor] of line.matchAll(LOCAL_ANCHOR)) {
          if (!ownAnchors.has(anchor!)) problems.push(`${where}: no heading in this file for #${anchor}`);
        }
      }
    });
  }
  return problems;
}

async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await filesUnder(path)));
    else if (entry.isFile()) found.push(path);
  }
  return found;
}

async function repositoryTexts(): Promise<{ files: SourceText[]; documents: Map<string, Set<string>> }> {
  const rootMarkdown = (await readdir(ROOT)).filter((name) => name.endsWith('.md')).sort();
  const documents = new Map<string, Set<string>>();
  const files: SourceText[] = [];
  for (const name of rootMarkdown) {
    const text = await readFile(join(ROOT, name), 'utf8');
    documents.set(name, anchorsOf(text));
    files.push({ path: name, text });
  }
  for (const dir of SCANNED_DIRS) {
    for (const file of await filesUnder(join(ROOT, dir))) {
      const path = relative(ROOT, file).split(sep).join('/');
      if (path === THIS_FILE) continue;
      const bytes = await readFile(file);
      if (bytes.includes(0)) continue; // binary fixture
      files.push({ path, text: bytes.toString('utf8') });
    }
  }
  return { files, documents };
}

describe('citations point into the repository (BEHAVIOUR.md and the other root documents)', () => {
  it('BEHAVIOUR.md exists with the anchors the code relies on', async () => {
    const { documents } = await repositoryTexts();
    const behaviour = documents.get('BEHAVIOUR.md');
    expect(behaviour, 'BEHAVIOUR.md at the repository root').toBeDefined();
    for (const anchor of ['event-validation', 'json-parsing', 'pio-deploy', 'runtime-scripts', 'untrained-release']) {
      expect(behaviour!.has(anchor), anchor).toBe(true);
    }
    expect(await readFile(join(ROOT, 'COMPATIBILITY.md'), 'utf8')).toContain('(BEHAVIOUR.md)');
    expect(await readFile(join(ROOT, 'README.md'), 'utf8')).toContain('| [BEHAVIOUR.md](BEHAVIOUR.md) |');
  });

  it('finds no outside citation and no dangling anchor in src, test, templates, bench, buildpack, bin and the root documents', async () => {
    const { files, documents } = await repositoryTexts();
    expect(files.length).toBeGreaterThan(100);
    expect(findCitationProblems(files, documents)).toEqual([]);
  });

  it('reports a bad anchor, an unknown document, outside citations and in-house labels', () => {
    const documents = new Map([['BEHAVIOUR.md', anchorsOf('# Behaviour\n\n## Event validation\n\n```sh\n# not a heading\n```\n')]]);
    expect([...documents.get('BEHAVIOUR.md')!]).toEqual(['behaviour', 'event-validation']);
    const problems = findCitationProblems(
      [
        { path: 'src/ok.ts', text: '// rules in order (BEHAVIOUR.md#event-validation)' },
        { path: 'src/bad-anchor.ts', text: '// see BEHAVIOUR.md#no-such-anchor' },
        { path: 'src/unknown-doc.ts', text: '// see NOWHERE.md#event-validation' },
        { path: 'src/outside.ts', text: '/** decoded (spec §1.2) */\n// buildpack-platform 3.10\n// (W11)' },
        { path: 'BEHAVIOUR.md', text: 'see [here](#not-a-heading) and [there](#event-validation)' },
      ],
      documents,
    );
    expect(problems).toEqual([
      'src/bad-anchor.ts:1: BEHAVIOUR.md has no heading for #no-such-anchor',
      'src/unknown-doc.ts:1: NOWHERE.md#event-validation cites a document the repository root does not have',
      'src/outside.ts:1: a section sign (outside-spec section number): /** decoded (spec §1.2) */',
      'src/outside.ts:1: a "spec <section>" citation: /** decoded (spec §1.2) */',
      'src/outside.ts:2: the outside buildpack-platform document: // buildpack-platform 3.10',
      'src/outside.ts:3: an outside weakness label such as (W11): // (W11)',
      'BEHAVIOUR.md:1: no heading in this file for #not-a-heading',
    ]);
  });

  it('computes GitHub slugs from headings with code, dots and punctuation', () => {
    expect(githubSlug('Event validation')).toBe('event-validation');
    expect(githubSlug('`pio app` commands')).toBe('pio-app-commands');
    expect(githubSlug('engine.json, template.json')).toBe('enginejson-templatejson');
    expect(githubSlug('Known gaps')).toBe('known-gaps');
    expect([...anchorsOf('## Notes\n## Notes\n')]).toEqual(['notes', 'notes-1']);
  });
});
