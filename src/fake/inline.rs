//! The spec run with the fakes answering in memory: how the in-process subject runs weave, and how
//! the fake docker runs the weaveexec image's `--local` commands, in the same world.

use super::{answer, log::Call, materialize, materialize_since, registry, Shown, State};
use crate::fs::Fs;
use crate::spec::shell::{Command, Host, Io, Outcome, Shell, Word};
use crate::spec::weave;
use crate::world::World;

/// The fakes as a [`Host`]: each call is answered by the model and logged in memory.
pub struct FakeHost<'a> {
    pub world: &'a World,
    pub state: &'a mut State,
    pub calls: Vec<Call>,
    /// The filesystem as the run sees it.
    pub fs: &'a mut dyn Fs,
    /// Where the run sees the host's `/proc` (`/hostproc` inside weaveexec).
    pub procfs: Vec<u8>,
    /// `$$`.
    pub pid: u32,
    /// Whether `fs` holds the run's starting files yet: they are laid out ([`initial_fs`]) when the
    /// run first looks at a file, so a run that never does (most of the client side) skips it.
    laid_out: bool,
    /// What `fs` was last made to show of the state.
    shown: Shown,
    /// Whether a call changed the world.
    pub changed: bool,
    /// Names `/` holds beyond the host's own: a container's mount points.
    pub root_extras: Vec<Word>,
}

impl<'a> FakeHost<'a> {
    /// A host whose filesystem `fs` is laid out from the world on first use, with procfs at
    /// `procfs` and the shell's own `PROCFS/$$/ns/net`.
    pub fn new(world: &'a World, state: &'a mut State, fs: &'a mut dyn Fs, procfs: &[u8], pid: u32) -> FakeHost<'a> {
        FakeHost {
            world,
            state,
            calls: Vec::new(),
            fs,
            procfs: procfs.to_vec(),
            pid,
            laid_out: false,
            shown: Shown::default(),
            changed: false,
            root_extras: Vec::new(),
        }
    }

    fn lay_out(&mut self) {
        if !self.laid_out {
            self.laid_out = true;
            initial_fs(self.world, self.state, &mut *self.fs, &self.procfs, Some(self.pid));
            self.shown = Shown::of(self.state);
        }
    }
}

/// Lays out the files a run starts with: the state's (see [`materialize`]) with procfs at
/// `procfs`, `PROCFS/SELF/ns/net` of the run's own shell in the host's namespace, `/tmp`, and
/// `/var/run/netns` when the world's host has it. The same on disk for a sandbox as in memory.
pub fn initial_fs(world: &World, state: &mut State, fs: &mut dyn Fs, procfs: &[u8], self_pid: Option<u32>) {
    state.parts(world);
    let _ = fs.mkdir_p(b"/tmp");
    let _ = fs.mkdir_p(procfs);
    if let Some(pid) = self_pid {
        let dir = [procfs, b"/", pid.to_string().as_bytes(), b"/ns"].concat();
        let link = [dir.as_slice(), b"/net"].concat();
        let _ = fs.mkdir_p(&dir);
        if fs.kind(&link).is_none() {
            let _ = fs.symlink(format!("net:[{}]", super::net::HOST_NETNS_INODE).as_bytes(), &link);
        }
    }
    if world.host.netns_dir {
        let _ = fs.mkdir_p(b"/var/run/netns");
    }
    materialize(state, fs, procfs);
}

/// `$$` of the spec in-process: no process of its own, so a number no real shell of a sandbox has
/// (above the kernel's default pid_max of 32768).
pub const IN_PROCESS_PID: u32 = 39999;

/// Utilities a sandbox's PATH holds besides the fakes: harmless ones, linked from the host (the
/// sandbox links these; `command -v` in-process finds them).
pub const UTILITIES: &[&str] = &[
    "sed", "grep", "cut", "tr", "cat", "head", "tail", "readlink", "printf", "echo", "true", "false", "wc", "sort",
    "uniq", "rm", "mkdir", "ln", "sh",
];

impl Host for FakeHost<'_> {
    fn fs(&mut self) -> &mut dyn crate::spec::shell::Fs {
        self.lay_out();
        &mut *self.fs
    }

    fn pid(&self) -> u32 {
        self.pid
    }

    /// The shell itself, and pid 1: every system has one, so a world container given pid 1 is one
    /// a sandboxed script (run as root, as the local side must be) finds alive too. The world's
    /// other containers are not processes here.
    fn alive(&self, pid: &[u8]) -> bool {
        pid == self.pid.to_string().as_bytes() || pid == b"1"
    }

