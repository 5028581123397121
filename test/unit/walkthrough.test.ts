/**
 * The getting-started walkthrough (package.json contributes.walkthroughs, media/walkthrough/): every step's
 * media exists and ships, its images exist, and every command it links to or completes on is one the extension
 * contributes (or the view container's own).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}
interface Manifest {
  contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: Step[] }[]; viewsContainers: { activitybar: { id: string }[] }; views: Record<string, { id: string }[]> };
}
const manifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;

/** Whether .vscodeignore's allowlist ships a path (the patterns this repository uses: `dir/**` and `dir/*.ext`). */
function shipped(rel: string): boolean {
  const allow = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).trim());
  return allow.some((p) => {
    const parts = p.split('**').map((q) => q.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'));
    return new RegExp(`^${parts.join('.*')}$`).test(rel);
  });
}

describe('getting-started walkthrough', () => {
  const m = manifest();
  const [walkthrough] = m.contributes.walkthroughs;
  const steps = walkthrough?.steps ?? [];
  const commands = new Set(m.contributes.commands.map((c) => c.command));
  const views = new Set(Object.values(m.contributes.views).flat().map((v) => v.id));
  /** VS Code's own commands a step may link to (the settings editor, filtered by a query). */
  const BUILT_IN = new Set(['workbench.action.openSettings']);
  const ownCommand = (id: string): boolean => commands.has(id) || BUILT_IN.has(id) || m.contributes.viewsContainers.activitybar.some((c) => id === `workbench.view.extension.${c.id}`);

  it('has 4 to 6 steps with distinct ids, each with a markdown page that exists and ships', () => {
    assert.ok(steps.length >= 4 && steps.length <= 6, `${steps.length} steps`);
    assert.equal(new Set(steps.map((s) => s.id)).size, steps.length);
    for (const s of steps) {
      const md = s.media.markdown;
      assert.ok(md && fs.existsSync(path.join(ROOT, md)), `${s.id}: ${md} is missing`);
      assert.ok(shipped(md), `${s.id}: ${md} is not packaged (.vscodeignore)`);
    }
  });

  it('every image a page shows exists and ships', () => {
    for (const s of steps) {
      const md = s.media.markdown as string;
      for (const [, src] of fs.readFileSync(path.join(ROOT, md), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) {
        const rel = path.relative(ROOT, path.resolve(ROOT, path.dirname(md), src as string)).split(path.sep).join('/');
        assert.ok(fs.existsSync(path.join(ROOT, rel)), `${md}: ${rel} is missing`);
        assert.ok(shipped(rel), `${md}: ${rel} is not packaged`);
      }
    }
  });

  it('links and completion events name only commands and views the extension has', () => {
    for (const s of steps) {
      for (const [, id] of s.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(ownCommand(id as string), `${s.id} links to unknown command ${id}`);
      for (const e of s.completionEvents ?? []) {
        const [kind, arg] = e.split(/:(.*)/);
        if (kind === 'onCommand') assert.ok(commands.has(arg as string), `${s.id} completes on unknown command ${arg}`);
        else if (kind === 'onView') assert.ok(views.has(arg as string), `${s.id} completes on unknown view ${arg}`);
        else assert.equal(e, 'onStepSelected', `${s.id}: unexpected completion event ${e}`);
      }
    }
  });
});
