//! The spec run inside the harness: no process at all, its external commands answered by the
//! fakes' model over the same world. Fast enough to run tens of thousands of cases a second, and
//! it knows exactly which trace lines each pipeline wrote.

use super::{Invocation, Subject, SubjectError};
use crate::fake::inline::{read_lines, FakeHost, IN_PROCESS_PID};
use crate::fake::{self, inline::run_spec};
use crate::recording::{Recording, Status};
use crate::sandbox::Sandbox;
use crate::spec::shell::Word;
use crate::trace::{Dialect, Trace};
use crate::world::World;
use std::os::unix::ffi::OsStrExt;

/// The spec, in-process.
pub struct InProcessSpec {
    pub arg0: String,
    /// The shell it behaves as; `None`: the world's host shell.
    pub dialect: Option<Dialect>,
}

impl Default for InProcessSpec {
    fn default() -> Self {
        InProcessSpec { arg0: "weave".into(), dialect: None }
    }
}

/// The shell the spec behaves as in `world`: the one asked for, else the world's host shell.
pub fn spec_dialect(asked: Option<Dialect>, world: &World) -> Dialect {
    asked.unwrap_or(world.host.shell)
}

/// The spec's run of `inv` in `world`, in-process, in a sandbox of its own: how the harness learns
/// what the spec does (which lines each pipeline wrote, the order of its writes) beside another run.
pub fn spec_run(world: &World, inv: &Invocation, fake_bin: &std::path::Path) -> Result<Recording, SubjectError> {
    InProcessSpec::default().run(inv, &Sandbox::new(world, fake_bin, None)?)
}

/// The spec's runs of a scenario's command lines in `world`, one after another in one sandbox, as
/// `dialect`'s shell (`None`: the world's host shell).
pub fn spec_runs(
    world: &World,
    invs: &[Invocation],
    fake_bin: &std::path::Path,
    dialect: Option<Dialect>,
) -> Result<Vec<Recording>, SubjectError> {
    InProcessSpec { dialect, ..InProcessSpec::default() }.run_steps(invs, &Sandbox::new(world, fake_bin, None)?)
}

impl InProcessSpec {
    /// Runs one command line against `world` with `env` as the whole environment.
    pub fn run_in(&self, world: &World, env: Vec<(Word, Word)>, cwd: &std::path::Path, inv: &Invocation) -> Recording {
        let mut state = fake::State::default();
        let mut fs = crate::fs::MemFs::default();
        let mut rec = self.run_on(world, &mut state, &mut fs, env, cwd, inv);
        rec.state = Some(state);
        rec
    }

    /// Runs one command line on the fakes' `state` and the files `fs` as an earlier step left
    /// them (fresh ones for a first step), leaving them as the run does; the recording's state is
    /// left for the caller to fill in.
    pub fn run_on(
        &self,
        world: &World,
        state: &mut fake::State,
        fs: &mut crate::fs::MemFs,
        env: Vec<(Word, Word)>,
        cwd: &std::path::Path,
        inv: &Invocation,
    ) -> Recording {
        let ps4 = env.iter().find(|(k, _)| k == b"PS4").map(|(_, v)| v.clone());
        let args = inv.args.iter().map(|a| a.as_bytes().to_vec()).collect();
        let dialect = spec_dialect(self.dialect, world);
        let mut host = FakeHost::new(world, state, fs, b"/proc", IN_PROCESS_PID);
        let ps4 = ps4.as_deref().unwrap_or(crate::trace::DEFAULT_PS4);
        let mut run = run_spec(&mut host, self.arg0.as_bytes(), dialect, env, args, cwd, Some(ps4));
        drop(host);
        // The shell said what each line is; only where its bytes say more are they read back.
        let trace = match run.io.trace_lines() {
            Some(lines) => Trace { lines, dialect },
            None => read_lines(&run.io.stderr, dialect, ps4, &run.io.marks),
        };
        Recording {
            trace,
            stdout: run.io.stdout,
            status: Status::Exited(run.status),
            calls: run.calls,
            terminal: Some(run.io.terminal),
            state: None,
            lines: Vec::new(),
        }
    }

