/** `2026-12-01T13:08:43.000+0000`: the date form of the REST API and Bulk API 2.0 (UTC, milliseconds, `+0000` without a colon). */
export const restDate = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');
