//! The weaveexec container as a process: when the subject is a real script, the image holds that
//! script, and a `--local` run is `busybox sh -x /home/weave/weave --local CMD ...` in namespaces
//! of its own, over the same world.
//!
//! What the container sees, as weaveexec 0.10 does (`--privileged --net=host`, `-v /proc:/hostproc`):
//! - the subject's view of the host's files, with `/home/weave/weave` the script, a fresh `/run`
//!   (so `/var/run`) and `/tmp`, and `/hostproc` the sandbox's proc, where the world's containers
//!   are;
//! - its shell as pid 1 of a pid namespace of its own, as an image's entrypoint is;
//! - the fakes on its PATH, which know from [`NESTED_ENV`] that they answer inside: docker is the
//!   image's 1.3.1 client, and their calls go to a log of this run's own, kept with the call that
//!   started it.
//!
//! The namespaces are the fake's own, made with no privilege (a user namespace, then mount and pid
//! namespaces in it), inside the subject's sandbox: nothing the nested run does reaches further
//! than the subject could.

use super::docker::{LocalRun, WEAVEEXEC_SCRIPT};
use super::log::{Bytes, Call, Nested};
use super::process::Records;
use super::State;
use crate::fs::{RealFs, SANDBOX_ENV};
use crate::world::World;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The records' copy of the subject's script, which the sandbox of a real script makes: its
/// presence says that weaveexec runs it.
pub const SCRIPT_FILE: &str = "weaveexec-script";

/// Present in the records when the nested runs must name the script's lines in their traces
/// (coverage: [`crate::trace::numbered`]).
pub const NUMBERED_FILE: &str = "weaveexec-numbered";

/// Set for the fakes a nested run calls: the starting fake's pid, which names their log.
pub const NESTED_ENV: &str = "WEAVETRACE_WEAVEEXEC";

/// Where the container sees the host's /proc: the script's `-v /proc:/hostproc`.
const HOSTPROC: &[u8] = b"/hostproc";

/// The nested shell's PS4: the default, led by a byte no script prints, which tells where each
/// trace line starts when pipeline elements write theirs in pieces between the script's messages.
const PS4: &str = "\u{1}+ ";
const MARK: u8 = 1;

/// [`PS4`], with the script's line numbers where they are asked for: the numbers stay in the
/// nested trace, for coverage to take.
fn ps4(numbered: bool) -> OsString {
    match numbered {
        true => OsString::from_vec([&[MARK][..], &crate::trace::numbered::ps4(b"+ ")].concat()),
        false => OsString::from(PS4),
    }
}

/// The directory of the sandbox a container's root is laid out in, afresh for each run, named
/// with the starting fake's pid (two runs at once each have their own).
const ROOT_DIR: &str = "weaveexec-root";

/// The top-level directories the container has of its own rather than the host's (besides its
/// volumes' mount points).
const OWN: [&str; 4] = ["home", "run", "tmp", "proc"];

/// The nested log of the fake with pid `id`.
pub fn log_name(id: &OsStr) -> String {
    format!("weaveexec-{}.jsonl", id.to_string_lossy())
}

/// The fakes' filesystem inside the container: its paths are the real ones there.
pub fn nested_fs() -> RealFs {
    RealFs::default()
}

/// What the container did: its stdout, its stderr without the trace, its status, and its
/// trace and calls.
pub struct Ran {
    pub stdout: Vec<u8>,
    pub messages: Vec<u8>,
    pub status: i32,
    pub nested: Nested,
}

/// A container laid out and ready to start (made while the caller holds the state's lock).
pub struct Prepared {
    root: PathBuf,
    sandbox: PathBuf,
    busybox: PathBuf,
    args: Vec<Vec<u8>>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    hostproc: bool,
    log: String,
    numbered: bool,
}

