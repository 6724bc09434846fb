//! Pipes: a bounded buffer with a reading end and a writing end. A reader waits while the
//! pipe is empty and a writer is left; a writer waits while it is full and a reader is
//! left. Each end counts the open files holding it, so the last writer's close is the
//! readers' end of file, and the last reader's close makes writes fail with EPIPE (the
//! SIGPIPE Linux also sends comes with signals, in chapter 07). Waiting is sleeping, not
//! spinning: each side wakes the other when it has changed the buffer. An open file with
//! O_NONBLOCK does not wait: where it would, the call fails with EAGAIN.

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
/// Writes of at most this many bytes go in whole, never mixed with another writer's bytes
/// (POSIX's PIPE_BUF): they wait for room for all of them.
pub const PIPE_BUF: usize = CAPACITY;

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

/// Runs `attempt` until it has an answer, sleeping on the pipe between tries (or, for a
/// non-blocking file, answering EAGAIN instead). IRQs stay masked from the attempt to the
/// sleep, so a wake-up cannot fall between them.
fn until_done<R>(pipe: &Pipe, non_blocking: bool, mut attempt: impl FnMut(&mut State) -> Option<Result<R, Errno>>) -> Result<R, Errno> {
    loop {
        let daif = cpu::mask_irqs();
        let mut answer = attempt(&mut pipe.state.lock());
        if answer.is_none() && non_blocking {
            answer = Some(Err(Errno::EAGAIN));
        }
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
    pub fn read(&self, buffer: &mut [u8], non_blocking: bool) -> Result<usize, Errno> {
        if buffer.is_empty() {
            return Ok(0);
        }
        let count = until_done(&self.pipe, non_blocking, |state| {
            if state.bytes.is_empty() {
                return (state.writers == 0).then_some(Ok(0));
            }
            let count = buffer.len().min(state.bytes.len());
            for (slot, byte) in buffer.iter_mut().zip(state.bytes.drain(..count)) {
                *slot = byte;
            }
            Some(Ok(count))
        })?;
        process::wake(self.pipe.wait());
        Ok(count)
    }

    /// Writes all of `bytes`, waiting for room as often as needed; EPIPE when no reader is
    /// left (or EAGAIN when a non-blocking write finds no room) before any byte went in,
    /// and after that, how many did.
    pub fn write(&self, bytes: &[u8], non_blocking: bool) -> Result<usize, Errno> {
        let mut done = 0;
        loop {
            let step = until_done(&self.pipe, non_blocking, |state| {
                if state.readers == 0 {
                    return Some(Err(Errno::EPIPE));
                }
                let room = CAPACITY - state.bytes.len();
                let small = done == 0 && bytes.len() <= PIPE_BUF;
                if room == 0 || (small && room < bytes.len()) {
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
