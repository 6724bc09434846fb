// The Arm generic timer of one core (Arm ARM D11): a system counter shared by
// all cores (CNTPCT_EL0; CNTVCT_EL0 = CNTPCT_EL0 - CNTVOFF_EL2) and three timers
// per core, each a 64-bit compare value (CVAL) and a control register (CTL:
// ENABLE, IMASK, ISTATUS). A timer fires when the count reaches CVAL; TVAL is a
// signed 32-bit view of CVAL - count. Each timer's output goes to the BCM2836
// local controller: EL1 physical (CNTP) on CNTPNS, virtual (CNTV) on CNTV, EL2
// physical (CNTHP) on CNTHP.
//
// The count is the machine's virtual time, so a kernel that waits 10 ms waits
// 625 000 instructions of the busiest core, every time.

import { fromBig, out } from '../bits';
import type { Cpu } from './cpu';
import { key, Reg, register } from './sysregs';

export const Timer = { PHYSICAL: 0, VIRTUAL: 1, HYP: 2 } as const;

const CTL_ENABLE = 1;
const CTL_IMASK = 2;
const CTL_ISTATUS = 4;

const TWO32 = 0x100000000;

export class GenericTimer {
  private readonly ctl = new Uint8Array(3);
  private readonly cvalLo = new Int32Array(3);
  private readonly cvalHi = new Int32Array(3);

  constructor(private readonly cpu: Cpu) {}

  /** CNTVOFF_EL2 as a number of ticks. */
  private virtualOffset(): number {
    const lo = this.cpu.sys.lo(Reg.CNTVOFF_EL2);
    return (out.hi >>> 0) * TWO32 + (lo >>> 0);
  }

  /** The count timer `n` compares against, at time `now`. */
  count(n: number, now: number): number {
    return n === Timer.VIRTUAL ? now - this.virtualOffset() : now;
  }

  private cval(n: number): number {
    return (this.cvalHi[n] >>> 0) * TWO32 + (this.cvalLo[n] >>> 0);
  }

  /** ISTATUS: enabled and the count has reached CVAL. */
  private condition(n: number, now: number): boolean {
    return (this.ctl[n] & CTL_ENABLE) !== 0 && this.count(n, now) >= this.cval(n);
  }

  /** The interrupt output: the condition holds and IMASK is clear. */
  output(n: number, now: number): boolean {
    return (this.ctl[n] & CTL_IMASK) === 0 && this.condition(n, now);
  }

  /** The earliest virtual time at which an output will rise, or Infinity. */
  nextEvent(now: number): number {
    let next = Infinity;
    for (let n = 0; n < 3; n++) {
      if ((this.ctl[n] & (CTL_ENABLE | CTL_IMASK)) !== CTL_ENABLE) continue;
      const due = now + (this.cval(n) - this.count(n, now));
      if (due > now && due < next) next = due;
    }
    return next;
  }

  readCtl(n: number, now: number): number {
    return (this.ctl[n] & (CTL_ENABLE | CTL_IMASK)) | (this.condition(n, now) ? CTL_ISTATUS : 0);
  }

  writeCtl(n: number, value: number): void {
    this.ctl[n] = value & (CTL_ENABLE | CTL_IMASK);
  }

  readCval(n: number): number {
    out.hi = this.cvalHi[n];
    return this.cvalLo[n];
  }

  writeCval(n: number, lo: number, hi: number): void {
    this.cvalLo[n] = lo;
    this.cvalHi[n] = hi;
  }

  /** TVAL reads as (CVAL - count)[31:0]. */
  readTval(n: number, now: number): number {
    return (this.cval(n) - this.count(n, now)) % TWO32 | 0;
  }

  /** Writing TVAL sets CVAL = count + SignExtend(TVAL[31:0]), modulo 2^64 (exactly: BigInt, a rare write). */
  writeTval(n: number, value: number, now: number): void {
    this.cvalLo[n] = fromBig(BigInt(this.count(n, now)) + BigInt(value | 0));
    this.cvalHi[n] = out.hi;
  }
}

/** The registers, keyed as MRS/MSR name them; each access goes to the executing core's timer. */
function timerRegisters(name: string, op1: number, crm: number, n: number, minEl: number): void {
  const changed = (cpu: Cpu): void => cpu.bus.timersChanged(cpu);
  register({
    name: `${name}_TVAL_EL${minEl === 2 ? 2 : 0}`,
    key: key(3, op1, 14, crm, 0),
    minEl,
    read: (cpu) => ((out.hi = 0), cpu.timer.readTval(n, cpu.now())),
    write: (cpu, lo) => (cpu.timer.writeTval(n, lo, cpu.now()), changed(cpu)),
  });
  register({
    name: `${name}_CTL_EL${minEl === 2 ? 2 : 0}`,
    key: key(3, op1, 14, crm, 1),
    minEl,
    read: (cpu) => ((out.hi = 0), cpu.timer.readCtl(n, cpu.now())),
    write: (cpu, lo) => (cpu.timer.writeCtl(n, lo), changed(cpu)),
  });
  register({
    name: `${name}_CVAL_EL${minEl === 2 ? 2 : 0}`,
    key: key(3, op1, 14, crm, 2),
    minEl,
    read: (cpu) => cpu.timer.readCval(n),
    write: (cpu, lo, hi) => (cpu.timer.writeCval(n, lo, hi), changed(cpu)),
  });
}

timerRegisters('CNTP', 3, 2, Timer.PHYSICAL, 0);
timerRegisters('CNTV', 3, 3, Timer.VIRTUAL, 0);
timerRegisters('CNTHP', 4, 2, Timer.HYP, 2);

const splitTime = (t: number): number => {
  out.hi = Math.floor(t / TWO32) | 0;
  return t % TWO32 | 0;
};

register({ name: 'CNTPCT_EL0', key: key(3, 3, 14, 0, 1), minEl: 0, readOnly: true, read: (cpu) => splitTime(cpu.now()) });
register({
  name: 'CNTVCT_EL0',
  key: key(3, 3, 14, 0, 2),
  minEl: 0,
  readOnly: true,
  read: (cpu) => splitTime(cpu.timer.count(Timer.VIRTUAL, cpu.now())),
});
register({
  name: 'CNTVOFF_EL2',
  key: key(3, 4, 14, 0, 3),
  minEl: 2,
  read: (cpu) => cpu.sys.lo(Reg.CNTVOFF_EL2),
  write: (cpu, lo, hi) => (cpu.sys.setSlot(Reg.CNTVOFF_EL2, lo, hi), cpu.bus.timersChanged(cpu)),
});
