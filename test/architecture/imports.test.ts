import { fileURLToPath } from 'node:url';
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
 * Who may import whom, as data. A prefix covers a folder and everything under it. These hold on top of
 * "no cycles", which already forbids any of them importing back.
 */
const LAYER_RULES: readonly LayerRule[] = [
  { files: 'lib/', onlyFrom: [], because: 'lib/ holds leaves: shared helpers import no other src folder' },
  { files: 'config/', onlyFrom: ['lib/'], because: 'config/ parses settings with lib/ helpers only' },
  {
    files: 'native/',
    never: ['platform/', 'lifecycle/', 'buildpack/', 'dyno/', 'cli/', 'distributions/'],
    because: 'the native runtime runs inside a dyno and knows nothing of the deploy tooling around it',
  },
  {
    files: 'native/engine/',
    onlyFrom: ['native/events/'],
    because: 'native/engine is the public DASE API engines import: it must not pull in the runtime',
  },
  {
    files: 'native/events/',
    onlyFrom: [],
    because: 'native/events is the event model (JSON, times, validation) every runtime part shares',
  },
  {
    files: 'native/storage/',
    onlyFrom: ['lib/', 'config/'],
    because: 'storage is the bottom of the runtime: the rest of native/ builds on it',
  },
  {
    files: 'distributions/',
    onlyFrom: ['lib/', 'config/'],
    because: 'the distribution catalog serves build time and dyno time alike, so it depends on neither',
  },
];

/**
 * Until `workflow/commands.ts` moves into `native/pio/` (another branch), it is `pio` wiring in the
 * workflow folder: count it as `native/pio` so the folder checks judge the folders by what they will be.
 */
const PLACED_ELSEWHERE: Readonly<Record<string, string>> = {
  'native/workflow/commands.ts': 'native/pio',
};

function folder(file: string): string {
  return PLACED_ELSEWHERE[file] ?? folderOf(file);
}

/** Top-level folders are areas, except `native/`, whose subfolders are each an area. */
function area(file: string): string {
  const [top = '', second] = folder(file).split('/');
  return top === 'native' && second !== undefined ? `native/${second}` : top;
}

function topLevel(file: string): string {
  return folder(file).split('/')[0] ?? '';
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
    expect(cycleReport(groupGraph(graph, folder, isNested))).toEqual([]);
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
    const graph = graphOf({
      'lib/net.ts': ['config/env.ts'],
      'config/env.ts': ['lib/errors.ts'],
      'lib/errors.ts': [],
      'native/engine/index.ts': ['native/events/json.ts', 'native/storage/index.ts'],
      'native/storage/index.ts': ['platform/up.ts'],
    });
    expect(layerViolations(graph, LAYER_RULES)).toEqual([
      `lib/net.ts -> config/env.ts (${LAYER_RULES[0]!.because})`,
      `native/engine/index.ts -> native/storage/index.ts (${LAYER_RULES[3]!.because})`,
      `native/storage/index.ts -> platform/up.ts (${LAYER_RULES[2]!.because})`,
      `native/storage/index.ts -> platform/up.ts (${LAYER_RULES[5]!.because})`,
    ]);
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
