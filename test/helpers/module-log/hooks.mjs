// Module hooks (they run on their own thread): every module loaded, by URL, one line each.
import { appendFileSync } from 'node:fs';

const log = process.env.BULKPIPE_MODULE_LOG;

export async function load(url, context, nextLoad) {
  if (log) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
