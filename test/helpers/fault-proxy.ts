/**
 * An HTTP proxy on 127.0.0.1:0 in front of an org, for the faults a real network has: a rule picks,
 * per request, to pass it, to hold its answer (the request reaches the org, which acts on it; the
 * answer never comes back: what a client killed or cut off at that moment sees), or to cut the
 * answer's body mid-way. Every request is recorded; a held one is announced through `held`.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type ProxyAction = 'pass' | 'hold' | 'cut';

export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  /** 1-based count of the requests seen so far that match the same method and path shape. */
  readonly n: number;
  readonly headers: IncomingHttpHeaders;
}

export type ProxyRule = (req: ProxiedRequest) => ProxyAction;

/** A request's method and path with the ids taken out, e.g. `POST /job/:id/batch`. */
export function shapeOf(method: string, url: string): string {
  return `${method} ${url
    .split('?')[0]
    ?.replace(/\/services\/async\/[\d.]+/, '')
    .replace(/\/75[0-2]\w{12,15}/g, '/:id')}`;
}

/** A test of a request's shape, e.g. `is('POST /job/:id/batch')`. */
export const is = (shape: string) => (r: { method: string; url: string }) => shapeOf(r.method, r.url) === shape;
export const CREATE_JOB = is('POST /job');
export const UPLOAD = is('POST /job/:id/batch');
export const POLL = is('GET /job/:id/batch');
export const RESULT = is('GET /job/:id/batch/:id/result');

export class FaultProxy {
  readonly #target: URL;
  rule: ProxyRule = () => 'pass';
  readonly requests: ProxiedRequest[] = [];
  readonly #counts = new Map<string, number>();
  readonly #held: Array<() => void> = [];
  #waiters: Array<{ test: (r: ProxiedRequest) => boolean; resolve: (r: ProxiedRequest) => void }> = [];
  #server: Server | undefined;
  url = '';

  constructor(target: string) {
    this.#target = new URL(target);
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves when a request the rule held (and that `test` accepts) has been answered by the org, its answer withheld. */
  whenHeld(test: (r: ProxiedRequest) => boolean = () => true): Promise<ProxiedRequest> {
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  /** Drops the held answers' connections (the client sees a reset). */
  releaseHeld(): void {
    for (const drop of this.#held.splice(0)) drop();
  }

  async close(): Promise<void> {
    this.releaseHeld();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const shape = shapeOf(req.method ?? 'GET', req.url ?? '/');
    const n = (this.#counts.get(shape) ?? 0) + 1;
    this.#counts.set(shape, n);
    const seen: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', n, headers: req.headers };
    this.requests.push(seen);
    const action = this.rule(seen);
    const upstream = httpRequest(
      { host: this.#target.hostname, port: this.#target.port, method: req.method, path: req.url, headers: { ...req.headers, host: this.#target.host } },
      (answer) => {
        if (action === 'hold') {
          // The org has acted and answered; the client never hears of it.
          answer.resume();
          answer.on('end', () => {
            this.#held.push(() => res.socket?.destroy());
            for (const waiter of this.#waiters.filter((w) => w.test(seen))) {
              this.#waiters = this.#waiters.filter((w) => w !== waiter);
              waiter.resolve(seen);
            }
          });
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        if (action === 'pass') return void answer.pipe(res);
        // cut: half the body (at least a byte), then the connection goes.
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          res.write(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), () => res.socket?.destroy());
        });
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    // A client that goes before its request is whole (killed mid-upload): the org sees the cut too, as it would without the proxy.
    req.on('aborted', () => upstream.destroy());
    req.on('close', () => {
      if (!req.complete) upstream.destroy();
    });
    req.pipe(upstream);
  }
}
