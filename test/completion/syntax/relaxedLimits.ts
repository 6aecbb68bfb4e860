import type { SyntaxLimits } from '../../../src/completion/syntax/parseWindow';

/**
 * Limits for the table tests, which check decisions, not speed: a grammar's first parses take
 * 5-40 ms while V8 compiles it, and a busy CI machine is slower still, so the default 5 ms limit
 * would turn some cases into "no tree" at random. robustness.test.ts runs with the defaults.
 */
export const RELAXED: SyntaxLimits = { parseTimeoutMs: 1_000, budgetMs: 10_000 };
