import type { WorkerPartial } from '../worker/protocol';
import { WorkerError } from './workerError';

export interface PendingRequest {
  type: string;
  resolve(result: unknown): void;
  reject(error: WorkerError): void;
  onPartial?(partial: WorkerPartial): void;
}

/** Requests in flight, by sequence number; all settled at once when the worker dies. */
export class CallbackMap {
  private readonly pending = new Map<number, PendingRequest>();

  add(id: number, request: PendingRequest): void {
    this.pending.set(id, request);
  }

  get(id: number): PendingRequest | undefined {
    return this.pending.get(id);
  }

  /** Removes and returns the request, for its one response. */
  take(id: number): PendingRequest | undefined {
    const request = this.pending.get(id);
    this.pending.delete(id);
    return request;
  }

  get size(): number {
    return this.pending.size;
  }

  has(type: string): boolean {
    for (const r of this.pending.values()) if (r.type === type) return true;
    return false;
  }

  rejectAll(error: WorkerError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const r of all) r.reject(error);
  }
}
