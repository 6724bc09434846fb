//! pipes: a pipe between a parent and a child. The child writes more than the pipe holds,
//! so it waits for the parent to read; the parent reads until end of file, which comes
//! when the last writer closes. Then a ping-pong through two pipes, and EPIPE for a write
//! nobody can read.
#![no_std]
#![no_main]

use ulib::sys::{self, Fork};
use ulib::{Errno, println};

ulib::main!(run);

const TOTAL: usize = 20_000;

fn run() -> i32 {
    match steps() {
        Ok(()) => 0,
        Err(errno) => {
            println!("pipes: {errno}");
            1
        }
    }
}

fn steps() -> Result<(), Errno> {
    sys::ignore_sigpipe();
    let (reading, writing) = sys::pipe2(0)?;
    let stat = sys::fstat(reading)?;
    println!("pipe2: a FIFO {}", stat.mode & sys::S_IFMT == sys::S_IFIFO);
    match sys::fork()? {
        Fork::Child => {
            sys::close(reading)?;
            let mut sent = 0;
            let mut block = [0u8; 1000];
            while sent < TOTAL {
                for (index, byte) in block.iter_mut().enumerate() {
                    *byte = ((sent + index) % 251) as u8;
                }
                sent += sys::write(writing, &block)?;
            }
            sys::exit(0)
        }
        Fork::Parent { .. } => {
            sys::close(writing)?;
            let (mut received, mut checksum, mut in_order) = (0usize, 0u64, true);
            let mut buffer = [0u8; 700];
            loop {
                let count = sys::read(reading, &mut buffer)?;
                if count == 0 {
                    break;
                }
                for &byte in &buffer[..count] {
                    in_order &= byte as usize == received % 251;
                    checksum = checksum.wrapping_mul(31).wrapping_add(byte as u64);
                    received += 1;
                }
            }
            let child = sys::wait4(-1, 0)?.and_then(|waited| waited.exit_code());
            println!("received {received} bytes in order: {in_order}, checksum {checksum:#x}, then end of file");
            println!("the writer exited with {child:?}");
            sys::close(reading)?;
        }
    }

    // Ping-pong: each byte goes to the child and comes back one more.
    let (down_read, down_write) = sys::pipe2(0)?;
    let (up_read, up_write) = sys::pipe2(sys::O_CLOEXEC)?;
    println!("O_CLOEXEC on the second pipe: {}", sys::fcntl(up_read, sys::F_GETFD, 0)?);
    match sys::fork()? {
        Fork::Child => {
            sys::close(down_write)?;
            sys::close(up_read)?;
            let mut byte = [0u8; 1];
            while sys::read(down_read, &mut byte)? == 1 {
                byte[0] = byte[0].wrapping_add(1);
                sys::write(up_write, &byte)?;
            }
            sys::exit(0)
        }
        Fork::Parent { .. } => {
            sys::close(down_read)?;
            sys::close(up_write)?;
            let mut byte = [0u8; 1];
            for _ in 0..100 {
                sys::write(down_write, &byte)?;
                sys::read(up_read, &mut byte)?;
            }
            sys::close(down_write)?;
            println!("100 round trips: the byte is {}", byte[0]);
            println!("after the child's end of file: read gives {}", sys::read(up_read, &mut byte)?);
            sys::wait4(-1, 0)?;
            sys::close(up_read)?;
        }
    }

    // O_NONBLOCK: where a read or write would wait, EAGAIN instead.
    let (reading, writing) = sys::pipe2(sys::O_NONBLOCK)?;
    println!("O_NONBLOCK: F_GETFL has it: {}", sys::fcntl(reading, sys::F_GETFL, 0)? & sys::O_NONBLOCK != 0);
    println!("read of an empty pipe: {}", sys::read(reading, &mut [0u8; 1]).err().map_or("no error", Errno::name));
    let mut written = 0;
    let full = loop {
        match sys::write(writing, &[7u8; 512]) {
            Ok(count) => written += count,
            Err(errno) => break errno,
        }
    };
    println!("writes until the pipe is full, then: {} (more than 4 KiB went in: {})", full.name(), written >= 4096);
    sys::close(reading)?;
    sys::close(writing)?;

    // Nobody left to read: EPIPE.
    let (reading, writing) = sys::pipe2(0)?;
    sys::close(reading)?;
    println!("write with no reader: {}", sys::write(writing, b"lost").err().map_or("no error", Errno::name));
    println!("lseek on a pipe: {}", sys::lseek(writing, 0, sys::SEEK_SET).err().map_or("no error", Errno::name));
    sys::close(writing)?;
    Ok(())
}
