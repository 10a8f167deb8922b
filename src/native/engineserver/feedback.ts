import { randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { renderPredictionJson } from '../engine/java-double.js';
import type { TracedCall } from '../observability/engine-server.js';

export interface FeedbackSettings {
  eventServerIp: string;
  eventServerPort: number;
  accessKey: string;
}

export interface FeedbackLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 64 random `[A-Za-z0-9]` characters (the predicted-result id, BEHAVIOUR.md#feedback-loop). */
export function randomPrId(): string {
  let id = '';
  for (let index = 0; index < 64; index++) id += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return id;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `2024-05-01T12:00:00.000+00:00`-style time with the server's offset (the `eventTime` of BEHAVIOUR.md#feedback-loop). */
export function isoWithOffset(date: Date): string {
  const offsetMinutes = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
  if (offsetMinutes === 0) return `${local}Z`;
  const sign = offsetMinutes > 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * The feedback loop (BEHAVIOUR.md#feedback-loop): after each answered query, a `predict` event with the query and the
 * prediction is POSTed to the Event Server, asynchronously; failures are only logged. The access key
 * travels in the request URL and is never logged.
 */
export function createFeedbackSender(settings: FeedbackSettings, log: FeedbackLog, startCall?: () => TracedCall) {
  // Upstream speaks plain http; an event server reached through a TLS-terminating router on 443 needs https.
  const secure = settings.eventServerPort === 443;
  const agent = secure ? new HttpsAgent({ keepAlive: true, maxSockets: 8 }) : new Agent({ keepAlive: true, maxSockets: 8 });
  const post = secure ? httpsRequest : request;
  const host = settings.eventServerIp === '0.0.0.0' ? '127.0.0.1' : settings.eventServerIp;
  const path = `/events.json?accessKey=${encodeURIComponent(settings.accessKey)}`;

  return {
    /**
     * Returns the response JSON: the prediction with `prId` merged in when the prediction carries one
     * (BEHAVIOUR.md#feedback-loop), else unchanged.
     */
    send(options: { engineInstanceId: string; queryJson: unknown; predictionJson: unknown; receivedAt: Date }): unknown {
      const { queryJson, predictionJson } = options;
      const ownPrId = isObject(predictionJson) && typeof predictionJson.prId === 'string' && predictionJson.prId !== '' ? predictionJson.prId : undefined;
      const prId = ownPrId ?? randomPrId();
      const event: Record<string, unknown> = {
        event: 'predict',
        eventTime: isoWithOffset(options.receivedAt),
        entityType: 'pio_pr',
        entityId: prId,
        properties: { engineInstanceId: options.engineInstanceId, query: queryJson, prediction: predictionJson },
      };
      if (isObject(queryJson) && typeof queryJson.prId === 'string') event.prId = queryJson.prId;
      // The prediction as the response prints it (Java doubles included), so the stored event matches.
      const body = renderPredictionJson(event);
      const call = startCall?.();
      const req = post(
        {
          agent,
          host,
          port: settings.eventServerPort,
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...call?.headers },
        },
        (res) => {
          res.resume();
          call?.end(res.statusCode);
          if (res.statusCode !== 201) log.warn({ statusCode: res.statusCode }, `Feedback event failed. Status code: ${res.statusCode}.Data: ${body}.`);
        },
      );
      req.on('error', (error) => {
        call?.end(undefined, error);
        log.warn({}, `Feedback event failed: ${error.message}`);
      });
      req.end(body);
      return ownPrId !== undefined && isObject(predictionJson) ? { ...predictionJson, prId } : predictionJson;
    },
    close() {
      agent.destroy();
    },
  };
}

export type FeedbackSender = ReturnType<typeof createFeedbackSender>;
