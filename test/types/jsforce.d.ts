/** The part of jsforce 1.x (a dev dependency for interoperability tests) that the tests use. */
declare module 'jsforce' {
  import type { EventEmitter } from 'node:events';
  interface BulkResult {
    id: string | null;
    success: boolean;
    errors: string[];
  }
  interface Batch extends EventEmitter {
    execute(input: string | ReadonlyArray<Record<string, unknown>>): Batch;
    poll(intervalMs: number, timeoutMs: number): void;
  }
  interface Job {
    id: string | null;
    createBatch(): Batch;
    close(): Promise<unknown>;
  }
  class Connection {
    constructor(options: { loginUrl: string; version?: string });
    instanceUrl: string;
    accessToken: string;
    login(username: string, password: string): Promise<unknown>;
    bulk: {
      pollTimeout: number;
      pollInterval: number;
      load(object: string, operation: string, records: ReadonlyArray<Record<string, unknown>>): Promise<BulkResult[]>;
      load(object: string, operation: string, options: { extIdField: string }, records: ReadonlyArray<Record<string, unknown>>): Promise<BulkResult[]>;
      query(soql: string): EventEmitter;
      createJob(object: string, operation: string): Job;
    };
  }
  const jsforce: { Connection: typeof Connection };
  export default jsforce;
}
