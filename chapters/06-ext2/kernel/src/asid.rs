//! Address space identifiers (pure). The TLB tags each user translation with the ASID in
//! TTBR0_EL1 bits 63:48, so switching processes needs no TLB flush: another process's
//! entries simply do not match. With 8-bit ASIDs (TCR_EL1.AS = 0) there are 255 to hand out
//! (0 is kept for "no process"); when they run out, a new generation starts: the whole TLB
//! is flushed once and every process gets a fresh ASID the next time it runs.

// ANCHOR: asids
/// A process's ASID and the generation it belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Asid {
    pub generation: u64,
    pub value: u16,
}

pub struct Asids {
    generation: u64,
    next: u16,
    last: u16,
}

impl Asids {
    /// ASIDs `1..=last`.
    pub const fn new(last: u16) -> Asids {
        Asids { generation: 1, next: 1, last }
    }

    /// The ASID a process should run with: its own if still of this generation, else a
    /// fresh one. `true` with it means a new generation began: flush the whole TLB first.
    pub fn assign(&mut self, current: Option<Asid>) -> (Asid, bool) {
        if let Some(asid) = current.filter(|asid| asid.generation == self.generation) {
            return (asid, false);
        }
        let rollover = self.next > self.last;
        if rollover {
            self.generation += 1;
            self.next = 1;
        }
        let asid = Asid { generation: self.generation, value: self.next };
        self.next += 1;
        (asid, rollover)
    }
}
// ANCHOR_END: asids

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_keeps_its_asid_within_a_generation() {
        let mut asids = Asids::new(255);
        let (first, flush) = asids.assign(None);
        assert_eq!((first.value, flush), (1, false));
        assert_eq!(asids.assign(Some(first)), (first, false));
        assert_eq!(asids.assign(None).0.value, 2);
    }

    #[test]
    fn running_out_starts_a_new_generation_with_one_flush() {
        let mut asids = Asids::new(3);
        let first = asids.assign(None).0;
        asids.assign(None);
        asids.assign(None);
        let (fourth, flush) = asids.assign(None);
        assert_eq!((fourth.value, fourth.generation, flush), (1, 2, true));
        let (again, flush) = asids.assign(Some(first));
        assert_eq!((again.value, again.generation, flush), (2, 2, false), "the old one is stale");
    }
}
