import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { defined } from './at';

// Dependency direction (ARCHITECTURE.md): pure cores under thin adapters.
const ROOT = path.resolve(__dirname, '../..');
const RULES: { dir: string; forbidden: RegExp; why: string }[] = [
  // Utilities (seeded random numbers, atomic files, CSV fields) depend on nothing of the project.
  { dir: 'src/util', forbidden: /^(vscode|vscode-language.*|@tensorflow\/.*|(\.\.\/)+[a-z].*)$/, why: 'utilities import nothing of the project' },
  // Search spaces (parsers, scanners, encodings) are pure: no tfjs, no editor, nothing above them but utilities.
  { dir: 'src/space', forbidden: /^(vscode|vscode-language.*|@tensorflow\/.*|(\.\.\/)+(predictor|runtime|experiment|server|client|data|protocol|cli|lf).*)$/, why: 'search spaces are pure' },
  // Architecture search (enumerate / evolution) sees only spaces and a scoring function: shared by CLI, server and benches.
  { dir: 'src/search', forbidden: /^(vscode|vscode-language.*|@tensorflow\/.*|(\.\.\/)+(predictor|runtime|experiment|server|client|protocol|cli|data|lf).*)$/, why: 'the search is pure (spaces and a scorer only)' },
  { dir: 'src/data', forbidden: /^(vscode|vscode-language.*|@tensorflow\/.*|\.\.\/(predictor|runtime|experiment|server|client|protocol|lf).*)$/, why: 'data loading needs no tfjs or editor' },
  // The TF.js runtime (backend choice, wasm heap and kernels) knows tensors, not models, spaces or data.
  { dir: 'src/runtime', forbidden: /^(vscode|vscode-language.*|\.\.\/(space|data|search|predictor|experiment|server|client|protocol|cli|lf).*)$/, why: 'the runtime knows tensors only' },
  // LF measures (networks, engines, cache, worker pool) are editor-free and need no predictor.
  { dir: 'src/lf', forbidden: /^(vscode|vscode-language.*|(\.\.\/)+(predictor|experiment|server|client|protocol|cli).*)$/, why: 'LF measures are editor-free and predictor-free' },
  { dir: 'src/predictor', forbidden: /^(vscode|vscode-language.*|\.\.\/(experiment|server|client|protocol|lf|cli).*)$/, why: 'the predictor is vscode-free and knows no experiment' },
  // Experiments (ablation, bench, step-1 cache) drive predictors; nothing but the CLI and benches drives them.
  { dir: 'src/experiment', forbidden: /^(vscode|vscode-language.*|\.\.\/(server|client|protocol|lf|cli).*)$/, why: 'experiments are editor-free' },
  { dir: 'src/protocol', forbidden: /^(vscode|vscode-languageserver|vscode-languageclient.*|@tensorflow\/.*|\.\.\/(space|data|predictor|runtime|experiment|server|client|lf).*)$/, why: 'protocol files hold types and message objects only' },
  { dir: 'src/server', forbidden: /^(vscode|vscode-languageclient.*|\.\.\/(client|cli).*)$/, why: 'the server never imports the client or the CLI' },
  // The client's one look into src/space is the spaces' trigger patterns (data only) that decide when to start the server.
  { dir: 'src/client', forbidden: /^(@tensorflow\/.*|\.\.\/(space(?!\/triggers$)|data|predictor|runtime|experiment|server|lf|cli).*)$/, why: 'the client talks to the server through the protocol only' },
];

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|require\(['"]([^'"]+)['"]\)/gm)].map((m) => defined(m[1] ?? m[2] ?? m[3], `import specifier in ${file}`));
}

describe('module layering', () => {
  for (const rule of RULES) {
    it(`${rule.dir}: ${rule.why}`, () => {
      const files = (fs.readdirSync(path.join(ROOT, rule.dir), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
      assert.ok(files.length > 0);
      for (const f of files) {
        for (const spec of imports(path.join(ROOT, rule.dir, f))) {
          assert.ok(!rule.forbidden.test(spec), `${rule.dir}/${f} imports ${spec}`);
        }
      }
    });
  }

  it('src/space/triggers.ts is data only: it imports nothing but the spaces\' triggers.ts files', () => {
    for (const spec of imports(path.join(ROOT, 'src/space/triggers.ts'))) assert.match(spec, /^\.\/\w+\/triggers$/);
    for (const f of fs.readdirSync(path.join(ROOT, 'src/space'), { recursive: true }) as string[]) {
      if (f.endsWith('/triggers.ts')) assert.deepEqual(imports(path.join(ROOT, 'src/space', f)), [], f);
    }
  });

  it('the webview imports only types from the protocol', () => {
    const files = fs.readdirSync(path.join(ROOT, 'webview')).filter((f) => f.endsWith('.ts'));
    assert.ok(files.includes('main.ts') && files.includes('model.ts'));
    for (const f of files) {
      const text = fs.readFileSync(path.join(ROOT, 'webview', f), 'utf8');
      for (const m of text.matchAll(/^import (type )?[^;]*?from '(\.\.\/src\/[^']+)'/gm)) assert.ok(m[1], `webview/${f}: value import of ${m[2]}`);
    }
  });

  it('the client\'s pure modules import no vscode (they are unit-tested in plain Node)', () => {
    for (const f of ['viewModel.ts', 'wizard.ts', 'lifecycle.ts', 'panelModel.ts', 'trainingProgress.ts', 'compareModel.ts']) {
      for (const spec of imports(path.join(ROOT, 'src/client', f))) assert.ok(!/^vscode/.test(spec), `src/client/${f} imports ${spec}`);
    }
    for (const spec of imports(path.join(ROOT, 'webview/model.ts'))) assert.match(spec, /^\.\.\/src\/protocol\//, `webview/model.ts imports ${spec}`);
  });
});
