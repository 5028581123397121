/** Output formatting of the `dele` commands: numbers, the metrics table and the bench tables. */
import type { BenchRow } from '../experiment/bench';
import { splitDataset } from '../data/dataset';
import { type evaluate, meanStd } from '../predictor/metrics';
import type { Method } from '../predictor/train';
import { builtinSpace, DEFAULT_SPACE_ID } from '../space/registry';

export function fmt(x: number, d = 4): string {
  return Number.isFinite(x) ? x.toFixed(d) : 'n/a';
}

export function metricsTable(m: ReturnType<typeof evaluate>): string {
  return [
    `held-out archs   ${m.n}`,
    `Kendall's tau    ${fmt(m.kendallTau)}`,
    `Spearman         ${fmt(m.spearman)}`,
    `P@top1%          ${fmt(m.precisionAt1)}`,
    `P@top5%          ${fmt(m.precisionAt5)}`,
    `P@top10%         ${fmt(m.precisionAt10)}`,
    `MAE (calibrated) ${fmt(m.mae, 3)}`,
  ].join('\n');
}

const METHOD_LABEL: Record<Method, string> = { vanilla: 'vanilla', single: 'best single LF', dele: 'DELE' };

/** `counts`: the ground truth was given as numbers of archs (--counts); columns are labelled with them. */
export function benchReport(rows: BenchRow[], ratios: number[], counts?: number[]): string {
  const label = (ratio: number, i: number): string => {
    const count = counts?.[i];
    return count !== undefined ? `${count} archs` : `${(ratio * 100).toString()}%`;
  };
  const out: string[] = [];
  const encoders = [...new Set(rows.map((r) => r.encoder))];
  const methods = (['vanilla', 'single', 'dele'] as Method[]).filter((m) => rows.some((r) => r.method === m));
  const cell = (vals: number[]): string => {
    const { mean, std } = meanStd(vals);
    return `${fmt(mean)} (${fmt(std)})`;
  };
  const table = (title: string, pick: (r: BenchRow) => number): void => {
    out.push(`\n${title}`);
    out.push(`${'encoder'.padEnd(8)} ${'method'.padEnd(15)} ${ratios.map((ratio, i) => label(ratio, i).padEnd(17)).join(' ')}`);
    for (const e of encoders) {
      for (const m of methods) {
        const cells = ratios.map((ratio) => cell(rows.filter((r) => r.encoder === e && r.method === m && r.ratio === ratio).map(pick)).padEnd(17));
        out.push(`${e.toUpperCase().padEnd(8)} ${METHOD_LABEL[m].padEnd(15)} ${cells.join(' ')}`);
      }
    }
  };
  table("Kendall's tau, mean (std) over seeds", (r) => r.metrics.kendallTau);
  if (rows.some((r) => r.memberTaus)) table("DELE's ensemble: member 0 alone (the plain run), Kendall's tau", (r) => r.memberTaus?.[0] ?? r.metrics.kendallTau);
  table('Precision@top5%', (r) => r.metrics.precisionAt5);
  table('Precision@top10%', (r) => r.metrics.precisionAt10);
  // Older files have no such tau; a row without it gives n/a.
  if (rows.some((r) => r.unlabelledTau !== undefined)) table("Kendall's tau on the train split's unlabelled archs (never labelled in that run: a choice criterion, not held-out)", (r) => r.unlabelledTau ?? Number.NaN);
  out.push('\nWall time per run, mean seconds (step-2 training; step 1 shared by all ratios of a seed)');
  for (const e of encoders) {
    for (const m of methods) {
      const rs = rows.filter((r) => r.encoder === e && r.method === m);
      const pre = meanStd([...new Map(rs.map((r) => [`${r.seed}:${r.lf}`, r.pretrainSeconds])).values()]).mean;
      out.push(
        `${e.toUpperCase().padEnd(8)} ${METHOD_LABEL[m].padEnd(15)} step1 ${fmt(pre, 1).padStart(7)}s   step2 ${ratios.map((ratio, i) => `${label(ratio, i)}: ${fmt(meanStd(rs.filter((r) => r.ratio === ratio).map((r) => r.trainSeconds)).mean, 1)}s`).join('  ')}`,
      );
    }
  }
  const single = rows.filter((r) => r.method === 'single');
  if (single.length) {
    const counts = new Map<string, number>();
    for (const r of single) counts.set(`${r.encoder.toUpperCase()} ${r.lf}`, (counts.get(`${r.encoder.toUpperCase()} ${r.lf}`) ?? 0) + 1);
    out.push(`\nSingle-LF choice (best Kendall's tau with the target on the ground-truth subset), runs: ${[...counts].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  }
  return out.join('\n');
}

export interface BenchFile {
  /** Absent in files written before spaces existed: nb201. */
  space?: string;
  fingerprint?: string;
  commit?: string;
  command?: string;
  experts?: string[];
  optim?: Record<string, number>;
  methods?: string[];
  encoders?: string[];
  target: string;
  preset: string;
  seeds: number;
  /** True: seed i used subset seed i (groundTruthSubset); absent or false: the first N of the train split for every seed. */
  subsetSeeds?: boolean;
  /** Temperature of DELE's gate prior (dele bench --gate-prior). */
  gatePrior?: number;
  /** Sampled architectures step 1 also trained on (dele bench --step1-sample). */
  step1Sample?: number;
  /** The sampled architectures also had their closed-form flops and params (dele bench --sample-counts). */
  step1SampleCounts?: boolean;
  /** DELE's step 2 repeated with this many seeds, scores averaged (dele bench --ensemble). */
  ensemble?: number;
  /** Structural experts chosen at most per seed (dele bench --structural-max); absent: the default 8. */
  structuralMax?: number;
  /** Step 1's epochs as run: the preset's, the space's (presetOptim) or --pretrain-epochs; absent in older files. */
  step1Epochs?: number;
  /** Step 2's weight averaging as run (OptimConfig.finetuneAverage; 0: the last epoch's weights); absent in older files. */
  step2Average?: number;
  ratios: number[];
  /** Set when the ground truth was given as counts of archs (--counts); ratios are then derived from them. */
  counts?: number[];
  /** Architectures in the bundled data (absent in older files: the space's size). */
  archs?: number;
  backend: string;
  jobs?: number;
  wallSeconds: number;
  peakRssMb: number;
  rows: BenchRow[];
}

export function benchHeader(b: BenchFile): string {
  const space = builtinSpace(b.space ?? DEFAULT_SPACE_ID);
  const n = b.archs ?? space?.size ?? 0;
  const split = splitDataset(n, 0);
  const lines = [
    `DELE benchmark on ${space?.title ?? b.space} (bundled data${b.fingerprint ? `, fingerprint ${b.fingerprint}` : ''}), target ${b.target}`,
    `train split ${split.train.length} archs (all LF values used in step 1), held-out split ${split.heldOut.length} archs; ${b.counts ? 'ground truth = that many archs of the train split' : 'ratios = share of the train split with ground truth'}`,
    `preset ${b.preset}${b.step1Epochs !== undefined ? ` (step 1: ${b.step1Epochs} epoch${b.step1Epochs === 1 ? '' : 's'}${averageNote(b.step2Average)})` : ''}, seeds 0..${b.seeds - 1}, backend ${b.backend}${b.jobs ? `, ${b.jobs} jobs` : ''}; wall time ${(b.wallSeconds / 60).toFixed(1)} min; peak RSS of one worker ${b.peakRssMb.toFixed(0)} MB`,
  ];
  lines.push(
    b.subsetSeeds
      ? 'ground-truth subsets: seed i uses subset seed i (a seeded shuffle of the train split), so the std covers which archs are labelled'
      : 'ground-truth subsets: the first N of the train split for every seed (seeds vary initialisation only)',
  );
  if (b.experts) lines.push(`experts (${b.experts.length}): ${b.experts.join(', ')}${b.structuralMax ? ` (structural: DELE chooses up to ${b.structuralMax} measures per seed)` : ''}`);
  if (b.optim && Object.keys(b.optim).length > 0) lines.push(`optimiser overrides: ${JSON.stringify(b.optim)}`);
  if (b.step1Sample) lines.push(`step 1 also on ${b.step1Sample} architectures sampled from the space per seed (${b.step1SampleCounts ? 'their flops and params computed in closed form; no other LF value: the other LF experts do not learn from them' : 'no LF values: only structural experts learn from them'})`);
  if (b.ensemble) lines.push(`DELE: an ensemble of ${b.ensemble} step-2 runs from one step 1 (seeds differ; scores standardised on the labels and averaged)`);
  if (b.gatePrior) lines.push(`DELE's gate prior: before step 2 the gate's output bias is tau_k / ${b.gatePrior} (each expert's tau on the labels)`);
  if (b.commit || b.command) lines.push(`commit ${b.commit ?? 'unknown'}; command: ${b.command ?? 'unknown'}`);
  return lines.join('\n');
}

/** "; step 2 averaged over its last 25% of epochs" for a bench header (nothing for 0 or an older file). */
function averageNote(fraction: number | undefined): string {
  return fraction ? `; step 2's weights averaged over its last ${+(fraction * 100).toFixed(1)}% of epochs` : '';
}
