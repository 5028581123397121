/** Search results as CSV (one proposal a row), shared by `dele search --csv` and the editor's export. */

export interface ProposalRow {
  rank: number;
  /** The architecture's canonical key (the space's own syntax). */
  arch: string;
  /** Calibrated predicted accuracy (isotonic: neighbours in rank may share a value). */
  predicted: number;
  /** The predictor's raw score, which orders the proposals. */
  score?: number;
  /** The benchmark table's value, when the space has a table that holds the architecture. */
  true?: number;
  /** Gate weights, largest first (as many as the caller keeps). */
  experts: { name: string; weight: number }[];
}

const field = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const num = (x: number | undefined, digits: number): string => (x === undefined || !Number.isFinite(x) ? '' : String(Number(x.toFixed(digits))));

/**
 * Header `rank,arch,predicted,score,true,expert1,weight1,...`; `score` and `true` are empty where unknown. `experts`:
 * how many expert/weight column pairs (default: the most any row has).
 */
export function proposalsCsv(rows: readonly ProposalRow[], experts = Math.max(0, ...rows.map((r) => r.experts.length))): string {
  const head = ['rank', 'arch', 'predicted', 'score', 'true'];
  for (let i = 1; i <= experts; i++) head.push(`expert${i}`, `weight${i}`);
  const lines = [head.join(',')];
  for (const r of rows) {
    const cells = [String(r.rank), field(r.arch), num(r.predicted, 4), num(r.score, 6), num(r.true, 4)];
    for (let i = 0; i < experts; i++) {
      const e = r.experts[i];
      cells.push(e ? field(e.name) : '', e ? num(e.weight, 4) : '');
    }
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}
