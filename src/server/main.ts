import * as path from 'node:path';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { DeleServer } from './server';

new DeleServer({ workerScript: path.join(__dirname, 'trainWorker.js') }).listen(createConnection(ProposedFeatures.all));
