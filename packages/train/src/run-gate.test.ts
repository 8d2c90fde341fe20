import { initBackend } from '@latent/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveRunHere } from './node.js';
import { createTrainer } from './run.js';
import { RunGate } from './run-gate.js';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Resolves once `ready()` holds, checking between macrotasks. */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !ready(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(ready()).toBe(true);
}

describe('RunGate', () => {
  it('holds a training loop between steps: pause, single steps, work at a safe point, resume', async () => {
    const trainer = createTrainer(await resolveRunHere({ dataset: 'ring', maxSteps: 4 }));
    const abort = new AbortController();
    const told: [boolean, number][] = [];
    const gate = new RunGate(abort.signal, (paused, step) => told.push([paused, step]));
    gate.pause();
    const steps: number[] = [];
    const done = (async () => {
      gate.running = true;
      for await (const e of trainer.run({ signal: abort.signal })) {
        if (e.type !== 'step') continue;
        steps.push(e.step);
        await gate.between(e.step);
      }
      gate.running = false;
    })();
    await until(() => told.length === 1);
    expect(steps).toEqual([1]);
    gate.step();
    await until(() => told.length === 2);
    expect(steps).toEqual([1, 2]);
    expect(told).toEqual([
      [true, 1],
      [true, 2],
    ]);
    // Queued work runs while the loop waits, at the step it waits at.
    const checkpointed: number[] = [];
    gate.atSafePoint(async () => {
      checkpointed.push(trainer.step);
    });
    await until(() => checkpointed.length === 1);
    expect(checkpointed).toEqual([2]);
    gate.resume();
    await done;
    expect(steps).toEqual([1, 2, 3, 4]);
    expect(told.at(-1)).toEqual([false, 2]);
    // With no loop running, work runs at once.
    gate.atSafePoint(async () => {
      checkpointed.push(trainer.step);
    });
    expect(checkpointed).toEqual([2, 4]);
    trainer.dispose();
  });

  it('ends its waits when the run is aborted', async () => {
    const abort = new AbortController();
    const gate = new RunGate(abort.signal);
    gate.pause();
    const waiting = gate.between(1);
    const sleeping = gate.sleep(60_000);
    abort.abort();
    await Promise.all([waiting, sleeping]);
  });
});
