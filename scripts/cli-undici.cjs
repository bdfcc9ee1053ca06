'use strict';
// The CLI's undici (issue 28, third session): scripts/bundle.mjs resolves lib/packages.ts's
// `require('undici')` to this module in the CLI's bundle only, and bundles it with the undici
// files it requires, from the installed (locked) version, at build time. undici's index.js
// requires 110 files (fetch, WebSocket, the caches, cookies, the mocks: 190 ms of CPU at each
// query's start); the client uses its Pool and the Pool's `request` alone (lib/http/connection.ts).
// What index.js does for them, done here the same way: the request API on every dispatcher's
// prototype. The rest of index.js (fetch's global origin, the cache storage) only sets up what the
// client does not use; undici's diagnostics channels are named, so shared with any other copy.
// A path gone in another version fails the build (scripts/bundle.mjs resolves each).
const Dispatcher = require('undici/lib/dispatcher/dispatcher.js');
const Pool = require('undici/lib/dispatcher/pool.js');
const api = require('undici/lib/api/index.js');

Object.assign(Dispatcher.prototype, api);

module.exports = { Pool };
