//! Output kept within bounds: the first and last bytes of a stream, and how
//! many were cut between them.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How the line standing for cut bytes starts.
pub const CUT_MARK: &str = "[fixture-kit: ";

/// A stream's first `limit / 2` and last `limit / 2` bytes.
#[derive(Debug, Clone)]
pub struct Capture {
    half: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    cut: u64,
}

impl Capture {
    /// Keeps at most `limit` bytes: half from the start, half from the end.
    pub fn new(limit: usize) -> Capture {
        Capture {
            half: limit / 2,
            head: Vec::new(),
            tail: VecDeque::new(),
            cut: 0,
        }
    }

    /// Adds bytes as they arrive.
    pub fn push(&mut self, mut bytes: &[u8]) {
        let room = self.half - self.head.len();
        let to_head = room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..to_head]);
        bytes = &bytes[to_head..];
        if bytes.len() >= self.half {
            self.cut += (self.tail.len() + bytes.len() - self.half) as u64;
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.half..]);
            return;
        }
        let over = (self.tail.len() + bytes.len()).saturating_sub(self.half);
        self.tail.drain(..over);
        self.cut += over as u64;
        self.tail.extend(bytes);
    }

    /// What was kept, as text.
    pub fn finish(&self) -> Captured {
        let mut bytes = self.head.clone();
        if self.cut > 0 {
            if bytes.last().is_some_and(|b| *b != b'\n') {
                bytes.push(b'\n');
            }
            let note = format!(
                "{CUT_MARK}{} bytes cut, the first and last {} kept]\n",
                self.cut, self.half
            );
            bytes.extend_from_slice(note.as_bytes());
        }
        bytes.extend(self.tail.iter());
        Captured {
            text: String::from_utf8_lossy(&bytes).into_owned(),
            cut: self.cut,
        }
    }

    /// Reads `pipe` to its end in a thread, into a capture shared with the
    /// caller (who may look at it while it grows).
    pub fn spawn_reader(
        limit: usize,
        mut pipe: impl Read + Send + 'static,
    ) -> (Arc<Mutex<Capture>>, JoinHandle<()>) {
        let capture = Arc::new(Mutex::new(Capture::new(limit)));
        let shared = Arc::clone(&capture);
        let reader = thread::spawn(move || {
            let mut buffer = vec![0; 64 * 1024];
            loop {
                match pipe.read(&mut buffer) {
                    Ok(0) => return,
                    Ok(n) => shared
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(&buffer[..n]),
                    Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => return,
                }
            }
        });
        (capture, reader)
    }
}

/// Waits for a reader of [`Capture::spawn_reader`] to reach the end of its
/// pipe, for at most `within`: a process that escaped supervision may hold
/// the pipe open, and must not hang the caller (the capture keeps what came).
pub fn join_reader(reader: JoinHandle<()>, within: Duration) {
    let deadline = Instant::now() + within;
    while !reader.is_finished() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    if reader.is_finished() {
        let _ = reader.join();
    }
}

/// A captured stream: its text (lossy UTF-8) with a `[fixture-kit: N bytes
/// cut ...]` line where bytes were left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The text kept.
    pub text: String,
    /// How many bytes were cut from the middle.
    pub cut: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_everything_within_the_limit() {
        let mut capture = Capture::new(8);
        capture.push(b"ab");
        capture.push(b"cd");
        assert_eq!(
            capture.finish(),
            Captured {
                text: "abcd".into(),
                cut: 0
            }
        );
        capture.push(b"efgh");
        assert_eq!(capture.finish().text, "abcdefgh");
    }

    #[test]
    fn keeps_head_and_tail_and_counts_the_cut() {
        for chunk in [1, 3, 7, 100] {
            let mut capture = Capture::new(8);
            let input: Vec<u8> = (b'a'..=b'z').collect();
            for part in input.chunks(chunk) {
                capture.push(part);
            }
            let captured = capture.finish();
            assert_eq!(captured.cut, 18, "chunk {chunk}");
            assert_eq!(
                captured.text, "abcd\n[fixture-kit: 18 bytes cut, the first and last 4 kept]\nwxyz",
                "chunk {chunk}"
            );
        }
    }
}
