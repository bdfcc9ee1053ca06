/**
 * For a stream method whose step is usually synchronous and only sometimes returns a promise (a
 * file write, a batch cut): calls back at once when the step returned nothing, once its promise
 * settles otherwise, and passes on what it throws.
 */
export function callBackAfter(step: () => Promise<unknown> | undefined, callback: (err?: Error | null) => void): void {
  let pending: Promise<unknown> | undefined;
  try {
    pending = step();
  } catch (err) {
    return callback(err as Error);
  }
  if (pending) pending.then(() => callback(), callback);
  else callback();
}
