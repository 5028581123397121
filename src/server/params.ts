/**
 * Schemas (valibot) of what the client sends: `dele/train`, `dele/search`, `dele/dataInfo` and `dele/computeLf` params and the
 * `dele` settings. A request's problem is one line naming the field and showing what was sent
 * (`top must be an integer from 1 to 1000, got 0`); checks run in field order and stop at the first problem.
 */
import * as path from 'node:path';
import * as v from 'valibot';
import { builderProblem } from '../lf/python/runner';
import { PRESETS } from '../predictor/presets';
import { DEFAULT_SETTINGS, type DeleSettings, SEARCH_MAX_BUDGET, SEARCH_MAX_TOP } from '../protocol/lsp';
import { DEFAULT_SPACE_ID } from '../space/registry';
import type { SearchSpace } from '../space/types';
import { show } from './context';

/** The message of a field's problem: what it must be, and what was sent. */
const must = (what: string) => (issue: v.BaseIssue<unknown>) => `${what}, got ${show(issue.input)}`;
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Params of one request: an object (not an array); every field of `entries` is checked, a missing one as undefined
 * (so it fails with its own message), unknown fields are ignored.
 */
function paramsOf<E extends v.ObjectEntries>(entries: E) {
  const keys = Object.keys(entries);
  return v.pipe(
    v.custom<Record<string, unknown>>(isRecord, must('params must be an object')),
    v.transform((o: Record<string, unknown>) => ({ ...Object.fromEntries(keys.map((k) => [k, undefined])), ...o })),
    v.object(entries),
  );
}

/** The first problem of `input` under `schema`, or undefined. */
export function problemOf(schema: v.GenericSchema, input: unknown): string | undefined {
  const r = v.safeParse(schema, input, { abortEarly: true });
  return r.success ? undefined : r.issues[0].message;
}

const text = (what: string) => v.pipe(v.string(must(what)), v.nonEmpty(must(what)));
const int = (what: string, min?: number, max?: number) =>
  v.pipe(v.number(must(what)), v.safeInteger(must(what)), v.minValue(min ?? -Infinity, must(what)), v.maxValue(max ?? Infinity, must(what)));
const isText = (x: unknown): boolean => typeof x === 'string' && x !== '';
/** An array of non-empty strings, at most `max` of them. */
const texts = (what: string, max = Infinity) =>
  v.pipe(v.array(v.unknown(), must(what)), v.maxLength(max, must(what)), v.check((xs) => xs.every(isText), must(what)));

const SPACE_ID = 'space must be a search space id';
const DATA = 'data must be "bundled" or the path of a CSV or JSON file';
const JOIN = 'join must be an array of at most 16 file paths';
const METHODS = ['dele', 'single', 'vanilla'] as const;

/**
 * What is wrong with a `dele/train` request's params, as one line that names the field, or undefined when they
 * are usable. Nothing else of a request is trusted: the worker only ever sees params that passed this.
 */
export function trainParamsProblem(p: unknown, spaceById: (id: string) => SearchSpace | undefined): string | undefined {
  const spaceProblem = problemOf(paramsOf({ space: v.optional(text(SPACE_ID)) }), p);
  if (spaceProblem) return spaceProblem;
  const spaceId = (p as { space?: string }).space;
  const space = spaceById(spaceId ?? DEFAULT_SPACE_ID);
  if (!space) return `space: unknown search space ${show(spaceId)}`;
  const presets = Object.keys(PRESETS).sort();
  const schema = paramsOf({
    data: text(DATA),
    target: text('target must be the name of a target column'),
    method: v.picklist(METHODS, must(`method must be one of ${METHODS.join(', ')}`)),
    encoder: v.picklist(space.encoders, must(`encoder must be one of ${space.encoders.join(', ')} for ${space.title}`)),
    trainRatio: v.pipe(v.number(must('trainRatio must be a number in (0, 1]')), v.gtValue(0, must('trainRatio must be a number in (0, 1]')), v.maxValue(1, must('trainRatio must be a number in (0, 1]'))),
    experts: v.optional(texts('experts must be an array of LF column names')),
    preset: v.optional(v.picklist(presets, must(`preset must be one of ${presets.join(', ')}`))),
    epochs: v.optional(int('epochs must be an integer >= 1', 1)),
    pretrainEpochs: v.optional(int('pretrainEpochs must be an integer >= 1', 1)),
    seed: v.optional(int('seed must be an integer')),
    subsetSeed: v.optional(int('subsetSeed must be an integer >= 0', 0)),
    join: v.optional(texts(JOIN, 16)),
  });
  return problemOf(schema, p);
}

const FROM = 'from must be { arch: "<architecture>" } or { uri, position: { line, character } }';
const START_AT_ARCH = v.object({ arch: v.pipe(v.string(), v.nonEmpty(), v.maxLength(100_000)) });
const POSITION = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const START_IN_DOCUMENT = v.object({ uri: v.string(), position: v.object({ line: POSITION, character: POSITION }) });
const isStart = (x: unknown): boolean => v.is(START_AT_ARCH, x) || v.is(START_IN_DOCUMENT, x);
const SEARCH_PARAMS = paramsOf({
  space: v.optional(text(SPACE_ID)),
  top: int(`top must be an integer from 1 to ${SEARCH_MAX_TOP}`, 1, SEARCH_MAX_TOP),
  budget: v.optional(int(`budget must be an integer from 1 to ${SEARCH_MAX_BUDGET}`, 1, SEARCH_MAX_BUDGET)),
  seed: v.optional(int('seed must be an integer')),
  excludeDocument: v.optional(text('excludeDocument must be a document uri')),
  from: v.optional(v.custom(isStart, must(FROM))),
});

