//! The fake as a process: find the sandbox, take its lock, answer, append the record, reply.
//!
//! This runs once per fake call, so it does as little as it can: no argument parser, the world
//! read only after the lock is taken, one write per record.

use super::{answer, escape, materialize, weaveexec, Reply, State, FAULT_FILE, LOG_FILE, STATE_FILE, WORLD_FILE};
use crate::fs::{self, SANDBOX_ENV};
use crate::world::World;
use rustix::fs::OFlags;
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
    let records = match Records::find(&dir) {
        Ok(records) => records,
        Err(why) => {
            eprintln!("weavetrace-fake: {why}");
            return 3;
        }
    };
    match serve(&dir, &records, argv) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("weavetrace-fake: sandbox {}: {e}", dir.display());
            record_fault(&records, &format!("{} failed: {e}", this_call()));
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

/// Where the records are: through the descriptor the sandbox's isolation hands the fakes, or,
/// run without it, in the sandbox's records directory.
pub enum Records {
    Fd,
    Dir(PathBuf),
}

impl Records {
    /// The records of the sandbox at `dir`; an error when the descriptor is there but is not the
    /// harness's (a subject put a directory of its own at that number).
    pub fn find(dir: &Path) -> Result<Records, String> {
        // SAFETY: only inspected; a descriptor that is not open gives an error.
        let fd = unsafe { rustix::fd::BorrowedFd::borrow_raw(fs::RECORDS_FD) };
        match rustix::fs::fcntl_getfl(fd) {
            Ok(flags) if flags.contains(rustix::fs::OFlags::PATH) => Ok(Records::Fd),
            Ok(_) => Err(format!(
                "descriptor {} is not the sandbox's records: the subject put something else there",
                fs::RECORDS_FD
            )),
            Err(_) => Ok(Records::Dir(dir.join(fs::RECORDS_DIR))),
        }
    }

    fn open(&self, name: &str, flags: rustix::fs::OFlags) -> std::io::Result<std::fs::File> {
        let flags = flags | rustix::fs::OFlags::CLOEXEC;
        let mode = rustix::fs::Mode::from_raw_mode(0o644);
        let fd = match self {
            // SAFETY: checked open by `find`, and never closed by this process.
            Records::Fd => {
                rustix::fs::openat(unsafe { rustix::fd::BorrowedFd::borrow_raw(fs::RECORDS_FD) }, name, flags, mode)?
            }
            Records::Dir(dir) => rustix::fs::open(dir.join(name), flags, mode)?,
        };
        Ok(std::fs::File::from(fd))
    }

    pub fn read(&self, name: &str) -> std::io::Result<Vec<u8>> {
        let mut data = Vec::new();
        self.open(name, rustix::fs::OFlags::RDONLY)?.read_to_end(&mut data)?;
        Ok(data)
    }

    pub fn write(&self, name: &str, data: &[u8]) -> std::io::Result<()> {
        let flags = rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CREATE | rustix::fs::OFlags::TRUNC;
        self.open(name, flags)?.write_all(data)
    }

    pub fn remove(&self, name: &str) -> std::io::Result<()> {
        match self {
            // SAFETY: as in `open`.
            Records::Fd => Ok(rustix::fs::unlinkat(
                unsafe { rustix::fd::BorrowedFd::borrow_raw(fs::RECORDS_FD) },
                name,
                rustix::fs::AtFlags::empty(),
            )?),
            Records::Dir(dir) => std::fs::remove_file(dir.join(name)),
        }
    }

    /// Whether the records hold `name`.
    pub fn has(&self, name: &str) -> bool {
        self.open(name, rustix::fs::OFlags::PATH).is_ok()
    }
}

/// Appends `message`, as one line, to the sandbox's faults file. Nothing is left to tell of a
/// failure to write it.
pub fn record_fault(records: &Records, message: &str) {
    let line = format!("{}\n", message.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" "));
    let flags = rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::APPEND | rustix::fs::OFlags::CREATE;
    let _ = records.open(FAULT_FILE, flags).and_then(|mut f| f.write_all(line.as_bytes()));
}

/// Makes a panic of this process, run in a sandbox, a fault the harness reads (`who` names the
/// process, only then), besides the usual message on stderr: the subject only sees a command
/// that failed, which would otherwise pass for a mismatch.
pub fn report_panics(who: fn() -> String) {
    let Some(dir) = std::env::var_os(SANDBOX_ENV).map(PathBuf::from) else { return };
    let Ok(records) = Records::find(&dir) else { return };
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        record_fault(&records, &format!("{} {info}", who()));
        default(info);
    }));
}

