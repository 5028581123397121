/** `dele search`: the architectures a predictor rates best (enumeration or a seeded regularised evolution). */
import { bundledSpaceIds, DataError, loadBundled } from '../../data/dataset';
import { applyCalibration } from '../../predictor/calibration';
import { initBackend } from '../../runtime/backend';
import { proposalsCsv, type ProposalRow, searchSpace } from '../../search';
import { ArchParseError, parseOrThrow } from '../../space/types';
import { writeFileAtomically } from '../../util/files';
import { fmt } from '../format';
import { backendOpt, checkOutputPath, type Command, err, loadPredictor, num, type Opts, UsageError } from '../options';

/** The bundled table's value of `target` per key, when the space ships one with that column. */
function bundledTruth(spaceId: string, target: string): Map<string, number> | undefined {
  if (!bundledSpaceIds().includes(spaceId)) return undefined;
  const ds = loadBundled(spaceId);
  const col = ds.columns.find((c) => c.name === target);
  if (!col) return undefined;
  const m = new Map<string, number>();
  ds.keys.forEach((k, i) => {
    const v = col.values[i];
    if (v !== undefined && Number.isFinite(v)) m.set(k, v);
  });
  return m;
}

async function cmdSearch(o: Opts): Promise<number> {
  const top = num(o.top, 'top', 10, (x) => Number.isInteger(x) && x > 0);
  const budget = num(o.budget, 'budget', 2000, (x) => Number.isInteger(x) && x > 0 && x <= 10_000_000);
  const seed = num(o.seed, 'seed', 0, Number.isInteger);
  if (o.csv !== undefined) checkOutputPath(o.csv, 'csv', 'file');
  await initBackend(backendOpt(o));
  const p = loadPredictor(o);
  try {
    if (o.space !== undefined && o.space !== p.space.id) throw new UsageError(`the predictor is for space ${p.space.id}, not ${o.space}`);
    const space = p.space;
    const from = (o.from ?? []).map((t) => {
      try {
        return parseOrThrow(space, t);
      } catch (e) {
        throw ArchParseError.is(e) ? new DataError(`--from: ${e.message} (${space.id} syntax: ${space.syntax})`) : e;
      }
    });
    const truth = bundledTruth(space.id, p.meta.target);
    const ac = new AbortController();
    const onSigint = (): void => {
      err('search: stopping; printing the best found so far');
      ac.abort();
    };
    process.once('SIGINT', onSigint);
    const t0 = Date.now();
    let shown = 0;
    err(`search: ${space.id} (${space.size !== undefined ? `${space.size.toLocaleString('en-US')} architectures` : (space.sizeText ?? 'size unknown')}), predictor target ${p.meta.target}, budget ${budget}, seed ${seed}${from.length ? `, from ${from.length} architecture(s)` : ''}`);
    const r = await searchSpace(space, (archs) => Array.from(p.scores(archs)), {
      top,
      budget,
      seed,
      from,
      signal: ac.signal,
      onProgress: (pr) => {
        // About ten lines per search.
        if (pr.evaluated < pr.budget && pr.evaluated < shown + pr.budget / 10) return;
        shown = pr.evaluated;
        err(`search: ${pr.evaluated}/${pr.budget} scored, best predicted ${fmt(applyCalibration(p.meta.calibration, pr.bestScore), 2)} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      },
    }).finally(() => process.off('SIGINT', onSigint));
    const preds = p.predict(r.proposals.map((x) => x.arch));
    const rows: ProposalRow[] = preds.map((x, i) => {
      const t = truth?.get(x.arch);
      return {
        rank: i + 1,
        arch: x.arch,
        predicted: Number(x.accuracy.toFixed(3)),
        score: Number(x.score.toFixed(6)),
        ...(t !== undefined ? { true: t } : {}),
        experts: [...x.experts]
          .sort((a, b) => b.weight - a.weight)
          .slice(0, 3)
          .map((e) => ({ name: e.name, weight: Number(e.weight.toFixed(4)) })),
      };
    });
    err(
      `search: ${r.method === 'enumerate' ? 'enumerated' : 'evolution scored'} ${r.evaluated} architectures in ${((Date.now() - t0) / 1000).toFixed(1)} s${r.cancelled ? ' (interrupted)' : ''}` +
        (truth ? `; true values: ${p.meta.target} from the bundled table` : `; no bundled table of ${p.meta.target} for ${space.id}: no true values`),
    );
    if (o.csv) {
      writeFileAtomically(o.csv, proposalsCsv(rows, 3));
      err(`search: wrote ${o.csv}`);
    }
    process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    return r.cancelled ? 130 : 0;
  } finally {
    p.dispose();
  }
}

export const searchCommand: Command = {
  name: 'search',
  usage: `  dele search  --model DIR | --space ID [--top 10] [--budget 2000] [--from ARCH ...] [--seed 0] [--csv FILE]
               (proposes the architectures the predictor rates best: the whole space is scored when it has at
               most --budget architectures, else a regularised evolution, seeded, scores --budget of them; --from
               starts it from an architecture and its neighbours. JSON on stdout as rank: predicted accuracy, true
               value where the bundled table has the architecture, top-3 gate weights. Ctrl-C stops the search and
               prints the best found so far)`,
  // 130 when Ctrl-C stopped it (the best found so far is printed).
  run: (o) => cmdSearch(o),
};
