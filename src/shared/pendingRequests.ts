/** A request in flight: how to settle it once its answer comes. */
export interface Pending<E extends Error> {
  resolve(result: unknown): void;
  reject(error: E): void;
}

/**
 * Requests in flight across a boundary (a child process, a thread), by sequence number: each
 * answer is matched to its request, and all of them are settled at once when the other side dies.
 */
export class PendingRequests<P extends Pending<E>, E extends Error = Error> {
  private readonly pending = new Map<number, P>();
  private nextId = 1;

  /** Registers a request; returns its sequence number. */
  add(request: P): number {
    const id = this.nextId++;
    this.pending.set(id, request);
    return id;
  }

  /** A fresh sequence number for a message that expects no answer of its own. */
  reserveId(): number {
    return this.nextId++;
  }

  get(id: number): P | undefined {
    return this.pending.get(id);
  }

  /** Removes and returns the request, for its one answer. */
  take(id: number): P | undefined {
    const request = this.pending.get(id);
    this.pending.delete(id);
    return request;
  }

  get size(): number {
    return this.pending.size;
  }

  some(match: (request: P) => boolean): boolean {
    for (const r of this.pending.values()) if (match(r)) return true;
    return false;
  }

  rejectAll(error: E): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const r of all) r.reject(error);
  }
}
