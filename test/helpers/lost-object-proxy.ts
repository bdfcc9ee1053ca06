/**
 * A proxy in front of an org where the user loses access to an object mid-run (a permission set
 * removed): the second 2.0 job create is refused with INVALIDJOB "Unable to find object" (a real
 * v47 capture's words, spec bulk-api-v2.md §3.2), and from then on describeGlobal no longer lists it.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LostObjectProxy {
  readonly url: string;
  /** 2.0 job creates seen (the refused one included). */
  readonly creates: () => number;
  close(): Promise<void>;
}

export async function lostObjectProxy(instanceUrl: string, object: string): Promise<LostObjectProxy> {
  const target = new URL(instanceUrl);
  let creates = 0;
  let lost = false;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (req.method === 'POST' && /^\/services\/data\/v[\d.]+\/jobs\/ingest\/?$/.test(path) && ++creates === 2) {
      lost = true;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'INVALIDJOB', message: `InvalidJob : Unable to find object: ${object}` }]));
      return;
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'accept-encoding': 'identity' } },
      (answer) => {
        if (!(lost && req.method === 'GET' && /^\/services\/data\/v[\d.]+\/sobjects\/?$/.test(path))) {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        }
        let body = '';
        answer.setEncoding('utf8');
        answer.on('data', (c: string) => (body += c));
        answer.on('end', () => {
          const list = JSON.parse(body) as { sobjects: Array<{ name: string }> };
          list.sobjects = list.sobjects.filter((o) => o.name !== object);
          res.writeHead(answer.statusCode ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
        });
      },
    );
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    creates: () => creates,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
