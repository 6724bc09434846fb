// Pausing for a debugger (breakpoints, single steps) must not change what the guest does or
// how many instructions it takes: checked on the four-core `smp` kernel, whose cores take
// turns and interrupt one another.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine, type StopReason } from '@bramble/emulator';
import { buildTestKernel } from './harness';

describe('pausing for a debugger', () => {
  it('leaves four cores with interrupts exactly as they were: same output, same instruction count', () => {
    const kernel = new Uint8Array(readFileSync(buildTestKernel('smp')));
    const plain = new Machine({ kernel });
    const plainOutput: number[] = [];
    plain.onOutput = (bytes) => plainOutput.push(...bytes);
    const plainStop = plain.run(100_000_000);
    expect(plainStop.kind).toBe('exit');

    const debugged = new Machine({ kernel });
    const output: number[] = [];
    debugged.onOutput = (bytes) => output.push(...bytes);
    // Single steps on each awake core in turn, then breakpoints at places they stepped through.
    const visited = new Set<bigint>();
    for (let i = 0; i < 60; i++) {
      const c = debugged.cores.find((core) => core.index >= i % 4 && core.sleeping === 'no') ?? debugged.cores[0]!;
      debugged.resumeDebugging(c.index);
      const stop = debugged.run(100_000_000);
      expect(stop).toEqual({ kind: 'debug', core: c.index, why: 'step' });
      visited.add((BigInt(c.pcHi >>> 0) << 32n) | BigInt(c.pcLo >>> 0));
    }
    for (const va of [...visited].filter((_, i) => i % 3 === 0)) debugged.breakpoints.add(va);
    let pauses = 0;
    let stop: StopReason;
    for (;;) {
      debugged.resumeDebugging();
      stop = debugged.run(100_000_000);
      if (stop.kind !== 'debug') break;
      pauses++;
    }
    expect(pauses).toBeGreaterThan(10);
    expect(stop).toEqual(plainStop);
    expect(debugged.instructions).toBe(plain.instructions);
    expect(output).toEqual(plainOutput);
  });
});
