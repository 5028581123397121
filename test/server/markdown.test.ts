/**
 * Names from data reach hovers as text, not Markdown: a predictor whose expert (LF column) names, target and data
 * source came from a hostile CSV renders them escaped; no link, no HTML. Its own session and folders.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { Hover } from 'vscode-languageserver-protocol';
import { codeSpan, escapeMarkdown } from '../../src/server/markdown';
import { describe, it, startSession, TINY_PREDICTOR, type TestSession } from './lspClient';

const CELL = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const LINK = '[x](command:evil)';
const HTML = '<img src=x onerror=alert(1)>';
const EMPHASIS = '*bold* _it_ `code` | cell';

/** Markdown that would render a link, HTML or a table cell break from the hostile names. */
function assertInert(md: string): void {
  assert.doesNotMatch(md, /(?<!\\)\[x(?<!\\)\]\(command:/, 'a link to a command');
  assert.doesNotMatch(md, /<img/i, 'HTML');
  assert.doesNotMatch(md, /(?<!\\)\*bold(?<!\\)\*/, 'emphasis');
}

describe('Markdown built from data', () => {
  let s: TestSession;
  let dir: string;
  const uri = 'file:///ws/markdown.py';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-md-'));
    const predictor = path.join(dir, 'nb201');
    fs.cpSync(TINY_PREDICTOR, predictor, { recursive: true });
    const meta = JSON.parse(fs.readFileSync(path.join(predictor, 'model.json'), 'utf8'));
    meta.model.experts = [LINK, HTML, EMPHASIS];
    meta.target = `acc ${LINK}`;
    meta.dataset.source = `/data/${HTML}.csv`;
    fs.writeFileSync(path.join(predictor, 'model.json'), JSON.stringify(meta));
    s = await startSession({}, { bundledPredictors: dir });
  });
  after(async () => {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hover escapes expert names, the target and the data source', async () => {
    await s.setText(uri, `cell = "${CELL}"\n`);
    const h = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 12 } })) as Hover;
    const md = (h.contents as { value: string }).value;
    assert.match(md, /\| expert \(LF column\) \| gate weight \(share\) \| expert score \(unitless\) \|/);
    assertInert(md);
    // Each expert is still one table row of three cells: the `|` in a name does not split it.
    const rows = md.split('\n').filter((l) => /^\| .* \| -?\d+\.\d{3} \| -?\d+\.\d{3} \|$/.test(l));
    assert.equal(rows.length, 3, md);
    for (const r of rows) assert.equal(r.split(/(?<!\\)\|/).length, 5, r);
    assert.ok(md.includes('\\[x\\]\\(command\\:evil)') || md.includes('\\[x\\](command\\:evil)'), md);
    assert.ok(md.includes('&lt;img src=x onerror=alert(1)&gt;'), md);
  });

  it('escapeMarkdown keeps ordinary names and shows hostile ones as their characters', () => {
    assert.equal(escapeMarkdown('zc_c10_synflow'), 'zc_c10_synflow');
    assert.equal(escapeMarkdown('NAS-Bench-301 (DARTS)'), 'NAS-Bench-301 (DARTS)');
    assert.equal(escapeMarkdown(LINK), '\\[x\\](command\\:evil)');
    assert.equal(escapeMarkdown('<b>&'), '&lt;b&gt;&amp;');
    assert.equal(escapeMarkdown('_it_ *b* a|b'), '\\_it\\_ \\*b\\* a\\|b');
    assert.equal(codeSpan('a`b'), '`` a`b ``');
    assert.equal(codeSpan('64-41414-3_33_333'), '`64-41414-3_33_333`');
  });
});
