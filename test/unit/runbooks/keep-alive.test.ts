import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { keepAliveIntervalMs, keepAllAlive, keptAlive } from '../../../activities/keep-alive.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('keptAlive', () => {
  it('heartbeats while the activity runs, and stops when it ends', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    const slow = keptAlive(async (value: string) => {
      await sleep(keepAliveIntervalMs + 300);
      return value.toUpperCase();
    });
    expect(await env.run(slow, 'done')).toBe('DONE');
    expect(beats).toBe(1);
    await sleep(keepAliveIntervalMs + 100);
    expect(beats).toBe(1);
  });

  it('passes a failure through and stops heartbeating', async () => {
    const env = new MockActivityEnvironment();
    const failing = keptAlive(async () => Promise.reject(new Error('API said no')));
    await expect(env.run(failing)).rejects.toThrow('API said no');
  });

  it('keepAllAlive keeps every activity of a set, by the same names', async () => {
    const env = new MockActivityEnvironment();
    const set = keepAllAlive({ one: async () => 1, two: async (add: number) => 2 + add });
    expect(Object.keys(set)).toEqual(['one', 'two']);
    expect(await env.run(set.two, 3)).toBe(5);
  });
});
