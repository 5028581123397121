/**
 * Decimal numbers as users write them in data files and on the command line: an optional sign, digits with an
 * optional point, an optional exponent. `Number()` also reads `0x5A`, `0b101`, `0o7`, `Infinity` and `''` (as 0),
 * which no data file or option means as a number.
 */
const DECIMAL_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function isDecimalText(s: string): boolean {
  return DECIMAL_RE.test(s);
}

/** The value of a decimal text, NaN for anything else. */
export function parseDecimal(s: string): number {
  return DECIMAL_RE.test(s) ? Number(s) : NaN;
}
