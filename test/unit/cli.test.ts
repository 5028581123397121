import assert from 'node:assert/strict';
import { fork, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { at } from './at';

// Runs the bundled CLI (npm test builds dist/ first), as a user would.
const CLI = path.resolve(__dirname, '../../dist/cli.js');
const FIXTURE = path.resolve(__dirname, '../fixtures/nb201_sample.csv');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dele-cli-'));
const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
const WORST = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

function dele(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dele CLI', () => {
  const model = path.join(tmp, 'model');

  it('train on a user CSV writes a predictor and prints held-out metrics', () => {
    const r = dele(['train', '--data', FIXTURE, '--target', 'val_acc', '--preset', 'tiny', '--ratio', '0.5', '--pretrain-epochs', '3', '--epochs', '40', '--step2-average', '0.5', '--seed', '1', '--out', model]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backend (wasm|tensorflow|cpu)/);
    const tau = Number(/Kendall's tau\s+(-?[\d.]+)/.exec(r.stdout)?.[1]);
    assert.ok(tau > 0.3, r.stdout);
    assert.ok(fs.existsSync(path.join(model, 'model.json')) && fs.existsSync(path.join(model, 'weights.bin')));
    // --step2-average reaches step 2 and the saved record of how it trained.
    assert.equal(JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8')).optim.finetuneAverage, 0.5);
    const bad = dele(['train', '--data', FIXTURE, '--target', 'val_acc', '--step2-average', '2', '--out', path.join(tmp, 'never')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--step2-average 2: not a valid value/);
  });

  it('predict returns accuracy and gate weights per arch (arguments and stdin)', () => {
    const r = dele(['predict', '--model', model, BEST, WORST]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { arch: string; accuracy: number; experts: { name: string; weight: number }[] }[];
    assert.equal(out.length, 2);
    const [best, worst] = out;
    assert.ok(best && worst);
    assert.equal(best.arch, BEST);
    assert.deepEqual(best.experts.map((e) => e.name).sort(), ['flops', 'jacov', 'synflow']);
    assert.ok(best.accuracy > worst.accuracy);
    const s = dele(['predict', '--model', model], `${BEST}\n`);
    assert.equal(s.code, 0, s.stderr);
    assert.equal(JSON.parse(s.stdout)[0].accuracy, best.accuracy);
  });

  it('eval and rank use the saved predictor', () => {
    const e = dele(['eval', '--model', model, '--data', FIXTURE]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /held-out split .* target val_acc/);
    const r = dele(['rank', '--model', model, '--data', FIXTURE, '--top', '5']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { rank: number; predicted: number }[];
    assert.equal(rows.length, 5);
    assert.ok(at(rows, 0).predicted >= at(rows, 4).predicted);
  });

  it('bad input gives a clear error and exit code 1, not a crash', () => {
    const badArch = dele(['predict', '--model', model, '|conv9~0|+|none~0|none~1|+|none~0|none~1|none~2|']);
    assert.equal(badArch.code, 1);
    assert.match(badArch.stderr, /unknown op "conv9"/);
    const csv = path.join(tmp, 'bad.csv');
    fs.writeFileSync(csv, 'arch,acc\nnot-an-arch,1\n');
    const badCsv = dele(['train', '--data', csv, '--out', path.join(tmp, 'x')]);
    assert.equal(badCsv.code, 1);
    assert.match(badCsv.stderr, /bad.csv:2: invalid architecture/);
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'model.json'), 'garbage');
    const badModel = dele(['predict', '--model', broken, BEST]);
    assert.equal(badModel.code, 1);
    assert.match(badModel.stderr, /cannot read predictor/);
    const wrongCol = dele(['train', '--data', FIXTURE, '--target', 'synflow', '--out', path.join(tmp, 'y')]);
    assert.equal(wrongCol.code, 1);
    assert.match(wrongCol.stderr, /"synflow" is an LF measure, not a target/);
    const usage = dele(['train', '--ratio', '7', '--out', path.join(tmp, 'z')]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--ratio 7: not a valid value/);
  });

  it('a usage error prints the message and the usage of its command only; an unknown command lists them all', () => {
    const ratio = dele(['train', '--ratio', '7', '--out', path.join(tmp, 'z')]);
    assert.equal(ratio.code, 2);
    assert.match(ratio.stderr, /^dele: --ratio 7: not a valid value\n\nUsage:\n {2}dele train /);
    assert.doesNotMatch(ratio.stderr, /dele eval|dele bench|Spaces \(--space\)/);
    assert.ok(ratio.stderr.trim().split('\n').length < 16, ratio.stderr);
    const option = dele(['predict', '--bogus']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--bogus'/);
    assert.match(option.stderr, /dele predict --model DIR/);
    assert.doesNotMatch(option.stderr, /dele train|dele rank/);
    const bench = dele(['bench', '--counts', '10', '--ratios', '0.1']);
    assert.equal(bench.code, 2);
    assert.match(bench.stderr, /dele bench {3}--ablation FILE/);
    assert.doesNotMatch(bench.stderr, /dele lf/);
    const unknown = dele(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
    for (const c of ['train', 'eval', 'predict', 'rank', 'search', 'bench', 'lf', 'info', 'spaces']) assert.match(unknown.stderr, new RegExp(`dele ${c} `));
    assert.doesNotMatch(unknown.stderr, /__bench-task/);
  });

  it('trains, evaluates and predicts on a declared sequence space from a CSV (the README walk-through)', () => {
    const dir = path.resolve(__dirname, '../../examples/sequence-space');
    const out = path.join(tmp, 'cells-model');
    const t = dele(['train', '--space', path.join(dir, 'cells.space.yaml'), '--data', path.join(dir, 'cells.csv'), '--target', 'acc', '--lf', 'params,flops', '--ratio', '0.05', '--preset', 'tiny', '--pretrain-epochs', '3', '--epochs', '40', '--out', out]);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stderr, /space tnb-cells/);
    assert.ok(Number(/Kendall's tau\s+(-?[\d.]+)/.exec(t.stdout)?.[1]) > 0.3, t.stdout);
    const meta = JSON.parse(fs.readFileSync(path.join(out, 'model.json'), 'utf8'));
    assert.equal(meta.space.id, 'tnb-cells');
    assert.equal(meta.space.declaration.positions, 6);
    assert.equal(meta.model.encoder, 'lstm');
    // eval needs no --data: the predictor remembers its data file; predict needs no space file.
    const e = dele(['eval', '--model', out]);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /held-out split of .*cells.csv, target acc/);
    const p = dele(['predict', '--model', out, 'conv3x3-conv3x3-conv3x3-skip-conv3x3-conv3x3', '[none, none, none, none, none, none]']);
    assert.equal(p.code, 0, p.stderr);
    const preds = JSON.parse(p.stdout) as { arch: string; accuracy: number }[];
    assert.equal(at(preds, 0).arch, 'conv3x3-conv3x3-conv3x3-skip-conv3x3-conv3x3');
    assert.ok(at(preds, 0).accuracy > at(preds, 1).accuracy);
    const bad = dele(['predict', '--model', out, 'conv3x3-pool-conv3x3-skip-conv3x3-conv3x3']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /pool/);
  });

  it('a predictor refuses architectures and spaces other than its own', () => {
    const micro = dele(['predict', '--model', model, '64-41414-3_33_333']);
    assert.equal(micro.code, 1);
    assert.match(micro.stderr, /invalid architecture "64-41414-3_33_333"/);
    const other = dele(['predict', '--model', model, '--space', 'tnb101-micro', '64-41414-3_33_333']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /the predictor is for space nb201, not tnb101-micro/);
    const unknown = dele(['info', '--space', 'nb999']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown search space "nb999"/);
    const spaceFile = path.join(tmp, 'broken.space.yaml');
    fs.writeFileSync(spaceFile, 'name: x\nkind: sequence\npositions: 0\nchoices: [a]\n');
    const badSpace = dele(['info', '--space', spaceFile, '--data', FIXTURE]);
    assert.equal(badSpace.code, 1);
    assert.match(badSpace.stderr, /positions/);
  });

  it('spaces lists the built-in spaces; info describes a bundled TransNAS-Bench-101 table', () => {
    const s = dele(['spaces']);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /tnb101-micro\s+TransNAS-Bench-101 micro: 4,096 architectures/);
    assert.match(s.stdout, /tnb101-macro\s+TransNAS-Bench-101 macro: 3,256 architectures/);
    const i = dele(['info', '--space', 'tnb101-macro']);
    assert.equal(i.code, 0, i.stderr);
    assert.match(i.stdout, /3256 archs/);
    assert.match(i.stdout, /default target: class_object/);
    assert.doesNotMatch(i.stdout, /step 1 under the cpu preset/);
    const n = dele(['info', '--space', 'nb201']);
    assert.equal(n.code, 0, n.stderr);
    assert.match(n.stdout, /step 1 under the cpu preset: 120 epochs/);
  });

  it('predict --space nb301 scores a DARTS genotype with the bundled predictor and explains a NASNet one', () => {
    const darts = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))";
    const r = dele(['predict', '--space', 'nb301', darts]);
    assert.equal(r.code, 0, r.stderr);
    const [p] = JSON.parse(r.stdout) as { arch: string; accuracy: number; experts: { name: string; weight: number }[] }[];
    assert.ok(p, r.stdout);
    assert.match(p.arch, /^\[\[\(0, 3\), \(1, 3\), /);
    assert.ok(p.accuracy > 85 && p.accuracy < 100, String(p.accuracy));
    assert.equal(p.experts.length, 12);
    assert.ok(Math.abs(p.experts.reduce((a, e) => a + e.weight, 0) - 1) < 1e-4);
    const fiveNodes = darts.replace("('dil_conv_3x3', 2)]", "('dil_conv_3x3', 2), ('sep_conv_7x7', 0), ('skip_connect', 1)]");
    const n = dele(['predict', '--space', 'nb301', fiveNodes]);
    assert.equal(n.code, 1);
    assert.match(n.stderr, /NAS-Bench-301 cells have 4 intermediate nodes \(8 pairs\); this normal cell has 5/);
    assert.match(n.stderr, /sep_conv_7x7 is a DARTS-family op outside NAS-Bench-301/);
    const both = dele(['bench', '--space', 'nb301', '--counts', '10', '--ratios', '0.1']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /either --ratios or --counts/);
    const twice = dele(['bench', '--space', 'nb301', '--counts', '10,10']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /each count once/);
    const evalBundled = dele(['eval', '--space', 'nb301']);
    assert.equal(evalBundled.code, 0, evalBundled.stderr);
    assert.match(evalBundled.stdout, /held-out split of bundled:nb301, target val_acc/);
    // The whole train split (146 of NB101's 292) is a valid count: every training arch labelled.
    const whole = dele(['bench', '--space', 'nb101', '--counts', '146', '--methods', 'vanilla', '--encoder', 'gates', '--preset', 'tiny', '--seeds', '1', '--jobs', '1', '--epochs', '1']);
    assert.equal(whole.code, 0, whole.stderr);
    assert.match(whole.stdout, /GATES\s+vanilla\s+-?0\.\d{4} \(0\.0000\)/);
    assert.match(whole.stdout, /146 archs/);
    assert.match(whole.stdout, /preset tiny \(step 1: 5 epochs\)/);
    // Structural experts next to named LF columns: the header lists the columns, then "structural".
    const mixed = dele(['bench', '--space', 'nb101', '--counts', '20', '--methods', 'dele', '--encoder', 'gates', '--preset', 'tiny', '--seeds', '1', '--jobs', '1', '--epochs', '1', '--pretrain-epochs', '1', '--lf', 'structural,params,flops', '--step1-sample', '30', '--sample-counts', '--ensemble', '2', '--structural-max', '3', '--step2-average', '0.5']);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.match(mixed.stdout, /DELE: an ensemble of 2 step-2 runs from one step 1/);
    // The header says how step 2 ended (the tiny preset alone would not average).
    assert.match(mixed.stdout, /preset tiny \(step 1: 1 epoch; step 2's weights averaged over its last 50% of epochs\)/);
    assert.match(mixed.stdout, /DELE's ensemble: member 0 alone \(the plain run\), Kendall's tau\n.*\nGATES\s+DELE\s+-?0\.\d{4} \(0\.0000\)/);
    assert.match(mixed.stdout, /Kendall's tau on the train split's unlabelled archs [^\n]*\n.*\nGATES\s+DELE\s+-?0\.\d{4} \(0\.0000\)/);
    for (const [args, message] of [
      [['--ensemble', '2', '--methods', 'vanilla'], /--ensemble repeats DELE's step 2: give --methods with dele/],
      [['--ensemble', '0'], /--ensemble/],
      [['--structural-max', '4'], /--structural-max sets how many structural experts --lf structural chooses: give --lf with structural/],
      [['--lf', 'structural', '--structural-max', '0'], /--structural-max 0: not a valid value/],
      [['--lf', 'structural', '--structural-max', '33'], /--structural-max 33: not a valid value/],
      [['--lf', 'structural', '--structural-max', '4', '--methods', 'vanilla'], /--structural-max caps DELE's structural experts: give --methods with dele/],
    ] as const) {
      const bad = dele(['bench', '--space', 'nb101', '--counts', '20', ...args]);
      assert.equal(bad.code, 2, bad.stderr);
      assert.match(bad.stderr, message);
    }
    assert.match(mixed.stdout, /experts \(3\): params, flops, structural \(structural: DELE chooses up to 3 measures per seed\)/);
    assert.match(mixed.stdout, /step 1 also on 30 architectures sampled from the space per seed \(their flops and params computed in closed form;/);
    const countsAlone = dele(['bench', '--space', 'nb101', '--counts', '20', '--sample-counts']);
    assert.equal(countsAlone.code, 2);
    assert.match(countsAlone.stderr, /--sample-counts fills the architectures of --step1-sample N: give both/);
    const noCounts = dele(['bench', '--space', 'tnb101-micro', '--counts', '20', '--step1-sample', '30', '--sample-counts']);
    assert.equal(noCounts.code, 2);
    assert.match(noCounts.stderr, /--sample-counts: tnb101-micro's data has no flops or params column that dele-nas computes \(it does for nb201, nb301, nb101\)/);
    assert.match(mixed.stdout, /GATES\s+DELE\s+-?0\.\d{4} \(0\.0000\)/);
    const tooMany = dele(['bench', '--space', 'nb101', '--counts', '500']);
    assert.equal(tooMany.code, 2);
    assert.match(tooMany.stderr, /--counts 500: the ground truth is 2 to 146 archs \(the train split of nb101's 292\)/);
  });

  it("a bench task's child process ends when its parent goes (the IPC channel closes) instead of training on", async () => {
    const task = { space: 'nb101', encoder: 'gates', seed: 0, ratios: [0.3], target: 'val_acc', preset: 'tiny', optim: { pretrainEpochs: 100000, epochs: 100000 }, methods: ['dele'] };
    const child = fork(CLI, ['__bench-task', JSON.stringify(task), '--backend', 'wasm'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Disconnect once step 1 runs (it logs every 10 epochs), so the child is inside training, not starting up; a
    // child that dies before that ends the wait too (and fails below with its own exit code, not a hung test).
    let poll: NodeJS.Timeout | undefined;
    const training = new Promise<void>((resolve) => {
      poll = setInterval(() => {
        if (/pretrain .*epoch 10\//.test(stderr)) resolve();
      }, 50);
    });
    await Promise.race([training, exited]);
    clearInterval(poll);
    assert.equal(child.exitCode, null, `the task ended before step 1 ran: ${stderr}`);
    child.disconnect();
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    if (code === 'still running') child.kill('SIGKILL');
    assert.equal(code, 143);
  });

  it('bench --report re-prints the tables of a saved run, and rejects a missing file', () => {
    const r = dele(['bench', '--report', path.resolve(__dirname, '../../bench-results/nb201-cpu.json')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /GATES\s+DELE\s+0\.8\d{3} \(0\.\d{4}\)/);
    assert.match(r.stdout, /LSTM\s+vanilla/);
    const bad = dele(['bench', '--report', path.join(tmp, 'missing.json')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /cannot read bench results/);
  });

  it('bench --ablation runs the variants of a file, writes JSON that --report re-prints, and names what is wrong in a bad file', () => {
    const file = path.join(tmp, 'ablation.yaml');
    fs.writeFileSync(
      file,
      ['preset: tiny', 'seeds: 1', 'validation: 100', 'variants:', '  - name: paper-set', '    optim: { pretrainEpochs: 1, epochs: 2 }', '  - name: two-12ep', "    experts: ['c10valid_xvalid_12ep', 'c100_val_12ep']", '    optim: { pretrainEpochs: 1, epochs: 2 }'].join('\n'),
    );
    const json = path.join(tmp, 'ablation.json');
    const r = dele(['bench', '--ablation', file, '--jobs', '1', '--no-cache', '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /validation split of 100 archs is carved from the 7813-arch training split/);
    assert.match(r.stdout, /GATES, 1% ground truth \(78 labelled archs\)/);
    assert.match(r.stdout, /paper-set\s+0\.\d{4} \(0\.0000\)\s+0\.\d{4}/);
    assert.match(r.stdout, /chosen on validation: (paper-set|two-12ep)/);
    assert.match(r.stdout, /- two-12ep: gates, preset tiny, 2 experts/);
    // A variant on the default set names its experts too (the default may change after a run).
    assert.match(r.stdout, /- paper-set: gates, preset tiny, 12 experts \(default: c100_val_12ep, zc_c10_jacov, /);
    const again = dele(['bench', '--report', json]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, r.stdout);
    fs.writeFileSync(file, 'variants:\n  - name: a\n    experts: [nope_*]\n');
    const bad = dele(['bench', '--ablation', file]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /ablation file: variant "a": "nope_\*" matches no LF column/);
    const missing = dele(['bench', '--ablation', path.join(tmp, 'none.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read ablation file/);
  });

  it('bench --ablation: Ctrl-C prints the finished part and exits 130; the same command then resumes from its checkpoint', async () => {
    const file = path.join(tmp, 'ablation-resume.yaml');
    fs.writeFileSync(file, ['preset: tiny', 'seeds: 2', 'validation: 100', 'variants:', '  - name: paper-set', '    experts: paper', '    optim: { pretrainEpochs: 1, epochs: 2 }'].join('\n'));
    const json = path.join(tmp, 'ablation-resume.json');
    const args = ['bench', '--ablation', file, '--jobs', '1', '--no-cache', '--json', json];
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // Seed 0's task has finished (and is in the checkpoint) once seed 1's task logs.
        if (/gates seed 1 /.test(stderr) && !child.killed) child.kill('SIGINT');
      });
      child.on('close', resolve);
    });
    assert.equal(code, 130, stderr);
    assert.match(stdout, /PARTIAL: the run was interrupted/);
    assert.match(stdout, /paper-set\s+0\.\d{4} \(0\.0000\)\s+0\.\d{4} \(0\.0000\)\s+\S+ \(\S+\)\s+\d+\s+\d+\s+1$/m);
    assert.ok(!fs.existsSync(json), 'no --json file for an interrupted run');
    assert.ok(fs.existsSync(`${json}.partial.jsonl`));
    // A checkpoint written by an implementation with other training numerics is not taken (its task runs again).
    const stale = path.join(tmp, 'ablation-stale.json');
    const lines = fs.readFileSync(`${json}.partial.jsonl`, 'utf8').trim().split('\n');
    assert.ok(lines.length === 1 && /"numerics":"\d+-\w+"/.test(lines[0]!), lines.join('\n'));
    fs.writeFileSync(`${stale}.partial.jsonl`, `${lines[0]!.replace(/"numerics":"\d+-\w+"/, '"numerics":"3-exact"')}\n`);
    const rerun = dele(['bench', '--ablation', file, '--jobs', '1', '--no-cache', '--json', stale]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.doesNotMatch(rerun.stderr, / from /);
    const again = dele(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /2 tasks \(step-1 groups x 2 seeds\), 1 from /);
    assert.match(again.stdout, /paper-set\s+0\.\d{4} \(0\.\d{4}\)\s+0\.\d{4} \(0\.\d{4}\)\s+\S+ \(\S+\)\s+\d+\s+\d+\s+2$/m);
    assert.doesNotMatch(again.stdout, /PARTIAL/);
    assert.ok(fs.existsSync(json) && !fs.existsSync(`${json}.partial.jsonl`));
    // The resumed seed-0 rows are the interrupted run's.
    const seed0 = (JSON.parse(fs.readFileSync(json, 'utf8')) as { rows: { seed: number; validation: { kendallTau: number } }[] }).rows.filter((r) => r.seed === 0);
    assert.equal(seed0.length, 1);
    assert.match(stdout, new RegExp(`paper-set\\s+${seed0[0]!.validation.kendallTau.toFixed(4)} `));
  });

  describe('dele lf', () => {
    const cache = path.join(tmp, 'lf-cache.jsonl');
    const archFile = path.join(tmp, 'cells.py');
    fs.writeFileSync(archFile, `# two cells and a broken one\ncells = ["${BEST}", "${WORST}", "|bogus~0|+|none~0|none~1|+|none~0|none~1|none~2|"]\n`);
    const rows = (file: string): string[] => fs.readFileSync(file, 'utf8').trim().split('\n');

    it('computes measures for the architectures of a file, with the closed-form values of NASLib\'s network', () => {
      const out = path.join(tmp, 'lf.csv');
      const r = dele(['lf', '--space', 'nb201', '--archs', archFile, '--measures', 'flops,params,snip', '--jobs', '2', '--cache', cache, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /skipped 1 invalid nb201 architecture/);
      assert.match(r.stderr, /2 computed, 0 from the cache/);
      const lines = rows(out);
      assert.equal(at(lines, 0), 'arch,flops,params,snip');
      // The all-none cell: stem, residual blocks and head only (lf-compute.md's closed form, n3 = n1 = np = 0).
      const worst = at(lines, 2).split(',');
      assert.equal(at(worst, 0), WORST, "NB201 cells need no CSV quoting");
      assert.equal(Number(at(worst, 1)), 7.943872);
      assert.equal(Number(at(worst, 2)), 0.073306);
      // The best cell: 5 conv3x3 and one skip per cell.
      const best = at(lines, 1).split(',');
      assert.ok(Math.abs(Number(at(best, 1)) - (7943872 + 35819520 * 5) / 1e6) < 1e-6, at(lines, 1));
      assert.ok(Number(at(best, 3)) > 0, 'snip is a positive sum');
    });

    it('a re-run answers from the cache; other settings recompute only the measures that depend on them', () => {
      const out = path.join(tmp, 'lf2.csv');
      const r = dele(['lf', '--space', 'nb201', '--archs', archFile, '--measures', 'flops,params,snip', '--cache', cache, '--out', out]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /0 computed, 2 from the cache/);
      assert.equal(fs.readFileSync(out, 'utf8'), fs.readFileSync(path.join(tmp, 'lf.csv'), 'utf8'));
      const other = dele(['lf', '--space', 'nb201', '--archs', archFile, '--measures', 'flops,snip', '--seed', '3', '--cache', cache, '--out', out]);
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stderr, /2 computed, 0 from the cache/);
      assert.notEqual(at(at(rows(out), 1).split(','), 2), at(at(rows(path.join(tmp, 'lf.csv')), 1).split(','), 3), 'another seed, other weights');
    });

    it('Ctrl-C stops a run without writing the CSV; the next run resumes from the cache', async () => {
      const out = path.join(tmp, 'interrupted.csv');
      const icache = path.join(tmp, 'interrupted-cache.jsonl');
      const args = ['lf', '--space', 'nb201', '--sample', '8', '--seed', '4', '--measures', 'jacov', '--jobs', '1', '--cache', icache, '--out', out];
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (/\[2\/8\]/.test(stderr) && !child.killed) child.kill('SIGINT');
        });
        child.on('close', resolve);
      });
      assert.equal(code, 130, stderr);
      assert.match(stderr, /interrupted; \d+ architecture\(s\) computed and cached/);
      assert.ok(!fs.existsSync(out));
      const again = dele(args);
      assert.equal(again.code, 0, again.stderr);
      const cached = Number(/(\d+) from the cache/.exec(again.stderr)?.[1]);
      assert.ok(cached >= 2 && cached < 8, again.stderr);
    });

    it('shards split a sample between jobs and join back by architecture', () => {
      const whole = path.join(tmp, 'whole.csv');
      assert.equal(dele(['lf', '--space', 'nb201', '--sample', '12', '--seed', '5', '--measures', 'flops', '--no-cache', '--out', whole]).code, 0);
      const parts = [0, 1, 2].map((k) => {
        const f = path.join(tmp, `shard${k}.csv`);
        const r = dele(['lf', '--space', 'nb201', '--sample', '12', '--seed', '5', '--measures', 'flops', '--shard', `${k}/3`, '--no-cache', '--out', f]);
        assert.equal(r.code, 0, r.stderr);
        return f;
      });
      const sharded = parts.flatMap((f) => rows(f).slice(1));
      assert.deepEqual([...sharded].sort(), rows(whole).slice(1).sort());
      const info = dele(['info', '--data', parts.join(',')]);
      assert.equal(info.code, 0, info.stderr);
      assert.match(info.stdout, /12 archs/);
    });

    it('refuses what it cannot do, with a clear message', () => {
      const out = path.join(tmp, 'never.csv');
      const cases: [string[], RegExp][] = [
        [['lf', '--space', 'tnb101-micro', '--sample', '2', '--out', out], /computes measures for nb201, nb301, nb101/],
        [['lf', '--space', 'nb101', '--sample', '2', '--measures', 'flops,synflow', '--out', out], /synflow needs the network of nb101/],
        [['lf', '--space', 'nb201', '--out', out], /either --archs FILE or --sample N/],
        [['lf', '--space', 'nb201', '--sample', '2', '--measures', 'flops,zen', '--out', out], /unknown measure "zen"/],
        [['lf', '--space', 'nb201', '--sample', '2', '--shard', '3/3', '--out', out], /0 <= K < N/],
        [['lf', '--space', 'nb201', '--sample', '2'], /needs --out/],
      ];
      for (const [args, msg] of cases) {
        const r = dele(args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, msg);
      }
      assert.ok(!fs.existsSync(out));
    });
  });

  describe('search', () => {
    it('proposes distinct architectures with predicted and true values, and writes them as CSV', () => {
      const csv = path.join(tmp, 'search.csv');
      const r = dele(['search', '--space', 'nb201', '--top', '5', '--budget', '300', '--seed', '1', '--csv', csv]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /evolution scored 300 architectures/);
      const rows = JSON.parse(r.stdout) as { rank: number; arch: string; predicted: number; score: number; true?: number; experts: { name: string; weight: number }[] }[];
      assert.equal(rows.length, 5);
      assert.equal(new Set(rows.map((x) => x.arch)).size, 5);
      for (const [i, x] of rows.entries()) {
        assert.equal(x.rank, i + 1);
        assert.match(x.arch, /^\|[a-z_0-9]+~0\|\+/);
        assert.ok(typeof x.true === 'number' && x.true > 10 && x.true < 100, `true value of ${x.arch}`);
        assert.ok(x.predicted > 80, `predicted ${x.predicted}`);
        assert.equal(x.experts.length, 3);
        if (i > 0) assert.ok(at(rows, i - 1).score >= x.score, 'best first');
      }
      const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
      assert.equal(at(lines, 0), 'rank,arch,predicted,score,true,expert1,weight1,expert2,weight2,expert3,weight3');
      assert.equal(lines.length, 6);
      assert.ok(at(lines, 1).startsWith(`1,${at(rows, 0).arch},`));
      // Same seed, same proposals.
      const again = dele(['search', '--space', 'nb201', '--top', '5', '--budget', '300', '--seed', '1']);
      assert.deepEqual(JSON.parse(again.stdout), rows);
    });

    it('refuses a --from outside the space and a bad budget, with a clear message', () => {
      const bad = dele(['search', '--space', 'nb201', '--from', '|conv9~0|+|none~0|none~1|+|none~0|none~1|none~2|']);
      assert.equal(bad.code, 1, bad.stderr);
      assert.match(bad.stderr, /--from: invalid architecture .*unknown op "conv9"/);
      assert.equal(bad.stdout, '');
      const budget = dele(['search', '--space', 'nb201', '--budget', '0']);
      assert.equal(budget.code, 2);
      assert.match(budget.stderr, /--budget 0: not a valid value/);
    });
  });
});
