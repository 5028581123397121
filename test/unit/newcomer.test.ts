/**
 * What a newcomer meets first (issue 21): the training's progress notification (step, epoch, ETA), the wizards'
 * step numbers, settings that a search for "dele" finds, and a README that names every command.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { SpaceInfo, TrainingEpoch } from '../../src/protocol/lsp';
import { formatDuration, stepEta, TRAINING_STARTING, TrainingProgressText } from '../../src/client/trainingProgress';
import { lfSteps, numbered, PROPOSE_STEPS, type TrainStep, trainSteps } from '../../src/client/wizard';

const ROOT = path.resolve(__dirname, '../..');

const epoch = (phase: TrainingEpoch['phase'], n: number, of: number, elapsedSeconds: number): TrainingEpoch => ({ phase, epoch: n, epochs: of, loss: 0.5, elapsedSeconds });

describe('training progress notification', () => {
  it('durations: seconds under a minute, minutes and seconds under an hour, hours and minutes above', () => {
    assert.deepEqual([0, 8, 8.4, 59.6, 60, 80, 125, 3599, 3600, 3900, 7200].map(formatDuration), ['0 s', '8 s', '8 s', '1 min', '1 min', '1 min 20 s', '2 min 5 s', '59 min 59 s', '1 h', '1 h 5 min', '2 h']);
  });

  it('step 1 then step 2: no ETA on a step\'s first epoch; from the 2nd, the time per epoch since the step\'s first times the epochs left', () => {
    const p = new TrainingProgressText('dele');
    assert.equal(p.text, TRAINING_STARTING);
    // 30 s of set-up before the first epoch: it does not count (2 s per epoch after it).
    assert.equal(p.update(epoch('pretrain', 1, 40, 32)), 'step 1: epoch 1/40');
    assert.equal(p.update(epoch('pretrain', 2, 40, 34)), 'step 1: epoch 2/40 · ETA 1 min 16 s');
    assert.equal(p.update(epoch('pretrain', 12, 40, 54)), 'step 1: epoch 12/40 · ETA 56 s');
    assert.equal(p.update(epoch('pretrain', 40, 40, 110)), 'step 1: epoch 40/40 · ETA 0 s');
    // Step 2 starts its own clock: its first epoch has no ETA, whatever step 1's pace was.
    assert.equal(p.update(epoch('train', 1, 200, 120)), 'step 2: epoch 1/200');
    assert.equal(p.text, 'step 2: epoch 1/200');
    assert.equal(p.update(epoch('train', 150, 200, 134.9)), 'step 2: epoch 150/200 · ETA 5 s');
    assert.equal(p.update(epoch('train', 160, 200, 200)), 'step 2: epoch 160/200 · ETA 20 s');
  });

  it('the brief\'s examples: 12/40 at 4 s per epoch is 1 min 52 s; 150/200 at 0.16 s is 8 s', () => {
    const p = new TrainingProgressText('single');
    p.update(epoch('pretrain', 1, 40, 10));
    assert.equal(p.update(epoch('pretrain', 12, 40, 54)), 'step 1: epoch 12/40 · ETA 1 min 52 s');
    p.update(epoch('train', 1, 200, 60));
    assert.equal(p.update(epoch('train', 150, 200, 60 + 149 * 0.16)), 'step 2: epoch 150/200 · ETA 8 s');
  });

  it('vanilla has one step and no step label', () => {
    const p = new TrainingProgressText('vanilla');
    assert.equal(p.update(epoch('train', 1, 100, 5)), 'epoch 1/100');
    assert.equal(p.update(epoch('train', 10, 100, 23)), 'epoch 10/100 · ETA 3 min');
  });

  it('a new training (epoch 1 again, same phase) restarts the clock', () => {
    const p = new TrainingProgressText('vanilla');
    p.update(epoch('train', 1, 10, 1));
    p.update(epoch('train', 5, 10, 100));
    assert.equal(p.update(epoch('train', 1, 10, 3)), 'epoch 1/10');
    assert.equal(p.update(epoch('train', 2, 10, 4)), 'epoch 2/10 · ETA 8 s');
  });

  it('stepEta: none within the first epoch or across steps; never negative', () => {
    assert.equal(stepEta(epoch('train', 1, 10, 5), epoch('train', 1, 10, 5)), undefined);
    assert.equal(stepEta(epoch('pretrain', 1, 10, 5), epoch('train', 2, 10, 6)), undefined);
    assert.equal(stepEta(epoch('train', 1, 10, 5), epoch('train', 3, 10, 4)), 0);
    assert.equal(stepEta(epoch('train', 1, 10, 5), epoch('train', 3, 10, 9)), 14);
  });
});

describe('wizard step numbers', () => {
  const space = (id: string, encoders: SpaceInfo['encoders']): SpaceInfo => ({ id, title: id, origin: 'builtin', encoders, bundled: true, syntax: '' });
  const nb201 = space('nb201', ['gates', 'lstm']);
  const tnb = space('tnb101-micro', ['gates']);
  /** The titles a whole Train Predictor… run shows, numbered as extension.ts numbers them (known answers added as given). */
  function trainTitles(spaces: SpaceInfo[], chosen: SpaceInfo, method: 'dele' | 'single' | 'vanilla', askSpace = true): string[] {
    const known: Parameters<typeof trainSteps>[0] = { askSpace, spaces };
    const shown: string[] = [];
    const show = (step: TrainStep): void => void shown.push(numbered(step, trainSteps(known), step));
    if (askSpace) show('space');
    known.space = chosen;
    show('data');
    show('target');
    show('method');
    known.method = method;
    if (method !== 'vanilla') show('experts');
    show('ratio');
    if (chosen.encoders.length > 1) show('encoder');
    return shown;
  }

  it('numbered: the step\'s place and the count of steps shown; a step not shown is an error', () => {
    assert.equal(numbered('DELE: method', ['data', 'target', 'method'], 'method'), 'DELE: method (3/3)');
    assert.throws(() => numbered('DELE: encoder', ['data'], 'encoder'), /encoder is not among the steps shown/);
  });

  it('Train Predictor…: every step numbered, 1 to the count of steps shown (DELE, two encoders: 7 steps)', () => {
    assert.deepEqual(trainTitles([nb201, tnb], nb201, 'dele'), ['space (1/7)', 'data (2/7)', 'target (3/7)', 'method (4/7)', 'experts (5/7)', 'ratio (6/7)', 'encoder (7/7)']);
  });

  it('vanilla skips the experts step and a one-encoder space the encoder step: the count drops when the answer says so', () => {
    assert.deepEqual(trainTitles([nb201, tnb], tnb, 'vanilla'), ['space (1/7)', 'data (2/6)', 'target (3/6)', 'method (4/6)', 'ratio (5/5)']);
    assert.deepEqual(trainTitles([nb201, tnb], nb201, 'vanilla'), ['space (1/7)', 'data (2/7)', 'target (3/7)', 'method (4/7)', 'ratio (5/6)', 'encoder (6/6)']);
    assert.deepEqual(trainTitles([nb201, tnb], tnb, 'single'), ['space (1/7)', 'data (2/6)', 'target (3/6)', 'method (4/6)', 'experts (5/6)', 'ratio (6/6)']);
  });

  it('the last step shown always ends at its own count; with only one-encoder spaces the count is right from the start', () => {
    for (const chosen of [nb201, tnb])
      for (const method of ['dele', 'single', 'vanilla'] as const) {
        const last = trainTitles([nb201, tnb], chosen, method).at(-1)!;
        const m = /\((\d+)\/(\d+)\)$/.exec(last)!;
        assert.equal(m[1], m[2], `${chosen.id} ${method}: ${last}`);
      }
    assert.deepEqual(trainTitles([tnb], tnb, 'dele'), ['space (1/6)', 'data (2/6)', 'target (3/6)', 'method (4/6)', 'experts (5/6)', 'ratio (6/6)']);
  });

  it('a given space (Train with these…) has no space step', () => {
    assert.deepEqual(trainTitles([nb201, tnb], nb201, 'dele', false), ['data (1/6)', 'target (2/6)', 'method (3/6)', 'experts (4/6)', 'ratio (5/6)', 'encoder (6/6)']);
    assert.deepEqual(trainSteps({ askSpace: false, space: tnb, method: 'vanilla' }), ['data', 'target', 'method', 'ratio']);
  });

  it('Compute LF…: the sample size is a numbered step for a sample only; Propose: 3 steps', () => {
    assert.deepEqual(lfSteps(), ['space', 'source', 'sample', 'measures', 'save']);
    assert.deepEqual(lfSteps('workspace'), ['space', 'source', 'measures', 'save']);
    assert.equal(numbered('DELE: measures', lfSteps('sample'), 'measures'), 'DELE: measures (4/5)');
    assert.equal(numbered('DELE: search budget', PROPOSE_STEPS, 'budget'), 'DELE: search budget (3/3)');
  });

  it('extension.ts and propose.ts write no step number by hand', () => {
    for (const f of ['extension.ts', 'propose.ts', 'wizard.ts']) {
      const text = fs.readFileSync(path.join(ROOT, 'src/client', f), 'utf8');
      assert.doesNotMatch(text, /'[^'\n]*\(\d\/\d\)'/, `${f} has a hand-written step number`);
    }
  });
});

