//! The spec run with the fakes answering in memory: how the in-process subject runs weave, and how
//! the fake docker runs the weaveexec image's `--local` commands, in the same world.

use super::{answer, fs::MemFs, log::Call, State, FAKES};
use crate::spec::shell::{Command, Host, Io, Outcome, Shell, Word};
use crate::spec::weave::{self, Ending};
use crate::world::World;

/// The fakes as a [`Host`]: each call is answered by the model and logged in memory.
pub struct FakeHost<'w> {
    pub world: &'w World,
    pub state: State,
    pub calls: Vec<Call>,
    /// The filesystem as the run sees it.
    pub fs: MemFs,
    /// `$$`.
    pub pid: u32,
}

/// `$$` of the spec in-process: no process of its own, so a number no real shell of a sandbox has
/// (above the kernel's default pid_max of 32768).
pub const IN_PROCESS_PID: u32 = 39999;

/// Utilities a sandbox's PATH holds besides the fakes: harmless ones, linked from the host (the
/// sandbox links these; `command -v` in-process finds them).
pub const UTILITIES: &[&str] = &[
    "sed", "grep", "cut", "tr", "cat", "od", "head", "tail", "readlink", "sleep", "printf", "echo", "true", "false",
    "wc", "sort", "uniq",
];

impl Host for FakeHost<'_> {
    fn fs(&mut self) -> &mut dyn crate::spec::shell::Fs {
        &mut self.fs
    }

    fn pid(&self) -> u32 {
        self.pid
    }

    /// Only the shell itself: the world's containers are not processes here.
    fn alive(&self, pid: &[u8]) -> bool {
        pid == self.pid.to_string().as_bytes()
    }

    /// A sandbox's PATH holds the fakes and the allowed utilities, in its `bin/`.
    fn find(&mut self, name: &[u8], _env: &[(Word, Word)]) -> Option<Word> {
        let known = FAKES.iter().chain(UTILITIES).any(|n| n.as_bytes() == name);
        known.then(|| [b"/weavetrace/bin/".as_slice(), name].concat())
    }

    fn exec(&mut self, cmd: &Command) -> Outcome {
        let env = |k: &str| cmd.env.iter().find(|(n, _)| n.as_slice() == k.as_bytes()).map(|(_, v)| v.clone());
        let stdin = cmd.stdin.map(<[u8]>::to_vec).unwrap_or_default();
        match answer(self.world, &mut self.state, cmd.argv, &env, stdin) {
            Some((reply, call)) => {
                self.calls.push(call);
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
    }

    fn stderr_marked(&mut self, bytes: &[u8], marks: &[(usize, (u32, u32))]) {
        self.marks.extend(marks.iter().map(|&(at, p)| (self.stderr.len() + at, p)));
        self.stderr(bytes);
    }

    fn stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
        self.terminal.extend_from_slice(bytes);
    }
}

/// One run of the spec in memory: what it wrote, how it ended, the calls it made.
pub struct SpecRun {
    pub io: BufferIo,
    /// The exit status (2, with a message on stderr, where the spec does not cover the command).
    pub status: i32,
    pub calls: Vec<Call>,
}

/// Runs the spec of weave with `args` and `env` (its whole environment) against `world`.
pub fn run_spec(world: &World, arg0: &[u8], env: Vec<(Word, Word)>, args: Vec<Word>, cwd: &std::path::Path) -> SpecRun {
    let mut host =
        FakeHost { world, state: State::default(), calls: Vec::new(), fs: MemFs::default(), pid: IN_PROCESS_PID };
    let mut io = BufferIo::default();
    let ending = {
        let mut sh = Shell::new(&mut host, &mut io, arg0.to_vec(), env, args);
        sh.set_cwd(cwd.to_path_buf());
        weave::main(&mut sh)
    };
    let status = match ending {
        Ending::Status(n) => n & 0xff,
        Ending::Unspecified(what) => {
            let message = format!("weave (spec): {what} is not specified yet\n");
            io.stderr.extend_from_slice(message.as_bytes());
            io.terminal.extend_from_slice(message.as_bytes());
            2
        }
    };
    SpecRun { io, status, calls: host.calls }
}
