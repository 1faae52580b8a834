//! The fake as a process: find the sandbox, take its lock, answer, append the record, reply.
//!
//! This runs once per fake call, so it does as little as it can: no argument parser, the world
//! read only after the lock is taken, one write per record.

use super::{answer, materialize, State, FAULT_FILE, LOG_FILE, STATE_FILE, WORLD_FILE};
use crate::fs::{self, SANDBOX_ENV};
use crate::world::World;
use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

/// The argument the harness runs the binary with (as `weavetrace-fake`) to learn that it is the
/// fake, before any sandbox relies on it.
pub const PROBE_ARG: &str = "--weavetrace-probe";
/// The fake's one-line answer to [`PROBE_ARG`].
pub const PROBE_ANSWER: &str = concat!("weavetrace-fake ", env!("CARGO_PKG_VERSION"), "\n");

/// Runs the fake named by argv[0]; returns its exit status.
pub fn main() -> i32 {
    let argv: Vec<Vec<u8>> = std::env::args_os().map(OsString::into_vec).collect();
    let name = argv.first().map_or(&b""[..], |a| a.rsplit(|&b| b == b'/').next().unwrap_or(a));
    if name == b"weavetrace-fake" && argv.len() == 2 && argv[1] == PROBE_ARG.as_bytes() {
        print!("{PROBE_ANSWER}");
        return 0;
    }
    let Some(dir) = std::env::var_os(SANDBOX_ENV).map(PathBuf::from) else {
        eprintln!("weavetrace-fake: {SANDBOX_ENV} is not set: fakes run inside a weavetrace sandbox");
        return 127;
    };
    report_panics(this_call);
    match serve(&dir, argv) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("weavetrace-fake: sandbox {}: {e}", dir.display());
            record_fault(&dir, &format!("{} failed: {e}", this_call()));
            // 3 is the harness's own failure; a subject sees a failed command, the harness the
            // fault.
            3
        }
    }
}

/// This call, as faults name it: its words, cut short.
fn this_call() -> String {
    let words: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let call = words.join(" ");
    match call.char_indices().nth(80) {
        Some((cut, _)) => format!("the fake `{}...`", &call[..cut]),
        None => format!("the fake `{call}`"),
    }
}

/// Appends `message`, as one line, to the sandbox's faults file. Nothing is left to tell of a
/// failure to write it.
pub fn record_fault(dir: &Path, message: &str) {
    let line = format!("{}\n", message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" "));
    let _ = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(dir.join(FAULT_FILE))
        .and_then(|mut f| f.write_all(line.as_bytes()));
}

/// Makes a panic of this process, run in a sandbox, a fault the harness reads (`who` names the
/// process, only then), besides the usual message on stderr: the subject only sees a command
/// that failed, which would otherwise pass for a mismatch.
pub fn report_panics(who: fn() -> String) {
    let Some(dir) = std::env::var_os(SANDBOX_ENV).map(PathBuf::from) else { return };
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        record_fault(&dir, &format!("{} {info}", who()));
        default(info);
    }));
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
        // The sandbox links only names a fake answers to: another is the harness's mistake.
        let name = String::from_utf8_lossy(argv.first().map_or(&b""[..], |a| a));
        eprintln!("weavetrace-fake: no fake is named {name:?}");
        record_fault(dir, &format!("weavetrace-fake: no fake is named {name:?}"));
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
