/**
 * Upstream's confirmation: `Enter 'YES' to proceed: ` on stdout, then one line from stdin; anything but
 * exactly `YES` (including end of input) declines. `--force` skips the question.
 */
export async function confirmDestructive(force: boolean): Promise<boolean> {
  if (force) return true;
  process.stdout.write(`Enter 'YES' to proceed: `);
  const answer = await readLine();
  // On a terminal the user's Enter ends the prompt line; otherwise end it so the next log line starts clean.
  if (!process.stdin.isTTY) process.stdout.write('\n');
  return answer === 'YES';
}

async function readLine(): Promise<string | undefined> {
  const { createInterface } = await import('node:readline');
  const reader = createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolve) => {
    let answered = false;
    reader.once('line', (line) => {
      answered = true;
      reader.close();
      resolve(line.replace(/\r$/, ''));
    });
    reader.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}
