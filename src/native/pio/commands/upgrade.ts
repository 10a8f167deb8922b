import { retired } from './retired.js';

export const upgrade = retired('upgrade', 'Upgrade is no longer supported');
