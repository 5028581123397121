/** `dele propose-batch`: the next k architectures to train, by an upper confidence bound over DELE's experts. */
import { importDataFile } from '../../data/dataset';
import { applyCalibration } from '../../predictor/calibration';
import { initBackend } from '../../runtime/backend';
import { DEFAULT_BETA, proposeBatch } from '../../search/batch';
import type { SearchSpace } from '../../space/types';
import { writeFileAtomically } from '../../util/files';
import { backendOpt, checkOutputPath, type Command, err, loadPredictor, loadSpace, num, type Opts, UsageError } from '../options';

/** Enough for every NB201 (15,625) and TransNAS micro (4,096) cell: those spaces are scored whole by default. */
const DEFAULT_BUDGET = 20_000;

/** The canonical keys of the file's architectures (its arch column, or --arch-column). */
function labelledKeys(file: string, space: SearchSpace, archColumn: string | undefined): Set<string> {
  return new Set(importDataFile(file, { space, archColumn }).keys);
}

const field = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function cmdProposeBatch(o: Opts): Promise<number> {
  const k = num(o.k, 'k', 10, (x) => Number.isInteger(x) && x > 0 && x <= 1_000_000);
  const beta = num(o.beta, 'beta', DEFAULT_BETA, (x) => Number.isFinite(x) && x >= 0);
  const budget = num(o.budget, 'budget', DEFAULT_BUDGET, (x) => Number.isInteger(x) && x > 0 && x <= 10_000_000);
  const seed = num(o.seed, 'seed', 0, Number.isInteger);
  if (o.out !== undefined) checkOutputPath(o.out, 'out', 'file');
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  try {
    // With --model the predictor knows its space; --space (an id or a space file) must then name the same one.
    if (o.space !== undefined && o.model !== undefined) {
      const named = loadSpace(o);
      if (named.id !== p.space.id) throw new UsageError(`the predictor is for space ${p.space.id}, not ${named.id}`);
    }
    const space = p.space;
    const labelled = o.labelled !== undefined ? labelledKeys(o.labelled, space, o['arch-column']) : new Set<string>();
    if (p.experts.length < 2 && beta > 0) err(`propose-batch: the predictor has one expert: no disagreement to explore, the batch is its top ${k}`);
    const t0 = Date.now();
    err(`propose-batch: ${space.id}, k ${k}, beta ${beta}, budget ${budget}, seed ${seed}${labelled.size ? `, ${labelled.size} labelled architecture(s) excluded` : ''}`);
    const r = await proposeBatch(space, (archs) => p.predict(archs), { k, beta, budget, seed, labelled });
    err(
      `propose-batch: ${r.method === 'enumerate' ? 'scored the whole space' : 'evolution scored'}: ${r.pool} candidates in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `${r.batch.length} proposed${r.batch.length < k ? ` (only ${r.batch.length} unlabelled candidates)` : ''}${r.passedOver ? `, ${r.passedOver} passed over as one edit from a pick` : ''}`,
    );
    const text = o.out?.toLowerCase().endsWith('.csv')
      ? `arch,predicted,ucb,spread\n${r.batch.map((b) => [field(b.key), Number(applyCalibration(p.meta.calibration, b.score).toFixed(4)), Number(b.ucb.toFixed(4)), Number(b.spread.toFixed(4))].join(',')).join('\n')}\n`
      : `${r.batch.map((b) => b.key).join('\n')}\n`;
    if (o.out !== undefined) {
      writeFileAtomically(o.out, text);
      err(`propose-batch: wrote ${o.out}`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    p.dispose();
  }
}

export const proposeBatchCommand: Command = {
  name: 'propose-batch',
  usage: `  dele propose-batch --model DIR [--space ID|FILE] | --space ID [--k 10] [--labelled FILE.csv] [--beta 1]
               [--budget 20000] [--seed 0] [--out FILE]
               (the next k architectures to train: candidates are the whole space when it has at most --budget
               architectures, else what a seeded evolution scores; each is ranked by ucb = mean + beta * spread,
               mean the ensemble score and spread the gate-weighted std of the experts' scores, both standardised
               over the candidates: the experts' disagreement is DELE's own uncertainty, beta 0 is pure
               exploitation. The --labelled file's archs (arch column) are excluded; no two picks are one edit
               apart unless the batch would stay short. One architecture a line in the space's syntax, on stdout
               or in --out FILE; --out FILE.csv writes arch,predicted,ucb,spread)`,
  run: (o) => cmdProposeBatch(o),
};
