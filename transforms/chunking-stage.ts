/**
 * What the chunking stages (BatchChunker, CsvBatchSplitter) share: a Transform to spooled batches
 * around a cutter (lib/cut/), with the same events, typed here once (an `on`/`once`/`off` overload
 * per event).
 */
import { Transform } from 'node:stream';
import type { CutEvents } from '../lib/cut/segment-cutter.js';
import { describeColumnPlan, type ColumnPlan } from '../lib/load/column-plan.js';
import type { RejectEntry } from '../lib/load/reject-file.js';
import type { SpooledBatch } from '../lib/load-types.js';

export abstract class ChunkingStage extends Transform {
  /** What a cutter reports, as this stage's events and pushes; `quietWhenDestroyed`: a batch cut after a destroy is neither emitted nor pushed; `source` is named in notices. */
  protected cutEvents(quietWhenDestroyed: boolean, source = 'input'): CutEvents {
    return {
      columns: (plan) => this.emit('columns', plan, describeColumnPlan(plan, source)),
      rejected: (entry) => this.emit('rejected', entry),
      batch: (batch) => {
        if (quietWhenDestroyed && this.destroyed) return;
        this.emit('batch', batch);
        this.push(batch);
      },
    };
  }
}

export interface ChunkingStage {
  on(event: 'batch', listener: (batch: SpooledBatch) => void): this;
  on(event: 'columns', listener: (plan: ColumnPlan, notice: string | undefined) => void): this;
  on(event: 'rejected', listener: (entry: RejectEntry) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'batch', listener: (batch: SpooledBatch) => void): this;
  once(event: 'columns', listener: (plan: ColumnPlan, notice: string | undefined) => void): this;
  once(event: 'rejected', listener: (entry: RejectEntry) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
  off(event: 'batch', listener: (batch: SpooledBatch) => void): this;
  off(event: 'columns', listener: (plan: ColumnPlan, notice: string | undefined) => void): this;
  off(event: 'rejected', listener: (entry: RejectEntry) => void): this;
  off(event: string | symbol, listener: (...args: any[]) => void): this;
}
