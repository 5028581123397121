/**
 * DARTS genotypes and NAS-Bench-101 specs in a Python file, through the language server: a lens above every
 * Genotype(...) (predicted, or why it cannot be scored), both cells in the hover, information (not errors)
 * where a NASNet genotype leaves NAS-Bench-301, and a train lens above a ModelSpec without a predictor.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import type { CodeLens, Hover } from 'vscode-languageserver-protocol';
import { describe, it, ROOT, startSession, TINY_PREDICTOR, type TestSession } from './lspClient';
import { at } from '../unit/at';

const GENOTYPES = fs.readFileSync(path.join(ROOT, 'test/fixtures/genotypes.py'), 'utf8');
const SPEC = `
cell = api.ModelSpec(
    matrix=[[0, 1, 1, 0],
            [0, 0, 0, 1],
            [0, 0, 0, 1],
            [0, 0, 0, 0]],
    ops=[INPUT, CONV3X3, MAXPOOL3X3, OUTPUT])
broken = api.ModelSpec(matrix=[[0, 1], [1, 0]], ops=[INPUT, OUTPUT])
`;
const DOC = GENOTYPES + SPEC;

describe('Python genotypes and specs in the language server', () => {
  let s: TestSession;
  let ws: string;
  let uri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-py-'));
    fs.writeFileSync(path.join(ws, 'genotypes.py'), DOC);
    const bundled = path.join(ws, '.bundled');
    fs.cpSync(TINY_PREDICTOR, path.join(bundled, 'nb201'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'test/fixtures/predictor-nb301-tiny'), path.join(bundled, 'nb301'), { recursive: true });
    s = await startSession({}, { workspace: ws, bundledPredictors: bundled });
    uri = pathToFileURL(path.join(ws, 'genotypes.py')).href;
    s.open(uri, DOC, 'python');
  });
  after(async () => {
    await s.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const lineOf = (needle: string): number => DOC.split('\n').findIndex((l) => l.includes(needle));
  const lenses = async (): Promise<CodeLens[]> => (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];

  it('puts a lens above every genotype: a prediction for NB-301 cells, the reason for NASNet and AmoebaNet', async () => {
    const ls = await lenses();
    const at = (needle: string): string => ls.find((l) => l.range.start.line === lineOf(needle))?.command?.title ?? '(no lens)';
    for (const name of ['DARTS_V1 =', 'DARTS_V2 =', 'PC_DARTS_cifar =', 'POSITIONAL =', 'compact =']) assert.match(at(name), /^pred \d+\.\d%( · top [\d.]+% of a [\d,]+-architecture sample)? · top-3 experts \(gate weight\): /, name);
    assert.match(at('NASNet ='), /^NAS-Bench-301 \(DARTS\): cannot score · normal cell has 5 nodes, NB-301 has 4/);
    assert.match(at('AmoebaNet ='), /cannot score · normal cell has 5 nodes/);
    const nasnet = ls.find((l) => l.range.start.line === lineOf('NASNet ='));
    assert.equal(nasnet?.command?.command, '', 'an explanation, not a link');
    // The docstring's genotype is text, not code: no lens on its line.
    assert.equal(ls.filter((l) => l.range.start.line === lineOf('A genotype in a docstring')).length, 0);
  });

  it('gives a train lens above an NB101 spec (no predictor bundled here) and an error at the exact range of a broken one', async () => {
    const ls = await lenses();
    const cell = ls.find((l) => l.range.start.line === lineOf('cell = api.ModelSpec('));
    assert.equal(cell?.command?.title, 'NAS-Bench-101: no predictor for this space · train one…');
    assert.deepEqual(cell?.command?.arguments, [{ space: 'nb101' }]);
    const d = await s.waitFor(() => s.diagnostics.get(uri));
    const errors = d.filter((x) => x.severity === 1);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(at(errors, 0).message, /upper-triangular/);
    const line = lineOf('broken =');
    assert.equal(at(errors, 0).range.start.line, line);
    assert.equal(at(DOC.split('\n'), line).slice(at(errors, 0).range.start.character, at(errors, 0).range.end.character), '1');
  });

  it('marks where NASNet leaves NB-301 as information at the exact range, never as an error', async () => {
    const d = await s.waitFor(() => s.diagnostics.get(uri));
    const nasnet = d.filter((x) => x.range.start.line >= lineOf('NASNet =') && x.range.start.line < lineOf('AmoebaNet ='));
    assert.ok(nasnet.length >= 2, JSON.stringify(nasnet));
    assert.ok(nasnet.every((x) => x.severity === 3));
    const sevenBySeven = nasnet.find((x) => /sep_conv_7x7 is a DARTS-family op outside NAS-Bench-301/.test(x.message));
    assert.ok(sevenBySeven);
    const l = at(DOC.split('\n'), sevenBySeven.range.start.line);
    assert.equal(l.slice(sevenBySeven.range.start.character, sevenBySeven.range.end.character), "'sep_conv_7x7'");
  });

  it('a DARTS RNN genotypes file with shell pipes and a Markdown table gets information only: no errors, nothing on the pipes', async () => {
    const rnn = [
      'from collections import namedtuple',
      'import subprocess',
      '',
      "Genotype = namedtuple('Genotype', 'recurrent concat')",
      '',
      'def build():',
      '    """',
      '    | col | col |',
      '    |-----|-----|',
      '    | latency ~2 ms | home ~/data |',
      '    """',
      '    subprocess.run("make | tee ~/build.log | grep error", shell=True)',
      '',
      "DARTS_V1 = Genotype(recurrent=[('relu', 0), ('relu', 1), ('tanh', 2), ('relu', 3), ('relu', 4), ('identity', 1), ('relu', 5), ('relu', 1)], concat=range(1, 9))",
      "DARTS_V2 = Genotype(recurrent=[('sigmoid', 0), ('relu', 1), ('relu', 1), ('identity', 1), ('tanh', 2), ('sigmoid', 5), ('tanh', 3), ('relu', 5)], concat=range(1, 9))",
      '',
    ].join('\n');
    const rnnUri = pathToFileURL(path.join(ws, 'rnn_genotypes.py')).href;
    await s.setText(rnnUri, rnn, 'python');
    const d = s.diagnostics.get(rnnUri) ?? [];
    const lines = rnn.split('\n');
    assert.deepEqual(
      d.map((x) => [x.severity, lines[x.range.start.line]?.slice(x.range.start.character, x.range.end.character)]),
      [
        [3, 'Genotype'],
        [3, 'Genotype'],
      ],
      JSON.stringify(d),
    );
  });

  it('hover shows both cells, the gate weights and the rank among a seeded sample of the space', async () => {
    const line = lineOf('DARTS_V2 =');
    const character = at(DOC.split('\n'), line).indexOf('Genotype') + 2;
    const h = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover;
    const md = (h.contents as { value: string }).value;
    assert.match(md, /\*\*DELE\*\* predicted val_acc \(calibrated\): \*\*\d+\.\d+%\*\*/);
    assert.match(md, /\| normal \| sep_conv_3x3 ← 0, sep_conv_3x3 ← 1 \| sep_conv_3x3 ← 0, sep_conv_3x3 ← 1 \| skip_connect ← 0, sep_conv_3x3 ← 1 \| skip_connect ← 0, dil_conv_3x3 ← 2 \|/);
    assert.match(md, /\| reduce \| max_pool_3x3 ← 0, max_pool_3x3 ← 1 \|/);
    assert.match(md, /\| expert \(LF column\) \| gate weight \(share\) \| expert score \(unitless\) \|/);
    await s.server.whenIdle();
    const h2 = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover;
    assert.match((h2.contents as { value: string }).value, /better than \d+\.\d% of a seeded sample of 2,000 NAS-Bench-301 \(DARTS\) architectures/);
    const nasnet = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: lineOf('NASNet ='), character: 12 } })) as Hover;
    assert.match((nasnet.contents as { value: string }).value, /cannot be scored: normal cell has 5 nodes/);
  });
});
