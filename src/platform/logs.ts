import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Prints the last `lines` lines of a log file, then (with `follow`) what is appended until `signal` aborts. */
export async function showLog(
  file: string,
  options: { lines: number; follow: boolean; signal?: AbortSignal },
  write: (text: string) => void,
): Promise<void> {
  let position = 0;
  const size = await stat(file).then((info) => info.size, () => 0);
  if (size > 0) {
    const handle = await open(file, 'r');
    try {
      const text = (await handle.readFile('utf8')).split('\n');
      if (text.at(-1) === '') text.pop();
      const tail = text.slice(-options.lines);
      if (tail.length > 0) write(`${tail.join('\n')}\n`);
    } finally {
      await handle.close();
    }
    position = size;
  }
  while (options.follow && !options.signal?.aborted) {
    await sleep(300);
    const current = await stat(file).then((info) => info.size, () => 0);
    if (current < position) position = 0; // truncated or replaced
    if (current <= position) continue;
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(current - position);
      await handle.read(buffer, 0, buffer.length, position);
      write(buffer.toString('utf8'));
      position = current;
    } finally {
      await handle.close();
    }
  }
}
