/** What every bench figure records about the code that made it. */
import { execFileSync } from 'node:child_process';

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
