/**
 * The report's headline: which setting of a sweep loaded fastest, by how much over the slowest, and
 * at what client CPU cost, from the runs' own figures. A setting's rate is the mean over its runs;
 * two settings tie when their rates read the same as shown (three significant digits), since the
 * runs of one setting differ by more than that (up to 17% in benchmarks/RESULTS.md, issue 14).
 */
import type { BenchRun, BenchSettings } from './bench-load.js';

/** A setting's runs taken together. */
interface SettingFigures {
  readonly settings: BenchSettings;
  readonly runs: number;
  /** Mean records/s over its runs. */
  readonly recordsPerSecond: number;
  /** Client CPU (user + system) seconds per 100,000 records read, over all its runs. */
  readonly cpuSecondsPer100k: number;
  readonly failed: number;
  /** How much its fastest run beat its slowest: 0.2 for 20% (0 with one run). */
  readonly spread: number;
}

/** The settings in the order they first ran, each with its runs' figures. */
function settingFigures(runs: readonly BenchRun[]): SettingFigures[] {
  const by = new Map<string, BenchRun[]>();
  for (const r of runs) {
    const key = JSON.stringify(r.settings);
    by.set(key, [...(by.get(key) ?? []), r]);
  }
  return [...by.values()].map((rs) => {
    const records = rs.reduce((a, r) => a + r.records, 0);
    const cpu = rs.reduce((a, r) => a + r.cpuSeconds, 0);
    return {
      settings: (rs[0] as BenchRun).settings,
      runs: rs.length,
      recordsPerSecond: rs.reduce((a, r) => a + r.recordsPerSecond, 0) / rs.length,
      cpuSecondsPer100k: records > 0 ? (cpu / records) * 100_000 : 0,
      failed: rs.reduce((a, r) => a + r.failed, 0),
      spread: spreadOf(rs.map((r) => r.recordsPerSecond)),
    };
  });
}

function spreadOf(rates: readonly number[]): number {
  const low = Math.min(...rates);
  return low > 0 ? Math.max(...rates) / low - 1 : 0;
}

/** 142k, 16.4k, 950: three significant digits, as the headline shows a rate. */
const shortRate = (value: number) => new Intl.NumberFormat('en-US', { notation: 'compact', maximumSignificantDigits: 3 }).format(value).replace('K', 'k');
const cpuWords = (f: SettingFigures) => `${new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 }).format(f.cpuSecondsPer100k)} CPU-s per 100k records`;

type Key = keyof BenchSettings;
const KEYS: readonly Key[] = ['bulkApi', 'batchSize', 'concurrency', 'contentType', 'gzip', 'serial'];

/** A setting as the `bulkpipe bench` flags that give it (2.0's content type, gzip and serial are fixed, so not said). */
function flags(s: BenchSettings, keys: readonly Key[]): string {
  const word: Record<Key, string> = {
    bulkApi: `--bulk-api ${s.bulkApi}`,
    batchSize: `--batch-size ${s.batchSize}`,
    concurrency: `--concurrency ${s.concurrency}`,
    contentType: `--content-type ${s.contentType}`,
    gzip: `--gzip ${s.gzip ? 'on' : 'off'}`,
    serial: `--serial ${s.serial ? 'on' : 'off'}`,
  };
  const fixedByV2: readonly Key[] = ['contentType', 'gzip', 'serial'];
  return keys
    .filter((k) => !(s.bulkApi === 2 && fixedByV2.includes(k)))
    .map((k) => word[k])
    .join(' ');
}

const ratio = (a: number, b: number) => {
  const r = a / b;
  return `${r.toFixed(r < 1.1 ? 2 : 1)}×`;
};

/**
 * One line: `Best: --batch-size 5000 --concurrency 8: 142k records/s, 1.9× the slowest
 * (--concurrency 1), 0.8 CPU-s per 100k records.` Settings are named by the flags that vary in the
 * sweep (the slowest by those where it differs from the best). Settings with failed records are not
 * candidates: a fast load that failed is no advice. Empty when there are no runs.
 */
export function bestSettingLine(runs: readonly BenchRun[]): string {
  const all = settingFigures(runs);
  if (all.length === 0) return '';
  const varying = KEYS.filter((k) => new Set(all.map((f) => String(f.settings[k]))).size > 1);
  const named = varying.length > 0 ? varying : (['batchSize', 'concurrency'] as const);
  const name = (f: SettingFigures, keys: readonly Key[] = named) => flags(f.settings, keys);
  const mean = (f: SettingFigures) => (f.runs > 1 ? ` (mean of ${f.runs} runs)` : '');
  const candidates = all.filter((f) => f.failed === 0);
  const leftOut = all.filter((f) => f.failed > 0);
  // Repeated runs show the noise that a gap between settings must beat.
  const noise = Math.max(...all.map((f) => f.spread));
  const noiseWords = all.some((f) => f.runs > 1) ? ` Runs of one setting differed by up to ${Math.round(noise * 100)}%.` : '';
  const leftOutWords = `${noiseWords}${leftOut.length > 0 ? ` Left out, with failed records: ${leftOut.map((f) => name(f)).join('; ')}.` : ''}`;
  if (candidates.length === 0) return `No best setting: every setting had failed records (see the table).`;
  const shown = (f: SettingFigures) => shortRate(f.recordsPerSecond);
  const fastest = Math.max(...candidates.map((f) => f.recordsPerSecond));
  const slowest = Math.min(...candidates.map((f) => f.recordsPerSecond));
  const best = candidates.filter((f) => shown(f) === shortRate(fastest));
  const worst = candidates.filter((f) => shown(f) === shortRate(slowest));
  const top = best[0] as SettingFigures;
  if (candidates.length === 1) {
    const lead = all.length === 1 ? 'One setting' : 'Best';
    const hint = all.length === 1 ? ' Give lists (e.g. --concurrency 1,4,8) to compare settings.' : '';
    return `${lead}: ${name(top)}: ${shown(top)} records/s${mean(top)}, ${cpuWords(top)}.${leftOutWords}${hint}`;
  }
  if (best.length === candidates.length) {
    const leanest = candidates.reduce((a, f) => (f.cpuSecondsPer100k < a.cpuSecondsPer100k ? f : a));
    return `No best setting: all ${candidates.length} ran at ${shown(top)} records/s; the least client CPU: ${name(leanest)}, ${cpuWords(leanest)}.${leftOutWords}`;
  }
  const slow = worst
    .map((f) =>
      best.length === 1
        ? name(
            f,
            varying.filter((k) => f.settings[k] !== top.settings[k]),
          )
        : name(f),
    )
    .join('; ');
  const than = slowest > 0 ? `${ratio(fastest, slowest)} the slowest (${slow})` : `against none for the slowest (${slow})`;
  if (best.length === 1) return `Best: ${name(top)}: ${shown(top)} records/s${mean(top)}, ${than}, ${cpuWords(top)}.${leftOutWords}`;
  return `Best, tied at ${shown(top)} records/s: ${best.map((f) => `${name(f)} (${cpuWords(f)})`).join(' and ')}; ${than}.${leftOutWords}`;
}
