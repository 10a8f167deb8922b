/** What the app runs as: an engine server, or an event server (PIO_RUN_AS_EVENTSERVER or no engine.json). */
export type AppRole = 'engine' | 'eventserver';

export function appRole(options: { hasEngineJson: boolean; runAsEventServer: boolean }): AppRole {
  return options.hasEngineJson && !options.runAsEventServer ? 'engine' : 'eventserver';
}