/// Lays out the container's root in the sandbox at `sandbox` for `run`, with the files the spec's
/// container starts with (its own pid 1 in the host's namespace, the containers' namespaces under
/// `/hostproc`); an error says why this run cannot be made here.
pub fn prepare(
    sandbox: &Path,
    records: &Records,
    world: &World,
    state: &mut State,
    run: &LocalRun,
) -> Result<Prepared, String> {
    let hostproc = match run.host_proc.as_slice() {
        HOSTPROC => true,
        p if p == super::docker::HOST_PROC_NOT_MOUNTED => false,
        other => return Err(format!("a volume of /proc at {}", String::from_utf8_lossy(other))),
    };
    let busybox = ["/usr/bin/busybox", "/bin/busybox"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or("busybox, weaveexec's shell, is not installed")?;
    let script = records.read(SCRIPT_FILE).map_err(|e| format!("the script's copy: {e}"))?;
    let root = sandbox.join(format!("{ROOT_DIR}-{}", std::process::id()));
    let io = |what: &str, e: std::io::Error| format!("{what} {}: {e}", root.display());
    if root.exists() {
        std::fs::remove_dir_all(&root).map_err(|e| io("cannot clear", e))?;
    }
    std::fs::create_dir(&root).map_err(|e| io("cannot make", e))?;
    for entry in std::fs::read_dir("/").map_err(|e| io("cannot list / for", e))?.flatten() {
        let (name, at) = (entry.file_name(), root.join(entry.file_name()));
        // Everything `/` lists, so that a pattern matches there what it matches on the host.
        let made = match entry.file_type() {
            Ok(t) if t.is_symlink() => {
                std::fs::read_link(entry.path()).and_then(|to| std::os::unix::fs::symlink(to, &at))
            }
            Ok(t) if t.is_dir() => std::fs::create_dir(&at),
            _ => std::fs::write(&at, b""),
        };
        made.map_err(|e| format!("cannot lay out /{}: {e}", name.to_string_lossy()))?;
    }
    for dir in OWN.iter().map(OsStr::new).chain(run.mount_points.iter().map(|m| OsStr::from_bytes(m))) {
        std::fs::create_dir_all(root.join(dir)).map_err(|e| io("cannot lay out", e))?;
    }
    let script_path = root.join(OsStr::from_bytes(&WEAVEEXEC_SCRIPT[1..]));
    if let Some(parent) = script_path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| io("cannot lay out", e))?;
    }
    std::fs::write(&script_path, script).map_err(|e| io("cannot write the script in", e))?;
    set_mode(&script_path, 0o755).map_err(|e| io("cannot make the script executable in", e))?;
    set_mode(&root.join("tmp"), 0o1777).map_err(|e| io("cannot open /tmp in", e))?;
    // The spec's container starts with these files: the same here, where the container sees them
    // (the host's proc mounted nowhere is a directory beside the root, out of its sight).
    let proc_dir = sandbox.join("fs/proc");
    let unmounted = sandbox.join(format!("{ROOT_DIR}-{}-unmounted-proc", std::process::id()));
    let mut files = RealFs {
        map: vec![
            (HOSTPROC.to_vec(), if hostproc { proc_dir.clone() } else { root.join("hostproc") }),
            (super::docker::HOST_PROC_NOT_MOUNTED.to_vec(), unmounted),
            (b"/proc".to_vec(), proc_dir),
            (b"/sys/class/net".to_vec(), sandbox.join("fs/sys-class-net")),
            (b"/var/run".to_vec(), root.join("run")),
            (b"/tmp".to_vec(), root.join("tmp")),
        ],
    };
    let procfs = if hostproc { HOSTPROC } else { super::docker::HOST_PROC_NOT_MOUNTED };
    super::inline::initial_fs(&world.inside_weaveexec(), state, &mut files, procfs, Some(1));
    let log = log_name(OsStr::new(&std::process::id().to_string()));
    records.write(&log, b"").map_err(|e| format!("cannot start the nested log: {e}"))?;
    Ok(Prepared {
        root,
        sandbox: sandbox.to_path_buf(),
        busybox,
        args: run.args.clone(),
        env: run.env.clone(),
        hostproc,
        log,
        numbered: records.has(NUMBERED_FILE),
    })
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(mode))
}

/// Enters the container's namespaces (this process's own from here on: a fake makes one run)
/// and runs its shell there to the end. Called without the state's lock: the fakes the script
/// calls take it.
pub fn run(p: &Prepared, records: &Records) -> Result<Ran, String> {
    enter(p).map_err(|e| format!("cannot make the container's namespaces: {e}"))?;
    let mut cmd = Command::new(&p.busybox);
    cmd.arg0("sh").arg("-x").arg(OsStr::from_bytes(WEAVEEXEC_SCRIPT)).arg("--local");
    cmd.args(p.args.iter().map(|a| OsStr::from_bytes(a)));
    cmd.env_clear();
    for (k, v) in &p.env {
        cmd.env(OsStr::from_bytes(k), OsStr::from_bytes(v));
    }
    cmd.env("PATH", p.sandbox.join("bin"))
        .env("HOME", "/root")
        .env("LC_ALL", "C")
        .env(SANDBOX_ENV, &p.sandbox)
        .env(NESTED_ENV, std::process::id().to_string())
        .env("PS4", ps4(p.numbered));
    cmd.current_dir("/").stdin(Stdio::null());
    let out = cmd.output().map_err(|e| format!("cannot run {}: {e}", p.busybox.display()))?;
    let status = out
        .status
        .code()
        .unwrap_or_else(|| 128 + std::os::unix::process::ExitStatusExt::signal(&out.status).unwrap_or(0));
    // The image runs weave without -x: the container's stderr is its messages; the trace, as
    // `sh -x` wrote it with them, is kept with the call.
    let (trace, messages) = split_trace(&out.stderr);
    let text = records.read(&p.log).map_err(|e| format!("the nested log: {e}"))?;
    let _ = records.remove(&p.log);
    let mut calls: Vec<Call> =
        super::log::read_log(&text).map_err(|(line, why)| format!("the nested log, line {line}: {why}"))?;
    calls.sort_by_key(|c| c.seq);
    Ok(Ran { stdout: out.stdout, messages, status, nested: Nested { trace: Bytes(trace), calls } })
}

