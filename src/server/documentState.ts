/** The architectures found in each open document, scanned once per document version and space generation. */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { FoundArch, SearchSpace } from '../space/types';

/** Work per document is bounded: characters scanned, architectures kept. */
export const MAX_SCAN_CHARS = 2_000_000;
export const MAX_FOUND = 5_000;

export type ValidFound = FoundArch & { result: { ok: true; arch: unknown; key: string } };

export interface ParsedDoc {
  version: number;
  /** SpaceFiles.generation the document was scanned with. */
  spaces: number;
  found: FoundArch[];
  /** Set when the document was too large to scan whole. */
  truncated?: boolean;
}

export class ParsedDocuments {
  private readonly parsed = new Map<string, ParsedDoc>();

  constructor(
    private readonly spaces: () => SearchSpace[],
    private readonly generation: () => number,
    private readonly logError: (message: string) => void,
  ) {}

  info(doc: TextDocument): ParsedDoc {
    const cached = this.parsed.get(doc.uri);
    if (cached && cached.version === doc.version && cached.spaces === this.generation()) return cached;
    const full = doc.getText();
    const found = this.scanText(full);
    const parsed: ParsedDoc = { version: doc.version, spaces: this.generation(), found, truncated: full.length > MAX_SCAN_CHARS };
    this.parsed.set(doc.uri, parsed);
    return parsed;
  }

  valid(doc: TextDocument): ValidFound[] {
    return this.info(doc).found.filter((f): f is ValidFound => f.result.ok);
  }

  forget(uri: string): void {
    this.parsed.delete(uri);
  }

  /** Every space's architectures (and near misses) in the first MAX_SCAN_CHARS of a text, at most MAX_FOUND. */
  scanText(full: string): FoundArch[] {
    const text = full.length > MAX_SCAN_CHARS ? full.slice(0, MAX_SCAN_CHARS) : full;
    const found: FoundArch[] = [];
    for (const sp of this.spaces()) {
      try {
        found.push(...sp.scan(text));
      } catch (e) {
        this.logError(`DELE server: scanning for ${sp.id} failed: ${(e as Error).message}`);
      }
      if (found.length > MAX_FOUND) break;
    }
    return found.sort((a, b) => a.start - b.start).slice(0, MAX_FOUND);
  }
}
