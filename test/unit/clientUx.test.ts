/**
 * Issue 21's friction items in the client's editor-free parts and the display-name table: proposals inserted on
 * their own line in the file's form (panelModel.ts), the Propose picker's predictor labels (wizard.ts), and one
 * display name per LF column (src/data/lfNames.ts, which the server sends).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SpaceInfo } from '../../src/protocol/lsp';
import { type LineInsertion, proposalInsertion } from '../../src/client/panelModel';
import { expertsStep, whereItems } from '../../src/client/wizard';
import { lfDisplay } from '../../src/data/lfNames';

const CELL = '|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|';

/** The document after the insertion (what VS Code's two inserts make of it). */
function apply(lines: string[], at: LineInsertion): string[] {
  const out = [...lines];
  let line = out[at.line] as string;
  if (at.comma !== undefined) line = `${line.slice(0, at.comma)},${line.slice(at.comma)}`;
  out.splice(at.line, 1, ...`${line}${at.text}`.split('\n'));
  return out;
}
const doc = (fileName: string, lines: string[]) => ({ fileName, lineAt: (n: number) => lines[n] as string, lineCount: lines.length });

describe('a proposal inserts on its own line', () => {
  it('Python list: a quoted element after the cursor line, never inside the cell at the cursor', () => {
    const lines = ['CELLS = [', '    "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",', ']'];
    const at = proposalInsertion(doc('/w/a.py', lines), 1, CELL);
    assert.deepEqual(apply(lines, at), ['CELLS = [', '    "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",', `    "${CELL}",`, ']']);
    assert.equal(apply(lines, at)[at.proposalLine]?.slice(at.character, at.character + at.written.length), `"${CELL}"`);
  });

  it('the last list element gets its comma (before a comment), so the list stays a list', () => {
    const lines = ['CELLS = [', '    "|a|"  # the baseline', ']'];
    assert.deepEqual(apply(lines, proposalInsertion(doc('/w/a.py', lines), 1, CELL)), ['CELLS = [', '    "|a|",  # the baseline', `    "${CELL}"`, ']']);
  });

  it('after an opening bracket: the first element, indented', () => {
    const lines = ['CELLS = [', ']'];
    assert.deepEqual(apply(lines, proposalInsertion(doc('/w/a.py', lines), 0, CELL)), ['CELLS = [', `    "${CELL}",`, ']']);
  });

  it('an architecture spanning lines: after its last line, at its indentation', () => {
    const lines = ['ARCHS = [', '    Genotype(', '        normal=[...],', '    ),', ']'];
    const at = proposalInsertion(doc('/w/g.py', lines), 2, 'Genotype(normal=[], normal_concat=[2], reduce=[], reduce_concat=[2])', [{ start: 1, end: 3 }]);
    assert.equal(at.line, 3);
    assert.deepEqual(apply(lines, at).slice(4), ['    Genotype(normal=[], normal_concat=[2], reduce=[], reduce_concat=[2]),', ']']);
  });

  it('YAML list item: a dash and a quoted string; .arch files: the plain text', () => {
    const yaml = ['cells:', '  - "|a|"'];
    assert.deepEqual(apply(yaml, proposalInsertion(doc('/w/s.yaml', yaml), 1, CELL)), ['cells:', '  - "|a|"', `  - "${CELL}"`]);
    const arch = ['|a|', '|b|'];
    assert.deepEqual(apply(arch, proposalInsertion(doc('/w/x.arch', arch), 0, CELL)), ['|a|', CELL, '|b|']);
  });

  it('a blank cursor line takes the proposal itself; an untitled document by its language', () => {
    const arch = ['# proposals below', ''];
    const at = proposalInsertion(doc('/w/p.arch', arch), 1, CELL);
    assert.deepEqual(apply(arch, at), ['# proposals below', CELL]);
    assert.equal(at.proposalLine, 1);
    const untitled = ['X = [', '    "|a|",', ']'];
    assert.deepEqual(apply(untitled, proposalInsertion({ ...doc('Untitled-1', untitled), languageId: 'python' }, 1, CELL)), ['X = [', '    "|a|",', `    "${CELL}",`, ']']);
  });

  it('JSON array element', () => {
    const lines = ['[', '  "|a|",', '  "|b|"', ']'];
    assert.deepEqual(apply(lines, proposalInsertion(doc('/w/a.json', lines), 1, CELL)), ['[', '  "|a|",', `  "${CELL}",`, '  "|b|"', ']']);
  });
});

describe('Propose picker: which spaces have a predictor', () => {
  const space = (id: string): SpaceInfo => ({ id, title: id.toUpperCase(), origin: 'builtin', encoders: ['gates'], bundled: true, syntax: '' });

  it('a space with a bundled or trained predictor is ready, not "needs a predictor"', () => {
    const available = new Set(['nb301', 'nb101', 'tnb101-micro']);
    const spaces = ['nb201', 'nb301', 'nb101', 'tnb101-micro', 'mine'].map((id) => ({ ...space(id), predictorAvailable: id === 'nb201' || available.has(id) }));
    const items = whereItems(spaces, new Set(['nb201']), undefined);
    const label = (id: string): string | undefined => items.find((i) => i.where.space === id)?.description;
    assert.match(label('nb201') ?? '', /predictor loaded$/);
    for (const id of available) assert.match(label(id) ?? '', /predictor ready \(loads when the search starts\)$/, id);
    assert.match(label('mine') ?? '', /needs a bundled or trained predictor$/);
    assert.deepEqual(items.map((i) => i.where.space), ['nb201', 'nb301', 'nb101', 'tnb101-micro', 'mine']);
  });
});

describe('LF display names', () => {
  it('one display name and description per column, across the bundled tables', () => {
    assert.deepEqual(lfDisplay('c10valid_xvalid_12ep'), { label: '12-epoch accuracy (CIFAR-10 valid)', description: 'accuracy (%) after 12 training epochs, on the valid split of CIFAR-10' });
    assert.equal(lfDisplay('c100_test_12ep').label, '12-epoch accuracy (CIFAR-100 test)');
    assert.equal(lfDisplay('zc_c10_synflow').label, 'SynFlow (CIFAR-10)');
    assert.equal(lfDisplay('zc_in16_jacov').label, 'Jacobian covariance (ImageNet16-120)');
    assert.equal(lfDisplay('zc_class_scene_nwot').label, 'NWOT (scene classification)');
    assert.equal(lfDisplay('synflow_class_scene').label, 'SynFlow (scene classification)');
    assert.equal(lfDisplay('hw_c10_edgegpu_latency').label, 'edgegpu latency (CIFAR-10)');
    assert.equal(lfDisplay('flops').label, 'FLOPs');
    assert.deepEqual(lfDisplay('my_column'), { label: 'my_column', description: 'LF column my_column' });
  });

  it('the Train wizard shows each LF column with the display name the server sent', () => {
    const lfs = ['c10valid_xvalid_12ep', 'my_column'];
    const step = expertsStep({ archCount: 3, targets: ['t'], lfs, defaultExperts: lfs, lfLabels: Object.fromEntries(lfs.map((n) => [n, lfDisplay(n)])) }, 'dele');
    assert.deepEqual(step.items[0], { label: 'c10valid_xvalid_12ep', description: '12-epoch accuracy (CIFAR-10 valid)', detail: lfDisplay('c10valid_xvalid_12ep').description, picked: true });
    assert.deepEqual(step.items[1], { label: 'my_column', picked: true });
  });
});
