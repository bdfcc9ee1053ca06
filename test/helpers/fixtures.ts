import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** A recorded wire body: the file without its leading source comment and trailing newline. */
export function wireFixture(name: string): string {
  const text = readFileSync(`${dir}wire/${name}`, 'utf8');
  return text.replace(/^<!--[\s\S]*?-->\n/, '').replace(/\n$/, '');
}

/** A CumulusCI VCR template with its `{name}` / `{name:default}` placeholders filled in. */
export function fillTemplate(name: string, values: Record<string, string>): string {
  return wireFixture(name).replace(/\{(\w+)(?::([^}]*))?\}/g, (_m, key: string, fallback?: string) => {
    const value = values[key] ?? fallback;
    if (value === undefined) throw new Error(`template ${name} needs a value for ${key}`);
    return value;
  });
}

export async function* chunksOf(text: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Asserts that a promise rejects and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
