/** The schemas of client input (params.ts): one line naming the field and the value sent; settings fall back per field. */
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS } from '../../src/protocol/lsp';
import { builtinSpace } from '../../src/space/registry';
import { dataInfoParamsProblem, searchParamsProblem, settingsOf, trainParamsProblem } from '../../src/server/params';
import { describe, it, TINY_TRAINING } from './lspClient';

describe('client input schemas', () => {
  it('train params: the first problem in field order, with what was sent', () => {
    assert.equal(trainParamsProblem(TINY_TRAINING, builtinSpace), undefined);
    assert.equal(trainParamsProblem([], builtinSpace), 'params must be an object, got []');
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, data: undefined }, builtinSpace), 'data must be "bundled" or the path of a CSV or JSON file, got nothing');
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, space: '' }, builtinSpace), 'space must be a search space id, got ""');
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, encoder: 'mlp', trainRatio: 0 }, builtinSpace), 'encoder must be one of gates, lstm for NAS-Bench-201, got "mlp"');
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, trainRatio: 0 }, builtinSpace), 'trainRatio must be a number in (0, 1], got 0');
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, experts: ['a', ''] }, builtinSpace), 'experts must be an array of LF column names, got ["a",""]');
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, join: Array(17).fill('/a.csv') }, builtinSpace)?.startsWith('join must be an array of at most 16 file paths, got'), true);
    assert.equal(trainParamsProblem({ ...TINY_TRAINING, epochs: 2 ** 60 }, builtinSpace), `epochs must be an integer >= 1, got ${2 ** 60}`);
  });

  it('search and data-info params', () => {
    assert.equal(searchParamsProblem({ top: 3, from: { arch: 'x' } }), undefined);
    assert.equal(searchParamsProblem({ top: 3, from: { uri: 'file:///a.py', position: { line: 0, character: 2 } } }), undefined);
    assert.equal(searchParamsProblem({ top: 1001 }), 'top must be an integer from 1 to 1000, got 1001');
    assert.match(searchParamsProblem({ top: 3, from: { arch: '' } }) ?? '', /^from must be \{ arch: "<architecture>" \} or \{ uri, position: \{ line, character \} \}, got \{"arch":""\}$/);
    assert.match(searchParamsProblem({ top: 3, from: { uri: 'u', position: { line: -1, character: 0 } } }) ?? '', /^from must be/);
    assert.equal(dataInfoParamsProblem({ data: 'bundled' }, builtinSpace), undefined);
    assert.equal(dataInfoParamsProblem(null, builtinSpace), 'data must be "bundled" or the path of a CSV or JSON file, got nothing');
    assert.equal(dataInfoParamsProblem({ data: 'bundled', space: 'nb999' }, builtinSpace), 'unknown search space "nb999"');
    assert.equal(dataInfoParamsProblem({ data: 'bundled', join: [3] }, builtinSpace), 'join must be an array of at most 16 file paths, got [3]');
  });

  it('settings: each unusable value falls back to its default, the others are kept', () => {
    assert.deepEqual(settingsOf(null), DEFAULT_SETTINGS);
    assert.deepEqual(settingsOf('x'), DEFAULT_SETTINGS);
    assert.deepEqual(settingsOf({ predictorPath: 5, target: '', codeLens: { enabled: false }, debounceMs: -1, trainingJobs: 1.5 }), { ...DEFAULT_SETTINGS, codeLens: { enabled: false } });
    assert.deepEqual(settingsOf({ predictorPath: '/p', target: 'acc', codeLens: 'on', debounceMs: 0, trainingJobs: 3, extra: 1 }), { predictorPath: '/p', target: 'acc', codeLens: { enabled: true }, debounceMs: 0, trainingJobs: 3, resultsFiles: {} });
    assert.deepEqual(settingsOf({ resultsFiles: { nb201: ' runs/nb201.csv ', 'tnb-cells': { file: 'r.jsonl', target: 'acc' }, x: 3, y: { target: 'acc' }, z: '' } }).resultsFiles, {
      nb201: { file: 'runs/nb201.csv' },
      'tnb-cells': { file: 'r.jsonl', target: 'acc' },
    });
    assert.deepEqual(settingsOf({ resultsFiles: ['a.csv'] }).resultsFiles, {});
  });
});
