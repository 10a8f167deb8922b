import { retired } from './retired.js';

export const template = retired('template', 'template commands are no longer supported.', 'Please use git to get and manage your templates.');
