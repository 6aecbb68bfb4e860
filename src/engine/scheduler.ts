import { SerialQueue } from '../shared/serialQueue';

/** Lower runs first: a completion (0) is someone waiting at the cursor; a chat answer (1) can pause. */
export type Priority = number;

/** Runs a generation's model steps when it is its turn. */
export interface StepGate {
  /** Runs `step` when no more urgent generation wants the model; throws Stopped if the generation is stopped while it waits. */
  run<T>(step: () => Promise<T>): Promise<T>;
}

/** The generation was stopped (cancelled, out of time) while waiting for its turn. */
export class Stopped extends Error {}

interface Task {
  priority: Priority;
  seq: number;
  stopped(): boolean;
}

interface Waiter {
  task: Task;
  resolve(): void;
  reject(err: Error): void;
}

/**
 * Who runs the model next, in the decode thread. Generations run one at a time per KV slot, in
 * arrival order; across slots, one model step at a time goes to the most urgent generation, and
 * a generation keeps the model between its own steps while it is the most urgent. So a
 * completion that arrives during a long chat answer runs at the chat's next step boundary, and
 * the chat resumes afterwards from its own slot, its KV cache untouched. Loads are fences: they
 * start once everything given before them has ended, and what comes after waits for them.
 */
export class DecodeScheduler {
  private readonly active = new Set<Task>();
  private waiters: Waiter[] = [];
  private stepping = false;
  private fences: Promise<unknown> = Promise.resolve();
  private readonly submitted = new Set<Promise<unknown>>();
  private readonly slots = new Map<string, SerialQueue>();
  private seq = 0;

  /** Runs generation `body` after the ones queued on `queue` (a role), with `priority`; `stopped` is polled while it waits for a turn. */
  task<T>(slot: string, priority: Priority, stopped: () => boolean, body: (gate: StepGate) => Promise<T>): Promise<T> {
    const fence = this.fences;
    let queue = this.slots.get(slot);
    if (!queue) this.slots.set(slot, (queue = new SerialQueue()));
    const slotQueue = queue;
    return this.track(
      fence.then(() =>
        slotQueue.run(async () => {
          const task: Task = { priority, seq: this.seq++, stopped };
          this.active.add(task);
          try {
            return await body({ run: (step) => this.step(task, step) });
          } finally {
            this.active.delete(task);
            this.grant();
          }
        }),
      ),
    );
  }

  /** Runs `body` once every generation and fence given before it has ended; those given after wait for it. */
  fence<T>(body: () => Promise<T>): Promise<T> {
    const before = [...this.submitted, this.fences];
    const run = Promise.allSettled(before).then(body);
    this.fences = run.catch(() => undefined);
    return this.track(run);
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.submitted.add(run);
    const forget = () => this.submitted.delete(run);
    run.then(forget, forget);
    return run;
  }

  private async step<T>(task: Task, step: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ task, resolve, reject });
      this.grant();
    });
    try {
      return await step();
    } finally {
      this.stepping = false;
      this.grant();
    }
  }

  /** Gives the model to the next step, if it is free and no more urgent generation is between two of its steps. */
  private grant(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.task.stopped()) return true;
      w.reject(new Stopped());
      return false;
    });
    if (this.stepping || this.waiters.length === 0) return;
    let next = 0;
    for (let i = 1; i < this.waiters.length; i++) {
      const [a, b] = [this.waiters[i].task, this.waiters[next].task];
      if (a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq)) next = i;
    }
    const { task } = this.waiters[next];
    for (const other of this.active) if (other.priority < task.priority) return;
    const [waiter] = this.waiters.splice(next, 1);
    this.stepping = true;
    waiter.resolve();
  }
}
