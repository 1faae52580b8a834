//! The spec run inside the harness: no process at all, its external commands answered by the
//! fakes' model over the same world. Fast enough to run tens of thousands of cases a second, and
//! it knows exactly which trace lines each pipeline wrote.

use super::{Invocation, Subject, SubjectError};
use crate::fake::inline::{FakeHost, IN_PROCESS_PID};
use crate::fake::{self, inline::run_spec};
use crate::recording::{Recording, Status};
use crate::sandbox::Sandbox;
use crate::spec::shell::Word;
use crate::trace::{parse_dash, Kind, Trace};
use crate::world::World;
use std::os::unix::ffi::OsStrExt;

/// The spec, in-process.
pub struct InProcessSpec {
    pub arg0: String,
}

/// The spec's run of `inv` in `world`, in-process, in a sandbox of its own: how the harness learns
/// what the spec does (which lines each pipeline wrote, the order of its writes) beside another run.
pub fn spec_run(world: &World, inv: &Invocation, fake_bin: &std::path::Path) -> Result<Recording, SubjectError> {
    InProcessSpec { arg0: "weave".into() }.run(inv, &Sandbox::new(world, fake_bin, None)?)
}

impl InProcessSpec {
    /// Runs one command line against `world` with `env` as the whole environment.
    pub fn run_in(&self, world: &World, env: Vec<(Word, Word)>, cwd: &std::path::Path, inv: &Invocation) -> Recording {
        let ps4 = env.iter().find(|(k, _)| k == b"PS4").map(|(_, v)| v.clone());
        let args = inv.args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let mut state = fake::State::default();
        let mut fs = crate::fs::MemFs::default();
        let mut host = FakeHost::new(world, &mut state, &mut fs, b"/proc", IN_PROCESS_PID);
        let run = run_spec(&mut host, self.arg0.as_bytes(), env, args, cwd);
        drop(host);
        let trace = annotate(&run.io.stderr, ps4.as_deref().unwrap_or(crate::trace::DEFAULT_PS4), &run.io.marks);
        Recording {
            trace,
            stdout: run.io.stdout,
            status: Status::Exited(run.status),
            calls: run.calls,
            terminal: Some(run.io.terminal),
            state: Some(state),
        }
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
