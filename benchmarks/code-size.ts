/**
 * The largest production files and functions of a checkout (production: all but test/, benchmarks/
 * and examples/), counted on the TypeScript syntax tree: what a refactor's note reports before and
 * after. Usage: node --import tsx benchmarks/code-size.ts [checkout=.] [rows=12]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = process.argv[2] ?? '.';
const rows = Number(process.argv[3] ?? 12);
const files = execFileSync('git', ['-C', root, 'ls-files', '*.ts'], { encoding: 'utf8' })
  .trim()
  .split('\n')
  .filter((f) => !/^(test|benchmarks|examples)\//.test(f));
const fileLines: Array<[number, string]> = [];
const functions: Array<[number, string]> = [];

/** A function worth naming: a declaration, a method, a constructor, a getter, or a function stored in a variable. */
const isFunction = (node: ts.Node): node is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(node) ||
  ts.isMethodDeclaration(node) ||
  ts.isConstructorDeclaration(node) ||
  ts.isGetAccessor(node) ||
  ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && ts.isVariableDeclaration(node.parent));

for (const file of files) {
  const text = readFileSync(join(root, file), 'utf8');
  fileLines.push([text.split('\n').length - (text.endsWith('\n') ? 1 : 0), file]);
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const named = node.name ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name : undefined);
      functions.push([last - first + 1, `${file}:${first + 1} ${named?.getText(source) ?? '(constructor)'}`]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
const largest = (items: Array<[number, string]>) => [...items].sort((a, b) => b[0] - a[0]).slice(0, rows);
console.log(`production files: ${files.length}, over 400 lines: ${fileLines.filter(([n]) => n > 400).length}`);
console.log('largest files:');
for (const [n, name] of largest(fileLines)) console.log(`  ${n}\t${name}`);
console.log('largest functions:');
for (const [n, name] of largest(functions)) console.log(`  ${n}\t${name}`);
