// The Bramble emulator: a Raspberry Pi 3 in TypeScript, for Node and browsers.
//
//   const m = new Machine({ kernel });      // a raw kernel8.img
//   // ({ kernel, sdImage }: an SD card too; the guest's writes change sdImage's bytes)
//   m.onOutput = (bytes) => ...;            // what the guest prints
//   m.input('help\r');                      // bytes for its serial port
//   const stop = m.run(50_000_000);         // at most this many instructions
//   // stop: exit (with code), reset, budget, idle (every core asleep), error
//   m.instructions;                         // retired so far: virtual time
//
// Nothing here uses a Node or DOM API.

export { Machine, type MachineOptions, type StopReason } from './machine';
export { startTrace, TRACE_CATEGORIES, type TraceCategory } from './trace';
export { stepOne, validateStepInput, type StepInput, type StepOutput, type MemoryRegion } from './step';
