// A child command measured from the outside, process start included.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command under GNU time: wall seconds, CPU seconds (user + sys), peak RSS in MB and its stdout. */
export async function timeCommand(command, args, env) {
  const start = process.hrtime.bigint();
  const { stdout, stderr } = await run('/usr/bin/time', ['-f', 'TIME %U %S %M', command, ...args], { env, maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const [, user, sys, rssKb] = /** @type {RegExpExecArray} */ (/TIME (\S+) (\S+) (\d+)/.exec(stderr));
  return { wall, cpu: Number(user) + Number(sys), rssMb: Number(rssKb) / 1024, stdout };
}