    /// A scenario's command lines run one after another on one world: the fakes' state and the
    /// files carry from step to step, as a sandbox's do on disk.
    fn run_steps_in(&self, world: &World, sandbox: &Sandbox, invs: &[Invocation]) -> Vec<Recording> {
        let mut state = fake::State::default();
        let mut fs = crate::fs::MemFs::default();
        invs.iter()
            .map(|inv| {
                let env = env_of(sandbox, inv);
                let mut rec = self.run_on(world, &mut state, &mut fs, env, &sandbox.work(), inv);
                rec.state = Some(state.clone());
                rec
            })
            .collect()
    }
}

/// The world the sandbox was laid out with.
pub(super) fn world_of(sandbox: &Sandbox) -> Result<World, SubjectError> {
    let world_json = std::fs::read(sandbox.root().join(crate::fs::RECORDS_DIR).join(fake::WORLD_FILE))
        .map_err(crate::sandbox::SandboxError::Io)?;
    Ok(serde_json::from_slice(&world_json).map_err(|e| crate::sandbox::SandboxError::Io(std::io::Error::other(e)))?)
}

/// The whole environment of `inv` in the sandbox, as the spec takes it.
fn env_of(sandbox: &Sandbox, inv: &Invocation) -> Vec<(Word, Word)> {
    sandbox.env(&inv.env).into_iter().map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec())).collect()
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

    fn dialect(&self, world: &World) -> Dialect {
        spec_dialect(self.dialect, world)
    }

    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        Ok(self.run_in(&world_of(sandbox)?, env_of(sandbox, inv), &sandbox.work(), inv))
    }

    fn run_steps(&self, invs: &[Invocation], sandbox: &Sandbox) -> Result<Vec<Recording>, SubjectError> {
        Ok(self.run_steps_in(&world_of(sandbox)?, sandbox, invs))
    }

    fn run_steps_terminal(&self, invs: &[Invocation], sandbox: &Sandbox) -> Result<Vec<Recording>, SubjectError> {
        self.run_steps(invs, sandbox)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines the shell hands over are the lines reading its bytes back finds, for every
    /// golden's steps under each dialect: the in-process spec skips the reading only where it
    /// would find nothing more.
    #[test]
    fn the_shells_own_lines_are_what_reading_its_bytes_finds() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let paths = crate::case::discover(&[root.join("traces")]).unwrap();
        let (mut kept, mut read) = (0, 0);
        for path in paths {
            let case = crate::case::load(&path).unwrap();
            for dialect in Dialect::ALL {
                let mut state = fake::State::default();
                let mut fs = crate::fs::MemFs::default();
                for step in &case.steps {
                    let inv = &step.invocation;
                    let mut env: Vec<(Word, Word)> = vec![(b"PATH".to_vec(), b"/nonexistent".to_vec())];
                    env.extend(inv.env.iter().map(|(k, v)| (k.clone().into_bytes(), v.clone().into_bytes())));
                    let ps4 = inv.ps4().to_vec();
                    let args = inv.args.iter().map(|a| a.as_bytes().to_vec()).collect();
                    let mut host = FakeHost::new(&case.world, &mut state, &mut fs, b"/proc", IN_PROCESS_PID);
                    let mut run = run_spec(&mut host, b"weave", dialect, env, args, root, Some(&ps4));
                    drop(host);
                    let from_bytes = read_lines(&run.io.stderr, dialect, &ps4, &run.io.marks);
                    match run.io.trace_lines() {
                        Some(lines) => {
                            kept += 1;
                            assert_eq!(lines, from_bytes.lines, "{} as {}", path.display(), dialect.name());
                        }
                        None => read += 1,
                    }
                }
            }
        }
        // Most runs hand their lines over; the rest (trace lines through a redirection) are read.
        assert!(kept > read, "{kept} kept, {read} read back");
    }
}
