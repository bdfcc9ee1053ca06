/**
 * The jobs this machine's bulkpipe started, one JSON line each in $BULKPIPE_HOME/jobs.ndjson:
 * the Bulk API v1 has no call that lists jobs, so `bulkpipe job list` reads this journal and asks
 * the org for each job's current state. Bounded: past MAX_BYTES the oldest half is dropped.
 */
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bulkpipeHome } from './home.js';

export interface JournalEntry {
  readonly id: string;
  /** The org it ran on: an instance URL, or `local:<db file>`. */
  readonly org: string;
  readonly operation: string;
  readonly object: string;
  readonly startedAt: string;
  /** A Bulk API 2.0 job (ingest, or query by its operation): its state is read from the 2.0 resources. */
  readonly bulkApi?: 2;
}

const MAX_BYTES = 1024 * 1024;

const journalPath = (env: NodeJS.ProcessEnv) => join(bulkpipeHome(env), 'jobs.ndjson');

/** Records a job. A journal that cannot be written never fails the run it describes. */
export async function recordJob(env: NodeJS.ProcessEnv, entry: JournalEntry): Promise<void> {
  const path = journalPath(env);
  try {
    await mkdir(bulkpipeHome(env), { recursive: true });
    await appendFile(path, `${JSON.stringify(entry)}\n`);
    if ((await stat(path)).size > MAX_BYTES) {
      const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
      await writeFile(path, `${lines.slice(Math.floor(lines.length / 2)).join('\n')}\n`);
    }
  } catch {
    /* best effort: the job id is printed anyway */
  }
}

/** The newest `limit` jobs run on `org`, newest first. */
export async function listJournal(env: NodeJS.ProcessEnv, org: string, limit: number): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(journalPath(env), 'utf8');
  } catch {
    return [];
  }
  const entries: JournalEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const entry = JSON.parse(line) as JournalEntry;
      if (entry.org === org && typeof entry.id === 'string') entries.push(entry);
    } catch {
      /* a torn line from a crash: skip it */
    }
  }
  return entries.reverse().slice(0, limit);
}