fn serve(dir: &Path, records: &Records, argv: Vec<Vec<u8>>) -> std::io::Result<i32> {
    let stdin = read_stdin_if_given();
    // Inside a weaveexec container the fakes answer as there, and log to its run's own log.
    let nested = std::env::var_os(weaveexec::NESTED_ENV);
    // The log is also the lock: whoever holds it owns the state until its record is written.
    let mut log = lock(records)?;
    let mut world: World = serde_json::from_slice(&records.read(WORLD_FILE)?).map_err(std::io::Error::other)?;
    let mut state = read_state(records)?;
    let env = |k: &str| std::env::var_os(k).map(|v| v.as_bytes().to_vec());
    // The sandbox's directories as its subject sees them at /proc, /run, /sys/class/net and /tmp;
    // a container sees them where they are.
    let mut files = if nested.is_some() { weaveexec::nested_fs() } else { fs::sandbox_fs(dir) };
    if nested.is_some() {
        world = world.inside_weaveexec();
    } else if argv.first().is_some_and(|a| a.as_slice() == b"docker") {
        state.runs_script = records.has(weaveexec::SCRIPT_FILE);
    }
    // Started from a host directory of binaries (the stand-in over it): an escape, whatever name
    // it was called by.
    let outside = started_from().filter(|path| {
        let dir = &path[..path.iter().rposition(|&b| b == b'/').unwrap_or(0)];
        fs::HOST_BIN_DIRS.iter().any(|d| d.as_bytes() == dir)
    });
    let answered = match outside {
        Some(path) => Some(escape(&mut state, &argv, &path, &env, stdin)),
        None => answer(&world, &mut state, &mut files, &argv, &env, stdin),
    };
    let Some((mut reply, mut call)) = answered else {
        drop(log);
        // The sandbox links only names a fake answers to: another is the harness's mistake.
        let name = String::from_utf8_lossy(argv.first().map_or(&b""[..], |a| a));
        eprintln!("weavetrace-fake: no fake is named {name:?}");
        record_fault(records, &format!("weavetrace-fake: no fake is named {name:?}"));
        return Ok(127);
    };
    if let Some(run) = reply.container.take() {
        // The container's calls take the lock themselves, numbered apart from this one's.
        let seq = std::mem::take(&mut state.calls);
        let prepared = weaveexec::prepare(dir, records, &world, &mut state, &run);
        records.write(STATE_FILE, &serde_json::to_vec(&state).map_err(std::io::Error::other)?)?;
        drop(log);
        let ran = prepared.and_then(|p| weaveexec::run(&p, records));
        log = lock(records)?;
        state = read_state(records)?;
        state.calls = seq;
        contained(&mut reply, ran, &argv);
        call.answered(&reply);
    }
    if reply.changed {
        materialize(&state, &mut files, b"/proc");
    }
    match &nested {
        Some(id) => {
            records.open(&weaveexec::log_name(id), OFlags::WRONLY | OFlags::APPEND)?.write_all(&call.to_line())?
        }
        None => log.write_all(&call.to_line())?,
    }
    records.write(STATE_FILE, &serde_json::to_vec(&state).map_err(std::io::Error::other)?)?;
    drop(log);
    // A reader that went away (a pipeline cut short) is not the fake's failure.
    let _ = std::io::stdout().write_all(&reply.stdout);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().write_all(&reply.stderr);
    Ok(reply.status)
}

/// The log, opened and locked.
fn lock(records: &Records) -> std::io::Result<std::fs::File> {
    let log = records.open(LOG_FILE, OFlags::WRONLY | OFlags::APPEND)?;
    rustix::fs::flock(&log, rustix::fs::FlockOperation::LockExclusive)?;
    Ok(log)
}

fn read_state(records: &Records) -> std::io::Result<State> {
    match records.read(STATE_FILE) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(std::io::Error::other),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
        Err(e) => Err(e),
    }
}

/// `reply`, whose weaveexec run was left to the caller, completed with what the container did
/// (after what the reply already says, a pull's messages); a container that could not be made
/// here is said so, as a call not modeled.
fn contained(reply: &mut Reply, ran: Result<weaveexec::Ran, String>, argv: &[Vec<u8>]) {
    match ran {
        Ok(ran) => {
            reply.stdout = ran.stdout;
            reply.stderr.extend_from_slice(&ran.messages);
            reply.status = ran.status;
            // A call inside that the models do not cover leaves the container's answer unmodeled too.
            reply.unmodeled = ran.nested.calls.iter().any(|c| c.unmodeled);
            reply.nested = Some(Box::new(ran.nested));
        }
        Err(why) => {
            let words = String::from_utf8_lossy(&argv.join(&b' ')).into_owned();
            *reply = Reply {
                changed: true,
                ..Reply::not_modeled(&format!("{words} (weaveexec cannot run the script: {why})"))
            };
        }
    }
}

/// The path this process was started by (what the shell handed to execve, `AT_EXECFN`), when
/// it is absolute.
fn started_from() -> Option<Vec<u8>> {
    // SAFETY: getauxval only reads the process's auxiliary vector; AT_EXECFN, when present, points
    // at a NUL-terminated string the kernel placed on the stack for the process's life.
    let ptr = unsafe { libc::getauxval(libc::AT_EXECFN) } as *const libc::c_char;
    if ptr.is_null() {
        return None;
    }
    // SAFETY: as above.
    let path = unsafe { std::ffi::CStr::from_ptr(ptr) }.to_bytes().to_vec();
    path.starts_with(b"/").then_some(path)
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
