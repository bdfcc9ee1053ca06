/**
 * A load's adaptive concurrency, wired in one place: the controller (lib/load/adaptive-concurrency.ts)
 * set to the run's concurrency, fed each sent batch's records and lock failures (`observe`), and
 * changing the submitter's limit as it decides, with a notice each time. The feed is a tap on the
 * joined blocks (transforms/lock-failure-tap.ts); a stage that scans the results before the joiner
 * can call `observe` instead.
 */
import { AdaptiveConcurrency, describeConcurrencyChange } from '../lib/load/adaptive-concurrency.js';

/** The part of a submitter whose limit changes at run time. */
export interface ConcurrencyGate {
  setConcurrency(n: number): void;
}

export interface LoadConcurrency {
  /** One sent batch's outcome: its records, and those that failed on a row lock. */
  observe(sent: number, lockFailed: number): void;
  /** The lowest limit of the run, and the limit at its end. */
  readonly lowest: number;
  readonly final: number;
}

/** The run's adaptive concurrency over `gate`; undefined when it is off (the limit stays `concurrency`). */
export function adaptConcurrency(concurrency: number, enabled: boolean, gate: ConcurrencyGate, onNotice: ((message: string) => void) | undefined): LoadConcurrency | undefined {
  if (!enabled) return undefined;
  const controller = new AdaptiveConcurrency({ max: concurrency });
  return {
    observe(sent, lockFailed) {
      const change = controller.observe(sent, lockFailed);
      if (!change) return;
      gate.setConcurrency(change.to);
      onNotice?.(describeConcurrencyChange(change));
    },
    get lowest() {
      return controller.lowest;
    },
    get final() {
      return controller.current;
    },
  };
}
