import { createOutput } from '../../../lib/output.js';
import { appDirOf } from './app-dir.js';

/** What `remote config:set` and `config:unset` share: a running app gets a new release with the change. */
export async function changeConfigOf(name: string, verb: 'config:set' | 'config:unset', args: string[]): Promise<void> {
  const [{ parseAssignments }, { changeConfig }] = await Promise.all([
    import('../../../platform/config-vars.js'),
    import('../../../platform/receive.js'),
  ]);
  const appDir = await appDirOf(name);
  const set = verb === 'config:set' ? parseAssignments(args) : {};
  const unset = verb === 'config:unset' ? args : [];
  const out = createOutput();
  out.topic(`${verb === 'config:set' ? 'Setting' : 'Unsetting'} ${[...Object.keys(set), ...unset].join(', ')} on ${name}`);
  const { version } = await changeConfig({ appDir, set, unset, streams: process, bootTimeoutMs: 60_000 });
  out.detail(version === undefined ? 'Saved; the next push uses them.' : `Done: v${version} is serving.`);
}
