/**
 * Compiles the CSV fast path's scan kernel (lib/cut/csv-kernel.wat) with wabt and writes the binary,
 * base64, to lib/cut/csv-kernel-wasm.ts: the package ships the binary and needs no build tool.
 * Usage: npm run build:kernel (test/cut/csv-kernel.test.ts checks that the committed binary is the source's).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

export const KERNEL_SOURCE = fileURLToPath(new URL('../lib/cut/csv-kernel.wat', import.meta.url));
const KERNEL_MODULE = fileURLToPath(new URL('../lib/cut/csv-kernel-wasm.ts', import.meta.url));

/** The kernel's binary, compiled from its source text. */
export async function compileCsvKernel(): Promise<Uint8Array> {
  const tools = await wabt();
  const module = tools.parseWat('csv-kernel.wat', await readFile(KERNEL_SOURCE, 'utf8'), { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const base64 = Buffer.from(await compileCsvKernel()).toString('base64');
  const text = `/** The CSV scan kernel's WebAssembly binary, base64: generated from csv-kernel.wat by \`npm run build:kernel\` (do not edit). */\nexport const CSV_KERNEL_WASM =\n  '${base64}';\n`;
  await writeFile(KERNEL_MODULE, text);
  console.log(`${KERNEL_MODULE}: ${base64.length} base64 characters`);
}
