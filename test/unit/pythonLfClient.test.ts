/** The editor-free steps of "Compute Low-Fidelity Measures…" on the user's PyTorch model (src/client/lfPython.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builderInputError, lfNetworkItems, pythonInterpreter, pythonLfParams } from '../../src/client/lfPython';
import { lfMeasureItems } from '../../src/client/wizard';
import type { SpaceInfo } from '../../src/protocol/lsp';

const declared: SpaceInfo = { id: 'my-space', title: 'My space', origin: 'file', encoders: ['lstm'], size: 96, bundled: false, syntax: 'a-b-c' };
const nb201: SpaceInfo = { ...declared, id: 'nb201', title: 'NAS-Bench-201', origin: 'builtin', lfMeasures: [{ id: 'flops', description: 'f', byDefault: true }] };

describe('LF measures on the user\'s PyTorch model: editor steps', () => {
  it('offers the built-in network only where the space has one, the user\'s model always, with the last builder', () => {
    assert.deepEqual(lfNetworkItems(declared, undefined).map((i) => i.value), ['python']);
    assert.deepEqual(lfNetworkItems(nb201, undefined).map((i) => i.value), ['builtin', 'python']);
    assert.equal(lfNetworkItems(nb201, 'models.nb201:build_model')[1]?.description, 'last: models.nb201:build_model');
  });

  it('the builder box takes MODULE:FUNCTION only', () => {
    for (const ok of ['m:f', 'pkg.sub.models:build_model', ' models:build ']) assert.equal(builderInputError(ok), undefined, ok);
    for (const bad of ['', 'models.py', 'models:', ':build', 'pkg/models:build', 'models:build(arch)', '1pkg:f']) assert.match(builderInputError(bad) ?? '', /MODULE:FUNCTION/, bad);
  });

  it('the interpreter: dele.pythonPath, else the Python extension\'s, else python3', () => {
    assert.equal(pythonInterpreter(' /opt/venv/bin/python ', '/usr/bin/python3.11'), '/opt/venv/bin/python');
    assert.equal(pythonInterpreter('', '/home/u/.venv/bin/python'), '/home/u/.venv/bin/python');
    assert.equal(pythonInterpreter(undefined, undefined), 'python3');
    assert.equal(pythonInterpreter(42, ' '), 'python3');
  });

  it('offers the measures of the user\'s model, the newer proxies unticked, and sends the ones picked', () => {
    const withPython: SpaceInfo = { ...nb201, pythonLfMeasures: [{ id: 'jacov', description: 'j', byDefault: true }, { id: 'zico', description: 'z', byDefault: false }] };
    assert.deepEqual(lfMeasureItems(withPython, 'python').map((i) => [i.label, i.picked]), [['jacov', true], ['zico', false]]);
    assert.deepEqual(lfMeasureItems(withPython).map((i) => i.label), ['flops'], 'the built-in network: its own list');
    const p = pythonLfParams(withPython, { kind: 'sample', count: 20, seed: 0 }, '/w/lf.csv', { builder: 'm:b', interpreter: 'python3' }, ['jacov', 'zico']);
    assert.deepEqual(p.measures, ['jacov', 'zico']);
  });

  it('the request carries the builder, interpreter and workspace folder and, with no measure picked, leaves them to the server', () => {
    assert.deepEqual(pythonLfParams(declared, { kind: 'sample', count: 200, seed: 0 }, '/w/lf.csv', { builder: ' models:build ', interpreter: 'python3', cwd: '/w' }), {
      space: 'my-space',
      source: { kind: 'sample', count: 200, seed: 0 },
      out: '/w/lf.csv',
      python: { builder: 'models:build', interpreter: 'python3', cwd: '/w' },
    });
  });
});
