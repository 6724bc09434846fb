// The Bramble emulator: a Raspberry Pi 3 in TypeScript, for Node and browsers.
//
//   const m = new Machine({ kernel });      // a raw kernel8.img
//   // ({ kernel, sdImage }: an SD card too; the guest's writes change sdImage's bytes)
//   m.onOutput = (bytes) => ...;            // what the guest prints
//   m.input('help\r');                      // bytes for its serial port
//   const stop = m.run(50_000_000);         // at most this many instructions
//   // stop: exit (with code), reset, budget, idle (every core asleep), error
//   m.run(budget, seconds);                 // ... and not past this moment of virtual time (deadline)
//   m.instructions;                         // retired so far: virtual time
//   const pacer = new Pacer(m, () => performance.now());
//   pacer.slice(20);                        // run ~20 ms, the guest's clock kept to the wall clock
//
// Nothing here uses a Node or DOM API.

export { Machine, type MachineOptions, type SdFault, type StopReason } from './machine';
export { MAX_AHEAD_MS, Pacer, type PacedSlice } from './pacing';
export { framePacket } from './gdb/packets';
export { startTrace, TRACE_CATEGORIES, type TraceCategory } from './trace';
export { stepOne, validateStepInput, type StepInput, type StepOutput, type MemoryRegion } from './step';
