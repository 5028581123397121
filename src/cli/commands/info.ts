/** `dele info` (the columns of a data set) and `dele spaces` (the built-in search spaces). */
import { bundledSpaceIds, column, lfNames, targetNames } from '../../data/dataset';
import { BUILTIN_SPACES } from '../../space/registry';
import { type Command, loadData, type Opts } from '../options';

function cmdSpaces(): number {
  const bundled = bundledSpaceIds();
  const lines = BUILTIN_SPACES.map(
    (x) => `${x.id.padEnd(14)} ${x.title}: ${x.size?.toLocaleString('en-US') ?? x.sizeText ?? '?'} architectures; encoders ${x.encoders.join(', ')}${bundled.includes(x.id) ? '; bundled data' : ''}\n${''.padEnd(15)}${x.syntax}`,
  );
  lines.push('', 'Declare your own space in a *.space.yaml file and pass it as --space FILE (README.md).');
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function cmdInfo(o: Opts): number {
  const ds = loadData(o);
  const lines = [`${ds.source}: ${ds.space.title} (${ds.space.id}), ${ds.archs.length} archs, fingerprint ${ds.fingerprint}`];
  if (ds.defaultTarget) lines.push(`default target: ${ds.defaultTarget}`);
  if (ds.defaultExperts) lines.push(`default experts: ${ds.defaultExperts.join(', ')}`);
  const pretrainEpochs = ds.space.benchmark?.pretrainEpochs;
  if (pretrainEpochs !== undefined) lines.push(`step 1 under the cpu preset: ${pretrainEpochs} epochs (the space's default; --pretrain-epochs N overrides it)`);
  lines.push('targets:');
  for (const n of targetNames(ds)) lines.push(`  ${n.padEnd(30)} ${column(ds, n).description}`);
  lines.push('LF measures:');
  for (const n of lfNames(ds)) {
    const c = column(ds, n);
    const missing = c.values.filter((v) => !Number.isFinite(v)).length;
    lines.push(`  ${n.padEnd(30)} ${missing ? `(${missing} missing) ` : ''}${c.description}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export const infoCommand: Command = {
  name: 'info',
  usage: `  dele info    [--space ID|FILE] [--data bundled|FILE]   (columns: targets and LF measures)`,
  run: async (o) => cmdInfo(o),
};

export const spacesCommand: Command = {
  name: 'spaces',
  usage: `  dele spaces                                (the built-in search spaces)`,
  run: async () => cmdSpaces(),
};
