/**
 * The practitioner's loop in the editor, without the editor: the batch file's name and text, the space pick of
 * "DELE: Update Predictor", and the messages. (src/client/loop.ts is the editor adapter.)
 */
import type { ProposeBatchResult, ResultsSummary } from '../protocol/lsp';

/** The folder batches are written to, relative to the workspace folder. */
export const BATCH_FOLDER = 'dele-batches';

const stamp = (d: Date): string => d.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');

/** `<space>-batch-<yyyymmdd-hhmmss>.arch` (a space id made safe for a file name); `n` > 0 adds a suffix when taken. */
export function batchFileName(space: string, date: Date, n = 0): string {
  return `${space.replace(/[^\w.-]+/g, '_')}-batch-${stamp(date)}${n > 0 ? `-${n}` : ''}.arch`;
}

const value = (x: number, unit: string): string => `${x.toFixed(2)}${unit}`;

/**
 * The batch as the user's training jobs read it: one architecture a line in the space's syntax, best first, after
 * `#` comment lines that say how it was chosen (the .arch language's comment; a job that reads lines skips them).
 */
export function batchFileText(r: ProposeBatchResult, date: Date): string {
  const head = [
    `# DELE batch for ${r.spaceTitle} (${r.space}), ${date.toISOString()}: ${r.batch.length} architecture${r.batch.length === 1 ? '' : 's'} to train, best first.`,
    `# Chosen by ucb = mean + ${r.beta} * spread over ${r.candidates.toLocaleString('en-US')} candidates (${r.method === 'enumerate' ? 'the whole space' : 'an evolution guided by the predictor'}), ${r.excluded} labelled architecture${r.excluded === 1 ? '' : 's'} excluded:`,
    '# mean = the ensemble score, spread = how much the experts the gate trusts disagree (both in candidate standard deviations).',
    `# Per line below: predicted ${r.target}, ucb, spread. Append each result to the space's results file (dele.resultsFiles), then run DELE: Update Predictor.`,
  ];
  const rows = r.batch.map((b) => `${b.arch}\n# ↑ predicted ${value(b.predicted, r.unit)} · ucb ${b.ucb.toFixed(2)} · spread ${b.spread.toFixed(2)}`);
  return `${[...head, ...rows].join('\n')}\n`;
}

export interface ResultsPickItem {
  label: string;
  description: string;
  detail?: string;
  space: string;
}

/** The spaces "Update Predictor" can update: one per results file, its labels first. */
export function resultsPickItems(results: readonly ResultsSummary[]): ResultsPickItem[] {
  return results.map((r) => ({
    label: r.spaceTitle,
    description: `${r.labelled} labelled${r.kept ? ` (${r.kept} kept from earlier versions of the file)` : ''}${r.problems ? ` · ${r.problems} row${r.problems === 1 ? '' : 's'} with problems` : ''}`,
    detail: r.error ? `${r.file}: ${r.error}` : r.file,
    space: r.space,
  }));
}

export const NO_RESULTS_FILE = 'DELE: no results file is set. Name one per space in the setting dele.resultsFiles, e.g. {"nb201": "results/nb201.csv"}: your training jobs append "arch,acc" rows to it.';

export function batchWrittenMessage(r: ProposeBatchResult, file: string): string {
  return `DELE: ${r.batch.length} architecture${r.batch.length === 1 ? '' : 's'} of ${r.spaceTitle} to train next written to ${file} (${r.excluded} labelled excluded; ucb with beta ${r.beta}).`;
}
