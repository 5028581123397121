/**
 * The predictor history's pure parts: comparing like with like (src/server/predictorHistory.ts), the history
 * folder itself, and the client's notices, quick-pick items and training gate (src/client/predictorHistoryModel.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { PredictorHistoryEntry, TrainResult } from '../../src/protocol/lsp';
import { compareMetrics, metricOf, PredictorHistory, readSavedMeta, type SavedPredictorMeta } from '../../src/server/predictorHistory';
import { historyItems, historySpaceWithoutAsking, KEEP_CURRENT, TrainingGate, trainingOutcomeNotice, USE_NEW, USE_PREVIOUS } from '../../src/client/predictorHistoryModel';

const TINY = path.resolve(__dirname, '../fixtures/predictor-tiny');
const meta = (patch: Partial<SavedPredictorMeta> = {}): SavedPredictorMeta => ({ ...readSavedMeta(TINY), ...patch });

describe('comparing predictors like with like', () => {
  const bundled = metricOf(meta());
  it('compares held-out tau measured on the same split', () => {
    const worse = metricOf(meta({ metrics: { n: 7812, kendallTau: 0.5 } }));
    assert.deepEqual(compareMetrics(worse, bundled, 'the bundled predictor'), { verdict: 'worse', text: 'held-out τ 0.500 vs held-out τ 0.790 of the bundled predictor' });
    assert.equal(compareMetrics(metricOf(meta({ metrics: { n: 7812, kendallTau: 0.8 } })), bundled, 'x').verdict, 'better');
    assert.equal(compareMetrics(bundled, bundled, 'x').verdict, 'notWorse');
  });
  it('calls other data, another target or no metric not comparable', () => {
    const otherData = metricOf(meta({ dataset: { source: 'a.csv', fingerprint: 'ffff', groundTruthSize: 10 }, metrics: { n: 10, kendallTau: 0.99 } }));
    assert.equal(compareMetrics(otherData, bundled, 'x').verdict, 'incomparable');
    assert.equal(compareMetrics(metricOf(meta({ target: 'c100_test_200ep' })), bundled, 'x').verdict, 'incomparable');
    const none = metricOf(meta({ metrics: { n: 0, kendallTau: NaN } }));
    assert.equal(none.kendallTau, undefined);
    assert.match(none.missing ?? '', /no held-out metric: the held-out split has 0 architectures with "c10_test_200ep"/);
    assert.equal(compareMetrics(none, bundled, 'x').verdict, 'incomparable');
    assert.equal(metricOf(meta({ metrics: undefined })).missing, 'no held-out metric recorded');
    assert.equal(compareMetrics(bundled, undefined, '').verdict, 'none');
  });
});

describe('the history folder', () => {
  const storage = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'dele-history-'));
  const copyOf = (dir: string, createdAt: string): string => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-pred-'));
    fs.cpSync(TINY, tmp, { recursive: true });
    const m = JSON.parse(fs.readFileSync(path.join(tmp, 'model.json'), 'utf8'));
    fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify({ ...m, createdAt }));
    const dest = path.join(dir, `.in-${createdAt.replace(/[:.]/g, '')}`);
    fs.renameSync(tmp, dest);
    return dest;
  };
  it('moves predictors in whole, lists them newest first and ignores leftovers', () => {
    const root = storage();
    const h = new PredictorHistory(root);
    const incoming = h.incomingDir('nb201');
    fs.renameSync(copyOf(root, '2026-01-01T10:00:00.000Z'), incoming);
    const first = h.add('nb201', incoming);
    const second = h.add('nb201', copyOf(root, '2026-02-01T10:00:00.000Z'));
    const again = h.add('nb201', copyOf(root, '2026-02-01T10:00:00.000Z'));
    assert.deepEqual([first, second, again], ['2026-01-01T10-00-00-000Z', '2026-02-01T10-00-00-000Z', '2026-02-01T10-00-00-000Z-2']);
    fs.mkdirSync(path.join(PredictorHistory.root(root, 'nb201'), 'incoming.new-1-2'));
    assert.deepEqual(
      h.entries('nb201').map((e) => e.id),
      [again, second, first],
    );
    assert.equal(h.entry('nb201', '../nb201'), undefined);
    assert.deepEqual(h.spaces(), ['nb201']);
  });
  it('preserves a predictor once, and installs an entry as a whole copy', () => {
    const root = storage();
    const h = new PredictorHistory(root);
    const workspace = path.join(root, 'predictors', 'nb201');
    fs.mkdirSync(path.dirname(workspace), { recursive: true });
    fs.renameSync(copyOf(root, '2026-03-01T10:00:00.000Z'), workspace);
    h.preserve('nb201', [workspace]);
    h.preserve('nb201', [workspace]);
    assert.equal(h.entries('nb201').length, 1);
    const other = h.entry('nb201', h.add('nb201', copyOf(root, '2026-04-01T10:00:00.000Z')));
    assert.ok(other);
    h.install(other, workspace);
    assert.equal(readSavedMeta(workspace).createdAt, '2026-04-01T10:00:00.000Z');
    assert.ok(fs.existsSync(path.join(other.dir, 'weights.bin')), 'the entry stays in the history');
    assert.deepEqual(fs.readdirSync(path.dirname(workspace)), ['nb201'], 'no swap leftovers');
  });
});

const entry = (patch: Partial<PredictorHistoryEntry>): PredictorHistoryEntry => ({
  id: '2026-12-06T20-44-00-123Z',
  kind: 'trained',
  space: 'nb201',
  active: false,
  target: 'c10_test_200ep',
  method: 'dele',
  encoder: 'gates',
  trainRatio: 0.01,
  groundTruthSize: 78,
  dataSource: 'bundled:nb201',
  experts: ['zc_c10_synflow'],
  createdAt: '2026-12-06T20:44:00.123Z',
  metric: { kendallTau: 0.8512, heldOutSize: 7812, heldOutSplit: 'x/0/c10_test_200ep' },
  ...patch,
});

describe('the client: training notices, history picks, one training at a time', () => {
  const completed = (history: TrainResult['history']): TrainResult => ({ status: 'completed', message: 'trained in 3 s', kendallTau: 0.85, history });
  it('asks before a worse predictor replaces the active one', () => {
    const n = trainingOutcomeNotice(completed({ space: 'nb201', entry: 'E', replaced: false, ask: true, comparison: { verdict: 'worse', text: 'held-out τ 0.850 vs held-out τ 0.911 of the bundled predictor' } }));
    assert.equal(n.level, 'warning');
    assert.deepEqual(n.actions, [USE_NEW, KEEP_CURRENT]);
    assert.deepEqual(n.use, { space: 'nb201', entry: 'E' });
    assert.equal(n.text, 'DELE: the new nb201 predictor is worse than the active one (held-out τ 0.850 vs held-out τ 0.911 of the bundled predictor). It is kept in the history.');
    const incomparable = trainingOutcomeNotice(completed({ space: 'nb201', entry: 'E', replaced: false, ask: true, comparison: { verdict: 'incomparable', text: 't' } }));
    assert.match(incomparable.text, /cannot be compared with the active one/);
  });
  it('says a better predictor replaced the active one, and how to go back', () => {
    const n = trainingOutcomeNotice(completed({ space: 'nb201', entry: 'E', replaced: true, ask: false, comparison: { verdict: 'better', text: 'held-out τ 0.950 vs held-out τ 0.911 of the bundled predictor' } }));
    assert.equal(n.level, 'info');
    assert.deepEqual(n.actions, [USE_PREVIOUS]);
    assert.equal(n.use, undefined);
    assert.match(n.text, /is active \(held-out τ 0\.950 vs .*\)\. To go back: DELE: Use Previous Predictor…\.$/);
    assert.equal(trainingOutcomeNotice({ status: 'failed', message: 'boom\nstack' }).text, 'DELE training failed: boom');
  });
  it('lists the history with metric, description and date, the active one marked', () => {
    const items = historyItems([
      entry({}),
      entry({ id: 'bundled', kind: 'bundled', active: true, trainRatio: 0.1, groundTruthSize: 781, metric: { kendallTau: 0.911, heldOutSize: 7812, heldOutSplit: 'x' } }),
      entry({ id: 'b', metric: { heldOutSize: 0, heldOutSplit: 'y', missing: 'no held-out metric recorded' } }),
    ]);
    assert.deepEqual(
      items.map((i) => [i.label, i.description]),
      [
        ['Trained 2026-12-06 20:44', 'τ 0.851'],
        ['$(check) Bundled predictor', 'τ 0.911 · active'],
        ['Trained 2026-12-06 20:44', 'no held-out metric'],
      ],
    );
    assert.equal(items[0]?.detail, 'c10_test_200ep · 1% ground truth (78 labels) · dele · gates · bundled:nb201');
    assert.match(items[2]?.detail ?? '', /\(no held-out metric recorded\)$/);
  });
  it('asks for a space only when more than one has trained predictors', () => {
    const space = (id: string, kinds: PredictorHistoryEntry['kind'][]): { space: string; spaceTitle: string; entries: PredictorHistoryEntry[] } => ({ space: id, spaceTitle: id, entries: kinds.map((kind) => entry({ kind, space: id })) });
    assert.equal(historySpaceWithoutAsking({ spaces: [space('nb201', ['trained', 'bundled']), space('nb301', ['bundled'])] }), 'nb201');
    assert.equal(historySpaceWithoutAsking({ spaces: [space('nb201', ['trained']), space('nb301', ['trained'])] }), undefined);
  });
  it('lets one training through at a time', () => {
    const gate = new TrainingGate();
    assert.equal(gate.free(true), false, 'the server trains');
    assert.equal(gate.begin(false), true);
    assert.equal(gate.begin(false), false, 'a second command is refused while the first runs');
    gate.end();
    assert.equal(gate.free(false), true);
  });
});
