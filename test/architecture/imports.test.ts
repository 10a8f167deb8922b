import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  describeCycle,
  findCycles,
  folderOf,
  groupGraph,
  layerViolations,
  moduleSpecifiers,
  readImportGraph,
  type ImportGraph,
  type LayerRule,
} from './import-graph.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/**
 * Who may import whom, as data. A prefix covers a folder and everything under it (or names one file);
 * imports inside a rule's own `files` are always allowed. These hold on top of "no cycles".
 */
const LAYER_RULES: readonly LayerRule[] = [
  { files: 'lib/', onlyFrom: [], because: 'lib/ holds leaves: shared helpers import no other src folder' },
  {
    files: 'config/',
    onlyFrom: ['lib/', 'distributions/catalog.ts'],
    because: 'config/ parses settings with lib/ helpers (and names the distribution kinds it selects)',
  },
  {
    files: 'distributions/',
    onlyFrom: ['lib/'],
    because: 'the distribution catalog serves build time and dyno time alike, so it depends on neither',
  },
  {
    files: 'native/',
    never: ['platform/', 'lifecycle/', 'buildpack/', 'dyno/', 'cli/', 'distributions/'],
    because: 'the native runtime runs inside a dyno and knows nothing of the deploy tooling around it',
  },
  {
    files: 'native/storage/',
    onlyFrom: ['lib/', 'config/'],
    because: 'storage is the bottom of the runtime: the rest of native/ builds on it',
  },
  {
    files: 'native/events/',
    onlyFrom: ['lib/', 'native/storage/'],
    because: 'native/events is the event model (JSON, times, validation) on top of the stored event types',
  },
  {
    files: 'native/engine/',
    onlyFrom: ['lib/', 'native/events/', 'native/storage/index.ts'],
    because: 'native/engine is the public DASE API engines import: it must not pull in the runtime (storage types only)',
  },
  {
    files: 'native/eventserver/',
    onlyFrom: ['lib/', 'config/', 'native/storage/index.ts', 'native/events/', 'native/http/', 'native/console/', 'native/observability/'],
    because: 'the Event Server serves stored events: no engine workflow, no engine server, no pio commands',
  },
  {
    files: 'native/http/',
    onlyFrom: [],
    because: 'native/http is what both fastify servers share (answers, content types, schema settings): a leaf',
  },
  {
    files: 'native/observability/',
    onlyFrom: ['lib/', 'native/storage/index.ts', 'native/engine/types.ts', 'native/workflow/serving-state.ts'],
    because: 'metrics, health, request logs and tracing wrap what both servers hold; the servers import them, never the reverse',
  },
  {
    files: 'native/workflow/',
    never: ['native/engineserver/', 'native/eventserver/', 'native/pio/'],
    because: 'the DASE workflow (build, train, evaluate, batch predict) is what the engine server and pio build on',
  },
  {
    files: 'native/engineserver/',
    never: ['native/eventserver/', 'native/pio/'],
    because: 'the engine server builds on the workflow only; pio starts it',
  },
];

/** Top-level folders are areas, except `native/`, whose subfolders are each an area. */
function area(file: string): string {
  const [top = '', second] = folderOf(file).split('/');
  return top === 'native' && second !== undefined ? `native/${second}` : top;
}

function topLevel(file: string): string {
  return folderOf(file).split('/')[0] ?? '';
}

/** A subfolder is part of its parent (routes/ of eventserver/): containment is not a dependency between peers. */
function isNested(a: string, b: string): boolean {
  return a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

function cycleReport(graph: ImportGraph): string[] {
  return findCycles(graph).map(describeCycle);
}

describe('import graph of src/', () => {
  const { graph, unresolved } = readImportGraph(SRC);

  it('resolves every relative import to a file', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(unresolved).toEqual([]);
  });

  it('has no cycle between files', () => {
    expect(cycleReport(graph)).toEqual([]);
  });

  it('has no cycle between folders', () => {
    expect(cycleReport(groupGraph(graph, folderOf, isNested))).toEqual([]);
  });

  it('has no cycle between areas (native subfolders are areas)', () => {
    expect(cycleReport(groupGraph(graph, area))).toEqual([]);
  });

  it('has no cycle between top-level folders', () => {
    expect(cycleReport(groupGraph(graph, topLevel))).toEqual([]);
  });

  it('keeps the layer rules', () => {
    expect(layerViolations(graph, LAYER_RULES)).toEqual([]);
  });

  it('has the storage barrel re-export only', () => {
    const text = readFileSync(join(SRC, 'native/storage/index.ts'), 'utf8');
    const source = ts.createSourceFile('index.ts', text, ts.ScriptTarget.Latest);
    const others = source.statements.filter((statement) => !ts.isExportDeclaration(statement)).map((statement) => statement.getText(source));
    expect(others).toEqual([]);
  });

});

