/**
 * Values of Python number and string literals as the tokenizer (tokenizer.ts) delimits them. Pure TypeScript,
 * no imports.
 */

/** The value of a Python number literal (decimal, `0x`/`0o`/`0b`, underscores); NaN if malformed. */
export function numberValue(raw: string): number {
  if (raw.length <= 15) {
    // plain decimal integer: the common case, without regular expressions
    let v = 0;
    let i = 0;
    for (; i < raw.length; i++) {
      const c = raw.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === raw.length && i > 0) return v;
  }
  const s = raw.includes('_') ? raw.replace(/_/g, '') : raw;
  if (s.length > 2 && s.charCodeAt(0) === 48) {
    const b = s.charCodeAt(1) | 32;
    const digits = s.slice(2);
    if (b === 120) return /^[0-9a-f]+$/i.test(digits) ? parseInt(digits, 16) : NaN;
    if (b === 111) return /^[0-7]+$/.test(digits) ? parseInt(digits, 8) : NaN;
    if (b === 98) return /^[01]+$/.test(digits) ? parseInt(digits, 2) : NaN;
  }
  return s === '' ? NaN : Number(s);
}

const isOctalDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '7';

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };

/** Python escape sequences of a (non-raw) string body; unknown or malformed escapes stay as written. */
export function unescapePython(s: string): string {
  let b = s.indexOf('\\');
  if (b < 0) return s;
  let out = '';
  let last = 0;
  while (b >= 0) {
    out += s.slice(last, b);
    const c = s[b + 1];
    let rep: string | undefined = c === undefined ? undefined : SIMPLE_ESCAPES[c];
    let len = 2;
    if (c === '\r') {
      rep = '';
      len = s[b + 2] === '\n' ? 3 : 2;
    } else if (c === 'x' || c === 'u' || c === 'U') {
      const w = c === 'x' ? 2 : c === 'u' ? 4 : 8;
      const hex = s.slice(b + 2, b + 2 + w);
      const cp = hex.length === w && /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : -1;
      if (cp >= 0 && cp <= 0x10ffff) {
        rep = String.fromCodePoint(cp);
        len = 2 + w;
      }
    } else if (c !== undefined && c >= '0' && c <= '7') {
      let k = b + 1;
      // at most three digits, and the string may end first
      while (k < b + 4 && isOctalDigit(s[k])) k++;
      rep = String.fromCharCode(parseInt(s.slice(b + 1, k), 8));
      len = k - b;
    }
    if (rep === undefined) {
      out += '\\';
      last = b + 1;
    } else {
      out += rep;
      last = b + len;
    }
    b = s.indexOf('\\', last);
  }
  return out + s.slice(last);
}