interface Manifest {
  name: string;
  version: string;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    configuration: { title: string; properties: Record<string, { description?: string; markdownDescription?: string; order?: number }> };
  };
}
const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

describe('settings a search for "dele" finds', () => {
  it('the section is "DELE NAS Predictor"; every dele.* setting describes itself starting with "DELE:", in a set order', () => {
    const config = manifest().contributes.configuration;
    assert.equal(config.title, 'DELE NAS Predictor');
    const entries = Object.entries(config.properties);
    assert.ok(entries.length >= 6);
    for (const [id, s] of entries) {
      assert.match(id, /^dele\./);
      assert.match(s.markdownDescription ?? s.description ?? '', /^DELE: /, id);
      assert.equal(typeof s.order, 'number', `${id} has no order`);
    }
    const orders = entries.map(([, s]) => s.order);
    assert.equal(new Set(orders).size, orders.length, 'two settings share an order');
    assert.equal(entries.sort(([, a], [, b]) => a.order! - b.order!)[0]![0], 'dele.predictorPath');
  });
});

describe('README for a newcomer', () => {
  const readme = (): string => fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

  it('names every command of package.json (title and id) in its command list', () => {
    const text = readme();
    const list = text.slice(text.indexOf('### Every command'), text.indexOf('\n## ', text.indexOf('### Every command')));
    const commands = manifest().contributes.commands;
    assert.equal(commands.length, new Set(commands.map((c) => c.command)).size);
    const missing = commands.filter((c) => !list.includes(`**${c.category ?? 'DELE'}: ${c.title}**`) || !list.includes(`\`${c.command}\``)).map((c) => c.command);
    assert.deepEqual(missing, []);
    // And no command the package does not have (one line each).
    const named = [...list.matchAll(/^- \*\*DELE: [^*]+\*\* \(`(dele\.[A-Za-z]+)`/gm)].map((m) => m[1]);
    assert.deepEqual(named, commands.map((c) => c.command));
  });

  it('installs the .vsix that npm run package makes (name-version.vsix), near the top', () => {
    const m = manifest();
    const text = readme();
    const install = text.indexOf(`code --install-extension ${m.name}-${m.version}.vsix`);
    assert.ok(install > 0 && install < text.indexOf('## Results on NAS-Bench-201'), 'the install command is missing or below the results');
    assert.ok(text.indexOf('npm run package') < install);
    assert.ok(text.indexOf('## Two commands on a fresh machine') < install, 'the fresh-machine commands stay first');
  });
});
