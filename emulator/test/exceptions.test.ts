// Synchronous exceptions through the step protocol (EL1h, MMU off). Expected
// syndromes come from the Arm ARM (ESR_ELx, D17.2.37) and, for SVC, from QEMU 7.2
// (`svc #0x42` -> ESR 0x56000042, shared/notes/machine.md): EC in bits 31:26,
// IL (bit 25) set for every A64 instruction, ISS below.
import { describe, expect, it } from 'vitest';
import { stepOne, type StepInput } from '../src/index';

function state(insn: string, overrides: Partial<StepInput> = {}): StepInput {
  return {
    insn,
    x: Array.from({ length: 31 }, () => '0x0'),
    sp: '0x10000',
    pc: '0x80000',
    nzcv: 0,
    ...overrides,
  };
}

describe('synchronous exceptions (step mode, EL1h, MMU off)', () => {
  it('SVC #0x42: EC 0x15, ISS = the immediate', () => {
    // d4000841 = svc #0x42 (llvm-mc)
    expect(stepOne(state('d4000841')).exception).toEqual({ ec: 0x15, iss: 0x42 });
  });

  it('BRK #7: EC 0x3C, ISS = the immediate', () => {
    // d42000e0 = brk #0x7
    expect(stepOne(state('d42000e0')).exception).toEqual({ ec: 0x3c, iss: 7 });
  });

  it('HLT with an immediate other than 0xF000 is UNDEFINED (halting debug is off): EC 0', () => {
    // d4400020 = hlt #0x1
    expect(stepOne(state('d4400020')).exception).toEqual({ ec: 0, iss: 0 });
  });

  it('UDF #0 (the all-zero word) is UNDEFINED: EC 0', () => {
    expect(stepOne(state('00000000')).exception).toEqual({ ec: 0, iss: 0 });
  });

  it('FP/SIMD instructions are UNDEFINED on this soft-float CPU model: EC 0', () => {
    // 1e604020 = fmov d0, d1
    expect(stepOne(state('1e604020')).exception).toEqual({ ec: 0, iss: 0 });
  });

  it('HVC #3 from EL1 goes to EL2: EC 0x16, ISS = the immediate', () => {
    // d4000062 = hvc #0x3
    expect(stepOne(state('d4000062')).exception).toEqual({ ec: 0x16, iss: 3 });
  });

  it('an unaligned LDR with the MMU off takes an alignment fault: EC 0x25, DFSC 0x21, WnR 0', () => {
    // f9400020 = ldr x0, [x1]; x1 = 0x40004 is 4-byte but not 8-byte aligned. With the MMU off all data
    // accesses are Device-nGnRnE and must be aligned (Arm ARM D8.2.10); QEMU 7.2 does not check this.
    const x = Array.from({ length: 31 }, () => '0x0');
    x[1] = '0x40004';
    const out = stepOne(state('f9400020', { x, mem: [{ addr: '0x40000', hex: '00'.repeat(16) }] }));
    expect(out.exception).toEqual({ ec: 0x25, iss: 0x21 });
  });

  it('the same load, aligned, just loads', () => {
    const x = Array.from({ length: 31 }, () => '0x0');
    x[1] = '0x40008';
    const out = stepOne(state('f9400020', { x, mem: [{ addr: '0x40000', hex: '00'.repeat(8) + '0102030405060708' }] }));
    expect(out.exception).toBeUndefined();
    expect(out.x[0]).toBe('0x807060504030201');
    expect(out.pc).toBe('0x80004');
  });

  it('MRS of an EL1 register works at EL1', () => {
    // d5381000 = mrs x0, sctlr_el1; the Cortex-A53 reset value is 0x00c50838 (TRM 4.3.30)
    const out = stepOne(state('d5381000'));
    expect(out.exception).toBeUndefined();
    expect(out.x[0]).toBe('0xc50838');
  });
});

describe('alignment checks the architecture requires (QEMU 7.2 skips them)', () => {
  it('a load with SP as base faults when SP is not 16-byte aligned: EC 0x26 (SCTLR_EL1.SA is set at reset)', () => {
    // f94003e0 = ldr x0, [sp]; SP = 0x10008 is 8- but not 16-byte aligned.
    const out = stepOne(state('f94003e0', { sp: '0x10008', mem: [{ addr: '0x10000', hex: '00'.repeat(16) }] }));
    expect(out.exception).toEqual({ ec: 0x26, iss: 0 });
  });

  it('the same load from an aligned SP succeeds', () => {
    const out = stepOne(state('f94003e0', { sp: '0x10000', mem: [{ addr: '0x10000', hex: '2a00000000000000' }] }));
    expect(out.exception).toBeUndefined();
    expect(out.x[0]).toBe('0x2a');
  });
});
