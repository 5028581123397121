// Preloaded (node -r) into code-server 4.90.x, which has no --vscode-option: its argument parser rejects any
// option it does not declare, but hands every parsed one to the VS Code server. Declaring VS Code's own
// --enable-smoke-test-driver lets it through, so the workbench honours the `payload` URL parameter
// (extensionDevelopmentPath + extensionTestsPath) as it does with `--vscode-option enable-smoke-test-driver` on 4.139.
// Forked children (extension host, file watcher, ...) inherit the -r: there it does nothing.
const path = require('node:path');
const main = process.argv[1] ?? '';
if (main.endsWith(path.join('code-server', 'out', 'node', 'entry.js'))) {
  const cli = require(path.join(path.dirname(main), 'cli.js'));
  cli.options['enable-smoke-test-driver'] ??= { type: 'boolean', description: 'VS Code: enable the smoke-test driver (e2e tests).' };
}
