/**
 * `dele` command line: train, eval, predict, rank, search, propose-batch, bench, lf, info, spaces. Results on stdout (tables or
 * JSON), progress and logs on stderr. This file parses the command line, routes to a command (src/cli/commands/)
 * and maps errors to exit codes.
 */
import { parseArgs } from 'node:util';
import { DataError } from '../data/dataset';
import { PredictorFileError } from '../predictor/predictor';
import { TrainingCancelled } from '../predictor/train';
import { SpaceFileError } from '../space/declared';
import { BUILTIN_SPACES, DEFAULT_SPACE_ID, UnknownSpaceError } from '../space/registry';
import { ArchParseError } from '../space/types';
import { proposeBatchCommand } from './commands/batch';
import { benchCommand } from './commands/bench';
import { evalCommand } from './commands/eval';
import { infoCommand, spacesCommand } from './commands/info';
import { lfCommand } from './commands/lf';
import { predictCommand, rankCommand } from './commands/predict';
import { searchCommand } from './commands/search';
import { ablationTaskCommand, benchTaskCommand } from './commands/tasks';
import { trainCommand } from './commands/train';
import { type Command, err, OPTIONS, OutputPathError, UsageError } from './options';

export { benchReport } from './format';

const COMMANDS: Command[] = [trainCommand, evalCommand, predictCommand, rankCommand, searchCommand, proposeBatchCommand, benchCommand, lfCommand, infoCommand, spacesCommand, benchTaskCommand, ablationTaskCommand];

/** `dele --help`: every public command's usage, then what they share. */
export const USAGE = `dele: DELE accuracy predictor for NAS

Usage:
${COMMANDS.filter((c) => !c.hidden)
  .map((c) => c.usage)
  .join('\n')}

Spaces (--space): ${BUILTIN_SPACES.map((x) => x.id).join(', ')} (default ${DEFAULT_SPACE_ID}), or a space file (*.space.yaml / *.space.json)
declaring your own; bundled data exists for the built-in spaces. A predictor knows its space: eval, predict and
rank need no --space.
Common: --backend auto|wasm|cpu|tensorflow (default auto: tfjs-node if installed, else wasm).
Data files: CSV with a header (arch column + numeric columns) or a JSON array of objects; see README.md.`;

/** A usage error: the message, then the usage of the command it concerns (all commands when that is unknown). */
function usageError(message: string, command: Command | undefined): number {
  const usage = command ? `Usage:\n${command.usage}\n\n(dele --help: every command, the spaces, the data files and the common options)` : USAGE;
  err(`dele: ${message}\n\n${usage}`);
  return 2;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    // The command, when the line names one (an option's value might come first).
    return usageError((e as Error).message, COMMANDS.find((c) => argv.includes(c.name)));
  }
  const [cmd, ...rest] = parsed.positionals;
  const o = parsed.values;
  if (o.help || !cmd) {
    process.stdout.write(`${USAGE}\n`);
    return cmd || o.help ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === cmd);
  if (!command) return usageError(`unknown command "${cmd}"`, undefined);
  try {
    return await command.run(o, rest);
  } catch (e) {
    if (e instanceof UsageError) return usageError(e.message, command);
    if (e instanceof OutputPathError) {
      err(`dele: ${e.message}`);
      return 2;
    }
    if (DataError.is(e) || ArchParseError.is(e) || PredictorFileError.is(e) || SpaceFileError.is(e) || e instanceof UnknownSpaceError) {
      err(`dele: ${e.message}`);
      return 1;
    }
    if (TrainingCancelled.is(e)) {
      err('dele: training cancelled; nothing was saved');
      return 130;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      err(`dele: internal error: ${(e as Error).stack ?? e}`);
      process.exit(70);
    },
  );
}
