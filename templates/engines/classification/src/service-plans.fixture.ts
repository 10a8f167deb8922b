import { readFileSync } from 'node:fs';

/**
 * The template's sample data (a copy of the shared classification data set) as feature rows
 * [voice, data, text] and service-plan labels; later `$set`s of a user override earlier ones.
 */
export function loadServicePlans(): { features: number[][]; labels: number[] } {
  const text = readFileSync(new URL('../data/initial-events.json', import.meta.url), 'utf8');
  const byUser = new Map<string, Record<string, number>>();
  for (const line of text.trim().split('\n')) {
    const event = JSON.parse(line) as { entityId: string; properties: Record<string, number> };
    byUser.set(event.entityId, { ...byUser.get(event.entityId), ...event.properties });
  }
  const rows = [...byUser.values()];
  return {
    features: rows.map((p) => [p.voice_usage!, p.data_usage!, p.text_usage!]),
    labels: rows.map((p) => p.service_plan!),
  };
}

/** Accuracy of k-fold cross-validation (fold = index mod k). */
export function crossValidatedAccuracy(
  features: number[][],
  labels: number[],
  k: number,
  fit: (features: number[][], labels: number[]) => (x: number[]) => number,
): number {
  let correct = 0;
  for (let fold = 0; fold < k; fold++) {
    const trainIdx = features.map((_, i) => i).filter((i) => i % k !== fold);
    const predict = fit(trainIdx.map((i) => features[i]!), trainIdx.map((i) => labels[i]!));
    features.forEach((x, i) => {
      if (i % k === fold && predict(x) === labels[i]) correct++;
    });
  }
  return correct / features.length;
}
