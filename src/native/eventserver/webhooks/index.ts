import type { FormConnector, JsonConnector } from './connector.js';
import { mailChimpConnector } from './mailchimp.js';
import { segmentIoConnector } from './segmentio.js';

export { ConnectorError, type EventJson, type FormConnector, type JsonConnector } from './connector.js';

/** The connectors upstream registers (BEHAVIOUR.md#webhooks): `/webhooks/<name>.json` and `/webhooks/<name>.form`. */
export const JSON_CONNECTORS: ReadonlyMap<string, JsonConnector> = new Map([['segmentio', segmentIoConnector]]);
export const FORM_CONNECTORS: ReadonlyMap<string, FormConnector> = new Map([['mailchimp', mailChimpConnector]]);
