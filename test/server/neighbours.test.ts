/**
 * "Try better neighbours" quick fixes: every single-edit neighbour of the architecture at the cursor, scored by
 * its space's predictor; the best five rewrite the architecture in the form it is written in, and after the
 * edit the lens shows the predicted value the fix promised.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import type { CodeAction, CodeLens, TextEdit } from 'vscode-languageserver-protocol';
import { nb201Space } from '../../src/space/nb201';
import { nb301Space } from '../../src/space/nb301';
import { describe, it, ROOT, startSession, TINY_PREDICTOR, type TestSession } from './lspClient';

const CELL = '|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|';
const DARTS = `DARTS_V2 = Genotype(
    normal=[
        ('sep_conv_3x3', 0), ('sep_conv_3x3', 1),  # node 2
        ('sep_conv_3x3', 0), ('sep_conv_3x3', 1),  # node 3
        ('sep_conv_3x3', 1), ('skip_connect', 0),  # node 4
        ('skip_connect', 0), ('dil_conv_3x3', 2),  # node 5
    ],
    normal_concat=[2, 3, 4, 5],
    reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],
    reduce_concat=range(2, 6),
)`;
const DOC = `cell = "${CELL}"\nops: ['nor_conv_1x1', 'skip_connect', 'avg_pool_3x3', 'none', 'nor_conv_1x1', 'skip_connect']\n${DARTS}\n`;

describe('better-neighbour quick fixes', () => {
  let s: TestSession;
  let ws: string;
  let uri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-nb-'));
    const bundled = path.join(ws, '.bundled');
    fs.cpSync(TINY_PREDICTOR, path.join(bundled, 'nb201'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'test/fixtures/predictor-nb301-tiny'), path.join(bundled, 'nb301'), { recursive: true });
    s = await startSession({}, { workspace: ws, bundledPredictors: bundled });
    uri = pathToFileURL(path.join(ws, 'archs.py')).href;
  });
  after(async () => {
    await s.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const actionsAt = async (line: number, character: number): Promise<CodeAction[]> =>
    (await s.client.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line, character }, end: { line, character } },
      context: { diagnostics: [] },
    })) as CodeAction[];
  const editOf = (a: CodeAction): TextEdit => {
    const edits = a.edit?.changes?.[uri];
    assert.ok(edits && edits.length === 1, JSON.stringify(a));
    return edits[0] as TextEdit;
  };
  const apply = (text: string, e: TextEdit): string => {
    const lines = text.split('\n');
    const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
    return `${text.slice(0, offset(e.range.start))}${e.newText}${text.slice(offset(e.range.end))}`;
  };

  it('offers the five best single-edit NB201 neighbours, best first, each one edge away', async () => {
    await s.setText(uri, DOC);
    const actions = await actionsAt(0, 12);
    assert.equal(actions.length, 5);
    const preds = actions.map((a) => {
      assert.equal(a.kind, 'quickfix');
      const m = /^DELE: [+−]\d+\.\d pts \(pred (\d+\.\d)%\): edge (\d)<-(\d) (none|skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3)$/.exec(a.title);
      assert.ok(m, a.title);
      const r = nb201Space.parse(editOf(a).newText);
      assert.ok(r.ok, editOf(a).newText);
      const orig = nb201Space.parse(CELL);
      assert.ok(orig.ok);
      assert.equal(r.arch.filter((op, e) => op !== orig.arch[e]).length, 1, 'one edge changed');
      return Number(m[1]);
    });
    for (let i = 1; i < preds.length; i++) assert.ok((preds[i - 1] as number) >= (preds[i] as number) - 1e-9, `ranked: ${preds.join(', ')}`);
  });

  it('applying the best fix changes the text, and the lens then shows the promised prediction', async () => {
    await s.setText(uri, DOC);
    const [best] = await actionsAt(0, 12);
    assert.ok(best);
    const promised = /pred (\d+\.\d)%/.exec(best.title)?.[1];
    const edited = apply(DOC, editOf(best));
    assert.notEqual(edited, DOC);
    await s.setText(uri, edited);
    const lenses = (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
    const top = lenses.find((l) => l.range.start.line === 0);
    assert.match(top?.command?.title ?? '', new RegExp(`^pred ${promised?.replace('.', '\\.')}% `));
  });

  it('rewrites an op list in its own quotes and separators', async () => {
    await s.setText(uri, DOC);
    const [a] = await actionsAt(1, 10);
    assert.ok(a);
    const text = editOf(a).newText;
    assert.match(text, /^ops: \['(none|skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3)'(, '(none|skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3)'){5}\]$/);
  });

  it('changes one op name or one input of a multi-line genotype, keeping its layout and comments', async () => {
    await s.setText(uri, DOC);
    const actions = await actionsAt(3, 8);
    assert.equal(actions.length, 5);
    const orig = nb301Space.parse(DARTS.slice(DARTS.indexOf('Genotype')));
    assert.ok(orig.ok);
    for (const a of actions) {
      assert.match(a.title, /^DELE: [+−]\d+\.\d pts \(pred \d+\.\d%\): (normal|reduce) node [2-5]: /);
      const text = editOf(a).newText;
      assert.equal(text.split('\n').length, DARTS.split('\n').length - 0, 'same lines');
      assert.match(text, /# node 2\n/);
      const r = nb301Space.parse(text);
      assert.ok(r.ok, text);
      assert.notEqual(r.key, orig.key);
      // One token differs: the changed lines are one line, whose edit is a single op name or input number.
      const before = DARTS.slice(DARTS.indexOf('Genotype')).split('\n');
      const changed = text.split('\n').filter((l, i) => l !== before[i]);
      assert.equal(changed.length, 1, text);
    }
  });

  it('offers nothing away from an architecture', async () => {
    await s.setText(uri, `x = 1\n${DOC}`);
    assert.deepEqual(await actionsAt(0, 2), []);
  });
});
