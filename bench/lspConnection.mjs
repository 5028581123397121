// The benches' side of an LSP connection to dist/server.js over stdio: answers the server's requests as a
// client without configuration would (default settings, progress and lens refreshes accepted).
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';

/** A connection to `server` (a spawned child with piped stdio); `onNotifications` registers handlers before it listens. */
export function connectToServer(server, onNotifications = (conn) => conn.onNotification(() => {})) {
  const conn = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => ({})));
  conn.onRequest('window/workDoneProgress/create', () => null);
  conn.onRequest('workspace/codeLens/refresh', () => null);
  onNotifications(conn);
  conn.listen();
  return conn;
}
