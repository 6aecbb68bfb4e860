/** A ready-made Refactor instruction. */
export interface Preset {
  label: string;
  instruction: string;
  /** Adds lines (a doc comment) and must change nothing else. */
  insertOnly?: boolean;
}

export const PRESETS: readonly Preset[] = [
  { label: 'Simplify', instruction: 'Simplify the code without changing what it does.' },
  { label: 'Make idiomatic', instruction: 'Make the code idiomatic for its language, without changing what it does.' },
  { label: 'Add types', instruction: 'Add type annotations to the parameters, return values and variables where they are missing.' },
  { label: 'Add error handling', instruction: 'Add error handling for the operations that can fail.' },
  { label: 'Add a doc comment', instruction: 'Add a documentation comment (a docstring or JSDoc) that says what the code does, its parameters and its result. Change nothing else.', insertOnly: true },
  { label: 'Rename for clarity', instruction: 'Rename local variables and parameters whose names are unclear, so that the code reads clearly.' },
  { label: 'Fix the reported problems', instruction: 'Fix the problems reported in these lines.' },
];

/** The preset an instruction names (by its label or its text, as the CLI may give either), or the instruction as typed. */
export function presetFor(instruction: string): Preset {
  const text = instruction.trim();
  return PRESETS.find((p) => p.label.toLowerCase() === text.toLowerCase() || p.instruction === text) ?? { label: text, instruction: text };
}

/** Where the recent instructions are kept (the extension's global state). */
export interface InstructionStore {
  get(): readonly string[];
  set(instructions: readonly string[]): void | Thenable<void>;
}

/** Instructions typed before, most recent first; at most this many are kept. */
export const MAX_RECENT = 10;

export class RecentInstructions {
  constructor(private readonly store: InstructionStore) {}

  list(): readonly string[] {
    const stored = this.store.get();
    return Array.isArray(stored) ? stored.filter((s) => typeof s === 'string') : [];
  }

  /** Remembers a typed instruction (presets are not repeated here). */
  remember(instruction: string): void {
    const text = instruction.trim();
    if (!text || PRESETS.some((p) => p.instruction === text)) return;
    void this.store.set([text, ...this.list().filter((s) => s !== text)].slice(0, MAX_RECENT));
  }
}
