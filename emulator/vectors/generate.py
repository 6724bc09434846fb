#!/usr/bin/python3
"""Instruction-level reference vectors for the emulator, produced by unicorn.

What this is
    Our AArch64 core must never be checked only against itself. This script asks an
    independent implementation -- unicorn 2.0.1 (QEMU's TCG front end), configured as a
    Cortex-A53 -- what one instruction does to a given machine state, and writes the
    question and the answer as test vectors in the format of `npm run emu -- step`:

        {"in":  {"insn": "8b020020", "x": [31 x "0x.."], "sp": "0x..", "pc": "0x..",
                 "nzcv": 0..15, "mem": [{"addr": "0x..", "hex": ".."}]},
         "out": {"x": [..], "sp": "0x..", "pc": "0x..", "nzcv": .., "mem": [..]}}

    "out.mem" lists only the input regions whose bytes changed, each with its full new
    contents. No vector takes an exception. emulator/test/vectors.test.ts replays them.

Coverage (one gzip'd JSON-lines file per class, emulator/test/vectors/<class>.jsonl.gz)
    Data processing: ADD/SUB immediate, shifted and extended register (with and without
    flags, every SP/ZR form), ADC/SBC(S), logical immediate (valid bitmasks of every
    element size) and shifted register (all eight ops, ROR included), MOVZ/MOVN/MOVK,
    SBFM/BFM/UBFM (so every LSL/LSR/ASR/SXT*/UXT*/BFI/BFXIL alias), EXTR, LSLV/LSRV/
    ASRV/RORV, CLZ/CLS/RBIT/REV/REV16/REV32, CSEL/CSINC/CSINV/CSNEG, CCMP/CCMN
    (immediate and register), MADD/MSUB/SMADDL/SMSUBL/UMADDL/UMSUBL/SMULH/UMULH,
    UDIV/SDIV (division by zero and INT_MIN / -1 are forced often), CRC32B/H/W/X and
    CRC32CB/CH/CW/CX (the A53's CRC32 extension), ADR/ADRP.
    Branches: B/BL, B.cond (all 16 conditions), CBZ/CBNZ, TBZ/TBNZ, BR/BLR/RET.
    Loads and stores: all sizes and signed variants with unsigned offset, register
    offset (LSL/UXTW/SXTW/SXTX, shifted or not), pre/post-index and unscaled offset;
    LDP/STP/LDNP/STNP/LDPSW (offset, pre, post); LDR/LDRSW literal; LDXR/STXR/LDAXR/
    STLXR/LDAR/STLR. Hints: NOP, YIELD, SEV, SEVL and the unallocated hint space.
    Operands are edge-biased (0, 1, -1, 0x7fffffff, 0x80000000, 0xffffffff, INT64_MAX,
    INT64_MIN, small values, ...); register numbers are random and include 31 in both its
    meanings (SP and ZR); registers an instruction does not read hold a fixed per-register
    filler pattern (it keeps the files small and still shows a write to the wrong register).

How to run
    python3 emulator/vectors/generate.py        (from the repository root)
    It needs Debian's python3-unicorn (`apt-get install python3-unicorn`, unicorn 2.0.1)
    and runs under the Python that package belongs to (/usr/bin/python3; if `python3` is
    another one, the script restarts itself under that one). Everything
    is derived from fixed seeds (one per class), so a re-run writes byte-identical files.

Unicorn quirks this script steers around (each checked on unicorn 2.0.1)
    * The default ARM64 CPU model is a Cortex-A72; ctl_set_cpu_model(UC_CPU_ARM64_A53)
      must come before anything else, and MIDR_EL1 is read back to prove it took effect.
    * Unicorn always runs at EL1 with the MMU off, so architecturally all data accesses are
      to Device memory and an unaligned one must take an Alignment fault. Unicorn does not
      fault (an LDR X from an address ending in 3 just loads), so every access generated
      here is aligned to its element size and no unaligned case is recorded.
      Load-acquire/store-release (LDAR/STLR) must fault when unaligned whatever the memory
      type; unicorn does not either. (LDXR/STXR do fault in unicorn when unaligned.)
    * SCTLR_EL1.SA is 1, so a load or store whose base is SP must take an SP alignment
      fault if SP is not 16-byte aligned; unicorn does not check. Whenever SP is the base
      register, SP is 16-byte aligned here.
    * The exclusive monitor survives between emu_start calls. Architecturally a lone store-
      exclusive (no preceding load-exclusive) fails with status 1 and writes nothing, which
      is what unicorn does from a clear monitor; so a CLREX runs (unrecorded) before every
      vector of the exclusive class.
    * Unicorn caches translated code; the word at pc is rewritten for each vector, so the
      translation cache for it is dropped each time (ctl_remove_cache).
    * A branch to an unmapped address makes emu_start fail although the branch itself
      completed; the whole low 272 MiB is mapped so every generated target is fetchable.
    * WFE and WFI are left out: unicorn treats them as NOPs, but what they do in a single
      step depends on the emulator's event/interrupt model, not on the instruction alone.
    * Constrained-unpredictable encodings (writeback with Rn == Rt, LDP with Rt == Rt2, a
      store-exclusive whose status register is Rt or Rn, ...) are never generated, since
      unicorn's choice there is one of several the Arm ARM allows.
    Left out on purpose: system instructions (MRS/MSR/barriers/CLREX), exceptions (SVC,
    HVC, BRK, UDF), unprivileged loads/stores (LDTR/STTR, meaningful only below EL1),
    PRFM, and floating point / SIMD.
"""

