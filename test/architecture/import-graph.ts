import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import ts from 'typescript';

/**
 * The import graph of a source tree and the checks the architecture test runs on it. Kept apart from the
 * test so that the checks can be run on a synthetic graph (a test that cannot fail proves nothing).
 *
 * Nodes are file paths relative to the source root with `/` separators (`native/storage/index.ts`);
 * after grouping, they are folder or area names (`native/storage`, `lib`).
 */
export type ImportGraph = ReadonlyMap<string, ReadonlySet<string>>;

/**
 * Every module specifier a file names: `import … from`, `import type … from`, `export … from`,
 * `import('…')` with a literal, and `typeof import('…')` types. Type-only imports count: a type
 * shared both ways is as much a knot as a value.
 */
export function moduleSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) specifiers.push(argument.text);
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument;
      if (ts.isLiteralTypeNode(argument) && ts.isStringLiteral(argument.literal)) specifiers.push(argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

function typeScriptFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.split(sep).join('/'))
    .sort();
}

export interface SourceImports {
  graph: ImportGraph;
  /** Relative specifiers inside the tree that name no `.ts` file of it (`file: specifier`): the graph would miss an edge. */
  unresolved: string[];
}

/** Reads the import graph of every `.ts` file under `root`; only imports between files of the tree are edges. */
export function readImportGraph(root: string): SourceImports {
  const files = typeScriptFiles(root);
  const known = new Set(files);
  const graph = new Map<string, Set<string>>();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets = new Set<string>();
    for (const specifier of moduleSpecifiers(file, readFileSync(join(root, file), 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // packages and node: builtins
      const target = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (known.has(target)) targets.add(target);
      else if (!target.startsWith('..') && !target.endsWith('.json')) unresolved.push(`${file}: ${specifier}`);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
}

/**
 * The graph between groups of nodes (folders, areas): an edge when some member of one imports some member
 * of the other. Edges inside a group vanish, as do those `ignore` names.
 */
export function groupGraph(
  graph: ImportGraph,
  groupOf: (node: string) => string,
  ignore: (fromGroup: string, toGroup: string) => boolean = () => false,
): ImportGraph {
  const grouped = new Map<string, Set<string>>();
  for (const [from, targets] of graph) {
    const fromGroup = groupOf(from);
    const edges = grouped.get(fromGroup) ?? new Set<string>();
    grouped.set(fromGroup, edges);
    for (const to of targets) {
      const toGroup = groupOf(to);
      if (toGroup !== fromGroup && !ignore(fromGroup, toGroup)) edges.add(toGroup);
    }
  }
  return grouped;
}

/** Strongly connected components with more than one node, or one node importing itself (Tarjan). */
function knots(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    lowLink.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        lowLink.set(node, Math.min(lowLink.get(node)!, lowLink.get(next)!));
      } else if (onStack.has(next)) {
        lowLink.set(node, Math.min(lowLink.get(node)!, index.get(next)!));
      }
    }
    if (lowLink.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) found.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return found;
}

/** The shortest path from `start` back to itself inside `members` (breadth first). */
function shortestLoop(graph: ImportGraph, start: string, members: ReadonlySet<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head += 1) {
    const node = queue[head]!;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(next) && next !== start) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  throw new Error(`no loop through ${start}`);
}

/** An import cycle: the shortest loop through the first node of a knot, and every node of that knot. */
export interface Cycle {
  /** Starts and ends at the same node: `['a.ts', 'b.ts', 'a.ts']`. */
  loop: string[];
  /** All nodes that depend on each other (sorted): fixing `loop` alone may leave another loop among them. */
  knot: string[];
}

/** Every import cycle, one per knot of mutually dependent nodes. Empty when the graph is acyclic. */
export function findCycles(graph: ImportGraph): Cycle[] {
  return knots(graph).map((knot) => ({ loop: shortestLoop(graph, knot[0]!, new Set(knot)), knot }));
}

export function describeCycle(cycle: Cycle): string {
  const others = cycle.knot.filter((node) => !cycle.loop.includes(node));
  const loop = cycle.loop.join(' -> ');
  return others.length === 0 ? loop : `${loop} (same knot: ${others.join(', ')})`;
}

/**
 * What the files of one place may import from other places. Places are folder prefixes (`native/`,
 * `lib/`); a file is governed by every rule whose `files` prefix it has. Imports inside the rule's own
 * `files` prefix are always allowed.
 */
export interface LayerRule {
  files: string;
  /** When given, imports outside `files` must have one of these prefixes. */
  onlyFrom?: readonly string[];
  /** Imports with one of these prefixes are violations. */
  never?: readonly string[];
  /** Why the rule exists, shown with a violation. */
  because: string;
}

/** Imports that break a rule, one line each (`from -> to (because)`). */
export function layerViolations(graph: ImportGraph, rules: readonly LayerRule[]): string[] {
  const violations: string[] = [];
  for (const [from, targets] of graph) {
    for (const rule of rules) {
      if (!from.startsWith(rule.files)) continue;
      for (const to of targets) {
        if (to.startsWith(rule.files)) continue;
        const outsideAllowed = rule.onlyFrom !== undefined && !rule.onlyFrom.some((prefix) => to.startsWith(prefix));
        const forbidden = rule.never?.some((prefix) => to.startsWith(prefix)) ?? false;
        if (outsideAllowed || forbidden) violations.push(`${from} -> ${to} (${rule.because})`);
      }
    }
  }
  return violations.sort();
}

/** `native/storage/index.ts` → `native/storage`. */
export function folderOf(file: string): string {
  return posix.dirname(file);
}
