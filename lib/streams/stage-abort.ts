/**
 * The AbortController of a stage whose requests all listen on its one signal: each request in
 * flight adds a listener (undici's), and Node warns of a leak past 10 (MaxListenersExceededWarning
 * on the user's stderr), which a stage at `--concurrency` above 10 reaches without leaking anything.
 */
import { setMaxListeners } from 'node:events';

/** A controller whose signal takes up to `inFlight` listeners without a warning (one per request the stage may have in flight, and a few of its own). */
export function stageAbort(inFlight: number): AbortController {
  const controller = new AbortController();
  setMaxListeners(inFlight + 10, controller.signal);
  return controller;
}
