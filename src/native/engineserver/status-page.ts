import type { ServingState } from '../workflow/serving-state.js';
import type { ServingPolicy } from './hot-swap.js';

export interface ServerStats {
  startTime: Date;
  requestCount: number;
  /** Seconds. */
  averageServingTime: number;
  lastServingTime: number;
}

export interface StatusInfo {
  ip: string;
  port: number;
  state: ServingState;
  stats: ServerStats;
  feedback: { enabled: boolean; eventServerIp: string; eventServerPort: number };
  /** Absent until the model watcher is attached (then: pinned or newest completed). */
  policy?: ServingPolicy | undefined;
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

const json = (value: unknown) => JSON.stringify(value ?? {});

function modelSummary(model: unknown): string {
  const text = typeof model === 'string' ? model : (JSON.stringify(model) ?? String(model));
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The status page as data (served as JSON to `Accept: application/json`). */
export function statusJson(info: StatusInfo) {
  const { instance, components } = info.state;
  return {
    engineInformation: {
      trainingStartTime: instance.startTime.toISOString(),
      trainingEndTime: instance.endTime.toISOString(),
      variantId: instance.engineVariant,
      instanceId: instance.id,
      // Ours (upstream has no pins): which rule chose the instance.
      pinned: info.policy?.pinned ?? false,
    },
    serverInformation: {
      startTime: info.stats.startTime.toISOString(),
      requestCount: info.stats.requestCount,
      averageServingTime: info.stats.averageServingTime,
      lastServingTime: info.stats.lastServingTime,
      engineFactory: instance.engineFactory,
      modelLoadedAt: info.state.loadedAt.toISOString(),
    },
    dataSource: { name: components.datasource.name, parameters: components.datasource.params ?? {} },
    dataPreparator: { name: components.preparator.name, parameters: components.preparator.params ?? {} },
    algorithms: components.algorithms.map((algorithm, index) => ({
      index: index + 1,
      name: algorithm.name,
      parameters: algorithm.params ?? {},
      model: modelSummary(info.state.models[index]),
    })),
    serving: { name: components.serving.name, parameters: components.serving.params ?? {} },
    feedbackLoop: info.feedback,
  };
}

/** The HTML status page with upstream's labels (BEHAVIOUR.md#status-page). */
export function statusHtml(info: StatusInfo): string {
  const data = statusJson(info);
  const at = `${info.ip}:${info.port}`;
  const row = (label: string, value: string) => `<tr><th>${escape(label)}</th><td>${escape(value)}</td></tr>`;
  const seconds = (value: number) => `${value.toFixed(4)} seconds`;
  const algorithmRows = data.algorithms
    .map(
      (algorithm) =>
        `<tr><td>${algorithm.index}</td><td>${escape(algorithm.name)}</td><td>${escape(json(algorithm.parameters))}</td><td>${escape(algorithm.model)}</td></tr>`,
    )
    .join('');
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escape(`${data.serverInformation.engineFactory} (${data.engineInformation.variantId}) - PredictionIO Engine Server at ${at}`)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}</style></head>
<body><h1>${escape(`PredictionIO Engine Server at ${at}`)}</h1>
<h2>Engine Information</h2><table>
${row('Training Start Time', data.engineInformation.trainingStartTime)}
${row('Training End Time', data.engineInformation.trainingEndTime)}
${row('Variant ID', data.engineInformation.variantId)}
${row('Instance ID', data.engineInformation.instanceId)}
${row('Serving', data.engineInformation.pinned ? 'pinned (pio-deploy models unpin returns to the latest training)' : 'latest completed training')}
</table>
<h2>Server Information</h2><table>
${row('Start Time', data.serverInformation.startTime)}
${row('Request Count', String(data.serverInformation.requestCount))}
${row('Average Serving Time', seconds(data.serverInformation.averageServingTime))}
${row('Last Serving Time', seconds(data.serverInformation.lastServingTime))}
${row('Engine Factory Class (TypeScript)', data.serverInformation.engineFactory)}
${row('Model Loaded At', data.serverInformation.modelLoadedAt)}
</table>
<h2>Data Source</h2><table>${row('Parameters', json(data.dataSource.parameters))}</table>
<h2>Data Preparator</h2><table>${row('Parameters', json(data.dataPreparator.parameters))}</table>
<h2>Algorithms and Models</h2><table><tr><th>#</th><th>Class</th><th>Parameters</th><th>Model</th></tr>${algorithmRows}</table>
<h2>Serving</h2><table>${row('Parameters', json(data.serving.parameters))}</table>
<h2>Feedback Loop Information</h2><table>
${row('Feedback Loop Enabled?', String(data.feedbackLoop.enabled))}
${row('Event Server IP', data.feedbackLoop.eventServerIp)}
${row('Event Server Port', String(data.feedbackLoop.eventServerPort))}
</table></body></html>
`;
}
