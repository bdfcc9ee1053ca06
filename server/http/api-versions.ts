/**
 * The API versions the local org speaks, one rule for every surface (REST, SOAP login, Bulk API v1,
 * Bulk API 2.0): 20.0 through the current release. A client pinned to a later version is refused on
 * each surface in that surface's words, never half served.
 */

/** The current release: 66.0, Spring '26. The one place the latest version is written. */
export const LATEST_API_VERSION = 66;

/** The oldest version the local org answers (Salesforce retired older ones long ago). */
const OLDEST_API_VERSION = 20;

/** `66.0` -> 66; anything but `NN.0` (there are no minor versions) -> NaN. */
const major = (version: string): number => (/^\d{1,3}\.0$/.test(version) ? Number.parseInt(version, 10) : Number.NaN);

/** True for `20.0` ... `66.0`. */
export function isServedVersion(version: string): boolean {
  const v = major(version);
  return v >= OLDEST_API_VERSION && v <= LATEST_API_VERSION;
}

/** True for a version after the current release (`67.0`): what a client newer than the org asks for. */
export function isPastLatest(version: string): boolean {
  return Number(version) > LATEST_API_VERSION;
}

/**
 * `GET /services/data`: every version with its release name, oldest first. Three releases a year,
 * Winter, Spring, Summer, from v20.0 = Winter '11: v62.0 = Winter '25, v66.0 = Spring '26.
 */
export function versionList(): Array<{ label: string; url: string; version: string }> {
  const out: Array<{ label: string; url: string; version: string }> = [];
  for (let v = OLDEST_API_VERSION; v <= LATEST_API_VERSION; v++) {
    const n = v - OLDEST_API_VERSION;
    const season = ['Winter', 'Spring', 'Summer'][n % 3] as string;
    const year = String(11 + Math.floor(n / 3)).padStart(2, '0');
    out.push({ label: `${season} '${year}`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}
