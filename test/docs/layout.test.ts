import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function subfolders(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
}

/** The section of a Markdown file from `heading` to the next heading of the same level. */
function section(file: string, heading: string): string {
  const text = readFileSync(join(root, file), 'utf8');
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`${file} has no "${heading}" section`);
  const level = heading.split(' ')[0];
  const end = text.indexOf(`\n${level} `, start + heading.length);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('README layout table and ARCHITECTURE.md', () => {
  const layout = section('README.md', '## Layout');
  const architecture = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');

  it('names every folder of src/ and of src/native/', () => {
    const missing = [
      ...subfolders('src').map((name) => `src/${name}/`).filter((folder) => !layout.includes(`\`${folder}\``)),
      ...subfolders('src/native').filter((name) => !layout.includes(`\`${name}/\``)).map((name) => `src/native/${name}/`),
    ];
    expect(missing).toEqual([]);
  });

  it('names every engine template', () => {
    const row = layout.split('\n').find((line) => line.startsWith('| `templates/engines/`')) ?? '';
    const names = subfolders('templates/engines').map((name) => name.replace(/-/g, ' '));
    expect(names.filter((name) => !row.toLowerCase().includes(name))).toEqual([]);
  });

  it('ARCHITECTURE.md names only files and folders that exist', () => {
    const paths = [...architecture.matchAll(/`((?:[a-z-]+\/)+(?:[a-z0-9.-]+\.ts|\*)?)`/g)].map((match) => match[1]!);
    expect(paths.length).toBeGreaterThan(20);
    const exists = (path: string) => {
      const clean = path.replace(/\*$/, '');
      for (const base of ['', 'src/', 'src/native/']) {
        try {
          readdirSync(join(root, base, clean.endsWith('.ts') ? clean.replace(/[^/]+$/, '') : clean));
          if (!clean.endsWith('.ts')) return true;
          readFileSync(join(root, base, clean));
          return true;
        } catch {
          // try the next base
        }
      }
      return false;
    };
    expect(paths.filter((path) => !exists(path))).toEqual([]);
  });
});
