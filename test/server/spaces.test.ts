/**
 * Search spaces in the language server: TransNAS-Bench-101 strings, a space declared in a workspace space
 * file, one predictor per space, no false alarms on ordinary code, and a second training request refused.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import type { CodeLens, Hover } from 'vscode-languageserver-protocol';
import type { SpaceInfo, StatusResult, TrainParams, TrainResult } from '../../src/protocol/lsp';
import { describe, it, ROOT, startSession, TINY_PREDICTOR, type TestSession } from './lspClient';
import { at } from '../unit/at';

const SPACE_YAML = `name: blocks
kind: sequence
positions: 5
choices: [mb3, mb6, id]
find:
  keys: [arch, blocks]
`;
const MODEL_PY = `# my search space
import torch

ops = []
ops = [OPS[n](C) for n in genotype]
PRIMITIVES = ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']
spec = {"matrix": [[0, 1], [0, 0]], "ops": ["input", "conv3x3", "output"]}

arch = ["mb6", "mb6", "id", "mb3", "mb6"]
blocks = "mb3-id-id-id-mb3"
arch = build(cfg)
MICRO = "64-41414-3_33_333"
MICRO_BAD = "64-41414-1_04_333"
MACRO = "64-1234-basic"
`;

/** Synthetic data for the declared space: 243 archs, a target and two noisy LF measures. */
function blocksCsv(): string {
  const names = ['mb3', 'mb6', 'id'];
  const score = [1, 2, 0];
  const rows = ['arch,acc,params,flops'];
  let s = 7;
  const noise = (): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  for (let i = 0; i < 243; i++) {
    const d = [0, 1, 2, 3, 4].map((p) => Math.floor(i / 3 ** (4 - p)) % 3);
    const capacity = d.reduce((a, c, p) => a + at(score, c) * (1 + p / 4), 0);
    rows.push(`${d.map((c) => names[c]).join('-')},${(60 + 3 * capacity + 2 * noise()).toFixed(3)},${(capacity + noise()).toFixed(3)},${(capacity + 3 * noise()).toFixed(3)}`);
  }
  return `${rows.join('\n')}\n`;
}

