/**
 * The event-server app an engine reads: engine.json's `datasource.params.appName`, else
 * $PIO_EVENTSERVER_APP_NAME (set on Heroku-style deployments, where the release phase creates that app).
 */
export function appNameOf(configured: string | undefined): string {
  const appName = configured ?? process.env.PIO_EVENTSERVER_APP_NAME;
  if (!appName) {
    throw new Error(
      'No app to read events from: set "appName" in engine.json datasource.params or the PIO_EVENTSERVER_APP_NAME environment variable.',
    );
  }
  return appName;
}
