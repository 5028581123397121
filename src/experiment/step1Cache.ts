/**
 * A disk cache of step-1 results (the pretrained experts and the optimiser state step 2 continues from), for
 * benches that fine-tune many variants from the same step 1. Step 1 is deterministic for a given model
 * configuration, seed, data and settings (test/unit/parallel.test.ts), so a cached entry holds the same bits
 * a new training would produce. Entries are written to a temporary file and renamed into place: a crash never
 * leaves a half-written entry, and an unreadable or mismatched one is ignored (trained again).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Adam } from '../predictor/adam';
import type { EnsembleModel } from '../predictor/model';
import { writeFileAtomically } from '../util/files';

const FORMAT = 'dele-nas/step1@1';

interface Header {
  format: typeof FORMAT;
  key: string;
  seconds: number;
  vars: { name: string; shape: number[]; t: number }[];
}

export class Step1Cache {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${crypto.createHash('sha256').update(key).digest('hex').slice(0, 24)}.step1`);
  }

  /** Fills `model` and `opt` from the entry for `key` and returns the seconds step 1 took; undefined if absent or unusable. */
  load(keyObj: unknown, model: EnsembleModel, opt: Adam): number | undefined {
    const key = JSON.stringify(keyObj);
    let buf: Buffer;
    try {
      buf = fs.readFileSync(this.file(key));
    } catch {
      return undefined;
    }
    try {
      const len = buf.readUInt32LE(0);
      const h = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as Header;
      if (h.format !== FORMAT || h.key !== key) return undefined;
      const vars = [...model.params.vars];
      if (h.vars.length !== vars.length) return undefined;
      const start = 4 + len + ((8 - ((4 + len) % 8)) % 8);
      const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
      let at = 0;
      const take = (n: number): Float32Array => {
        if (at + n > data.length) throw new Error('truncated');
        const out = data.slice(at, at + n);
        at += n;
        return out;
      };
      const plan = h.vars.map((hv, i) => {
        const [name, v] = vars[i]!;
        if (hv.name !== name || hv.shape.join('x') !== v.shape.join('x')) throw new Error(`variable ${name} differs`);
        return { v, w: take(v.size), state: hv.t > 0 ? { m: take(v.size), v: take(v.size), t: hv.t } : undefined };
      });
      if (at !== data.length) return undefined;
      for (const p of plan) {
        const t = tf.tensor(p.w, p.v.shape, 'float32');
        p.v.assign(t);
        t.dispose();
        if (p.state) opt.importState(p.v, p.state);
      }
      return h.seconds;
    } catch {
      return undefined;
    }
  }

  save(keyObj: unknown, model: EnsembleModel, opt: Adam, seconds: number): void {
    const key = JSON.stringify(keyObj);
    const parts: Float32Array[] = [];
    const vars: Header['vars'] = [];
    for (const [name, v] of model.params.vars) {
      const s = opt.exportState(v);
      vars.push({ name, shape: v.shape, t: s?.t ?? 0 });
      parts.push(v.dataSync() as Float32Array);
      if (s) parts.push(s.m, s.v);
    }
    const header = Buffer.from(JSON.stringify({ format: FORMAT, key, seconds, vars } satisfies Header), 'utf8');
    const lenBuf = Buffer.alloc(4);
    lenBuf.writeUInt32LE(header.length, 0);
    const pad = Buffer.alloc((8 - ((4 + header.length) % 8)) % 8);
    fs.mkdirSync(this.dir, { recursive: true });
    writeFileAtomically(this.file(key), Buffer.concat([lenBuf, header, pad, ...parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))]));
  }
}