import gzip
import json
import os
import random
import struct
import sys
import time

DEBIAN_PYTHON = "/usr/bin/python3"
try:
    from unicorn import Uc, UcError, UC_ARCH_ARM64, UC_MODE_ARM, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE
    from unicorn import arm64_const as A64
except ImportError:
    # `python3` may be another installation (pyenv, a venv) that cannot see Debian's package.
    if os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON) and os.path.exists(DEBIAN_PYTHON):
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, *sys.argv])
    sys.exit("generate.py: unicorn is missing; install Debian's python3-unicorn (apt-get install python3-unicorn)")

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1

# Memory map. Everything below MAP_END is mapped so that any branch target we generate can
# be fetched; pc lies in CODE, every data access in DATA (filled with seeded random bytes).
MAP_END = 0x1100_0000
CODE_BASE, CODE_SIZE = 0x0800_0000, 0x1_0000
DATA_BASE, DATA_SIZE = 0x0808_0000, 0x1_0000
DATA_END = DATA_BASE + DATA_SIZE
SCRATCH_PC = 0x0700_0000          # where the unrecorded CLREX runs
WINDOW = 32                       # bytes of memory shown to the step around an access

CORTEX_A53_PARTNUM = 0xD03
CLREX = 0xD503305F

XREGS = [A64.UC_ARM64_REG_X0 + i for i in range(29)] + [A64.UC_ARM64_REG_X29, A64.UC_ARM64_REG_X30]
assert XREGS[28] == A64.UC_ARM64_REG_X28

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "vectors")


