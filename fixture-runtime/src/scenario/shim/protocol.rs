//! What a shim process and the run that started it say to each other: one
//! JSON object per line over the run's Unix socket.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A call, as the shim saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The arguments, the program excluded.
    pub args: Vec<String>,
    /// Its stdin, read to the end (empty when stdin is a terminal).
    pub stdin: String,
    /// Its working directory.
    pub cwd: PathBuf,
    /// Its environment.
    pub env: BTreeMap<String, String>,
}

/// The run's answer to a [`Request`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    /// Print this and exit with `exit_code` (`None`: as if killed).
    Serve {
        /// The stdout text.
        stdout: String,
        /// The stderr text.
        stderr: String,
        /// The exit code.
        exit_code: Option<i32>,
        /// Milliseconds before each stdout line.
        delay_ms: u64,
        /// Per stdout line, when to print it (milliseconds from the start);
        /// empty for no recorded pacing.
        pacing_ms: Vec<u64>,
        /// Whether to hang after printing, until killed.
        hang: bool,
    },
    /// Run the real CLI, pass everything through, then send [`Ran`].
    Forward {
        /// The real CLI.
        real: PathBuf,
    },
    /// No recording answers: print `message` on stderr and exit with
    /// [`MISS_EXIT`].
    Miss {
        /// What was asked and what is left.
        message: String,
    },
}

/// What a forwarded call produced, for the recorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ran {
    /// The exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
    /// Per stdout line, milliseconds from the start to its end.
    pub line_ms: Vec<u64>,
}

/// The run's word that a [`Ran`] is recorded (or why it is not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// `None` when recorded, else the problem.
    pub problem: Option<String>,
}

/// The exit code of a shim call no recording answered.
pub const MISS_EXIT: i32 = 2;

/// One side of a connection.
pub struct Channel {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl Channel {
    /// Wraps a connected stream.
    pub fn new(stream: UnixStream) -> io::Result<Channel> {
        Ok(Channel {
            writer: stream.try_clone()?,
            reader: BufReader::new(stream),
        })
    }

    /// Sends one message.
    pub fn send(&mut self, message: &impl Serialize) -> io::Result<()> {
        let mut line = serde_json::to_string(message).map_err(io::Error::other)?;
        line.push('\n');
        self.writer.write_all(line.as_bytes())?;
        self.writer.flush()
    }

    /// Receives one message; end of stream is an `UnexpectedEof` error.
    pub fn receive<T: DeserializeOwned>(&mut self) -> io::Result<T> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the other side closed the connection",
            ));
        }
        serde_json::from_str(&line).map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))
    }
}
