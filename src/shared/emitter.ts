/** A change event without the editor's API: modules below the VS Code adapters publish state with it. */
export type Listener<T> = (value: T) => void;

export interface Subscription {
  dispose(): void;
}

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  /** Subscribes; dispose the result to stop listening. */
  readonly event = (listener: Listener<T>): Subscription => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }
}
