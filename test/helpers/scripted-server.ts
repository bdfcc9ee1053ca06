/**
 * A node:http server on 127.0.0.1:0 whose answers a test scripts one by one. Every request is
 * recorded with its decoded body. Unscripted requests get the fallback (default: 599).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { BulkClient } from '../../lib/http/client.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** The body as sent on the wire. */
  readonly raw: Buffer;
  /** The body after Content-Encoding is undone. */
  readonly body: Buffer;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => unknown;

export class ScriptedServer {
  readonly requests: RecordedRequest[] = [];
  readonly #queue: Handler[] = [];
  fallback: Handler = (_req, res) => {
    res.writeHead(599).end('unscripted');
  };
  #server: Server | undefined;
  url = '';

  /** Answers for the next requests, in order. */
  script(...handlers: Handler[]): this {
    this.#queue.push(...handlers);
    return this;
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body };
        this.requests.push(recorded);
        const handler = this.#queue.shift() ?? this.fallback;
        Promise.resolve(handler(recorded, res)).catch((err: unknown) => {
          res.destroy(err as Error);
        });
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}

/** A handler that answers with a status, a Content-Type and a body. */
export function reply(status: number, contentType: string | undefined, body: string | Buffer = '', headers: Record<string, string> = {}): Handler {
  return (_req, res) => {
    res.writeHead(status, { ...(contentType ? { 'content-type': contentType } : {}), ...headers });
    res.end(body);
  };
}

/** A handler that sends the head and the first `keep` bytes of the body, then drops the connection (a body cut mid-way). */
export function cutBody(status: number, contentType: string, body: string | Buffer, keep = Math.floor(Buffer.byteLength(body) / 2)): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    res.write(Buffer.from(body).subarray(0, keep), () => res.socket?.destroy());
  };
}

/** A handler that drops the connection without an answer (a lost response). */
export const hangUp: Handler = (_req, res) => {
  res.socket?.destroy();
};

/** A started ScriptedServer and a BulkClient of it whose retries are quick and few: a test's scripted org. */
export async function scriptedClient(): Promise<{ server: ScriptedServer; client: BulkClient }> {
  const server = await new ScriptedServer().start();
  const client = new BulkClient({ instanceUrl: server.url, accessToken: 'token', apiVersion: '62.0', retry: { minDelayMs: 1, maxDelayMs: 5, maxRetries: 1 } });
  return { server, client };
}

export async function closeScripted(server: ScriptedServer, client: BulkClient): Promise<void> {
  await client.close();
  await server.close();
}

/** A Bulk API 2.0 query job's info in `state` (with `extra` fields), as a handler. */
export const queryJobAnswer =
  (state: string, extra: Record<string, unknown> = {}) =>
  (_req: unknown, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: '750000000000001AAA', operation: 'query', object: 'Account', state, ...extra }));
  };
