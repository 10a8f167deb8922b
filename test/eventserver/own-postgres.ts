import { startEmbeddedPostgres } from '../helpers/embedded-postgres.js';

/** A PostgreSQL server of the test's own, so the test can stop and start it (the shared one must stay up). */
export interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const { server, adminUrl, removeDataDir } = await startEmbeddedPostgres({ dirPrefix: 'pio-es-own-pg-', persistent: true });
  let running = true;
  return {
    url: adminUrl,
    async stop() {
      await server.stop();
      running = false;
    },
    async start() {
      await server.start();
      running = true;
    },
    async destroy() {
      if (running) await server.stop();
      running = false;
      await removeDataDir();
    },
  };
}
