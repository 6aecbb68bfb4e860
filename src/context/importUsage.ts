import { identifiersIn, linesAround } from './identifiers';
import type { ImportStatement } from './importStatements';

/** Identifiers looked at near the cursor: those of the cursor's line and the 30 above it. */
const LINES_ABOVE = 30;

/** `a.b.c` or `a::b::c`: a chain of names (each identifier of a text is in one). */
const CHAIN = /[A-Za-z_$][\w$]*(?:\s*(?:\.|::)\s*[A-Za-z_$][\w$]*)*/g;

/**
 * How the current file uses names: near the cursor (ranked, nearest first) and in the whole file,
 * import statements left out. A dotted name (`a.b` of Python's `import a.b`) counts as its chain.
 */
export class ImportUsage {
  /** Identifiers near the cursor, in order of appearance. */
  private readonly near: string[];
  /** `x.member` pairs near the cursor, `x` possibly dotted. */
  private readonly nearMembers = new Map<string, Set<string>>();
  /** `x.member` pairs in the whole file, with the distance (characters) of the use nearest the cursor. */
  private readonly fileMembers = new Map<string, Map<string, number>>();
  /** Identifiers of the whole file, with the distance (characters) of the use nearest the cursor. */
  private readonly inFile = new Map<string, number>();

  constructor(text: string, cursorOffset: number, imports: ImportStatement[]) {
    // Import statements blanked out, offsets kept.
    let rest = '';
    let at = 0;
    for (const s of [...imports].sort((a, b) => a.startIndex - b.startIndex)) {
      if (s.startIndex < at) continue;
      rest += text.slice(at, s.startIndex) + ' '.repeat(s.endIndex - s.startIndex);
      at = s.endIndex;
    }
    rest += text.slice(at);
    const window = linesAround(rest, cursorOffset, LINES_ABOVE, 0);
    this.near = identifiersIn(window.text);
    for (const m of rest.matchAll(CHAIN)) {
      const parts = m[0].split(/\s*(?:\.|::)\s*/);
      const at = m.index!;
      const isNear = at >= window.startOffset && at < window.startOffset + window.text.length;
      const distance = Math.abs(at - cursorOffset);
      for (const p of parts) this.inFile.set(p, Math.min(this.inFile.get(p) ?? Infinity, distance));
      for (let i = 1; i < parts.length; i++) {
        const owner = parts.slice(0, i).join('.');
        const member = parts[i]!;
        if (isNear) {
          const set = this.nearMembers.get(owner) ?? new Set<string>();
          set.add(member);
          this.nearMembers.set(owner, set);
        }
        const members = this.fileMembers.get(owner) ?? new Map<string, number>();
        members.set(member, Math.min(members.get(member) ?? Infinity, distance));
        this.fileMembers.set(owner, members);
      }
    }
  }

  /** How many identifiers are near the cursor: ranks of near names are below it. */
  get nearCount(): number {
    return this.near.length;
  }

  /** The identifiers near the cursor, each once. */
  nearNames(): string[] {
    return [...new Set(this.near)];
  }

  /** 0 for the name used nearest the cursor; undefined if not used near it. A dotted name ranks as its first element. */
  nearRank(name: string): number | undefined {
    const at = this.near.lastIndexOf(name.split('.')[0]!);
    return at < 0 ? undefined : this.near.length - 1 - at;
  }

  /** Members of `name` used near the cursor (`name.member`). */
  membersNear(name: string): string[] {
    return [...(this.nearMembers.get(name) ?? [])];
  }

  /** Members of `name` used anywhere in the file, with the distance (characters) of their use nearest the cursor. */
  membersInFile(name: string): { member: string; distance: number }[] {
    return [...(this.fileMembers.get(name) ?? [])].map(([member, distance]) => ({ member, distance }));
  }

  /** The distance (characters) from the cursor of the nearest use of `name` outside the imports (a dotted name: its first element); undefined if unused. */
  distanceInFile(name: string): number | undefined {
    return this.inFile.get(name.split('.')[0]!);
  }
}
