/** `dele train`: trains a predictor on a data set and saves it to --out DIR. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataError } from '../../data/dataset';
import type { EncoderType } from '../../predictor/model';
import { defaultTrainingJobs } from '../../predictor/parallel';
import { trainPredictor } from '../../predictor/predictor';
import { type PresetName, STEP2_AVERAGE } from '../../predictor/presets';
import type { Method } from '../../predictor/train';
import { initBackend } from '../../runtime/backend';
import { fmt, metricsTable } from '../format';
import { backendOpt, checkOutputPath, type Command, err, list, loadData, num, oneOf, type Opts, pickTarget, repairPredictorFolder, UsageError } from '../options';

/**
 * Fails before any training when --out cannot become a predictor folder; first mends the folder if an earlier
 * save was interrupted between its renames.
 */
function checkOut(out: string): void {
  repairPredictorFolder(out);
  checkOutputPath(out, 'out', 'folder');
  const full = path.resolve(out);
  if (fs.existsSync(full)) {
    const entries = fs.readdirSync(full);
    if (entries.length > 0 && !entries.includes('model.json')) throw new UsageError(`--out ${out} is a folder with other files in it, not a predictor; choose an empty or new folder`);
  }
}

async function cmdTrain(o: Opts): Promise<number> {
  if (!o.out) throw new UsageError('train needs --out DIR');
  checkOut(o.out);
  const ds = loadData(o);
  const backend = await initBackend(backendOpt(o));
  const method = oneOf<Method>(o.method, 'method', ['dele', 'single', 'vanilla'], 'dele');
  const encoder = oneOf<EncoderType>(o.encoder, 'encoder', ['gates', 'lstm'], ds.space.encoders[0] ?? 'gates');
  const preset = oneOf<PresetName>(o.preset, 'preset', ['cpu', 'paper', 'tiny'], 'cpu');
  const target = pickTarget(o, ds);
  const ratio = num(o.ratio, 'ratio', 0.01, (x) => x > 0 && x <= 1);
  const jobs = num(o.jobs, 'jobs', defaultTrainingJobs(), (x) => Number.isInteger(x) && x >= 1 && x <= 64);
  err(`backend ${backend}; space ${ds.space.id}; data ${ds.source} (${ds.archs.length} archs); ${method} ${encoder} preset ${preset}; target ${target}; ratio ${ratio}; ${jobs} training worker${jobs === 1 ? '' : 's'}`);
  const ac = new AbortController();
  process.once('SIGINT', () => {
    err('cancelling...');
    ac.abort();
  });
  const optim: Record<string, number> = {};
  if (o.epochs !== undefined) optim.epochs = num(o.epochs, 'epochs', 0, (x) => Number.isInteger(x) && x >= 0);
  if (o['pretrain-epochs'] !== undefined) optim.pretrainEpochs = num(o['pretrain-epochs'], 'pretrain-epochs', 0, (x) => Number.isInteger(x) && x >= 0);
  if (o['finetune-lr'] !== undefined) optim.finetuneLr = num(o['finetune-lr'], 'finetune-lr', 0, (x) => x > 0 && x < 1);
  if (o['step2-average'] !== undefined) optim.finetuneAverage = num(o['step2-average'], 'step2-average', 0, (x) => x >= 0 && x <= 1);
  const t = Date.now();
  const r = await trainPredictor(
    ds,
    {
      method,
      encoder,
      target,
      trainRatio: ratio,
      experts: list(o.lf),
      preset,
      seed: num(o.seed, 'seed', 0, Number.isInteger),
      splitSeed: num(o['split-seed'], 'split-seed', 0, Number.isInteger),
      subsetSeed: o['subset-seed'] === undefined ? undefined : num(o['subset-seed'], 'subset-seed', 0, (x) => Number.isInteger(x) && x >= 0),
      optim,
      backend,
      jobs,
    },
    {
      signal: ac.signal,
      onEpoch: (e) => {
        if (e.epoch % 10 === 0 || e.epoch === e.epochs) err(`[${e.phase}] epoch ${e.epoch}/${e.epochs} loss ${fmt(e.loss)} (${((Date.now() - t) / 1000).toFixed(0)}s)`);
      },
    },
  );
  try {
    r.predictor.saveAtomically(o.out);
  } catch (e) {
    r.predictor.dispose();
    throw new DataError(`cannot save the predictor to ${o.out}: ${(e as Error).message}; nothing there was changed`);
  }
  if (r.structural) err(`experts: ${r.experts.length} structural measures (the data has no LF column): ${r.experts.map((x) => `${x.name} (${x.description})`).join('; ')}`);
  err(`saved ${path.resolve(o.out)} (${r.predictor.meta.trainSeconds.toFixed(1)}s)`);
  process.stdout.write(`${metricsTable(r.metrics)}\n`);
  r.predictor.dispose();
  return 0;
}

export const trainCommand: Command = {
  name: 'train',
  usage: `  dele train   [--space ID|FILE] [--data bundled|FILE] [--target COL] [--method dele|single|vanilla] [--lf A,B,..|paper]
               [--ratio 0.01] [--encoder gates|lstm] [--preset cpu|paper|tiny] [--epochs N] [--pretrain-epochs N]
               [--finetune-lr X] [--step2-average F] [--seed N] [--split-seed N] [--subset-seed N] [--jobs N] --out DIR
               (--lf paper: DELE's NB201 expert set, the default before the ablation; the default is the set it chose on
               a validation split, see README. --subset-seed N: the ground-truth archs are a seeded shuffle's first N of
               the train split; default: the first N. --finetune-lr X: DELE's step-2 learning rate (default 3e-4 with at
               most 200 labels, else 1e-3, the paper's). --step2-average F: training on ground truth ends
               on its weights averaged over its last fraction F of epochs (default ${STEP2_AVERAGE} under cpu; 0: the last epoch's).
               --jobs N: worker threads for both steps (step 1: experts on LF; step 2: networks on ground truth);
               default all cores but one, at least 1; the result is the same bit for bit with any N)`,
  run: (o) => cmdTrain(o),
};
