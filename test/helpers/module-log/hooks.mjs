// Module hooks (they run on their own thread). BULKPIPE_MODULE_LOG: every module loaded, by URL,
// one line each. BULKPIPE_HIDE_PACKAGES: packages (comma-separated) resolved as if not installed.
import { appendFileSync } from 'node:fs';

const log = process.env.BULKPIPE_MODULE_LOG;
const hidden = new Set((process.env.BULKPIPE_HIDE_PACKAGES ?? '').split(',').filter(Boolean));

export async function resolve(specifier, context, nextResolve) {
  if (hidden.has(specifier)) {
    const err = new Error(`Cannot find package '${specifier}' (hidden by the test)`);
    err.code = 'ERR_MODULE_NOT_FOUND';
    throw err;
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (log) appendFileSync(log, `${url}\n`);
  return nextLoad(url, context);
}
