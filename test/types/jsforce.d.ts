/** The part of jsforce 1.x (a dev dependency for interoperability tests) that the tests use. */
declare module 'jsforce' {
  import type { EventEmitter } from 'node:events';
  interface BulkResult {
    id: string | null;
    success: boolean;
    errors: string[];
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
    };
  }
  const jsforce: { Connection: typeof Connection };
  export default jsforce;
}
