//! The spec run inside the harness: no process at all, its external commands answered by the
//! fakes' model over the same world. Fast enough to run tens of thousands of cases a second, and
//! it knows exactly which trace lines each pipeline wrote.

use super::{Invocation, Subject, SubjectError};
use crate::fake::{self, log::Call};
use crate::recording::{Recording, Status};
use crate::sandbox::Sandbox;
use crate::spec::shell::{Command, Host, Io, Outcome, Shell, Word};
use crate::spec::weave::{self, Ending};
use crate::trace::{parse_dash, Kind, Trace};
use crate::world::World;
use std::os::unix::ffi::OsStrExt;

/// The spec, in-process.
pub struct InProcessSpec {
    pub arg0: String,
}

/// The fakes as a [`Host`]: each call is answered by the model and logged in memory.
struct FakeHost<'w> {
    world: &'w World,
    state: fake::State,
    calls: Vec<Call>,
}

impl Host for FakeHost<'_> {
    /// The sandbox's PATH holds the fakes and the allowed utilities, in its `bin/`.
    fn find(&mut self, name: &[u8], _env: &[(Word, Word)]) -> Option<Word> {
        let known = fake::FAKES.iter().chain(crate::sandbox::ALLOWED_UTILITIES).any(|n| n.as_bytes() == name);
        known.then(|| [b"/weavetrace/bin/".as_slice(), name].concat())
    }

    fn exec(&mut self, cmd: &Command) -> Outcome {
        let env = |k: &str| cmd.env.iter().find(|(n, _)| n.as_slice() == k.as_bytes()).map(|(_, v)| v.clone());
        let stdin = cmd.stdin.map(<[u8]>::to_vec).unwrap_or_default();
        match fake::answer(self.world, &mut self.state, cmd.argv, &env, stdin) {
            Some((reply, call)) => {
                self.calls.push(call);
                let stderr = if cmd.quiet { Vec::new() } else { reply.stderr };
                Outcome { status: reply.status, stdout: reply.stdout, stderr, not_found: false }
            }
            // The sandbox's PATH holds the fakes and plain utilities, which the spec models itself.
            None => Outcome { status: 127, not_found: true, ..Outcome::default() },
        }
    }
}

/// Buffers output, remembering where each pipeline's trace lines start.
#[derive(Default)]
struct BufferIo {
    stderr: Vec<u8>,
    stdout: Vec<u8>,
    /// Both streams, in the order written.
    terminal: Vec<u8>,
    /// (offset in stderr of a trace line, its pipeline and element)
    marks: Vec<(usize, (u32, u32))>,
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

    fn stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
        self.terminal.extend_from_slice(bytes);
    }
}

impl InProcessSpec {
    /// Runs one command line against `world` with `env` as the whole environment.
    pub fn run_in(&self, world: &World, env: Vec<(Word, Word)>, cwd: &std::path::Path, inv: &Invocation) -> Recording {
        let mut host = FakeHost { world, state: fake::State::default(), calls: Vec::new() };
        let mut io = BufferIo::default();
        let ps4 = env.iter().find(|(k, _)| k == b"PS4").map(|(_, v)| v.clone());
        let args = inv.args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let ending = {
            let mut sh = Shell::new(&mut host, &mut io, self.arg0.as_bytes().to_vec(), env, args);
            sh.set_cwd(cwd.to_path_buf());
            weave::main(&mut sh)
        };
        let status = match ending {
            Ending::Status(n) => Status::Exited(n & 0xff),
            Ending::Unspecified(what) => {
                let message = format!("weave (spec): {what} is not specified yet\n");
                io.stderr.extend_from_slice(message.as_bytes());
                io.terminal.extend_from_slice(message.as_bytes());
                Status::Exited(2)
            }
        };
        let trace = annotate(&io.stderr, ps4.as_deref().unwrap_or(crate::trace::DEFAULT_PS4), &io.marks);
        Recording { trace, stdout: io.stdout, status, calls: host.calls, terminal: Some(io.terminal) }
    }
}

/// Parses stderr and marks the lines that start at the recorded offsets with their pipeline.
fn annotate(stderr: &[u8], ps4: &[u8], marks: &[(usize, (u32, u32))]) -> Trace {
    let mut trace = parse_dash(stderr, ps4);
    let mut offset = 0;
    let mut next = marks.iter().peekable();
    for line in &mut trace.lines {
        while let Some(&&(at, id)) = next.peek() {
            if at < offset {
                next.next();
                continue;
            }
            if at == offset && line.kind == Kind::Xtrace {
                line.pipeline = Some(id);
                next.next();
            }
            break;
        }
        offset += line.bytes.len() + usize::from(line.eol);
    }
    trace
}

impl Subject for InProcessSpec {
    fn run_terminal(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        self.run(inv, sandbox)
    }

    fn name(&self) -> String {
        "spec (in-process)".into()
    }

    fn script(&self) -> Option<&std::path::Path> {
        None
    }

    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let world_json =
            std::fs::read(sandbox.root().join(fake::WORLD_FILE)).map_err(crate::sandbox::SandboxError::Io)?;
        let world: World = serde_json::from_slice(&world_json)
            .map_err(|e| crate::sandbox::SandboxError::Io(std::io::Error::other(e)))?;
        let env =
            sandbox.env(&inv.env).into_iter().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect();
        Ok(self.run_in(&world, env, &sandbox.work(), inv))
    }
}
