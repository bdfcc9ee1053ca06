/**
 * The question a load asks before it writes to a real org: which org and user, and, on a terminal,
 * whether to go on.
 */
import type { Readable } from 'node:stream';
import { isTerminal, type CliIo } from './cli-io.js';
import type { Connection } from './connection.js';

/**
 * Before writing to a real org: says which org and user (unless quiet), and on a terminal asks to
 * go on (unless --yes, or the records come from stdin, which a terminal answer would be read from).
 */
export async function confirmTarget(
  io: CliIo,
  conn: Connection,
  what: string,
  answers: { readonly yes: boolean; readonly quiet: boolean; readonly fromStdin: boolean },
): Promise<boolean> {
  const { yes, quiet, fromStdin } = answers;
  const who = conn.identity?.username ? ` as ${conn.identity.username}` : '';
  const org = conn.identity?.organizationId ? ` (org ${conn.identity.organizationId})` : '';
  const ask = !yes && !fromStdin && isTerminal(io.stdin) && isTerminal(io.stderr);
  if (quiet && !ask) return true;
  io.stderr.write(`bulkpipe: ${what} into ${conn.org}${who}${org}${ask ? '. Go on? [y/N] ' : '\n'}`);
  if (!ask) return true;
  const answer = await firstLine(io.stdin, io.signal);
  return /^\s*y(es)?\s*$/i.test(answer);
}

/** The first line typed on a terminal (or '' at its end or an interrupt). */
function firstLine(stdin: Readable, signal: AbortSignal): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      stdin.off('data', onData).off('end', done);
      signal.removeEventListener('abort', done);
      stdin.pause();
      resolve(text.split('\n')[0] ?? '');
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    stdin.on('data', onData).once('end', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
