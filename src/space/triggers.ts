/**
 * The built-in spaces' trigger patterns (each declared in its space folder): cheap tests the client runs on open
 * documents before it starts the language server at all. A match means a document may hold an architecture; the
 * server's scanners decide. Declared spaces need none: their space files start the server. Data only: the
 * client imports this file and nothing else of src/space (test/unit/layers.test.ts).
 */
import { NB101_TRIGGERS } from './nb101/triggers';
import { NB201_TRIGGERS } from './nb201/triggers';
import { NB301_TRIGGERS } from './nb301/triggers';
import { TNB101_MACRO_TRIGGERS } from './tnb101Macro/triggers';
import { TNB101_MICRO_TRIGGERS } from './tnb101Micro/triggers';

export const ARCH_TRIGGER_PATTERNS: readonly string[] = [...NB201_TRIGGERS, ...TNB101_MICRO_TRIGGERS, ...TNB101_MACRO_TRIGGERS, ...NB301_TRIGGERS, ...NB101_TRIGGERS];
