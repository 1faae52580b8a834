//! The fake as a process: find the sandbox, take its lock, answer, append the record, reply.
//!
//! This runs once per fake call, so it does as little as it can: no argument parser, the world
//! read only after the lock is taken, one write per record.

use super::{answer, fs, materialize, State, LOG_FILE, SANDBOX_ENV, STATE_FILE, WORLD_FILE};
use crate::world::World;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// Runs the fake named by argv[0]; returns its exit status.
pub fn main() -> i32 {
    let argv: Vec<Vec<u8>> = std::env::args_os().map(OsString::into_vec).collect();
    let Some(dir) = std::env::var_os(SANDBOX_ENV).map(PathBuf::from) else {
        eprintln!("weavetrace-fake: {SANDBOX_ENV} is not set: fakes run inside a weavetrace sandbox");
        return 127;
    };
    match serve(&dir, argv) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("weavetrace-fake: sandbox {}: {e}", dir.display());
            // 3 is the harness's own failure; a subject sees a failed command, the harness the
            // message.
            3
        }
    }
}

fn serve(dir: &Path, argv: Vec<Vec<u8>>) -> std::io::Result<i32> {
    let stdin = read_stdin_if_given();
    // The log is also the lock: whoever holds it owns the state until its record is written.
    let mut log = std::fs::OpenOptions::new().append(true).open(dir.join(LOG_FILE))?;
    rustix::fs::flock(&log, rustix::fs::FlockOperation::LockExclusive)?;
    let world: World = serde_json::from_slice(&std::fs::read(dir.join(WORLD_FILE))?).map_err(std::io::Error::other)?;
    let mut state: State = match std::fs::read(dir.join(STATE_FILE)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(e),
    };
    let env = |k: &str| std::env::var_os(k).map(|v| v.as_bytes().to_vec());
    // The sandbox's directories as its subject sees them at /proc, /run, /sys/class/net and /tmp.
    let mut files = fs::sandbox_fs(dir);
    let Some((reply, call)) = answer(&world, &mut state, &mut files, &argv, &env, stdin) else {
        drop(log);
        let name = String::from_utf8_lossy(argv.first().map_or(&b""[..], |a| a));
        eprintln!("weavetrace-fake: no fake is named {name:?}");
        return Ok(127);
    };
    if reply.changed {
        materialize(&state, &mut files, b"/proc");
    }
    log.write_all(&call.to_line())?;
    std::fs::write(dir.join(STATE_FILE), serde_json::to_vec(&state).map_err(std::io::Error::other)?)?;
    drop(log);
    // A reader that went away (a pipeline cut short) is not the fake's failure.
    let _ = std::io::stdout().write_all(&reply.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&reply.stderr);
    Ok(reply.status)
}

/// stdin when the caller gave one (a pipe or a file); a terminal or /dev/null is not read.
fn read_stdin_if_given() -> Vec<u8> {
    let mut data = Vec::new();
    let given = rustix::fs::fstat(rustix::stdio::stdin())
        .map(|st| {
            let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
            kind == rustix::fs::FileType::Fifo || kind == rustix::fs::FileType::RegularFile
        })
        .unwrap_or(false);
    if given {
        let _ = std::io::stdin().read_to_end(&mut data);
    }
    data
}
