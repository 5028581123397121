import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

// Rooms stay small (DEVELOPERS.md): a file over 600 lines or a function over 120 lines is a sign to split by
// responsibility. Generated data (none under src/ today) would be listed here with the reason.
const ROOT = path.resolve(__dirname, '../..');
const MAX_FILE_LINES = 600;
const MAX_FUNCTION_LINES = 120;
const DIRS = ['src', 'webview'];

function sources(): string[] {
  return DIRS.flatMap((d) => (fs.readdirSync(path.join(ROOT, d), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f)));
}

/** Every function-like node of `file` with its line count (first to last line, inclusive) and a name to report. */
export function functionLengths(file: string, text: string): { name: string; line: number; lines: number }[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const out: { name: string; line: number; lines: number }[] = [];
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const named = (node as { name?: ts.Node }).name;
      const parent = node.parent;
      const name = named ? named.getText(sf) : ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) ? parent.name.getText(sf) : '(anonymous)';
      const start = lineOf(node.getStart(sf));
      out.push({ name, line: start, lines: lineOf(node.end) - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

describe('room sizes', () => {
  it(`no file in ${DIRS.join(', ')} over ${MAX_FILE_LINES} lines`, () => {
    const big = sources()
      .map((f) => ({ f, lines: fs.readFileSync(path.join(ROOT, f), 'utf8').split('\n').length - 1 }))
      .filter((x) => x.lines > MAX_FILE_LINES);
    assert.deepEqual(big.map((x) => `${x.f}: ${x.lines}`), []);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sources().flatMap((f) =>
      functionLengths(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))
        .filter((x) => x.lines > MAX_FUNCTION_LINES)
        .map((x) => `${f}:${x.line} ${x.name}: ${x.lines} lines`),
    );
    assert.deepEqual(long, []);
  });

  it('the measure counts what it should: a 3-line function, a nested arrow, a method', () => {
    const text = 'function a() {\n  const b = () => {\n    return 1;\n  };\n}\nclass C {\n  m() {\n    return 2;\n  }\n}\n';
    assert.deepEqual(functionLengths('x.ts', text).map((x) => [x.name, x.lines]), [['a', 5], ['b', 3], ['m', 3]]);
  });
});
