/** `dele eval`: a predictor's metrics on its held-out split (or on every arch of other data). */
import { column, splitDataset } from '../../data/dataset';
import { evaluateCalibrated } from '../../predictor/metrics';
import { initBackend } from '../../runtime/backend';
import { metricsTable } from '../format';
import { backendOpt, type Command, dataFor, loadPredictor, type Opts } from '../options';

async function cmdEval(o: Opts): Promise<number> {
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  const ds = dataFor(o, p);
  const truth = column(ds, p.meta.target).values;
  // Same data as training: its held-out split. Other data: every arch.
  const idx = ds.fingerprint === p.meta.dataset.fingerprint ? splitDataset(ds.archs.length, p.meta.splitSeed).heldOut : ds.archs.map((_, i) => i);
  const s = p.scores(idx.map((i) => ds.archs[i]));
  const m = evaluateCalibrated(s, p.meta.calibration, idx.map((i) => truth[i]!));
  process.stdout.write(`${ds.fingerprint === p.meta.dataset.fingerprint ? 'held-out split' : 'all archs'} of ${ds.source}, target ${p.meta.target}\n${metricsTable(m)}\n`);
  p.dispose();
  return 0;
}

export const evalCommand: Command = {
  name: 'eval',
  usage: `  dele eval    --model DIR | --space ID [--data bundled|FILE]`,
  run: (o) => cmdEval(o),
};
