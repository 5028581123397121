/**
 * The built-in search spaces, and spaces declared by users (space files), by id. Adding a built-in space
 * means a folder under src/space and one line here; its id is then reserved (no space file may take it).
 */
import { declaredSpace, parseSpaceFile as parseDeclaredSpaceFile, type SpaceDeclaration } from './declared';
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
  if (declaration !== undefined) return declaredSpace(declaration as SpaceDeclaration, `the declaration of space "${id}"`, builtinSpaceIds());
  throw new UnknownSpaceError(id);
}

/** The ids of the built-in spaces: reserved, no declared space may take one. */
export function builtinSpaceIds(): string[] {
  return BUILTIN_SPACES.map((s) => s.id);
}

/** Parses and validates a space file (src/space/declared), refusing a built-in space's id as its name. */
export function parseSpaceFile(text: string, fileName: string): ReturnType<typeof parseDeclaredSpaceFile> {
  return parseDeclaredSpaceFile(text, fileName, builtinSpaceIds());
}
