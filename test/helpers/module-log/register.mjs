// Preloaded with `--import` in a child process: registers hooks.mjs (a log of the modules loaded, packages hidden).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