/// A user namespace, and mount and pid namespaces in it; the container's root made from the
/// subject's view, then entered.
fn enter(p: &Prepared) -> std::io::Result<()> {
    use rustix::mount::{mount_change, mount_recursive_bind, MountPropagationFlags};
    use rustix::thread::{unshare, UnshareFlags};
    unshare(UnshareFlags::NEWUSER | UnshareFlags::NEWNS | UnshareFlags::NEWPID)?;
    mount_change(c"/", MountPropagationFlags::PRIVATE | MountPropagationFlags::REC)?;
    for entry in std::fs::read_dir(&p.root)?.flatten() {
        let name = entry.file_name();
        // A volume's mount point the host lacks is a directory of the container's own.
        let host = Path::new("/").join(&name);
        if OWN.iter().any(|o| OsStr::new(o) == name) || !entry.file_type()?.is_dir() || !host.exists() {
            continue;
        }
        // A directory the subject cannot read (lost+found) stays empty: nothing weave uses.
        let _ = mount_recursive_bind(host, entry.path());
    }
    let proc_dir = p.sandbox.join("fs/proc");
    mount_recursive_bind(&proc_dir, p.root.join("proc"))?;
    if p.hostproc {
        mount_recursive_bind(&proc_dir, p.root.join("hostproc"))?;
    }
    mount_recursive_bind(p.sandbox.join("fs/sys-class-net"), p.root.join("sys/class/net"))?;
    // The sandbox (its fakes and records) and the binaries its links reach stay where they are.
    let docker = p.sandbox.join("bin/docker");
    let cache = std::fs::read_link(&docker).ok().and_then(|t| t.parent().map(Path::to_path_buf));
    for dir in [Some(p.sandbox.clone()), cache].into_iter().flatten() {
        let inside = p.root.join(dir.strip_prefix("/").unwrap_or(&dir));
        if !inside.is_dir() || std::fs::read_dir(&inside)?.next().is_none() {
            std::fs::create_dir_all(&inside)?;
            mount_recursive_bind(&dir, &inside)?;
        }
    }
    rustix::process::chroot(&p.root)?;
    rustix::process::chdir("/")?;
    Ok(())
}

/// The trace (as busybox writes it with its default PS4) and the messages in a nested run's
/// stderr, written under [`PS4`]. Each trace line starts with [`MARK`] and ends at a newline
/// outside its quotes; where the elements of a pipeline wrote their lines in pieces, a physical
/// line holds several marks and the lines after it finish them. A line with no mark, when no
/// trace line is open, is a message. (A message written by a pipeline's element while another's
/// trace line is still open would be taken for trace: weave writes none there.)
pub fn split_trace(stderr: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (mut trace, mut messages) = (Vec::new(), Vec::new());
    // busybox quotes with '…', and writes a ' inside a word as "'".
    let (mut open, mut quote) = (0usize, None);
    for line in stderr.split_inclusive(|&b| b == b'\n') {
        let marks = line.iter().filter(|&&b| b == MARK).count();
        if marks == 0 && open == 0 && quote.is_none() {
            messages.extend_from_slice(line);
            continue;
        }
        for &b in line.iter().filter(|&&b| b != MARK) {
            quote = match (quote, b) {
                (None, b'\'' | b'"') => Some(b),
                (Some(q), b) if q == b => None,
                (q, _) => q,
            };
            trace.push(b);
        }
        open += marks;
        if line.ends_with(b"\n") && quote.is_none() {
            open = open.saturating_sub(1);
        }
    }
    (trace, messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_and_messages_come_apart_even_where_a_pipelines_lines_interleave() {
        // Two elements' lines written in pieces, a quoted word over two lines, a quote inside a
        // word, and messages between.
        let stderr = b"\x01+ \x01+ docker -v\nsed -n 1p\nInvalid CIDR\n\x01+ echo 'a\nb' 'it'\"'\"'s'\nno such file\n";
        let (trace, messages) = split_trace(stderr);
        assert_eq!(String::from_utf8_lossy(&trace), "+ + docker -v\nsed -n 1p\n+ echo 'a\nb' 'it'\"'\"'s'\n");
        assert_eq!(String::from_utf8_lossy(&messages), "Invalid CIDR\nno such file\n");
    }
}