def sx(value, bits):
    """Two's-complement reading of the low `bits` bits of value."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


# ---------------------------------------------------------------------------------------
# Random machine states
# ---------------------------------------------------------------------------------------

EDGES = [
    0, 1, 2, 3, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
    0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFF, 0x1_0000_0000,
    0xFFFF_FFFF_0000_0000, 0xFFFF_FFFF_8000_0000, 0x0000_0001_FFFF_FFFF,
    0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x8000_0000_0000_0001,
    0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFE,
]


def edge(rng):
    """A 64-bit operand, biased towards the values where arithmetic goes wrong."""
    r = rng.random()
    if r < 0.30:
        return rng.choice(EDGES)
    if r < 0.40:
        return (rng.choice(EDGES) + rng.randint(-2, 2)) & MASK64
    if r < 0.52:
        return rng.randint(0, 64)
    if r < 0.58:
        return -rng.randint(1, 64) & MASK64
    if r < 0.70:
        return rng.getrandbits(32)
    if r < 0.76:
        return (rng.getrandbits(32) | 0x8000_0000) | (MASK64 ^ MASK32)   # negative W sign-extended
    return rng.getrandbits(64)


def filler(i):
    """What register i holds when the instruction does not read it."""
    return 0xF111_0000_0000_0000 | (i << 40) | (i * 0x0101_0101) & MASK32


SP_FILLER = 0x0000_0000_0012_3450


class Case:
    """One instruction and the state it starts from."""

    def __init__(self, rng):
        self.insn = 0         # filled in by the class generator
        self.x = [filler(i) for i in range(31)]
        self.sp = SP_FILLER
        self.pc = CODE_BASE + 4 * rng.randrange(CODE_SIZE // 4)
        self.nzcv = rng.randrange(16)
        self.windows = []     # (addr, length): memory the step is given
        self.pokes = []       # (addr, bytes): written into a window before the run
        self.clear_monitor = False

    def set(self, reg, value, sp_meaning):
        """Give register `reg` a value; 31 is SP or ZR depending on the operand."""
        if reg == 31:
            if sp_meaning:
                self.sp = value & MASK64
        else:
            self.x[reg] = value & MASK64

    def show(self, lo, hi, rng):
        """Make [lo, hi) (at most 16 bytes) visible through one WINDOW-byte window."""
        starts = [s for s in ((lo & ~15), (lo & ~15) - 16) if s + WINDOW >= hi]
        start = rng.choice(starts)
        assert DATA_BASE <= start and start + WINDOW <= DATA_END, hex(start)
        self.windows.append((start, WINDOW))

    def poke(self, addr, size, rng):
        """Sometimes replace the bytes a load will read by an edge value."""
        assert self.windows and self.windows[-1][0] <= addr and addr + size <= sum(self.windows[-1])
        if rng.random() < 0.5:
            self.pokes.append((addr, (edge(rng) & ((1 << (8 * size)) - 1)).to_bytes(size, "little")))


def reg(rng):
    """A register number; 31 comes up more often than 1/32 so both its meanings get covered."""
    if rng.random() < 0.12:
        return 31
    return rng.randrange(31)


def data_addr(rng, align, margin=64):
    """A random address in DATA, aligned to `align`, at least `margin` bytes from the ends."""
    lo = -(-(DATA_BASE + margin) // align) * align     # round up: the margin need not be a multiple of align
    hi = DATA_END - margin
    return lo + align * rng.randrange((hi - lo) // align)


# ---------------------------------------------------------------------------------------
# Instruction classes: each generator returns one Case
# ---------------------------------------------------------------------------------------

def gen_add_sub_imm(rng):
    c = Case(rng)
    sf, op, s, sh = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    rd, rn = reg(rng), reg(rng)
    imm12 = rng.choice([0, 1, 0xFFF, rng.getrandbits(12), rng.getrandbits(4)])
    c.set(rn, edge(rng), sp_meaning=True)
    c.insn = sf << 31 | op << 30 | s << 29 | 0b100010 << 23 | sh << 22 | imm12 << 10 | rn << 5 | rd
    return c


def gen_add_sub_shift(rng):
    c = Case(rng)
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    shift = rng.randrange(3)                       # LSL, LSR, ASR (11 is reserved)
    imm6 = rng.choice([0, 1, rng.randrange(32 << sf), (32 << sf) - 1])
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.insn = sf << 31 | op << 30 | s << 29 | 0b01011 << 24 | shift << 22 | rm << 16 | imm6 << 10 | rn << 5 | rd
    return c


def gen_add_sub_ext(rng):
    c = Case(rng)
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    option, imm3 = rng.randrange(8), rng.randrange(5)
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rm, edge(rng), sp_meaning=False)
    c.set(rn, edge(rng), sp_meaning=True)
    c.insn = (sf << 31 | op << 30 | s << 29 | 0b01011 << 24 | 1 << 21 | rm << 16 | option << 13
              | imm3 << 10 | rn << 5 | rd)
    return c


def gen_adc_sbc(rng):
    c = Case(rng)
    sf, op, s = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.insn = sf << 31 | op << 30 | s << 29 | 0b11010000 << 21 | rm << 16 | rn << 5 | rd
    return c


def bitmask_fields(rng, sf):
    """(N, immr, imms) of a valid logical immediate: `ones` set bits rotated in an element."""
    esize = rng.choice([2, 4, 8, 16, 32, 64] if sf else [2, 4, 8, 16, 32])
    ones = rng.randrange(1, esize)
    rotate = rng.randrange(esize)
    if esize == 64:
        return 1, rotate, ones - 1
    # immr bits above the element size are ignored by the decoder; vary them too.
    immr = rotate | (rng.randrange(64 // esize) * esize if sf else rng.randrange(32 // esize) * esize)
    return 0, immr, (~(2 * esize - 1) & 0x3F) | (ones - 1)


def gen_logical_imm(rng):
    c = Case(rng)
    sf, opc = rng.getrandbits(1), rng.randrange(4)
    n, immr, imms = bitmask_fields(rng, sf)
    rd, rn = reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.insn = sf << 31 | opc << 29 | 0b100100 << 23 | n << 22 | immr << 16 | imms << 10 | rn << 5 | rd
    return c


def gen_logical_shift(rng):
    c = Case(rng)
    sf, opc, n, shift = rng.getrandbits(1), rng.randrange(4), rng.getrandbits(1), rng.randrange(4)
    imm6 = rng.choice([0, 1, rng.randrange(32 << sf), (32 << sf) - 1])
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.insn = (sf << 31 | opc << 29 | 0b01010 << 24 | shift << 22 | n << 21 | rm << 16 | imm6 << 10
              | rn << 5 | rd)
    return c


def gen_move_wide(rng):
    c = Case(rng)
    sf, opc = rng.getrandbits(1), rng.choice([0b00, 0b10, 0b11])   # MOVN, MOVZ, MOVK
    hw = rng.randrange(4 if sf else 2)
    imm16 = rng.choice([0, 0xFFFF, 0x8000, 0x7FFF, rng.getrandbits(16)])
    rd = reg(rng)
    c.set(rd, edge(rng), sp_meaning=False)                         # MOVK keeps the other bits
    c.insn = sf << 31 | opc << 29 | 0b100101 << 23 | hw << 21 | imm16 << 5 | rd
    return c


def gen_bitfield(rng):
    c = Case(rng)
    sf, opc = rng.getrandbits(1), rng.randrange(3)                 # SBFM, BFM, UBFM
    size = 32 << sf
    kind = rng.random()
    if kind < 0.5:                                                 # anything valid
        immr, imms = rng.randrange(size), rng.randrange(size)
    elif kind < 0.65:                                              # LSL #s (UBFM) and friends
        shift = rng.randrange(size)
        immr, imms = (-shift) % size, size - 1 - shift
    elif kind < 0.8:                                               # LSR/ASR #s
        immr, imms = rng.randrange(size), size - 1
    else:                                                          # SXTB/SXTH/SXTW/UXTB/UXTH
        immr, imms = 0, rng.choice([7, 15, 31] if sf else [7, 15])
    rd, rn = reg(rng), reg(rng)
    c.set(rd, edge(rng), sp_meaning=False)                         # BFM keeps bits of Rd
    c.set(rn, edge(rng), sp_meaning=False)
    c.insn = sf << 31 | opc << 29 | 0b100110 << 23 | sf << 22 | immr << 16 | imms << 10 | rn << 5 | rd
    return c


def gen_extr(rng):
    c = Case(rng)
    sf = rng.getrandbits(1)
    imms = rng.choice([0, 1, rng.randrange(32 << sf), (32 << sf) - 1])
    rd, rn = reg(rng), reg(rng)
    rm = rn if rng.random() < 0.25 else reg(rng)                   # Rn == Rm is ROR
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.insn = sf << 31 | 0b00100111 << 23 | sf << 22 | rm << 16 | imms << 10 | rn << 5 | rd
    return c


def gen_shift_var(rng):
    c = Case(rng)
    sf, op2 = rng.getrandbits(1), rng.randrange(4)                 # LSLV, LSRV, ASRV, RORV
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, rng.choice([edge(rng), rng.randrange(128), rng.getrandbits(64)]), sp_meaning=False)
    c.insn = sf << 31 | 0b11010110 << 21 | rm << 16 | 0b0010 << 12 | op2 << 10 | rn << 5 | rd
    return c


def gen_bit_ops(rng):
    c = Case(rng)
    sf = rng.getrandbits(1)
    # RBIT, REV16, REV32 (REV for W), REV (X only), CLZ, CLS
    opcode = rng.choice([0, 1, 2, 3, 4, 5] if sf else [0, 1, 2, 4, 5])
    rd, rn = reg(rng), reg(rng)
    value = edge(rng)
    if rng.random() < 0.3:                                         # leading-bit counts
        value = (rng.getrandbits(64) | 1 << 63) >> rng.randrange(64)
        if rng.getrandbits(1):
            value ^= MASK64
    c.set(rn, value, sp_meaning=False)
    c.insn = sf << 31 | 1 << 30 | 0b11010110 << 21 | opcode << 10 | rn << 5 | rd
    return c


def gen_cond_select(rng):
    c = Case(rng)
    sf, op, op2, cond = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1), rng.randrange(16)
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.insn = (sf << 31 | op << 30 | 0b11010100 << 21 | rm << 16 | cond << 12 | op2 << 10
              | rn << 5 | rd)
    return c


def gen_cond_compare(rng):
    c = Case(rng)
    sf, op, use_imm = rng.getrandbits(1), rng.getrandbits(1), rng.getrandbits(1)
    cond, flags = rng.randrange(16), rng.randrange(16)
    rn = reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    if use_imm:
        field = rng.randrange(32)
    else:
        field = reg(rng)
        c.set(field, edge(rng), sp_meaning=False)
    c.insn = (sf << 31 | op << 30 | 1 << 29 | 0b11010010 << 21 | field << 16 | cond << 12
              | use_imm << 11 | rn << 5 | flags)
    return c


MUL_FORMS = [  # (sf, op31, o0): MADD, MSUB (W and X), SMADDL, SMSUBL, SMULH, UMADDL, UMSUBL, UMULH
    (0, 0b000, 0), (0, 0b000, 1), (1, 0b000, 0), (1, 0b000, 1),
    (1, 0b001, 0), (1, 0b001, 1), (1, 0b010, 0), (1, 0b101, 0), (1, 0b101, 1), (1, 0b110, 0),
]


def gen_mul(rng):
    c = Case(rng)
    sf, op31, o0 = rng.choice(MUL_FORMS)
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    ra = 31 if op31 in (0b010, 0b110) else reg(rng)                # SMULH/UMULH: Ra must be 11111
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.set(ra, edge(rng), sp_meaning=False)
    c.insn = (sf << 31 | 0b0011011 << 24 | op31 << 21 | rm << 16 | o0 << 15 | ra << 10
              | rn << 5 | rd)
    return c


def gen_div(rng):
    c = Case(rng)
    sf, signed = rng.getrandbits(1), rng.getrandbits(1)
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    dividend, divisor = edge(rng), edge(rng)
    r = rng.random()
    if r < 0.15:
        divisor = 0 if rng.getrandbits(1) else 0xFFFF_FFFF_0000_0000   # zero in W and X / W only
    elif r < 0.30:
        dividend = (1 << (32 << sf) - 1) | (rng.getrandbits(32) << 32 if not sf else 0)
        divisor = MASK64                                               # INT_MIN / -1
    c.set(rn, dividend, sp_meaning=False)
    c.set(rm, divisor, sp_meaning=False)
    c.insn = sf << 31 | 0b11010110 << 21 | rm << 16 | 0b00001 << 11 | signed << 10 | rn << 5 | rd
    return c


def gen_crc32(rng):
    c = Case(rng)
    size, castagnoli = rng.randrange(4), rng.getrandbits(1)          # B, H, W, X; CRC32 or CRC32C
    sf = 1 if size == 3 else 0                                       # only the X form is 64-bit
    rd, rn, rm = reg(rng), reg(rng), reg(rng)
    c.set(rn, edge(rng), sp_meaning=False)
    c.set(rm, edge(rng), sp_meaning=False)
    c.insn = (sf << 31 | 0b11010110 << 21 | rm << 16 | 0b010 << 13 | castagnoli << 12 | size << 10
              | rn << 5 | rd)
    return c


def gen_adr(rng):
    c = Case(rng)
    op, imm21, rd = rng.getrandbits(1), rng.getrandbits(21), reg(rng)
    c.insn = op << 31 | (imm21 & 3) << 29 | 0b10000 << 24 | (imm21 >> 2) << 5 | rd
    return c


def gen_branch_imm(rng):
    c = Case(rng)
    link = rng.getrandbits(1)
    imm26 = rng.choice([rng.getrandbits(26), rng.getrandbits(8), -rng.randrange(1, 256) & 0x3FFFFFF, 1, 0])
    c.insn = (0x94000000 if link else 0x14000000) | imm26
    return c


def gen_branch_cond(rng):
    c = Case(rng)
    imm19 = rng.choice([rng.getrandbits(19), rng.getrandbits(8), -rng.randrange(1, 256) & 0x7FFFF])
    c.insn = 0x54000000 | imm19 << 5 | rng.randrange(16)
    return c


def gen_compare_branch(rng):
    c = Case(rng)
    sf, nonzero, rt = rng.getrandbits(1), rng.getrandbits(1), reg(rng)
    imm19 = rng.choice([rng.getrandbits(19), rng.getrandbits(8), -rng.randrange(1, 256) & 0x7FFFF])
    value = rng.choice([0, 0, edge(rng), rng.getrandbits(32) << 32])   # upper half only: W is 0
    c.set(rt, value, sp_meaning=False)
    c.insn = sf << 31 | (0x35000000 if nonzero else 0x34000000) | imm19 << 5 | rt
    return c


def gen_test_branch(rng):
    c = Case(rng)
    bit, nonzero, rt = rng.randrange(64), rng.getrandbits(1), reg(rng)
    imm14 = rng.choice([rng.getrandbits(14), -rng.randrange(1, 256) & 0x3FFF])
    c.set(rt, edge(rng), sp_meaning=False)
    c.insn = ((bit >> 5) << 31 | (0x37000000 if nonzero else 0x36000000) | (bit & 31) << 19
              | imm14 << 5 | rt)
    return c


def gen_branch_reg(rng):
    c = Case(rng)
    kind = rng.choice([0xD61F0000, 0xD63F0000, 0xD65F0000])        # BR, BLR, RET
    rn = 30 if kind == 0xD65F0000 and rng.random() < 0.5 else reg(rng)
    c.set(rn, 4 * rng.randrange(MAP_END // 4), sp_meaning=False)    # 31 is XZR: a branch to 0
    c.insn = kind | rn << 5
    return c


# Loads and stores ----------------------------------------------------------------------

# (size, opc, access bytes, is_load) of the plain and sign-extending single-register forms
LDST_FORMS = [
    (0, 0, 1, False), (0, 1, 1, True), (0, 2, 1, True), (0, 3, 1, True),   # STRB LDRB LDRSB(X,W)
    (1, 0, 2, False), (1, 1, 2, True), (1, 2, 2, True), (1, 3, 2, True),   # STRH LDRH LDRSH(X,W)
    (2, 0, 4, False), (2, 1, 4, True), (2, 2, 4, True),                    # STR W, LDR W, LDRSW
    (3, 0, 8, False), (3, 1, 8, True),                                     # STR X, LDR X
]


def access(c, rng, addr, nbytes, is_load, rt=None):
    """Show the accessed bytes; give a load edge-valued data, a store an edge-valued Rt."""
    c.show(addr, addr + nbytes, rng)
    if is_load:
        c.poke(addr, nbytes, rng)
    elif rt is not None:
        c.set(rt, edge(rng), sp_meaning=False)


def gen_ldst_uimm(rng):
    c = Case(rng)
    size, opc, nbytes, is_load = rng.choice(LDST_FORMS)
    rt, rn = reg(rng), reg(rng)
    imm12 = rng.choice([0, rng.getrandbits(12), rng.getrandbits(5)])
    addr = data_addr(rng, nbytes)
    base = addr - imm12 * nbytes
    if rn == 31:                              # SP as base must be 16-byte aligned
        addr, base = addr - base % 16, base - base % 16
    access(c, rng, addr, nbytes, is_load, rt)
    c.set(rn, base, sp_meaning=True)
    c.insn = size << 30 | 0b111001 << 24 | opc << 22 | imm12 << 10 | rn << 5 | rt
    return c


EXTEND_OPTIONS = [0b010, 0b011, 0b110, 0b111]   # UXTW, LSL (UXTX), SXTW, SXTX


def extend(value, option):
    if option == 0b010:
        return value & MASK32
    if option == 0b110:
        return sx(value, 32) & MASK64
    return value


def gen_ldst_reg(rng):
    c = Case(rng)
    size, opc, nbytes, is_load = rng.choice(LDST_FORMS)
    option, scaled = rng.choice(EXTEND_OPTIONS), rng.getrandbits(1)
    rt, rn = reg(rng), reg(rng)
    rm = rng.choice([r for r in range(32) if r != rn or r == 31])
    index = 0 if rm == 31 else edge(rng)      # Rm = 31 is XZR
    if rn == 31 and not scaled:               # keep the offset a multiple of the access size
        index &= ~(nbytes - 1)
    offset = (extend(index, option) << (size if scaled else 0)) & MASK64
    addr = data_addr(rng, nbytes)
    base = (addr - offset) & MASK64
    if rn == 31:
        addr, base = addr - base % 16, base - base % 16
    access(c, rng, addr, nbytes, is_load, rt)
    c.set(rm, index, sp_meaning=False)
    c.set(rn, base, sp_meaning=True)
    c.insn = (size << 30 | 0b111000 << 24 | opc << 22 | 1 << 21 | rm << 16 | option << 13
              | scaled << 12 | 0b10 << 10 | rn << 5 | rt)
    return c


def imm9_case(rng, mode):
    """A single-register load/store with a 9-bit byte offset: 0 unscaled, 1 post, 3 pre."""
    c = Case(rng)
    size, opc, nbytes, is_load = rng.choice(LDST_FORMS)
    rt, rn = reg(rng), reg(rng)
    writeback = mode != 0
    while writeback and rn == rt and rn != 31:            # constrained unpredictable
        rt = reg(rng)
    imm9 = rng.choice([rng.randrange(-256, 256), rng.randrange(-16, 16), 0, -256, 255])
    if rn == 31:                                          # SP must stay 16-byte aligned
        imm9 -= imm9 % nbytes
        base = data_addr(rng, 16, margin=320)
        addr = base if mode == 1 else base + imm9
    else:                                                 # start from an aligned access
        addr = data_addr(rng, nbytes, margin=320)
        base = addr if mode == 1 else addr - imm9
    access(c, rng, addr, nbytes, is_load, rt)
    c.set(rn, base, sp_meaning=True)
    c.insn = (size << 30 | 0b111000 << 24 | opc << 22 | (imm9 & 0x1FF) << 12 | mode << 10
              | rn << 5 | rt)
    return c


def gen_ldst_prepost(rng):
    return imm9_case(rng, rng.choice([1, 3]))


def gen_ldst_unscaled(rng):
    return imm9_case(rng, 0)


PAIR_FORMS = [  # (opc, element bytes, is_load, signed): STP/LDP W, LDPSW, STP/LDP X
    (0, 4, False, False), (0, 4, True, False), (1, 4, True, True), (2, 8, False, False), (2, 8, True, False),
]


def gen_ldst_pair(rng):
    c = Case(rng)
    opc, esize, is_load, signed = rng.choice(PAIR_FORMS)
    mode = rng.choice([0, 1, 2, 3] if not signed else [1, 2, 3])   # NP offset, post, offset, pre
    writeback = mode in (1, 3)
    while True:
        rt, rt2, rn = reg(rng), reg(rng), reg(rng)
        if is_load and rt == rt2:
            continue
        if writeback and rn != 31 and rn in (rt, rt2):
            continue
        break
    imm7 = rng.choice([rng.randrange(-64, 64), rng.randrange(-4, 4), -64, 63])
    base = data_addr(rng, 16 if rn == 31 else esize, margin=600)
    addr = base if mode == 1 else base + imm7 * esize
    c.show(addr, addr + 2 * esize, rng)
    if is_load:
        c.poke(addr, esize, rng)
        c.poke(addr + esize, esize, rng)
    else:
        c.set(rt, edge(rng), sp_meaning=False)
        c.set(rt2, edge(rng), sp_meaning=False)
    c.set(rn, base, sp_meaning=True)
    c.insn = (opc << 30 | 0b101 << 27 | mode << 23 | is_load << 22 | (imm7 & 0x7F) << 15
              | rt2 << 10 | rn << 5 | rt)
    return c


def gen_ld_literal(rng):
    c = Case(rng)
    opc, nbytes = rng.choice([(0, 4), (1, 8), (2, 4)])            # LDR W, LDR X, LDRSW
    rt = reg(rng)
    addr = data_addr(rng, nbytes)
    c.show(addr, addr + nbytes, rng)
    c.poke(addr, nbytes, rng)
    imm19 = ((addr - c.pc) >> 2) & 0x7FFFF
    c.insn = opc << 30 | 0b011 << 27 | imm19 << 5 | rt
    return c


EXCLUSIVE_FORMS = [  # (o2, L, o0, has_status): STXR, STLXR, LDXR, LDAXR, STLR, LDAR
    (0, 0, 0, True), (0, 0, 1, True), (0, 1, 0, False), (0, 1, 1, False), (1, 0, 1, False), (1, 1, 1, False),
]


def gen_ldst_exclusive(rng):
    c = Case(rng)
    c.clear_monitor = True
    o2, load, o0, has_status = rng.choice(EXCLUSIVE_FORMS)
    size = rng.randrange(4)
    nbytes = 1 << size
    rt, rn = reg(rng), reg(rng)
    rs = 31
    if has_status:                            # status must not be Rt, nor Rn unless Rn is SP
        rs = rng.choice([r for r in range(32) if r != rt and (r != rn or rn == 31)])
    addr = data_addr(rng, 16 if rn == 31 else nbytes)
    access(c, rng, addr, nbytes, load == 1, rt)
    if has_status:
        c.set(rs, edge(rng), sp_meaning=False)
    c.set(rn, addr, sp_meaning=True)
    c.insn = (size << 30 | 0b001000 << 24 | o2 << 23 | load << 22 | rs << 16 | o0 << 15
              | 31 << 10 | rn << 5 | rt)
    return c


def gen_hints(rng):
    c = Case(rng)
    imm = rng.choice([0, 0, 1, 4, 5] + [rng.choice([i for i in range(128) if i not in (2, 3)])] * 3)
    c.set(reg(rng), edge(rng), sp_meaning=False)   # a read register value must survive too
    c.insn = 0xD503201F | imm << 5
    return c


# name -> (generator, how many vectors)
CLASSES = {
    "add_sub_imm": (gen_add_sub_imm, 3000),
    "add_sub_shift": (gen_add_sub_shift, 3000),
    "add_sub_ext": (gen_add_sub_ext, 3800),
    "adc_sbc": (gen_adc_sbc, 2200),
    "logical_imm": (gen_logical_imm, 3000),
    "logical_shift": (gen_logical_shift, 3000),
    "move_wide": (gen_move_wide, 1800),
    "bitfield": (gen_bitfield, 4500),
    "extr": (gen_extr, 1800),
    "shift_var": (gen_shift_var, 2200),
    "bit_ops": (gen_bit_ops, 2200),
    "cond_select": (gen_cond_select, 2200),
    "cond_compare": (gen_cond_compare, 3000),
    "mul": (gen_mul, 3000),
    "div": (gen_div, 2200),
    "crc32": (gen_crc32, 1600),
    "adr": (gen_adr, 1500),
    "branch_imm": (gen_branch_imm, 1200),
    "branch_cond": (gen_branch_cond, 1800),
    "compare_branch": (gen_compare_branch, 1500),
    "test_branch": (gen_test_branch, 1500),
    "branch_reg": (gen_branch_reg, 1500),
    "ldst_uimm": (gen_ldst_uimm, 3800),
    "ldst_reg": (gen_ldst_reg, 3800),
    "ldst_prepost": (gen_ldst_prepost, 3800),
    "ldst_unscaled": (gen_ldst_unscaled, 2200),
    "ldst_pair": (gen_ldst_pair, 3800),
    "ld_literal": (gen_ld_literal, 1500),
    "ldst_exclusive": (gen_ldst_exclusive, 3000),
    "hints": (gen_hints, 900),
}


# ---------------------------------------------------------------------------------------
# Running one instruction in unicorn
# ---------------------------------------------------------------------------------------

class Machine:
    """One unicorn Cortex-A53, reused for every vector; run() executes one Case."""

    def __init__(self, data):
        uc = Uc(UC_ARCH_ARM64, UC_MODE_ARM)
        uc.ctl_set_cpu_model(A64.UC_CPU_ARM64_A53)
        midr = uc.reg_read(A64.UC_ARM64_REG_CP_REG, (0, 0, 3, 0, 0))   # MIDR_EL1: crn crm op0 op1 op2
        if (midr >> 4) & 0xFFF != CORTEX_A53_PARTNUM or midr >> 24 != 0x41:
            sys.exit(f"generate.py: unicorn is not emulating a Cortex-A53 (MIDR_EL1 = {midr:#x})")
        self.midr = midr
        pstate = uc.reg_read(A64.UC_ARM64_REG_PSTATE)
        if pstate & 0xF != 0b0101:
            sys.exit(f"generate.py: unicorn is not at EL1h (PSTATE = {pstate:#x})")
        uc.mem_map(0, MAP_END)
        uc.mem_write(DATA_BASE, data)
        uc.mem_write(SCRATCH_PC, struct.pack("<I", CLREX))
        self.data = data
        self.accesses = []
        uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, self._on_access)
        self.uc = uc

    def _on_access(self, _uc, _kind, addr, size, _value, _user):
        # Every data access is checked against the windows the vector shows: a vector must
        # not depend on memory it does not record.
        self.accesses.append((addr, size))

    def run(self, c):
        """Execute c's instruction once from c's state; return {"in": .., "out": ..}."""
        uc = self.uc
        if c.clear_monitor:
            uc.emu_start(SCRATCH_PC, 0, 0, 1)
        for addr, data in c.pokes:
            uc.mem_write(addr, data)
        mem_in = [bytes(uc.mem_read(a, n)) for a, n in c.windows]
        for r, v in zip(XREGS, c.x):
            uc.reg_write(r, v)
        uc.reg_write(A64.UC_ARM64_REG_SP, c.sp)
        uc.reg_write(A64.UC_ARM64_REG_NZCV, c.nzcv << 28)
        uc.mem_write(c.pc, struct.pack("<I", c.insn))
        uc.ctl_remove_cache(c.pc, c.pc + 4)
        self.accesses = []
        try:
            uc.emu_start(c.pc, 0, 0, 1)
        except UcError as e:
            raise RuntimeError(f"insn {c.insn:08x} at pc {c.pc:#x}: unicorn stopped with {e}") from e
        for addr, size in self.accesses:
            if not any(a <= addr and addr + size <= a + n for a, n in c.windows):
                raise RuntimeError(f"insn {c.insn:08x} accessed {addr:#x}+{size} outside its windows")
        mem_out = []
        for (a, n), before in zip(c.windows, mem_in):
            after = bytes(uc.mem_read(a, n))
            if after != before:
                mem_out.append({"addr": hex(a), "hex": after.hex()})
            pristine = self.data[a - DATA_BASE:a - DATA_BASE + n]    # undo pokes and stores
            uc.mem_write(a, pristine)
        state_in = {
            "insn": f"{c.insn:08x}",
            "x": [hex(v) for v in c.x],
            "sp": hex(c.sp),
            "pc": hex(c.pc),
            "nzcv": c.nzcv,
            "mem": [{"addr": hex(a), "hex": b.hex()} for (a, _), b in zip(c.windows, mem_in)],
        }
        state_out = {
            "x": [hex(uc.reg_read(r)) for r in XREGS],
            "sp": hex(uc.reg_read(A64.UC_ARM64_REG_SP)),
            "pc": hex(uc.reg_read(A64.UC_ARM64_REG_PC)),
            "nzcv": uc.reg_read(A64.UC_ARM64_REG_NZCV) >> 28,
            "mem": mem_out,
        }
        return {"in": state_in, "out": state_out}


def main():
    started = time.monotonic()
    data = random.Random("bramble-vectors/data").randbytes(DATA_SIZE)
    machine = Machine(data)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for name, (generate, count) in CLASSES.items():
        rng = random.Random(f"bramble-vectors/{name}")
        lines = [json.dumps(machine.run(generate(rng)), separators=(",", ":")) for _ in range(count)]
        blob = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=9, mtime=0)
        with open(os.path.join(OUT_DIR, f"{name}.jsonl.gz"), "wb") as f:
            f.write(blob)
        total += count
        print(f"{name:16} {count:6} vectors {len(blob):9} bytes")
    print(f"{total} vectors from unicorn (MIDR_EL1 {machine.midr:#x}) in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
