/** What every bench figure records about the code that made it. */
import { execFileSync } from 'node:child_process';
import { writeFileAtomically } from '../src/util/files';

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return '';
  }
}

/** The short commit of the checkout, with "+dirty" when tracked files differ from it; "unknown" outside git. */
export function benchCommit(): string {
  const head = git(['rev-parse', '--short=12', 'HEAD']);
  if (!head) return 'unknown';
  return git(['status', '--porcelain', '--untracked-files=no']) ? `${head}+dirty` : head;
}

/** Prints a bench's report and, given `out`, writes it there too (atomically: a stopped run keeps the old file). */
export function emitReport(lines: readonly string[], out?: string): void {
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(text);
  if (out) writeFileAtomically(out, text);
}

/** Runs a bench script's main: an error is printed with its stack and the process exits with code 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
