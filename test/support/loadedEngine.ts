/** An engine with one role loaded, the way most engine tests and benchmarks use it. */
import type { ModelRole } from '../../src/shared/generation';
import { Engine, type LoadParams, type ModelInfo } from '../../src/engine/engine';
import type { GenerateRequest, GenerateResult } from '../../src/engine/generate';
import type { TokenListener } from '../../src/engine/outputStream';
import type { ModelTokenizer } from '../../src/engine/tokenizer';

export interface LoadedEngine {
  engine: Engine;
  info: ModelInfo;
  tokenizer: ModelTokenizer;
  generate(request: GenerateRequest, onToken?: TokenListener, signal?: AbortSignal): Promise<GenerateResult>;
  dispose(): Promise<void>;
}

export async function loadEngine(params: Omit<LoadParams, 'role'> & { role?: ModelRole }, onLost?: (why: string) => void): Promise<LoadedEngine> {
  const role = params.role ?? 'completion';
  const engine = new Engine(onLost);
  try {
    const { info, tokenizer } = await engine.load({ ...params, role });
    return { engine, info, tokenizer, generate: (request, onToken, signal) => engine.generate(role, request, onToken, signal), dispose: () => engine.dispose() };
  } catch (err) {
    await engine.dispose();
    throw err;
  }
}
