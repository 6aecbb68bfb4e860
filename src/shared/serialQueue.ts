/** Runs tasks one after another, in the order they were given; a failing task does not stop the ones after it. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Settles when every task given so far has. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
