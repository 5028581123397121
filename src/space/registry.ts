/**
 * The built-in search spaces, and spaces declared by users (space files), by id. Adding a built-in space
 * means a folder under src/space, one line here and its id in declared/declaration.ts RESERVED_IDS.
 */
import { declaredSpace, type SpaceDeclaration } from './declared';
import { nb101Space } from './nb101';
import { nb201Space } from './nb201';
import { nb301Space } from './nb301';
import { tnb101MacroSpace } from './tnb101Macro';
import { tnb101MicroSpace } from './tnb101Micro';
import type { SearchSpace } from './types';

export const BUILTIN_SPACES: readonly SearchSpace[] = [nb201Space, tnb101MicroSpace, tnb101MacroSpace, nb301Space, nb101Space] as SearchSpace[];

export const DEFAULT_SPACE_ID = nb201Space.id;

export class UnknownSpaceError extends Error {
  constructor(id: string) {
    super(`unknown search space "${id}"; built-in spaces: ${BUILTIN_SPACES.map((s) => s.id).join(', ')} (or a space file, e.g. my.space.yaml)`);
    this.name = 'UnknownSpaceError';
  }
}

export function builtinSpace(id: string): SearchSpace | undefined {
  return BUILTIN_SPACES.find((s) => s.id === id);
}

/** A built-in space by id, or the space a stored declaration describes (predictors carry their declaration). */
export function resolveSpace(id: string, declaration?: unknown): SearchSpace {
  const b = builtinSpace(id);
  if (b) return b;
  if (declaration !== undefined) return declaredSpace(declaration as SpaceDeclaration, `the declaration of space "${id}"`);
  throw new UnknownSpaceError(id);
}
