import * as assert from 'node:assert/strict';
import { DecodeScheduler, Stopped } from '../../src/engine/scheduler';

const tick = () => new Promise((r) => setTimeout(r, 1));

/** The decode thread's scheduler, with model steps that only record that they ran. */
describe('DecodeScheduler', () => {
  it('gives the model to the more urgent generation at the next step, and back afterwards', async () => {
    const scheduler = new DecodeScheduler();
    const ran: string[] = [];
    const steps = (name: string, n: number) => async (gate: { run<T>(step: () => Promise<T>): Promise<T> }) => {
      for (let i = 0; i < n; i++) await gate.run(async () => (ran.push(`${name}${i}`), tick()));
    };
    const long = scheduler.task('chat', 1, () => false, steps('chat', 6));
    await tick();
    await tick();
    const urgent = scheduler.task('completion', 0, () => false, steps('completion', 3));
    await Promise.all([long, urgent]);
    const first = ran.indexOf('completion0');
    assert.ok(first > 0 && first <= 3, ran.join(' '));
    assert.deepEqual(ran.slice(first, first + 3), ['completion0', 'completion1', 'completion2'], 'the completion keeps the model between its own steps');
    assert.deepEqual(ran.filter((r) => r.startsWith('chat')), ['chat0', 'chat1', 'chat2', 'chat3', 'chat4', 'chat5'], 'the chat resumes where it was');
  });

  it('runs generations of one slot one after another, in arrival order', async () => {
    const scheduler = new DecodeScheduler();
    const ran: string[] = [];
    const one = (name: string) => scheduler.task('completion', 0, () => false, async (gate) => {
      ran.push(`${name} start`);
      await gate.run(tick);
      ran.push(`${name} end`);
    });
    await Promise.all([one('a'), one('b')]);
    assert.deepEqual(ran, ['a start', 'a end', 'b start', 'b end']);
  });

  it('a load is a fence: it starts after what was asked before it, and what comes after waits for it', async () => {
    const scheduler = new DecodeScheduler();
    const ran: string[] = [];
    const generation = (name: string) => scheduler.task(name, 1, () => false, async (gate) => {
      await gate.run(tick);
      await gate.run(tick);
      ran.push(name);
    });
    const before = generation('chat');
    const load = scheduler.fence(async () => {
      await tick();
      ran.push('load');
    });
    const after = generation('completion');
    await Promise.all([before, load, after]);
    assert.deepEqual(ran, ['chat', 'load', 'completion']);
  });

  it('a generation stopped while it waits for its turn leaves without running', async () => {
    const scheduler = new DecodeScheduler();
    let stop = false;
    let release!: () => void;
    const busy = scheduler.task('completion', 0, () => false, (gate) => gate.run(() => new Promise<void>((r) => (release = r))));
    let ran = false;
    const waiting = scheduler.task('chat', 1, () => stop, (gate) => gate.run(async () => void (ran = true)));
    await tick();
    stop = true;
    release();
    await busy;
    await assert.rejects(waiting, Stopped);
    assert.equal(ran, false);
  });
});
