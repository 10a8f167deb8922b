import { z } from 'zod';
import { releaseSchema } from '../app-state.js';

/**
 * The router's control protocol (127.0.0.1 only, `Authorization: Bearer <token>` from router.json):
 * `GET /status`, `POST /deploy` with a DeployRequest, `POST /stop`.
 */

/** How long a web process gets between SIGTERM and SIGKILL. */
export const STOP_GRACE_MS = 10_000;

export const deployRequestSchema = z.object({
  release: releaseSchema,
  bootTimeoutMs: z.number().int().min(100).max(3_600_000),
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;

export type DeployResponse = { ok: true; port: number } | { ok: false; reason: string; output: string[] };

export interface RouterStatus {
  pid: number;
  port: number;
  web: { pid: number; port: number; version: number } | null;
}
