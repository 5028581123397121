import * as path from 'node:path';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { DeleServer } from './server';

const connection = createConnection(ProposedFeatures.all);
// Log instead of dying silently; the client's output channel shows it (tests run DeleServer without this).
process.on('uncaughtException', (e) => connection.console.error(`DELE server: uncaught exception: ${e.stack ?? e.message}`));
new DeleServer({ workerScript: path.join(__dirname, 'trainWorker.js') }).listen(connection);
