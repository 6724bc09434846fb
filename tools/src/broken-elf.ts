// Deliberately broken copies of a program, for the ELF loader's tests: the build tool puts
// them beside the programs (build/<chapter>/programs/broken-*), so the kernel embeds them
// and execve and the monitor's run can be seen refusing each with ENOEXEC, never panicking.
// Each breaks one rule of the checks in the kernel's elf.rs, and nothing else.

/** ELF64 header and program header offsets (System V ABI, "Object Files"). */
const E_TYPE = 16;
const E_MACHINE = 18;
const E_ENTRY = 24;
const E_PHOFF = 32;
const E_PHNUM = 56;
const PH_SIZE = 56;
const P_TYPE = 0;
const P_FLAGS = 4;
const P_VADDR = 16;
const P_FILESZ = 32;
const P_MEMSZ = 40;
const PT_LOAD = 1;
const PF_X = 1;

/** The broken copies of `program` (a static AArch64 executable with at least two PT_LOAD segments), by name. */
export function brokenCopies(program: Uint8Array): Map<string, Uint8Array> {
  const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = Number(view(program).getBigUint64(E_PHOFF, true));
  const phnum = view(program).getUint16(E_PHNUM, true);
  const loads = [...Array(phnum).keys()].map((index) => phoff + index * PH_SIZE).filter((at) => view(program).getUint32(at + P_TYPE, true) === PT_LOAD);
  if (loads.length < 2) throw new Error('broken ELF copies need a program with two loadable segments');
  const [code, data] = [loads[0]!, loads.find((at) => (view(program).getUint32(at + P_FLAGS, true) & PF_X) === 0)!];
  const variant = (change: (bytes: DataView) => void): Uint8Array => {
    // A copy (a Buffer's slice() would share the bytes, and break the program itself).
    const copy = Uint8Array.from(program);
    change(view(copy));
    return copy;
  };
  return new Map([
    ['broken-truncated', Uint8Array.from(program.subarray(0, 40))],
    ['broken-class', variant((bytes) => bytes.setUint8(4, 1))], // ELFCLASS32
    ['broken-machine', variant((bytes) => bytes.setUint16(E_MACHINE, 62, true))], // x86-64
    ['broken-type', variant((bytes) => bytes.setUint16(E_TYPE, 3, true))], // ET_DYN
    ['broken-phnum', variant((bytes) => bytes.setUint16(E_PHNUM, 0xffff, true))],
    ['broken-filesz', variant((bytes) => bytes.setBigUint64(code + P_FILESZ, bytes.getBigUint64(code + P_MEMSZ, true) + 1n, true))],
    ['broken-kernel', variant((bytes) => bytes.setBigUint64(code + P_VADDR, 0xffff_0000_0040_0000n, true))],
    ['broken-overlap', variant((bytes) => bytes.setBigUint64(data + P_VADDR, bytes.getBigUint64(code + P_VADDR, true), true))],
    ['broken-entry', variant((bytes) => bytes.setBigUint64(E_ENTRY, bytes.getBigUint64(data + P_VADDR, true), true))],
  ]);
}