/** What is wrong with `dele/search` params, as one line naming the field, or undefined when they are usable. */
export function searchParamsProblem(p: unknown): string | undefined {
  return problemOf(SEARCH_PARAMS, p);
}

/**
 * What is wrong with `dele/dataInfo` params, or undefined: data, then the space (default nb201), then join.
 * Anything but an object counts as no params.
 */
export function dataInfoParamsProblem(p: unknown, spaceById: (id: string) => SearchSpace | undefined): string | undefined {
  const unknownSpace = (issue: v.BaseIssue<unknown>): string => `unknown search space ${show(issue.input)}`;
  const schema = paramsOf({
    data: text(DATA),
    space: v.optional(v.pipe(v.string(unknownSpace), v.check((id) => spaceById(id) !== undefined, unknownSpace))),
    join: v.optional(texts(JOIN, 16)),
  });
  return problemOf(schema, isRecord(p) ? p : {});
}

const LF_SOURCE = 'source must be { kind: "workspace", files?: [absolute paths] } or { kind: "sample", count, seed? }';
const LF_WORKSPACE = v.object({ kind: v.literal('workspace'), files: v.optional(v.array(v.pipe(v.string(), v.check((f) => path.isAbsolute(f))))) });
// The count's range is checked with the architectures (LfHost.jobs), which says "sample size".
const LF_SAMPLE = v.object({ kind: v.literal('sample'), count: v.unknown(), seed: v.optional(v.pipe(v.number(), v.safeInteger())) });
const isLfSource = (x: unknown): boolean => v.is(LF_WORKSPACE, x) || v.is(LF_SAMPLE, x);

/**
 * What is wrong with `dele/computeLf` params, or undefined. `offered`: the measure ids of a space where LF
 * measures can be computed, else undefined; `lfSpaces`: the ids of those spaces.
 */
export function computeLfParamsProblem(p: unknown, offered: (space: unknown) => string[] | undefined, lfSpaces: string[]): string | undefined {
  const spaceId = isRecord(p) ? p.space : undefined;
  const known = offered(spaceId);
  if (!known) return `LF measures can be computed for ${lfSpaces.join(', ')}, not ${show(spaceId)}`;
  const measures = must(`measures must be distinct ids among ${known.join(', ')}`);
  const schema = paramsOf({
    out: v.pipe(v.string(must('out must be an absolute path')), v.check((f) => path.isAbsolute(f), must('out must be an absolute path'))),
    measures: v.optional(v.pipe(v.array(v.unknown(), measures), v.nonEmpty(measures), v.check((xs) => xs.every((m) => known.includes(m as string)) && new Set(xs).size === xs.length, measures))),
    jobs: v.optional(int('jobs must be 1 to 64', 1, 64)),
    source: v.custom(isLfSource, must(LF_SOURCE)),
    python: v.optional(v.object({
      builder: v.pipe(v.string(must('python.builder must be MODULE:FUNCTION')), v.check((b) => builderProblem(b) === undefined, (i) => builderProblem(String(i.input)) as string)),
      interpreter: v.pipe(v.string(must('python.interpreter must be a command or a path')), v.nonEmpty(must('python.interpreter must be a command or a path'))),
      cwd: v.optional(v.pipe(v.string(), v.check((f) => path.isAbsolute(f), must('python.cwd must be an absolute path')))),
    }, must('python must be { builder: "MODULE:FUNCTION", interpreter, cwd? }'))),
  });
  return problemOf(schema, p);
}

/** A setting the client sent that is not usable falls back to its default (the client validates what users type). */
const SETTINGS = v.object({
  predictorPath: v.fallback(v.string(), DEFAULT_SETTINGS.predictorPath),
  target: v.fallback(v.pipe(v.string(), v.nonEmpty()), DEFAULT_SETTINGS.target),
  // Lenses are on unless turned off explicitly.
  codeLens: v.pipe(
    v.unknown(),
    v.transform((c) => ({ enabled: !(isRecord(c) && c.enabled === false) })),
  ),
  debounceMs: v.fallback(v.pipe(v.number(), v.minValue(0)), DEFAULT_SETTINGS.debounceMs),
  trainingJobs: v.fallback(v.pipe(v.number(), v.integer(), v.minValue(0)), DEFAULT_SETTINGS.trainingJobs),
  // Per space: "path" or {file, target}; entries of another shape are left out.
  resultsFiles: v.pipe(
    v.unknown(),
    v.transform((r) =>
      Object.fromEntries(
        Object.entries(isRecord(r) ? r : {}).flatMap(([space, e]) => {
          if (typeof e === 'string' && e.trim() !== '') return [[space, { file: e.trim() }]];
          if (isRecord(e) && typeof e.file === 'string' && e.file.trim() !== '') return [[space, { file: e.file.trim(), ...(typeof e.target === 'string' && e.target !== '' ? { target: e.target } : {}) }]];
          return [];
        }),
      ),
    ),
  ),
});

/** The `dele` settings from a workspace/configuration answer (anything: null, partial, wrong types). */
export function settingsOf(raw: unknown): DeleSettings {
  const o = isRecord(raw) ? raw : {};
  return v.parse(SETTINGS, { ...Object.fromEntries(Object.keys(SETTINGS.entries).map((k) => [k, undefined])), ...o });
}
