/**
 * Checked element access for tests under noUncheckedIndexedAccess: a missing element is a test failure that says
 * which one, never a silent undefined.
 */
import assert from 'node:assert/strict';

/** a[i], asserting it exists. */
export function at<T>(a: ArrayLike<T>, i: number, what = 'element'): T {
  const v = a[i];
  assert.ok(v !== undefined, `${what} [${i}] is missing (length ${a.length})`);
  return v;
}

/** v, asserting it is not undefined (a record entry, an optional field). */
export function defined<T>(v: T | undefined, what = 'value'): T {
  assert.ok(v !== undefined, `${what} is undefined`);
  return v;
}
