/**
 * An org started with `passwordLogin: false` (the CLI's in-process org): its user is created with no
 * password (none verifies), an existing user keeps its own, and the process that started the org
 * takes its sessions from `openSession()`, renewed through a client's session provider.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { BulkClient } from '../../lib/http/client.js';
import { type LocalOrg, startServer } from '../../server/index.js';
import { rejection } from '../helpers/fixtures.js';
import { useTempDir } from '../helpers/temp-dir.js';

const login = (org: LocalOrg, password: string) => BulkClient.login({ loginUrl: org.loginUrl, username: org.username, password, apiVersion: '47.0', retry: { maxElapsedMs: 0 } });

/** A client on the org's own sessions, as bin/connection.ts makes it. */
function ownClient(org: LocalOrg, renewed = { count: 0 }): BulkClient {
  const session = org.openSession();
  const sessionProvider = {
    login: async () => {
      renewed.count++;
      return org.openSession();
    },
  };
  return new BulkClient({ instanceUrl: session.instanceUrl, accessToken: session.sessionId, userId: session.userId, sessionProvider, apiVersion: '47.0' });
}

/** Resolves once the org refuses `sessionId` (its TTL passed): the org's own answer, not a guess at the time. */
async function expired(org: LocalOrg, sessionId: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${org.instanceUrl}/services/data/v47.0/limits`, { headers: { authorization: `Bearer ${sessionId}` } });
    await res.arrayBuffer();
    if (res.status === 401) return;
    await sleep(50);
  }
}

const storedPasswords = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT username, password FROM users').all() as { username: string; password: string }[];
  } finally {
    db.close();
  }
};

describe('server: passwordLogin false and openSession', function () {
  this.timeout(60_000);
  const tmp = useTempDir('bulkpipe-owner-session-');
  const file = () => join(tmp.path, 'org.db');

  it('validates the option', async () => {
    const err = await rejection(startServer({ passwordLogin: 'no' as unknown as boolean }));
    expect(err.code).to.equal('BULK_INVALID_OPTION');
  });

  it('creates its user with no password: no password logs in, its own sessions work', async () => {
    const org = await startServer({ db: file(), passwordLogin: false });
    try {
      expect(storedPasswords(file())).to.deep.equal([{ username: 'admin@bulkpipe.local', password: '' }]);
      for (const password of ['bulkpipe', ':']) expect((await rejection(login(org, password))).code).to.equal('BULK_LOGIN_FAILED');
      const client = ownClient(org);
      try {
        const job = await client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV' });
        expect(job.state).to.equal('Open');
      } finally {
        await client.close();
      }
    } finally {
      await org.close();
    }
    // An org started with a password login on the same file gives the user its password.
    const served = await startServer({ db: file() });
    try {
      await (await login(served, 'bulkpipe')).close();
    } finally {
      await served.close();
    }
  });

  it('leaves an existing user’s password as it is, while a server with it runs', async () => {
    const served = await startServer({ db: file(), password: 'secret' });
    const own = await startServer({ db: file(), passwordLogin: false });
    try {
      await (await login(served, 'secret')).close();
      await (await login(own, 'secret')).close();
      expect((await rejection(login(own, 'bulkpipe'))).code).to.equal('BULK_LOGIN_FAILED');
    } finally {
      await own.close();
      await served.close();
    }
  });

  it('a client renews an expired session through openSession', async () => {
    const org = await startServer({ db: file(), passwordLogin: false, sessionTtlSeconds: 1 });
    const renewed = { count: 0 };
    const client = ownClient(org, renewed);
    // Opened after the client's: once the org refuses it, it refuses the client's too.
    const probe = org.openSession().sessionId;
    try {
      const job = await client.createJob({ object: 'Account', operation: 'insert', contentType: 'CSV' });
      await expired(org, probe);
      expect((await client.getJob(job.id)).id).to.equal(job.id);
      expect(renewed.count).to.equal(1);
    } finally {
      await client.close();
      await org.close();
    }
  });
});