describe('import checks (synthetic graphs)', () => {
  const graphOf = (edges: Record<string, string[]>): Map<string, Set<string>> =>
    new Map(Object.entries(edges).map(([from, to]) => [from, new Set(to)]));

  it('names a cycle between files, starting and ending at the same file', () => {
    const graph = graphOf({
      'a/app.ts': ['a/routes.ts'],
      'a/routes.ts': ['a/context.ts', 'a/app.ts'],
      'a/context.ts': [],
      'b/leaf.ts': [],
    });
    expect(cycleReport(graph)).toEqual(['a/app.ts -> a/routes.ts -> a/app.ts']);
    graph.get('a/routes.ts')!.delete('a/app.ts');
    expect(cycleReport(graph)).toEqual([]);
  });

  it('reports one cycle per knot, including a file importing itself', () => {
    const graph = graphOf({
      'x.ts': ['y.ts'],
      'y.ts': ['z.ts'],
      'z.ts': ['x.ts'],
      'self.ts': ['self.ts'],
    });
    expect(cycleReport(graph)).toEqual(['self.ts -> self.ts', 'x.ts -> y.ts -> z.ts -> x.ts']);
  });

  it('names the other members of a knot that the shortest loop leaves out', () => {
    const graph = graphOf({ 'a.ts': ['b.ts'], 'b.ts': ['a.ts', 'c.ts'], 'c.ts': ['a.ts'] });
    expect(cycleReport(graph)).toEqual(['a.ts -> b.ts -> a.ts (same knot: c.ts)']);
  });

  it('finds a cycle between folders that no two files share', () => {
    const graph = graphOf({
      'native/workflow/batch.ts': ['native/engineserver/select.ts'],
      'native/engineserver/select.ts': [],
      'native/engineserver/server.ts': ['native/workflow/pipeline.ts'],
      'native/workflow/pipeline.ts': [],
    });
    expect(cycleReport(graph)).toEqual([]);
    expect(cycleReport(groupGraph(graph, folderOf))).toEqual([
      'native/engineserver -> native/workflow -> native/engineserver',
    ]);
  });

  it('treats a subfolder as part of its parent folder', () => {
    const graph = graphOf({
      'native/eventserver/app.ts': ['native/eventserver/routes/events.ts'],
      'native/eventserver/routes/events.ts': ['native/eventserver/answer.ts'],
      'native/eventserver/answer.ts': [],
    });
    expect(cycleReport(groupGraph(graph, folderOf, isNested))).toEqual([]);
    expect(cycleReport(groupGraph(graph, folderOf))).toHaveLength(1);
  });

  it('reports an import a layer rule forbids', () => {
    const because = (files: string) => LAYER_RULES.find((rule) => rule.files === files)!.because;
    const graph = graphOf({
      'lib/net.ts': ['config/env.ts'],
      'config/env.ts': ['lib/errors.ts'],
      'lib/errors.ts': [],
      'native/engine/index.ts': ['native/events/json.ts', 'native/storage/index.ts', 'native/storage/pool.ts'],
      'native/workflow/batchpredict.ts': ['native/engineserver/deploy.ts'],
    });
    expect(layerViolations(graph, LAYER_RULES)).toEqual([
      `lib/net.ts -> config/env.ts (${because('lib/')})`,
      `native/engine/index.ts -> native/storage/pool.ts (${because('native/engine/')})`,
      `native/workflow/batchpredict.ts -> native/engineserver/deploy.ts (${because('native/workflow/')})`,
    ]);
  });

  it('judges a file by where it belongs when told', () => {
    const graph = graphOf({ 'native/workflow/commands.ts': ['native/pio/console.ts'], 'native/pio/console.ts': [] });
    expect(layerViolations(graph, LAYER_RULES)).toHaveLength(1);
  });

  it('reads a tree: edges between its files, and relative imports it cannot resolve', () => {
    const root = mkdtempSync(join(tmpdir(), 'import-graph-'));
    try {
      mkdirSync(join(root, 'sub'));
      writeFileSync(join(root, 'a.ts'), "import { b } from './sub/b.js';\nimport './missing.js';\nimport data from './data.json';\n");
      writeFileSync(join(root, 'sub', 'b.ts'), "export const b = await import('../a.js');\nimport 'node:fs';\n");
      const { graph, unresolved } = readImportGraph(root);
      expect(cycleReport(graph)).toEqual(['a.ts -> sub/b.ts -> a.ts']);
      expect(unresolved).toEqual(['a.ts: ./missing.js']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads static, re-exported, dynamic and type-position imports', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "const e = await import('./e.js');",
      "type F = typeof import('./f.js');",
      'const g = await import(name);',
      "import 'node:fs';",
    ].join('\n');
    expect(moduleSpecifiers('sample.ts', text)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', 'node:fs']);
  });
});
