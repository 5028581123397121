/** Messages between an LF worker thread (worker.ts) and the pool that feeds it (pool.ts). */
import type { ArchResult } from './compute';
import type { LfSettings } from './measures';

export type ToLfWorker =
  | { type: 'init'; settings: LfSettings; backend: string }
  | { type: 'task'; id: number; space: string; key: string; arch: unknown; measures: string[] };

export type FromLfWorker =
  | { type: 'ready'; backend: string; imagesFingerprint: string }
  | { type: 'result'; id: number; result: ArchResult }
  | { type: 'error'; id: number; message: string };
