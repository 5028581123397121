/** Language-server regressions of the hardening issue: bounded diagnostics, a failed configuration request. */
import assert from 'node:assert/strict';
import type { StatusResult } from '../../src/protocol/lsp';
import { MAX_DIAGNOSTICS } from '../../src/server/diagnostics';
import { describe, it, startSession } from './lspClient';
import { at } from '../unit/at';

describe('language server hardening', () => {
  it('publishes at most MAX_DIAGNOSTICS diagnostics and says how many more there are', async () => {
    const s = await startSession();
    try {
      const uri = 'file:///ws/huge.py';
      const bad = '"|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|",';
      s.open(uri, `X = [${bad.repeat(3000)}]\n`);
      const d = await s.waitFor(() => s.diagnostics.get(uri));
      assert.equal(d.length, MAX_DIAGNOSTICS + 1);
      assert.match(at(d, d.length - 1).message, /2000 more problems not shown \(at most 1000 per document\)/);
    } finally {
      await s.close();
    }
  });

  it('the TF.js kernels the process replaces are named once in the server log', async () => {
    const s = await startSession();
    try {
      await s.client.sendRequest('dele/status');
      const lines = await s.waitFor(() => {
        const l = s.notifications.filter((n) => n.method === 'window/logMessage').map((n) => (n.params as { message: string }).message).filter((m) => /TF\.js \w+ kernel \w+ replaced/.test(m));
        return l.length > 0 ? l : undefined;
      });
      const status = (await s.client.sendRequest('dele/status')) as StatusResult;
      if (status.backend === 'wasm') assert.deepEqual(lines.map((l) => /kernel (\w+)/.exec(l)?.[1]).sort(), ['Cast', 'Identity', 'Transpose']);
    } finally {
      await s.close();
    }
  });

  it('a settings change whose configuration request fails is logged, and the server keeps serving', async () => {
    const s = await startSession({}, { failLaterConfiguration: true });
    try {
      await s.client.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const logged = await s.waitFor(() =>
        s.notifications.find((n) => n.method === 'window/logMessage' && /applying changed settings failed: .*configuration unavailable/.test((n.params as { message: string }).message)),
      );
      assert.ok(logged);
      const st = (await s.client.sendRequest('dele/status')) as StatusResult;
      assert.equal(st.predictor?.source, 'bundled');
    } finally {
      await s.close();
    }
  });

  it('a failed workspace/configuration at start-up still loads the predictor', async () => {
    const s = await startSession({}, { failFirstConfiguration: true });
    try {
      const st = (await s.client.sendRequest('dele/status')) as StatusResult;
      assert.equal(st.predictor?.source, 'bundled');
    } finally {
      await s.close();
    }
  });
});
