// Preloaded with `--import` in a child process: registers hooks.mjs, which appends the URL of every
// module the process loads (ESM and CommonJS) to the file named by BULKPIPE_MODULE_LOG.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
