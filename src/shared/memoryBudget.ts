/**
 * What models take in memory, as both the worker (before loading a second model) and the host
 * (when it suggests models for this machine) reckon it.
 */

/**
 * The KV caches of all slots together: 1 GiB holds ~43k positions of Qwen2.5-Coder 0.5B (fp32 KV)
 * or ~14k of the 3B, several long chats and the completion's prompt at once.
 */
export const KV_BUDGET_BYTES = 1024 ** 3;

/** Resident memory over the files: onnxruntime's arenas, prepacked weights (peak RSS ~1.25x the files, test/bench/NOTES.md). */
export const RESIDENT_OVER_FILES = 1.25;
