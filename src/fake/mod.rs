//! The fakes: the multi-call binary that stands in for docker (and, later, every host command the
//! script runs), answering from the world and recording each call in the invocation log.
//!
//! [`answer`] is the model, a pure function of the world, the fakes' state and the call; the binary
//! ([`process::main`]) wraps it with the sandbox's files, and the in-process subject calls it directly,
//! so both forms give the same answers.

pub mod docker;
pub mod fs;
pub mod host;
pub mod inline;
pub mod log;
pub mod process;

use crate::world::World;
use log::{Bytes, Call, PASSED_ENV};

/// The environment variable that names the sandbox directory to a fake.
pub const SANDBOX_ENV: &str = "WEAVETRACE_SANDBOX";
/// Files of the sandbox directory the fakes share.
pub const WORLD_FILE: &str = "world.json";
pub const STATE_FILE: &str = "state.json";
/// The invocation log; the sandbox creates it empty, and a fake call locks it while it works.
pub const LOG_FILE: &str = "calls.jsonl";

/// The names the multi-call binary answers to.
pub const FAKES: &[&str] = &["docker", "id", "ip", "uname"];

/// What a fake writes and exits with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
    /// What ran inside a container the call started, where the fakes ran it.
    pub nested: Option<Box<log::Nested>>,
}

/// What the fakes keep between calls of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct State {
    /// Calls so far: the last call's sequence number.
    pub calls: u64,
    #[serde(default)]
    pub docker: docker::DockerState,
    /// Calls a cassette has answered (or refused) so far.
    #[serde(default)]
    pub replayed: u64,
}

/// The world a run left, as a case's `~~~ state` section holds it.
pub fn render_state(state: &State) -> Vec<u8> {
    // Until the world keeps links and containers, only the docker daemon's count shows.
    format!("containers started: {}\n", state.docker.started).into_bytes()
}

/// Answers one call of the fake named by `argv[0]` (its base name), and the log record of it;
/// `None` when no fake has that name. `env` looks up the caller's environment.
pub fn answer(
    world: &World,
    state: &mut State,
    argv: &[Vec<u8>],
    env: &dyn Fn(&str) -> Option<Vec<u8>>,
    stdin: Vec<u8>,
) -> Option<(Reply, Call)> {
    let arg0 = argv.first()?;
    let name = arg0.rsplit(|&b| b == b'/').next()?;
    if !FAKES.iter().any(|f| f.as_bytes() == name) {
        return None;
    }
    // The shell runs a command found on PATH under its bare name; a path means the subject asked for
    // the host's binary, which the sandbox covers with this fake.
    let escape = arg0.contains(&b'/');
    let mut unexpected = false;
    let reply = if escape {
        let mut stderr = b"weavetrace: escape: ".to_vec();
        stderr.extend_from_slice(arg0);
        stderr.extend_from_slice(b" was run by its path, outside the sandbox's PATH\n");
        Reply { stderr, status: 126, ..Reply::default() }
    } else if let Some(replay) = &world.replay {
        // A cassette answers the calls it expects, in order, and refuses anything else.
        let n = state.replayed as usize;
        state.replayed += 1;
        let words = argv.join(&b' ');
        match replay.calls.get(n) {
            Some(expected) if expected.command.as_bytes() == words.as_slice() => Reply {
                stdout: expected.stdout.clone().into_bytes(),
                stderr: expected.stderr.clone().into_bytes(),
                status: expected.status,
                nested: None,
            },
            other => {
                unexpected = true;
                let wanted = other.map_or("no more calls".to_string(), |c| format!("`{}`", c.command));
                let stderr = format!(
                    "weavetrace replay: call {} `{}` was not expected; the trace has {wanted} there\n",
                    n + 1,
                    String::from_utf8_lossy(&words)
                );
                Reply { stderr: stderr.into_bytes(), status: 127, ..Reply::default() }
            }
        }
    } else {
        match name {
            b"docker" => docker::docker(world, &mut state.docker, argv, env),
            b"id" => host::id(world, argv),
            b"ip" => host::ip(world, argv),
            b"uname" => host::uname(world, argv),
            _ => unreachable!("every name in FAKES has a model"),
        }
    };
    state.calls += 1;
    let call = Call {
        seq: state.calls,
        argv: argv.iter().cloned().map(Bytes).collect(),
        env: PASSED_ENV.iter().filter_map(|&k| env(k).map(|v| (k.to_string(), Bytes(v)))).collect(),
        stdin: Bytes(stdin),
        stdout: Bytes(reply.stdout.clone()),
        stderr: Bytes(reply.stderr.clone()),
        status: reply.status,
        escape,
        unexpected,
        nested: reply.nested.clone(),
    };
    Some((reply, call))
}
