/**
 * The packages the client uses only once it works: undici (HTTP), sax and stream-json (reading
 * responses), yazl (attachment zips). Each is required at its first use and kept, so that importing
 * the package loads none of them (issue 28: they were most of its cost, undici alone half).
 * They are CommonJS, so `require` returns them at once: the constructors that use them stay
 * synchronous, and a missing package still fails where it is used, with Node's own error.
 */
import { createRequire } from 'node:module';
import type Sax from 'sax';
import type StreamJson from 'stream-json';
import type Pick from 'stream-json/filters/Pick.js';
import type StreamArray from 'stream-json/streamers/StreamArray.js';
import type * as Undici from 'undici';
import type * as Yazl from 'yazl';

const require = createRequire(import.meta.url);

/** A loader that requires once, at its first call. */
function once<T>(load: () => T): () => T {
  let loaded: { readonly value: T } | undefined;
  return () => (loaded ??= { value: load() }).value;
}

export const undici = once(() => require('undici') as typeof Undici);
export const sax = once(() => require('sax') as typeof Sax);
export const yazl = once(() => require('yazl') as typeof Yazl);
/** stream-json's parser, its Pick filter and its StreamArray streamer (a JSON array under a key). */
export const streamJson = once(() => ({
  parser: require('stream-json') as typeof StreamJson,
  pick: require('stream-json/filters/Pick.js') as typeof Pick,
  streamArray: require('stream-json/streamers/StreamArray.js') as typeof StreamArray,
}));
