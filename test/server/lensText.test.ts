/**
 * What lenses and hovers say (issue 21): display names of LF columns, units and a legend in the hover, the rank
 * where calibrated values tie, the all-`none` cell as what it is, and one lens per architecture of a shared line.
 * The bundled predictors of media/predictors (NB201 and both TransNAS-Bench-101 spaces here).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before } from 'node:test';
import type { CodeLens, Hover } from 'vscode-languageserver-protocol';
import type { RankingsResult } from '../../src/protocol/lsp';
import { describe, it, ROOT, startSession, type TestSession } from './lspClient';

const ALL_NONE = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';
const POOR = '|avg_pool_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|avg_pool_3x3~0|skip_connect~1|skip_connect~2|';
const GOOD = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const URI = 'file:///ws/lensText.py';

describe('lens and hover text', () => {
  let s: TestSession;
  before(async () => {
    s = await startSession({}, { bundledPredictors: path.join(ROOT, 'media/predictors') });
  });
  after(async () => {
    await s.close();
  });

  const lensesOf = async (text: string): Promise<CodeLens[]> => {
    await s.setText(URI, text);
    return (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as CodeLens[];
  };
  const hoverAt = async (line: number, character: number): Promise<string> => {
    const h = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line, character } })) as Hover;
    return (h.contents as { value: string }).value;
  };

  it('names experts by their display names in the lens, and the hover gives units and a legend', async () => {
    const [lens] = await lensesOf(`A = "${GOOD}"\n`);
    const title = lens?.command?.title ?? '';
    assert.match(title, /^pred \d+\.\d%.* · top-3 experts \(gate weight\): /);
    assert.doesNotMatch(title, /acc12ep|zc_c10_|c10valid/, title);
    const md = await hoverAt(0, 10);
    assert.match(md, /NAS-Bench-201 benchmark c10_test_200ep: 94\.36%/);
    assert.match(md, /\| expert \(LF column\) \| gate weight \(share\) \| expert score \(unitless\) \|/);
    assert.match(md, /gate weight: share of the ensemble's score, sums to 1 · expert score: the expert's ranking score, unitless, higher = better/);
    // Each row: the display name, then the column it stands for.
    for (const row of md.split('\n').filter((l) => /^\| [^e|-]/.test(l))) assert.match(row, /^\| .+ `\w+` \| 0\.\d{3} \| -?\d+\.\d{3} \|$/, row);
    // The lens's names are the hover's names.
    for (const name of title.replace(/^.*\(gate weight\): /, '').split(/ 0\.\d\d(?:, |$)/).filter(Boolean)) {
      assert.ok(md.includes(name.replace(/[()]/g, (c) => c)), `${name} in the hover`);
    }
  });

  it('shows the rank where the calibrated value ties with its neighbours, and the hover says it is tied', async () => {
    await lensesOf(`A = "${GOOD}"\n`);
    await s.server.whenIdle();
    const r = (await s.client.sendRequest('dele/rankings', {})) as RankingsResult;
    const [best, second] = r.benchmarkTop;
    assert.ok(best && second);
    // The top cells are above the calibration's last knot: the same calibrated value.
    assert.equal(best.predicted, second.predicted);
    const ls = await lensesOf(`TOP = ["${best.arch}",\n  "${second.arch}"]\n`);
    assert.equal(ls.length, 2);
    assert.match(ls[0]?.command?.title ?? '', /^pred \d+\.\d% · rank 1 of 15,625 · /);
    assert.match(ls[1]?.command?.title ?? '', /^pred \d+\.\d% · rank 2 of 15,625 · /);
    const md = await hoverAt(0, 12);
    assert.match(md, /\(calibrated\): \*\*\d+\.\d\d%\*\* · better than .* · rank 1 of 15,625: the calibrated value is tied with its rank neighbours'/);
  });

  it('does not show a rank where the value is not tied (a cell on a sloped part of the calibration)', async () => {
    await lensesOf(`A = "${POOR}"\n`);
    await s.server.whenIdle(); // the reference table: ranks and ties are known
    const [lens] = await lensesOf(`A = "${POOR}"\n`);
    assert.match(lens?.command?.title ?? '', /^pred \d+\.\d% · top-3 experts \(gate weight\): /);
    const md = await hoverAt(0, 10);
    assert.match(md, /better than \d+\.\d% of all 15,625 NAS-Bench-201 architectures/);
    assert.doesNotMatch(md, /tied|rank \d/);
  });

  it('says an all-none NB201 cell outputs zeros instead of predicting it', async () => {
    const ls = await lensesOf(`GOOD = "${GOOD}"\nZERO = "${ALL_NONE}"\n`);
    assert.equal(ls.length, 2);
    assert.equal(ls[1]?.command?.title, 'outputs zeros (~10%) · no path from the input to the output avoids none: not a prediction');
    assert.doesNotMatch(ls[1]?.command?.title ?? '', /^pred/);
    const md = await hoverAt(1, 12);
    assert.match(md, /this cell outputs zeros \(\\~10%\): no path from the input to the output avoids `none`, so it is not scored/);
    assert.doesNotMatch(md, /\*\*DELE\*\* predicted/);
  });

  it('prefixes each lens of a line that holds two architectures with its own text', async () => {
    const ls = await lensesOf(`PAIR = ["64-41414-3_33_333", "64-1234-basic"]\nMICRO = "64-41414-3_33_333"\n`);
    const line0 = ls.filter((l) => l.range.start.line === 0);
    assert.equal(line0.length, 2);
    assert.match(line0[0]?.command?.title ?? '', /^64-41414-3_33_333: pred \d+\.\d%/);
    assert.match(line0[1]?.command?.title ?? '', /^64-1234-basic: pred \d+\.\d%/);
    // Each lens at its own string (inside the quotes).
    assert.equal(line0[0]?.range.start.character, 'PAIR = ["'.length);
    assert.equal(line0[1]?.range.start.character, 'PAIR = ["64-41414-3_33_333", "'.length);
    // Alone on its line: no prefix.
    assert.match(ls.find((l) => l.range.start.line === 1)?.command?.title ?? '', /^pred /);
  });
});
