import { join } from 'node:path';
import { UserError } from '../lib/errors.js';
import { packageRoot } from '../platform/paths.js';
import type { QuerySpec } from './queries.js';

export const TEMPLATE_NAMES = ['classification', 'regression', 'recommendation', 'universal-recommender'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

export interface TemplateInfo {
  name: TemplateName;
  /** Default PredictionIO app name (the event namespace) when the directory name gives none. */
  defaultAppName: string;
  /**
   * Queries written to the app's smoke-queries.jsonl and sent by quickstart. Expectations are the
   * answers documented in the template's README, or predicates where the exact number is not the point.
   */
  queries: QuerySpec[];
}

const TEMPLATES: Record<TemplateName, TemplateInfo> = {
  classification: {
    name: 'classification',
    defaultAppName: 'classi',
    queries: [
      { name: 'light user', query: { voice_usage: 12, data_usage: 0, text_usage: 4 }, expect: { service_plan: 0 } },
      { name: 'heavy data user', query: { voice_usage: 90, data_usage: 700, text_usage: 100 }, expect: { service_plan: 2 } },
      {
        name: 'heavy voice user',
        query: { voice_usage: 300, data_usage: 25, text_usage: 40 },
        match: [{ path: 'service_plan', gte: 0, lte: 7 }],
      },
      { name: 'missing usage is refused', query: { voice_usage: 1, data_usage: 1 }, expectStatus: 400 },
    ],
  },
  regression: {
    name: 'regression',
    defaultAppName: 'regress',
    queries: [
      {
        name: 'aptitude 75',
        query: { vector: [75] },
        expectKeys: ['prediction'],
        match: [{ path: 'prediction', gte: 70, lte: 100 }],
      },
      { name: 'aptitude 95', query: { vector: [95] }, match: [{ path: 'prediction', type: 'number' }] },
      { name: 'empty vector is refused', query: { vector: [] }, expectStatus: 400 },
    ],
  },
  recommendation: {
    name: 'recommendation',
    defaultAppName: 'recommend',
    queries: [
      { name: 'top 4 for user 1', query: { user: '1', num: 4 }, match: [{ path: 'itemScores.length', equals: 4 }] },
      { name: 'scores are numbers', query: { user: '2', num: 1 }, match: [{ path: 'itemScores.0.score', type: 'number' }] },
      { name: 'unknown user', query: { user: 'nobody', num: 4 }, expect: { itemScores: [] } },
    ],
  },
  'universal-recommender': {
    name: 'universal-recommender',
    defaultAppName: 'urapp',
    queries: [
      {
        name: 'user recommendations',
        query: { user: '100' },
        match: [
          { path: 'itemScores.length', gte: 1 },
          { path: 'itemScores.0.score', type: 'number' },
        ],
      },
      { name: 'similar items', query: { item: '100' }, match: [{ path: 'itemScores.length', gte: 1 }] },
      { name: 'popular items for an unknown user', query: { user: 'nobody' }, match: [{ path: 'itemScores.length', equals: 4 }] },
      {
        name: 'category filter',
        query: { fields: [{ name: 'category', values: ['case'], bias: -1 }] },
        match: [{ path: 'itemScores.length', gte: 1 }],
      },
      { name: 'a bad num is refused', query: { num: 'four' }, expectStatus: 400 },
    ],
  },
};

export function templateInfo(name: string): TemplateInfo {
  if ((TEMPLATE_NAMES as readonly string[]).includes(name)) return TEMPLATES[name as TemplateName];
  throw new UserError(`There is no "${name}" engine template.`, {
    hint: `Pass --template with one of: ${TEMPLATE_NAMES.join(', ')}.`,
  });
}

/** `<pio-deploy>/templates/engines/<name>`: the engine code H6's templates ship. */
export function templateDir(name: TemplateName): string {
  return join(packageRoot(), 'templates', 'engines', name);
}
