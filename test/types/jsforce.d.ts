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
  interface SaveResult {
    id?: string;
    success: boolean;
    errors: Array<{ statusCode?: string; message: string; fields?: string[] }>;
    created?: boolean;
  }
  type RecordData = Record<string, unknown>;
  interface SObject {
    create(records: RecordData): Promise<SaveResult>;
    create(records: RecordData[], options?: { allOrNone?: boolean }): Promise<SaveResult[]>;
    update(records: RecordData): Promise<SaveResult>;
    update(records: RecordData[], options?: { allOrNone?: boolean }): Promise<SaveResult[]>;
    upsert(records: RecordData, extIdField: string): Promise<SaveResult>;
    destroy(ids: string): Promise<SaveResult>;
    destroy(ids: string[], options?: { allOrNone?: boolean }): Promise<SaveResult[]>;
    retrieve(ids: string, options?: { fields?: string[] }): Promise<RecordData>;
    retrieve(ids: string[], options?: { fields?: string[] }): Promise<Array<RecordData | null>>;
    count(conditions?: RecordData | string): Promise<number>;
  }
  class Connection {
    sobject(type: string): SObject;
    query(soql: string): Promise<{ totalSize: number; done: boolean; records: RecordData[] }>;
    limits(): Promise<Record<string, { Max: number; Remaining: number }>>;
    limitInfo: { apiUsage?: { used: number; limit: number } };
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
