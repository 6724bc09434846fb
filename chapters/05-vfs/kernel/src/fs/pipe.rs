//! Pipes: a bounded buffer with a reading end and a writing end. A reader waits while the
//! pipe is empty and a writer is left; a writer waits while it is full and a reader is
//! left. Each end counts the open files holding it, so the last writer's close is the
//! readers' end of file, and the last reader's close makes writes fail with EPIPE (the
//! SIGPIPE Linux also sends comes with signals, in chapter 07). Waiting is sleeping, not
//! spinning: each side wakes the other when it has changed the buffer.

use crate::errno::Errno;
use crate::process::{self, Wait};
use crate::spinlock::SpinLock;
use crate::cpu;
use alloc::collections::VecDeque;
use alloc::sync::Arc;

// ANCHOR: pipe
/// How many bytes a pipe holds before a writer waits (Linux holds 64 KiB; a small pipe
/// makes the waiting happen, and shows, with little data).
pub const CAPACITY: usize = 4096;

pub struct Pipe {
    state: SpinLock<State>,
}

struct State {
    bytes: VecDeque<u8>,
    /// Open files holding each end.
    readers: usize,
    writers: usize,
}

/// One end of a pipe, as an open file holds it; dropping it closes that end.
pub struct PipeEnd {
    pipe: Arc<Pipe>,
    writing: bool,
}

/// A new pipe: its reading end and its writing end.
pub fn new() -> (PipeEnd, PipeEnd) {
    let pipe = Arc::new(Pipe { state: SpinLock::new(State { bytes: VecDeque::new(), readers: 1, writers: 1 }) });
    (PipeEnd { pipe: pipe.clone(), writing: false }, PipeEnd { pipe, writing: true })
}
// ANCHOR_END: pipe

impl Pipe {
    /// What readers and writers of this pipe sleep on: its address, unique while it lives.
    fn wait(&self) -> Wait {
        Wait::Pipe(self as *const Pipe as usize)
    }
}

/// Runs `attempt` until it has an answer, sleeping on the pipe between tries. IRQs stay
/// masked from the attempt to the sleep, so a wake-up cannot fall between them.
fn until_done<R>(pipe: &Pipe, mut attempt: impl FnMut(&mut State) -> Option<R>) -> R {
    loop {
        let daif = cpu::mask_irqs();
        let answer = attempt(&mut pipe.state.lock());
        if answer.is_none() {
            process::sleep(pipe.wait());
        }
        cpu::restore_interrupts(daif);
        if let Some(answer) = answer {
            return answer;
        }
    }
}

// ANCHOR: pipe_io
impl PipeEnd {
    /// Waits for bytes (or for every writer to be gone: end of file, 0), then takes what
    /// there is, up to `buffer.len()`.
    pub fn read(&self, buffer: &mut [u8]) -> usize {
        if buffer.is_empty() {
            return 0;
        }
        let count = until_done(&self.pipe, |state| {
            if state.bytes.is_empty() {
                return (state.writers == 0).then_some(0);
            }
            let count = buffer.len().min(state.bytes.len());
            for (slot, byte) in buffer.iter_mut().zip(state.bytes.drain(..count)) {
                *slot = byte;
            }
            Some(count)
        });
        process::wake(self.pipe.wait());
        count
    }

    /// Writes all of `bytes`, waiting for room as often as needed; EPIPE when no reader is
    /// left before any byte went in (after that, how many did).
    pub fn write(&self, bytes: &[u8]) -> Result<usize, Errno> {
        let mut done = 0;
        loop {
            let step = until_done(&self.pipe, |state| {
                if state.readers == 0 {
                    return Some(Err(Errno::EPIPE));
                }
                let room = CAPACITY - state.bytes.len();
                if room == 0 {
                    return None;
                }
                let count = room.min(bytes.len() - done);
                state.bytes.extend(&bytes[done..done + count]);
                Some(Ok(count))
            });
            process::wake(self.pipe.wait());
            match step {
                Ok(count) => done += count,
                Err(errno) if done == 0 => return Err(errno),
                Err(_) => return Ok(done),
            }
            if done == bytes.len() {
                return Ok(done);
            }
        }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        {
            let mut state = self.pipe.state.lock();
            if self.writing {
                state.writers -= 1;
            } else {
                state.readers -= 1;
            }
        }
        // A reader may be waiting for this end of file, or a writer for this EPIPE.
        process::wake(self.pipe.wait());
    }
}
// ANCHOR_END: pipe_io
