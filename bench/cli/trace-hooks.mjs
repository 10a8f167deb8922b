// Module customization hooks: append the URL of every module Node loads to $PIO_TRACE_MODULES_LOG.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.PIO_TRACE_MODULES_LOG) appendFileSync(process.env.PIO_TRACE_MODULES_LOG, `${url}\n`);
  return nextLoad(url, context);
}
