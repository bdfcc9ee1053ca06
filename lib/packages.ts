/**
 * The packages the client uses only once it works: undici (HTTP), sax and stream-json (reading
 * responses), yazl (attachment zips). Each is required at its first use and kept, so that importing
 * the package loads none of them (issue 28: they were most of its cost, undici alone half).
 * They are CommonJS, so `require` returns them at once: the constructors that use them stay
 * synchronous, and a missing package still fails where it is used, with Node's own error.
 */
import { createRequire } from 'node:module';
import { MissingPackageError } from './errors.js';
import type Sax from 'sax';
import type StreamJson from 'stream-json';
import type Pick from 'stream-json/filters/Pick.js';
import type StreamArray from 'stream-json/streamers/StreamArray.js';
import type * as Undici from 'undici';
import type * as Yazl from 'yazl';
import type * as SoqlParser from '@jetstreamapp/soql-parser-js';

const require = createRequire(import.meta.url);

/**
 * A loader that requires once, at its first call. A package that cannot be found (a broken install)
 * is MissingPackageError naming it: required in the middle of a response, Node's own error would be
 * taken for a network failure.
 */
function once<T>(packageName: string, load: () => T): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => {
    if (!loaded) {
      try {
        loaded = { value: load() };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
        throw new MissingPackageError(`bulkpipe needs the package ${packageName}, which is not installed: reinstall bulkpipe (npm install)`, { packageName }, { cause: err });
      }
    }
    return loaded.value;
  };
}

/**
 * In the CLI's bundle, this call is scripts/cli-undici.cjs (undici's Pool and request API alone,
 * bundled at build time: scripts/bundle.mjs rewrites it as written here): use only `Pool` from it.
 */
export const undici = once('undici', () => require('undici') as typeof Undici);
export const sax = once('sax', () => require('sax') as typeof Sax);
export const yazl = once('yazl', () => require('yazl') as typeof Yazl);
/** stream-json's parser, its Pick filter and its StreamArray streamer (a JSON array under a key). */
export const streamJson = once('stream-json', () => ({
  parser: require('stream-json') as typeof StreamJson,
  pick: require('stream-json/filters/Pick.js') as typeof Pick,
  streamArray: require('stream-json/streamers/StreamArray.js') as typeof StreamArray,
}));
/** The local org's SOQL parser: half a CPU-second to load, so the org's entry leaves it to its first query. */
export const soqlParser = once('@jetstreamapp/soql-parser-js', () => require('@jetstreamapp/soql-parser-js') as typeof SoqlParser);