describe('search spaces in the language server', () => {
  let s: TestSession;
  let ws: string;
  let bundled: string;
  let uri: string;
  let spaceUri: string;

  before(async () => {
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-ws-'));
    fs.writeFileSync(path.join(ws, 'blocks.space.yaml'), SPACE_YAML);
    fs.writeFileSync(path.join(ws, 'blocks.csv'), blocksCsv());
    fs.writeFileSync(path.join(ws, 'model.py'), MODEL_PY);
    bundled = path.join(ws, '.bundled');
    fs.cpSync(TINY_PREDICTOR, path.join(bundled, 'nb201'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'test/fixtures/predictor-tnb101-micro-tiny'), path.join(bundled, 'tnb101-micro'), { recursive: true });
    s = await startSession({}, { workspace: ws, bundledPredictors: bundled });
    uri = pathToFileURL(path.join(ws, 'model.py')).href;
    spaceUri = pathToFileURL(path.join(ws, 'blocks.space.yaml')).href;
    s.open(uri, MODEL_PY);
  });
  after(async () => {
    await s.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const lenses = async (): Promise<CodeLens[]> => (await s.client.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as CodeLens[];
  const lineOf = (needle: string): number => MODEL_PY.split('\n').findIndex((l) => l.includes(needle));

  // Every test establishes the state it depends on (each helper is a no-op when the state already holds), so
  // each passes alone and in any order: `npm run test:server:isolated`.
  /** The space file as the client shows it: an open document whose text wins over the file on disk. */
  const spaceFile = (text: string): Promise<void> => s.setText(spaceUri, text, 'yaml');
  const blocksParams = (): TrainParams => ({ space: 'blocks', data: path.join(ws, 'blocks.csv'), target: 'acc', method: 'dele', encoder: 'lstm', trainRatio: 0.1, preset: 'tiny', pretrainEpochs: 2, epochs: 30 });
  const blocksPredictor = (): string => path.join(s.storage, 'predictors', 'blocks', 'model.json');
  /** No predictor for the declared space: forgets one trained in this session. */
  const withoutBlocksPredictor = async (): Promise<void> => {
    if (!fs.existsSync(path.join(s.storage, 'predictors', 'blocks'))) return;
    fs.rmSync(path.join(s.storage, 'predictors', 'blocks'), { recursive: true, force: true });
    await s.reloadPredictors();
  };
  /** A predictor for the declared space as SPACE_YAML declares it: trains one unless this session has it. */
  const withBlocksPredictor = async (): Promise<void> => {
    await spaceFile(SPACE_YAML);
    if (fs.existsSync(blocksPredictor())) return;
    const r = (await s.client.sendRequest('dele/train', blocksParams())) as TrainResult;
    assert.equal(r.status, 'completed', r.message);
  };

  it('loads the primary predictor at start-up, the others when their space shows up; lists the declared space', async () => {
    // Start-up state, so a session of its own: the shared one loads more predictors as the other tests ask for lenses.
    const fresh = await startSession({}, { workspace: ws, bundledPredictors: bundled });
    try {
      fresh.open(uri, MODEL_PY);
      const st = (await fresh.client.sendRequest('dele/status')) as StatusResult;
      assert.deepEqual(st.predictors.map((p) => p.space), ['nb201'], 'only the primary predictor is loaded before any lens');
      const spaces = (await fresh.client.sendRequest('dele/spaces')) as SpaceInfo[];
      const blocks = spaces.find((x) => x.id === 'blocks');
      assert.ok(blocks, JSON.stringify(spaces.map((x) => x.id)));
      assert.equal(blocks.origin, 'file');
      assert.equal(blocks.size, 243);
      // Which spaces have a predictor, loaded or not (the Propose picker's "ready"), without loading any.
      const available = (id: string): boolean | undefined => spaces.find((x) => x.id === id)?.predictorAvailable;
      assert.equal(available('nb201'), true);
      assert.equal(available('tnb101-micro'), true, 'bundled, not loaded yet');
      assert.equal(available('nb301'), false);
      assert.equal(available('blocks'), false);
      assert.deepEqual(((await fresh.client.sendRequest('dele/status')) as StatusResult).predictors.map((p) => p.space), ['nb201'], 'answering loaded nothing');
    } finally {
      await fresh.close();
    }
  });

  it('diagnoses only the invalid TransNAS-Bench-101 string: no false alarms on ordinary code', async () => {
    await spaceFile(SPACE_YAML);
    const d = await s.waitFor(() => s.diagnostics.get(uri));
    assert.equal(d.length, 1, JSON.stringify(d));
    assert.equal(at(d, 0).severity, 1);
    assert.match(at(d, 0).message, /unknown op digit 4/);
    const line = lineOf('MICRO_BAD');
    assert.deepEqual(at(d, 0).range, { start: { line, character: at(MODEL_PY.split('\n'), line).indexOf('_04') + 2 }, end: { line, character: at(MODEL_PY.split('\n'), line).indexOf('_04') + 3 } });
  });

  it('gives a prediction lens above a TransNAS-Bench-101 micro string and a train lens where a space has no predictor', async () => {
    await spaceFile(SPACE_YAML);
    await withoutBlocksPredictor();
    const ls = await lenses();
    const micro = ls.find((l) => l.range.start.line === lineOf('MICRO ='));
    assert.match(micro?.command?.title ?? '', /^pred \d+\.\d%( · rank [\d,]+ of [\d,]+)? · top-3 experts \(gate weight\): /);
    const macro = ls.find((l) => l.range.start.line === lineOf('MACRO ='));
    assert.equal(macro?.command?.title, 'TransNAS-Bench-101 macro: no predictor for this space · train one…');
    assert.equal(macro?.command?.command, 'dele.trainPredictor');
    assert.deepEqual(macro?.command?.arguments, [{ space: 'tnb101-macro' }]);
    // The declared space's two architectures are found; it has no predictor yet.
    assert.equal(ls.filter((l) => /^blocks: no predictor/.test(l.command?.title ?? '')).length, 2);
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.deepEqual(st.predictors.map((p) => p.space).sort(), ['nb201', 'tnb101-micro'], 'the micro predictor loaded for its lens');
  });

  it('hover ranks a micro cell among all 4,096 and shows its benchmark value', async () => {
    await lenses(); // a lens above the micro string loads the micro predictor
    await s.server.whenIdle();
    // The lazily loaded micro predictor's table completed: clients are told (the panel refreshes its charts).
    await s.waitFor(() =>
      s.notifications.some((n) => n.method === 'dele/predictorChanged' && (n.params as StatusResult).predictors.some((p) => p.space === 'tnb101-micro')),
    );
    const line = lineOf('MICRO =');
    const h = (await s.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character: 12 } })) as Hover;
    const md = (h.contents as { value: string }).value;
    assert.match(md, /better than \d+\.\d% of all 4,096 TransNAS-Bench-101 micro architectures/);
    assert.match(md, /TransNAS-Bench-101 micro benchmark class_scene: \d+\.\d\d/);
    assert.match(md, /`64-41414-3_33_333`/);
  });

  it('refuses a second training request sent right after the first', async () => {
    await spaceFile(SPACE_YAML);
    const params = blocksParams();
    const first = s.client.sendRequest('dele/train', params) as Promise<TrainResult>;
    const second = s.client.sendRequest('dele/train', params) as Promise<TrainResult>;
    await assert.rejects(second, /already running/);
    const r = await first;
    assert.equal(r.status, 'completed', r.message);
    assert.ok(fs.existsSync(path.join(s.storage, 'predictors', 'blocks', 'model.json')));
    const model = JSON.parse(fs.readFileSync(path.join(s.storage, 'predictors', 'blocks', 'model.json'), 'utf8'));
    assert.equal(model.space.id, 'blocks');
    assert.equal(model.space.declaration.kind, 'sequence');
  });

  it('then lenses the declared space with its predictor, and keeps the other spaces’ predictors', async () => {
    await withBlocksPredictor();
    const ls = await lenses();
    const blocks = ls.filter((l) => [lineOf('arch = ["mb6"'), lineOf('blocks =')].includes(l.range.start.line));
    assert.equal(blocks.length, 2);
    for (const l of blocks) assert.match(l.command?.title ?? '', /^pred \d+\.\d%( · rank [\d,]+ of 243)? · top-2 experts \(gate weight\): (parameters|FLOPs) 0\.\d\d, (parameters|FLOPs) 0\.\d\d$/);
    const st = (await s.client.sendRequest('dele/status')) as StatusResult;
    assert.equal(st.predictor?.space, 'blocks');
    assert.deepEqual(st.predictors.map((p) => p.space).sort(), ['blocks', 'nb201', 'tnb101-micro']);
    const micro = ls.find((l) => l.range.start.line === lineOf('MICRO ='));
    assert.match(micro?.command?.title ?? '', /^pred /);
  });

  it('a space file edited after training: lenses ask to retrain instead of predicting with the old meaning', async () => {
    await withBlocksPredictor();
    // Reordered choices: "mb6" now has index 0, which the predictor learned as "mb3".
    await spaceFile(SPACE_YAML.replace('[mb3, mb6, id]', '[mb6, mb3, id]'));
    let blocks: CodeLens[] = [];
    for (let i = 0; i < 100; i++) {
      blocks = (await lenses()).filter((l) => [lineOf('arch = ["mb6"'), lineOf('blocks =')].includes(l.range.start.line));
      if (blocks.length === 2 && blocks.every((l) => /earlier declaration/.test(l.command?.title ?? ''))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(blocks.map((l) => l.command?.title), Array(2).fill('blocks: the predictor was trained on an earlier declaration of this space · retrain…'));
    const micro = (await lenses()).find((l) => l.range.start.line === lineOf('MICRO ='));
    assert.match(micro?.command?.title ?? '', /^pred /, 'other spaces keep their lenses');
  });

  it('reports a broken space file at the offending field, and forgets the space', async () => {
    await spaceFile(SPACE_YAML);
    assert.equal((await lenses()).filter((l) => [lineOf('arch = ["mb6"'), lineOf('blocks =')].includes(l.range.start.line)).length, 2, 'lenses while the space file is valid');
    const broken = SPACE_YAML.replace('positions: 5', 'positions: -5');
    await spaceFile(broken);
    const d = await s.waitFor(() => s.diagnostics.get(spaceUri)?.find((x) => x.severity === 1));
    assert.match(d.message, /positions/);
    assert.equal(d.range.start.line, 2);
    const ls = await lenses();
    assert.equal(ls.filter((l) => [lineOf('arch = ["mb6"'), lineOf('blocks =')].includes(l.range.start.line)).length, 0);
  });
});
