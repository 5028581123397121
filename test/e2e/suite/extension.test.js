// Runs inside code-server's extension host with the real `vscode` API.
const assert = require('node:assert/strict');
const vscode = require('vscode');

const LENS = /^pred \d+\.\d% · top-3 experts \S+ 0\.\d\d \S+ 0\.\d\d \S+ 0\.\d\d$/;

async function poll(what, timeoutMs = 60000, everyMs = 200) {
  const t = Date.now();
  for (;;) {
    const v = await what();
    if (v) return v;
    if (Date.now() - t > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function file(name) {
  return vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, name);
}

async function lensTitles(uri) {
  const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', uri)) || [];
  return lenses.map((l) => (l.command ? l.command.title : ''));
}

suite('DELE in a real VS Code', () => {
  let api;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension('dele-nas.dele-nas');
    assert.ok(ext, 'extension is installed');
    api = await ext.activate();
  });

  test('activates, starts the language server and loads the bundled predictor', async () => {
    const s = await api.status();
    assert.equal(s.predictor.source, 'bundled');
    assert.equal(s.predictor.experts.length, 12);
    assert.match(s.backend, /^(wasm|tensorflow|cpu)$/);
  });

  test('executeCodeLensProvider returns a prediction and gate weights per architecture', async () => {
    const uri = file('search_space.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const titles = await poll(async () => {
      const t = await lensTitles(uri);
      return t.length === 3 && t.every((x) => LENS.test(x)) ? t : undefined;
    });
    console.log(`lenses: ${JSON.stringify(titles)}`);
    const acc = titles.map((t) => Number(/pred ([\d.]+)%/.exec(t)[1]));
    assert.ok(acc[0] > acc[1], `the conv cell (${acc[0]}) should beat the pooling cell (${acc[1]})`);
  });

  test('hover lists every expert, the rank percentile and the benchmark value', async () => {
    const uri = file('search_space.py');
    const hovers = await poll(async () => {
      const h = await vscode.commands.executeCommand('vscode.executeHoverProvider', uri, new vscode.Position(2, 20));
      const text = (h || []).flatMap((x) => x.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      return /better than \d+\.\d% of all 15,625 NAS-Bench-201 architectures/.test(text) ? text : undefined;
    });
    assert.match(hovers, /NAS-Bench-201 benchmark c10_test_200ep: 94\.36/);
    assert.equal((hovers.match(/^\| (c10valid_xvalid_12ep|zc_c10_\w+|naswot_v1_score|hw_c10_edgegpu_latency) \|/gm) || []).length, 12);
  });

  test('a YAML file with both forms gets lenses', async () => {
    const uri = file('archs.yaml');
    await vscode.workspace.openTextDocument(uri);
    const titles = await poll(async () => {
      const t = await lensTitles(uri);
      return t.length === 2 ? t : undefined;
    });
    for (const t of titles) assert.match(t, LENS);
  });

  test('an invalid cell gets a diagnostic at the unknown op, not a crash', async () => {
    const uri = file('broken.arch');
    const doc = await vscode.workspace.openTextDocument(uri);
    assert.equal(doc.languageId, 'dele-arch');
    const diags = await poll(async () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    });
    assert.equal(diags.length, 1);
    assert.match(diags[0].message, /unknown op "conv_5x5"/);
    assert.equal(doc.getText(diags[0].range), 'conv_5x5');
    assert.equal(diags[0].severity, vscode.DiagnosticSeverity.Error);
    assert.equal((await lensTitles(uri)).length, 1);
  });

  test('typing a new cell shows its lens', async () => {
    const uri = file('search_space.py');
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const line = editor.document.lineAt(4);
    await editor.edit((e) => e.insert(line.range.end, '\n    "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_3x3~2|",'));
    const titles = await poll(async () => {
      const t = await lensTitles(uri);
      return t.length === 4 ? t : undefined;
    });
    assert.match(titles[3], LENS);
  });

  test('TransNAS-Bench-101 micro and macro strings get lenses from their bundled predictors', async () => {
    const uri = file('transnas.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    const titles = await poll(async () => {
      const t = await lensTitles(uri);
      return t.length === 3 && t.every((x) => LENS.test(x)) ? t : undefined;
    });
    console.log(`TransNAS lenses: ${JSON.stringify(titles)}`);
    const s = await api.status();
    assert.deepEqual(s.predictors.map((p) => p.space).sort(), ['nb201', 'tnb101-macro', 'tnb101-micro']);
  });

  test('ordinary Python lists get no diagnostics; the one bad TransNAS string does', async () => {
    const uri = file('plain.py');
    const doc = await vscode.workspace.openTextDocument(uri);
    const diags = await poll(async () => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.length > 0 ? d : undefined;
    });
    assert.equal(diags.length, 1, JSON.stringify(diags.map((d) => d.message)));
    assert.match(diags[0].message, /unknown op digit 4/);
    assert.equal(doc.getText(diags[0].range), '4');
  });

  test('a declared space: lenses ask for a predictor, the train command makes one, lenses predict', async () => {
    const uri = file('sequence-space/candidates.py');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
    await poll(async () => {
      const t = await lensTitles(uri);
      return t.length === 2 && t.every((x) => x === 'TNB101 micro cells as sequences: no predictor for this space · train one…');
    });
    const bad = await poll(async () => vscode.languages.getDiagnostics(uri).find((d) => /pool/.test(d.message)));
    assert.equal(bad.severity, vscode.DiagnosticSeverity.Error);
    const result = await vscode.commands.executeCommand('dele.trainPredictor', {
      space: 'tnb-cells',
      data: file('sequence-space/cells.csv').fsPath,
      target: 'acc',
      method: 'dele',
      encoder: 'lstm',
      trainRatio: 0.05,
      preset: 'tiny',
      experts: ['params', 'flops'],
      pretrainEpochs: 2,
      epochs: 30,
    });
    assert.equal(result.status, 'completed', result.message);
    const titles = await poll(async () => {
      const t = await lensTitles(uri);
      return t.length === 2 && t.every((x) => /^pred \d+\.\d% · top-2 experts (params|flops) 0\.\d\d (params|flops) 0\.\d\d$/.test(x)) ? t : undefined;
    });
    console.log(`declared-space lenses: ${JSON.stringify(titles)}`);
  });

  test('the train command trains a predictor and the lenses switch to it', async () => {
    const result = await vscode.commands.executeCommand('dele.trainPredictor', {
      data: 'bundled',
      target: 'c10_test_200ep',
      method: 'dele',
      encoder: 'gates',
      trainRatio: 0.02,
      preset: 'tiny',
      experts: ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_nwot'],
      pretrainEpochs: 1,
      epochs: 20,
    });
    assert.equal(result.status, 'completed', result.message);
    assert.ok(result.kendallTau > 0.3, String(result.kendallTau));
    const s = await api.status();
    assert.equal(s.predictor.source, 'workspace');
    assert.deepEqual(s.predictor.experts, ['c10valid_xvalid_12ep', 'zc_c10_synflow', 'zc_c10_nwot']);
    const titles = await poll(async () => {
      const t = await lensTitles(file('search_space.py'));
      return t.length > 0 && t.every((x) => /top-3 experts (acc12ep|synflow|nwot) /.test(x)) ? t : undefined;
    });
    assert.ok(titles.length >= 3);
  });

  test('the panel command opens the webview panel', async () => {
    await vscode.commands.executeCommand('dele.showPanel');
    await poll(() => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === 'DELE Predictor')));
  });
});
