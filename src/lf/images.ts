/**
 * The input batch of the data-dependent measures: real CIFAR-10 training images (data/cifar10-sample/, 256 images
 * in CIFAR's binary layout; provenance and licence in its SOURCE.md), with NASLib's CIFAR-10 training transform:
 * RandomCrop(32, padding=4), RandomHorizontalFlip, ToTensor, Normalize(mean, std). The crops and flips are
 * seeded, so one seed gives one batch; every architecture sees the same batch.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { findShipped } from '../data/dataset';
import { Rng } from '../util/rng';

export const CIFAR_SAMPLE = path.join('data', 'cifar10-sample', 'cifar10_train_0-255.bin');
const RECORD = 3073;
const SIDE = 32;
const MEAN = [0.49139968, 0.48215827, 0.44653124];
const STD = [0.24703233, 0.24348505, 0.26158768];

export interface ImageBatch {
  /** [n, 32, 32, 3] NHWC, normalised. */
  images: Float32Array;
  labels: Int32Array;
  n: number;
  /** Identifies the raw images used (sha256 prefix of their bytes). */
  fingerprint: string;
}

/** Reads the shipped sample (or `file`, in the same layout). */
export function readCifarSample(file?: string): Buffer {
  const p = file ?? findShipped(CIFAR_SAMPLE);
  if (p === undefined) throw new Error(`the CIFAR-10 sample ${CIFAR_SAMPLE} is not installed`);
  const buf = fs.readFileSync(p);
  if (buf.length === 0 || buf.length % RECORD !== 0) throw new Error(`${p}: not CIFAR-10 binary records (${buf.length} bytes)`);
  return buf;
}

/** The first `n` images of the sample, augmented with crops and flips drawn from `seed`. */
export function imageBatch(n: number, seed: number, raw: Buffer = readCifarSample()): ImageBatch {
  const have = raw.length / RECORD;
  if (!(Number.isInteger(n) && n >= 2 && n <= have)) throw new Error(`batch must be 2 to ${have} images, got ${n}`);
  const rng = new Rng(seed ^ 0x1a6e);
  const images = new Float32Array(n * SIDE * SIDE * 3);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const rec = k * RECORD;
    labels[k] = raw[rec] as number;
    // RandomCrop(32, padding=4) on the zero-padded 40x40 image, then a flip with probability 1/2 (torchvision order).
    const top = Math.floor(rng.next() * 9) - 4;
    const left = Math.floor(rng.next() * 9) - 4;
    const flip = rng.next() < 0.5;
    for (let r = 0; r < SIDE; r++) {
      for (let col = 0; col < SIDE; col++) {
        const sr = r + top;
        const sc0 = col + left;
        const sc = flip ? SIDE - 1 - col + left : sc0;
        const inside = sr >= 0 && sr < SIDE && sc >= 0 && sc < SIDE;
        for (let ch = 0; ch < 3; ch++) {
          const v = inside ? (raw[rec + 1 + ch * 1024 + sr * SIDE + sc] as number) / 255 : 0;
          images[((k * SIDE + r) * SIDE + col) * 3 + ch] = (v - (MEAN[ch] as number)) / (STD[ch] as number);
        }
      }
    }
  }
  const fingerprint = crypto.createHash('sha256').update(raw.subarray(0, n * RECORD)).digest('hex').slice(0, 12);
  return { images, labels, n, fingerprint };
}
