/** `dele predict` (arch strings -> predictions with gate weights) and `dele rank` (a data set's archs, best first). */
import { applyCalibration } from '../../predictor/calibration';
import { initBackend } from '../../runtime/backend';
import { parseOrThrow } from '../../space/types';
import { backendOpt, type Command, dataFor, loadPredictor, num, type Opts, readStdinLines, UsageError } from '../options';

async function cmdPredict(o: Opts, positionals: string[]): Promise<number> {
  await initBackend(backendOpt(o));
  const inputs = positionals.length > 0 ? positionals : await readStdinLines();
  if (inputs.length === 0) throw new UsageError('predict needs architecture strings (arguments or stdin)');
  const p = loadPredictor(o);
  if (o.space !== undefined && o.space !== p.space.id) {
    p.dispose();
    throw new UsageError(`the predictor is for space ${p.space.id}, not ${o.space}`);
  }
  let archs: unknown[];
  try {
    archs = inputs.map((s) => parseOrThrow(p.space, s));
  } catch (e) {
    p.dispose();
    throw e;
  }
  const preds = p.predict(archs);
  process.stdout.write(`${JSON.stringify(preds.map((x) => ({ ...x, experts: [...x.experts].sort((a, b) => b.weight - a.weight) })), null, 1)}\n`);
  p.dispose();
  return 0;
}

async function cmdRank(o: Opts): Promise<number> {
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  const ds = dataFor(o, p);
  const s = p.scores(ds.archs);
  const top = num(o.top, 'top', 20, (x) => Number.isInteger(x) && x > 0);
  const truthCol = ds.columns.find((c) => c.name === p.meta.target);
  const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]!).slice(0, top);
  const rows = order.map((i, r) => ({
    rank: r + 1,
    arch: ds.keys[i],
    predicted: Number(applyCalibration(p.meta.calibration, s[i]!).toFixed(3)),
    ...(truthCol ? { true: truthCol.values[i] } : {}),
  }));
  process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
  p.dispose();
  return 0;
}

export const predictCommand: Command = {
  name: 'predict',
  usage: `  dele predict --model DIR | --space ID [ARCH ...]   (arch strings as arguments, or one per line on stdin;
               --space alone uses the predictor bundled for that space)`,
  run: (o, positionals) => cmdPredict(o, positionals),
};

export const rankCommand: Command = {
  name: 'rank',
  usage: `  dele rank    --model DIR | --space ID [--data bundled|FILE] [--top N]`,
  run: (o) => cmdRank(o),
};
