// System-level test kernels (see harness.ts) for the CPU: exceptions, faults, the MMU,
// timers and interrupts, secondary cores. Each runs in QEMU 7.2's raspi3b and in our
// emulator; the transcripts and exit statuses must be identical, except for lines where
// QEMU departs from the Arm ARM: those are listed with the architecture's value (which
// our emulator must print), the section that requires it, and what QEMU does instead.
import { describe, expect, it } from 'vitest';
import { type Difference, runBoth, undocumentedDifferences } from './harness';

async function expectSameAsQemu(name: string, documented: readonly Difference[] = [], input?: string): Promise<string> {
  const { qemu, ours } = await runBoth(name, input === undefined ? {} : { input });
  expect(qemu.ending, qemu.message).toBe('exit');
  expect(ours.ending, ours.message).toBe('exit');
  expect(undocumentedDifferences(qemu.output, ours.output, documented)).toEqual([]);
  expect(ours.exitCode).toBe(qemu.exitCode);
  expect(ours.exitCode).toBe(0);
  return ours.output;
}

describe('test kernels: our emulator against QEMU raspi3b', { timeout: 60_000 }, () => {
  it('exceptions: entry and return at EL0-EL2, syndromes, SP banking, EL0 traps', async () => {
    await expectSameAsQemu('exceptions', [
      {
        qemu: 'EL3 HVC with HCD: ID_AA64PFR0_EL1=0x2222',
        ours: 'EL3 HVC with HCD: ID_AA64PFR0_EL1=0x222',
        why: "QEMU's raspi3b Cortex-A53 implements EL3 (and boots the kernel at EL2 from it); our model has no EL3, as the Pi's kernel sees it",
      },
      {
        qemu: 'EL3 HVC with HCD: HCR_EL2=0x80000000',
        ours: 'EL3 HVC with HCD: HCR_EL2=0xa0000000',
        why: 'Arm ARM, HCR_EL2: HCD (bit 29) exists only when EL3 is not implemented (RES0 otherwise), so QEMU drops the write',
      },
      {
        qemu: 'EL3 HVC with HCD: taken to EL=0x2',
        ours: 'EL3 HVC with HCD: taken to EL=0x1',
        why: 'with HCD = 1, HVC is UNDEFINED at EL1 (Arm ARM C6.2 HVC; HCR_EL2.HCD)',
      },
      {
        qemu: 'EL3 HVC with HCD: ESR=0x5a000124',
        ours: 'EL3 HVC with HCD: ESR=0x2000000',
        why: 'UNDEFINED: EC 0x00, IL 1',
      },
      {
        qemu: '  ESR=0x6207d3e4',
        ours: '  ESR=0x620ed3e4',
        why:
          'MSR DAIFClr, #2 at EL0 with SCTLR_EL1.UMA = 0 traps with EC 0x18; the ISS holds the instruction\'s Op0 = 0, Op2 = 7, Op1 = 3, CRn = 4, Rt = 31, CRm = 2 ' +
          '(Arm ARM D17.2.37, ISS encoding for EC 0x18). QEMU 7.2 (daif_check) passes Op1 and Op2 swapped',
      },
      {
        qemu: '  ESR=0x620793e2',
        ours: '  ESR=0x620cd3e2',
        why: 'likewise for MSR DAIFSet, #1: Op2 = 6, Op1 = 3, CRm = 1',
      },
    ]);
  });
});
