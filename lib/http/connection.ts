/**
 * One HTTP exchange with one origin over an undici Pool owned by this object (never the global
 * dispatcher): keep-alive, a bounded number of sockets, header and body timeouts, the caller's
 * AbortSignal, gzip responses decoded. Socket failures become NetworkError, aborts AbortedError.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Pool } from 'undici';
import { AbortedError, NetworkError, ParseError, type RequestContext } from '../errors.js';
import { undici } from '../packages.js';
import type { PreparedBody } from './upload-body.js';

export interface ConnectionOptions {
  /** Most sockets to the origin; default 8. */
  readonly connections?: number;
  /** Wait for response headers, ms; default 120 s (a 10 MB upload is answered after it is stored). */
  readonly headersTimeoutMs?: number;
  /** Most idle time between body chunks, ms; default 300 s. */
  readonly bodyTimeoutMs?: number;
  /** TCP/TLS connect timeout, ms; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Idle keep-alive socket lifetime, ms; default 30 s. */
  readonly keepAliveTimeoutMs?: number;
}

/** The HTTP methods the Bulk APIs use: v1 GETs and POSTs, and 2.0's PUT (the upload), PATCH (a job's state) and DELETE. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ExchangeRequest {
  readonly method: HttpMethod;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: PreparedBody;
  readonly context: RequestContext;
  readonly signal?: AbortSignal | undefined;
  /** This request's wait for the response headers, when not the connection's. */
  readonly headersTimeoutMs?: number;
}

export interface ExchangeResponse {
  readonly statusCode: number;
  readonly headers: IncomingHttpHeaders;
  /** The media type, lower case, without parameters. */
  readonly contentType: string | undefined;
  /** The decoded body; the caller must consume or destroy it. */
  readonly body: Readable;
}

export class HttpConnection {
  readonly origin: string;
  /** The origin is this machine (localhost, 127.0.0.0/8, ::1): no network between the two ends. */
  readonly loopback: boolean;
  readonly #pool: Pool;
  readonly #headersTimeout: number;
  readonly #bodyTimeout: number;

  constructor(origin: string, options: ConnectionOptions = {}) {
    this.origin = origin;
    this.loopback = isLoopback(origin);
    this.#headersTimeout = options.headersTimeoutMs ?? 120_000;
    this.#bodyTimeout = options.bodyTimeoutMs ?? 300_000;
    this.#pool = new (undici().Pool)(origin, {
      connections: options.connections ?? 8,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connect: { timeout: options.connectTimeoutMs ?? 10_000 },
      headersTimeout: this.#headersTimeout,
      bodyTimeout: this.#bodyTimeout,
    });
  }

  async exchange(request: ExchangeRequest): Promise<ExchangeResponse> {
    const { signal } = request;
    if (signal?.aborted) throw new AbortedError(`${request.method} ${request.path}`, signal.reason);
    let body: Uint8Array | Readable | undefined;
    try {
      body = request.body ? await request.body.open() : undefined;
      const res = await this.#pool.request({
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: body ?? null,
        signal: signal ?? null,
        headersTimeout: Math.min(request.headersTimeoutMs ?? this.#headersTimeout, this.#headersTimeout),
        bodyTimeout: this.#bodyTimeout,
      });
      const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
      const contentType =
        String(res.headers['content-type'] ?? '')
          .split(';')[0]
          ?.trim()
          .toLowerCase() || undefined;
      const received = cushioned(res.body);
      return { statusCode: res.statusCode, headers: res.headers, contentType, body: encoding === 'gzip' ? gunzipped(received) : received };
    } catch (err) {
      if (body instanceof Readable) body.destroy();
      if (signal?.aborted) throw new AbortedError(`${request.method} ${request.path}`, signal.reason);
      if (err instanceof ParseError) throw err;
      throw new NetworkError(request.context, err);
    }
  }

  /** Lets in-flight requests finish, then closes the sockets. */
  async close(): Promise<void> {
    await this.#pool.close();
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}

/** Whether an origin's host is this machine by its name or address (no DNS look-up). */
export function isLoopback(origin: string): boolean {
  const host = new URL(origin).hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What a response body may hold ahead of its reader before undici's parser is paused. */
const BODY_CUSHION_BYTES = 1 << 20;

/**
 * A response body behind a buffer of BODY_CUSHION_BYTES (issue 28). undici pauses its parser
 * whenever the body's own 64 KiB buffer is full, and each resume reads the socket's whole buffer
 * as one concatenated chunk and gives back (unshift) what the parser did not take: with a reader
 * slower than loopback (a gunzip, a file), the socket's buffer grew to the whole response (7 MB)
 * and a 44 MB result was copied 2 GB over. Behind the cushion the parser pauses once a MiB, and
 * resumes only once the cushion is drained. Memory: at most about 2 MiB more per download (the two sides of the PassThrough).
 */
function cushioned(body: Readable): Readable {
  const cushion = new PassThrough({ highWaterMark: BODY_CUSHION_BYTES });
  pipeline(body, cushion).catch(() => {
    /* pipeline destroyed the cushion with the error; the reader sees it */
  });
  return cushion;
}

function gunzipped(body: Readable): Readable {
  const gunzip = createGunzip();
  pipeline(body, gunzip).catch(() => {
    /* pipeline destroyed gunzip with the error; the reader sees it */
  });
  return gunzip;
}

/** Reads a small body whole, refusing more than `maxBytes`. */
export async function readBounded(body: Readable, maxBytes: number, source: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      throw new ParseError(`response body larger than ${maxBytes} bytes`, { source });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Reads at most `maxBytes` for an error excerpt and discards the rest. */
export async function readExcerpt(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      if (size < maxBytes) chunks.push(buf.subarray(0, maxBytes - size));
      size += buf.length;
      if (size > 4 * maxBytes) break; // enough: do not download a whole error page
    }
  } catch {
    /* a body that fails mid-way still gives what arrived */
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks);
}
