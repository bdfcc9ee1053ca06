/**
 * The `locator` of a Bulk API 2.0 query result page: the page's first row, as unpadded base64 of its
 * decimal text. The docs' sample locators decode so (`MTAwMDA` is "10000", spec §4.4), and a locator
 * that names its row needs nothing kept on the server: it can be fetched again as long as the job
 * exists. Clients treat it as opaque.
 */

export const locatorOf = (row: number): string => Buffer.from(String(row), 'utf8').toString('base64').replace(/=+$/, '');

/** The row a locator names; undefined when it is not one of ours. */
export function rowOfLocator(locator: string): number | undefined {
  if (!/^[A-Za-z0-9+/]+$/.test(locator)) return undefined;
  const text = Buffer.from(locator, 'base64').toString('utf8');
  return /^(0|[1-9]\d{0,14})$/.test(text) && locatorOf(Number(text)) === locator ? Number(text) : undefined;
}
