/**
 * DELE in a declared space from `arch,acc` alone (figures only): structural experts (src/space/structural.ts), or the
 * space file's cost tables (`--lf cost_a,cost_b`), against vanilla (ground truth only), same split, same labelled
 * subsets, same model seeds. Measured LF columns of the data file are dropped first (the space's computed cost
 * columns stay), so the data is what a practitioner without tables has. Run:
 *   npm run bench:structural [-- --space examples/sequence-space/cells.space.yaml --data examples/sequence-space/cells.csv
 *                              --target acc --ratios 0.01,0.05 --seeds 5 --encoder lstm --preset cpu --lf A,B --out FILE]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchCommit, emitReport, runBench } from './provenance';
import { column, importDataFile, makeDataset } from '../src/data/dataset';
import { meanStd } from '../src/predictor/metrics';
import { trainPredictor } from '../src/predictor/predictor';
import type { PresetName } from '../src/predictor/presets';
import type { EncoderType } from '../src/predictor/model';
import type { Method } from '../src/predictor/train';
import { initBackend } from '../src/runtime/backend';
import { parseSpaceFile } from '../src/space/registry';

const argv = process.argv;
const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i > 0 ? (argv[i + 1] as string) : dflt;
};
const SPACE_FILE = arg('space', 'examples/sequence-space/cells.space.yaml');
const DATA = arg('data', 'examples/sequence-space/cells.csv');
const TARGET = arg('target', 'acc');
const RATIOS = arg('ratios', '0.01,0.05').split(',').map(Number);
const SEEDS = Number(arg('seeds', '5'));
const PRESET = arg('preset', 'cpu') as PresetName;
const OUT = arg('out', '');
const LF = arg('lf', '');

async function main(): Promise<void> {
  const commit = benchCommit();
  const backend = await initBackend('auto');
  const { space } = parseSpaceFile(fs.readFileSync(SPACE_FILE, 'utf8'), path.basename(SPACE_FILE));
  const full = importDataFile(DATA, { space, targets: [TARGET] });
  const truth = column(full, TARGET);
  // arch,acc only: the measured LF columns of the file are dropped; the costs the space file defines stay.
  const computed = full.columns.filter((c) => space.costs?.some((k) => k.name === c.name));
  const ds = makeDataset(full.source, space, full.archs, [truth, ...computed]);
  const experts = LF ? LF.split(',') : undefined;
  const encoder = arg('encoder', space.encoders[0] ?? 'gates') as EncoderType;
  const lines: string[] = [
    `command: npm run bench:structural -- ${argv.slice(2).join(' ')}`.trimEnd(),
    `commit ${commit}, node ${process.version}, backend ${backend}; ${new Date().toISOString()}`,
    `space ${space.id} (${SPACE_FILE}); data ${DATA}: ${ds.archs.length} archs, columns arch,${TARGET}${computed.map((c) => `,${c.name} (from the space file)`).join('')} (fingerprint ${ds.fingerprint}); split seed 0 (half held out)`,
    `DELE's experts: ${experts ? experts.join(', ') : 'the default (structural measures when no LF column is left)'}`,
    `encoder ${encoder}, preset ${PRESET}; seeds 0-${SEEDS - 1} (model seed = subset seed); ratios ${RATIOS.join(', ')}`,
    '',
  ];
  const taus = new Map<string, number[]>();
  for (let seed = 0; seed < SEEDS; seed++) {
    for (const ratio of RATIOS) {
      for (const method of ['vanilla', 'dele'] as Method[]) {
        const r = await trainPredictor(ds, { method, encoder, target: TARGET, trainRatio: ratio, preset: PRESET, seed, subsetSeed: seed, jobs: 1, ...(method === 'dele' && experts ? { experts } : {}) });
        const key = `${method} ${ratio}`;
        taus.set(key, [...(taus.get(key) ?? []), r.metrics.kendallTau]);
        const used = method === 'dele' ? ` experts ${r.experts.map((x) => x.name).join(', ')}` : '';
        const line = `seed ${seed} ratio ${ratio} (${r.predictor.meta.dataset.groundTruthSize} labels) ${method}: tau ${r.metrics.kendallTau.toFixed(4)} (${r.predictor.meta.trainSeconds.toFixed(0)} s)${used}`;
        console.error(line);
        lines.push(line);
        r.predictor.dispose();
      }
    }
  }
  lines.push('', `| labels (ratio) | vanilla | DELE, ${experts ? experts.join(' + ') : 'structural experts'} | difference |`, '|---|---|---|---|');
  for (const ratio of RATIOS) {
    const v = meanStd(taus.get(`vanilla ${ratio}`) ?? []);
    const d = meanStd(taus.get(`dele ${ratio}`) ?? []);
    const diffs = (taus.get(`dele ${ratio}`) ?? []).map((x, i) => x - (taus.get(`vanilla ${ratio}`) ?? [])[i]!);
    const dd = meanStd(diffs);
    lines.push(`| ${ratio} | ${v.mean.toFixed(4)} (${v.std.toFixed(4)}) | ${d.mean.toFixed(4)} (${d.std.toFixed(4)}) | ${dd.mean >= 0 ? '+' : ''}${dd.mean.toFixed(4)} (${dd.std.toFixed(4)}); DELE ahead on ${diffs.filter((x) => x > 0).length} of ${diffs.length} seeds |`);
  }
  emitReport(lines, OUT);
}

runBench(main);
