/**
 * Writes that never leave a half-written file where the user's (or the cache's) file was: through a hidden
 * temporary sibling and a rename, which replaces the target in one step on the same file system.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}
