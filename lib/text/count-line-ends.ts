/** How many LFs text[from, to) holds: line numbers for errors and records, without slicing. */
export function countLineEnds(text: string, from = 0, to = text.length): number {
  let n = 0;
  for (let k = text.indexOf('\n', from); k >= 0 && k < to; k = text.indexOf('\n', k + 1)) n++;
  return n;
}