    /// A sandbox's PATH holds the fakes and the allowed utilities, in its `bin/`.
    fn find(&mut self, name: &[u8], _env: &[(Word, Word)]) -> Option<Word> {
        let known =
            registry::find_installed(self.world, name).is_some() || UTILITIES.iter().any(|n| n.as_bytes() == name);
        known.then(|| [b"/weavetrace/bin/".as_slice(), name].concat())
    }

    fn exec(&mut self, cmd: &Command) -> Outcome {
        let env = |k: &str| cmd.env.iter().find(|(n, _)| n.as_slice() == k.as_bytes()).map(|(_, v)| v.clone());
        let stdin = cmd.stdin.map(<[u8]>::to_vec).unwrap_or_default();
        match answer(self.world, self.state, &mut *self.fs, cmd.argv, &env, stdin) {
            Some((reply, call)) => {
                self.calls.push(call);
                self.changed |= reply.changed;
                // Not laid out yet, the files will show the state as it is then.
                if reply.changed && self.laid_out {
                    self.shown = materialize_since(Some(&self.shown), self.state, &mut *self.fs, &self.procfs);
                }
                let stderr = if cmd.quiet { Vec::new() } else { reply.stderr };
                Outcome { status: reply.status, stdout: reply.stdout, stderr, not_found: false }
            }
            // The rest of PATH is plain utilities, which the spec models itself.
            None => Outcome { status: 127, not_found: true, ..Outcome::default() },
        }
    }
}

/// Buffers output, remembering where each pipeline element's trace lines start.
#[derive(Default)]
pub struct BufferIo {
    pub stderr: Vec<u8>,
    pub stdout: Vec<u8>,
    /// Both streams, in the order written.
    pub terminal: Vec<u8>,
    /// (offset in stderr of a trace line, its pipeline and element)
    pub marks: Vec<(usize, (u32, u32))>,
    /// stderr without the trace: what the run writes there without `-x`.
    pub messages: Vec<u8>,
}

impl Io for BufferIo {
    fn xtrace(&mut self, line: Word, pipeline: Option<(u32, u32)>) {
        if let Some(p) = pipeline {
            self.marks.push((self.stderr.len(), p));
        }
        self.stderr.extend_from_slice(&line);
        self.stderr.push(b'\n');
        self.terminal.extend_from_slice(&line);
        self.terminal.push(b'\n');
    }

    fn stderr(&mut self, bytes: &[u8]) {
        self.stderr.extend_from_slice(bytes);
        self.terminal.extend_from_slice(bytes);
        self.messages.extend_from_slice(bytes);
    }

    fn stderr_marked(&mut self, bytes: &[u8], marks: &[crate::spec::shell::Mark]) {
        let mut from = 0;
        // Marks are in order and inside `bytes`; one that is not is dropped, not trusted.
        for &(at, len, pipeline) in marks.iter().filter(|&&(at, len, _)| at + len <= bytes.len()) {
            if at < from {
                continue;
            }
            if let Some(p) = pipeline {
                self.marks.push((self.stderr.len() + at - from, p));
            }
            self.messages.extend_from_slice(bytes.get(from..at).unwrap_or_default());
            self.stderr.extend_from_slice(bytes.get(from..at + len).unwrap_or_default());
            self.terminal.extend_from_slice(bytes.get(from..at + len).unwrap_or_default());
            from = at + len;
        }
        self.stderr(bytes.get(from..).unwrap_or_default());
    }

    fn stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
        self.terminal.extend_from_slice(bytes);
    }
}

/// One run of the spec in memory: what it wrote, how it ended, the calls it made.
pub struct SpecRun {
    pub io: BufferIo,
    /// The exit status.
    pub status: i32,
    pub calls: Vec<Call>,
}

/// Runs the spec of weave with `args` and `env` (its whole environment) on `host`: its world,
/// state (which the calls change), filesystem and pid. The calls go to the result.
pub fn run_spec(
    host: &mut FakeHost,
    arg0: &[u8],
    dialect: crate::trace::Dialect,
    env: Vec<(Word, Word)>,
    args: Vec<Word>,
    cwd: &std::path::Path,
) -> SpecRun {
    let mut io = BufferIo::default();
    let root_extras = host.root_extras.clone();
    let status = {
        let mut sh = Shell::new(host, &mut io, arg0.to_vec(), env, args);
        sh.set_root_extras(root_extras);
        sh.set_cwd(cwd.to_path_buf());
        sh.set_dialect(dialect);
        weave::main(&mut sh) & 0xff
    };
    SpecRun { io, status, calls: std::mem::take(&mut host.calls) }
}
