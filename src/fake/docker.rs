//! The fake docker: the host's docker client and daemon, and the weaveexec image's answers.

use super::Reply;
use crate::world::World;
use std::cell::RefCell;
use std::collections::HashMap;

/// What the fake docker keeps between calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DockerState {
    /// How many containers `run -d` has started.
    pub started: u64,
}

/// The image whose `--local` commands the model answers.
const WEAVEEXEC: &[u8] = b"weaveworks/weaveexec";

/// `docker run` flags of docker 1.x that take no value; every other flag takes one.
const RUN_BOOL_FLAGS: [&[u8]; 14] = [
    b"-d",
    b"--detach",
    b"--rm",
    b"--sig-proxy",
    b"--privileged",
    b"-P",
    b"--publish-all",
    b"-i",
    b"--interactive",
    b"-t",
    b"--tty",
    b"--read-only",
    b"--oom-kill-disable",
    b"--help",
];

/// Whether a `docker run` flag word (`--name`, `-ti`, `--net=host`) takes the next word as its value.
pub fn run_flag_takes_value(flag: &[u8]) -> bool {
    if flag.len() < 2 || flag[0] != b'-' || flag.contains(&b'=') {
        return false;
    }
    if flag.starts_with(b"--") {
        return !RUN_BOOL_FLAGS.contains(&flag);
    }
    // Short flags may be grouped (`-ti`, `-dit`); only the last of a group may take a value.
    let last = [b'-', flag[flag.len() - 1]];
    !RUN_BOOL_FLAGS.contains(&last.as_slice())
}

thread_local! {
    static ANSWER_RES: RefCell<HashMap<String, Option<regex::bytes::Regex>>> = RefCell::new(HashMap::new());
}

/// Answers one docker call: an explicit answer of the world if one matches, else the model.
/// `env` looks up the caller's environment (`docker run -e NAME` passes its value on).
pub fn docker(
    world: &World,
    state: &mut DockerState,
    argv: &[Vec<u8>],
    env: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Reply {
    let line = argv.join(&b' ');
    for answer in &world.docker.answer {
        let matched = ANSWER_RES.with(|c| {
            let mut cache = c.borrow_mut();
            let re = cache.entry(answer.args.clone()).or_insert_with(|| regex::bytes::Regex::new(&answer.args).ok());
            re.as_ref().is_some_and(|re| re.is_match(&line))
        });
        if matched {
            return Reply {
                stdout: answer.stdout.clone().into_bytes(),
                stderr: answer.stderr.clone().into_bytes(),
                status: answer.status,
                nested: None,
            };
        }
    }
    let args = &argv[1.min(argv.len())..];
    match args.first().map(Vec::as_slice) {
        Some(b"-v" | b"--version") => {
            let mut stdout = world.docker.version_output.clone().into_bytes();
            if !stdout.is_empty() {
                stdout.push(b'\n');
            }
            Reply { stdout, status: world.docker.version_status, ..Reply::default() }
        }
        Some(b"run") => run(world, state, &args[1..], env),
        _ => Reply::default(),
    }
}

/// `docker run FLAGS IMAGE ARGS`.
/// A `docker run` command line, read as docker 1.x reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunArgs<'a> {
    pub detach: bool,
    /// `-e NAME=value` and `-e NAME` flags, as written.
    pub env_flags: Vec<&'a [u8]>,
    /// The image, if the line names one.
    pub image: Option<&'a [u8]>,
    /// The command and its arguments after the image.
    pub rest: &'a [Vec<u8>],
}

impl<'a> RunArgs<'a> {
    /// Reads the words after `docker run`.
    pub fn parse(args: &'a [Vec<u8>]) -> RunArgs<'a> {
        let mut parsed = RunArgs::default();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_slice();
            if a == b"--" {
                i += 1;
                break;
            }
            if a.len() < 2 || a[0] != b'-' {
                break;
            }
            if a == b"--detach" || (!a.starts_with(b"--") && a[1..].contains(&b'd')) {
                parsed.detach = true;
            }
            let env_flag = match a {
                b"-e" | b"--env" => args.get(i + 1).map(Vec::as_slice),
                _ => a.strip_prefix(b"--env=").or_else(|| a.strip_prefix(b"-e=")),
            };
            parsed.env_flags.extend(env_flag);
            i += if run_flag_takes_value(a) { 2 } else { 1 };
        }
        parsed.image = args.get(i).map(Vec::as_slice);
        parsed.rest = args.get(i + 1..).unwrap_or_default();
        parsed
    }

    /// For a run of the weaveexec image, the `--local` command and its arguments.
    pub fn weaveexec_local(&self) -> Option<&'a [Vec<u8>]> {
        let base = self.image?.split(|&b| b == b':').next().unwrap_or_default();
        (base == WEAVEEXEC && self.rest.first().map(Vec::as_slice) == Some(b"--local")).then(|| &self.rest[1..])
    }
}

/// `docker run FLAGS IMAGE ARGS`.
fn run(world: &World, state: &mut DockerState, args: &[Vec<u8>], env: &dyn Fn(&str) -> Option<Vec<u8>>) -> Reply {
    let parsed = RunArgs::parse(args);
    if parsed.image.is_none() {
        // The text of docker 1.5 and 1.6, the clients weave 0.10 meets most.
        return Reply {
            stderr: b"docker: \"run\" requires a minimum of 1 argument. See 'docker run --help'.\n".to_vec(),
            status: 1,
            ..Reply::default()
        };
    }
    if let Some(local) = parsed.weaveexec_local() {
        // The container's environment: `-e NAME=value`, or `-e NAME` with the caller's value.
        let container_env = parsed
            .env_flags
            .iter()
            .filter_map(|e| match e.iter().position(|&b| b == b'=') {
                Some(eq) => Some((e[..eq].to_vec(), e[eq + 1..].to_vec())),
                None => std::str::from_utf8(e).ok().and_then(env).map(|v| (e.to_vec(), v)),
            })
            .collect();
        return weaveexec_local(world, local, container_env);
    }
    if parsed.detach {
        let n = state.started as usize;
        state.started += 1;
        let mut stdout = match world.docker.container_ids.get(n) {
            Some(id) => id.clone().into_bytes(),
            None => generated_id((n - world.docker.container_ids.len()) as u64).into_bytes(),
        };
        stdout.push(b'\n');
        return Reply { stdout, ..Reply::default() };
    }
    Reply::default()
}

/// Where the weaveexec image keeps the script it runs.
const WEAVEEXEC_SCRIPT: &[u8] = b"/home/weave/weave";

/// weaveexec's `--local CMD ...`: `dns-args` runs the spec's local side in the container — its
/// docker client the image's own, its host the world's — unless the world fixes the answer; the
/// commands the spec does not cover yet print nothing and succeed.
fn weaveexec_local(world: &World, args: &[Vec<u8>], env: Vec<(Vec<u8>, Vec<u8>)>) -> Reply {
    match (args.first().map(Vec::as_slice), &world.weaveexec.dns_args) {
        (Some(b"dns-args"), Some(fixed)) => Reply { stdout: fixed.clone().into_bytes(), ..Reply::default() },
        (Some(b"dns-args"), None) => {
            let mut inside = world.clone();
            inside.docker.version_output = world.weaveexec.docker_version_output.clone();
            inside.docker.version_status = 0;
            let mut argv = vec![b"--local".to_vec()];
            argv.extend(args.iter().cloned());
            let run = super::inline::run_spec(&inside, WEAVEEXEC_SCRIPT, env, argv, std::path::Path::new("/"));
            // The image runs weave without -x: the container's stderr holds only its messages;
            // the trace is kept with the call, as `sh -x` would have written it.
            let messages = crate::trace::parse_dash(&run.io.stderr, crate::trace::DEFAULT_PS4)
                .lines
                .into_iter()
                .filter(|l| l.kind == crate::trace::Kind::Output)
                .flat_map(|l| {
                    let mut b = l.bytes;
                    if l.eol {
                        b.push(b'\n');
                    }
                    b
                })
                .collect();
            let nested = super::log::Nested { trace: super::log::Bytes(run.io.stderr), calls: run.calls };
            Reply { stdout: run.io.stdout, stderr: messages, status: run.status, nested: Some(Box::new(nested)) }
        }
        _ => Reply::default(),
    }
}

/// The n-th container id after the world's list: 64 hex digits from a fixed generator (splitmix64),
/// never with twelve leading digits, as docker guarantees.
pub fn generated_id(n: u64) -> String {
    let mut x = 0x7765_6176_6574_7261_u64 ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut id = String::with_capacity(64);
    for _ in 0..4 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        id.push_str(&format!("{z:016x}"));
    }
    if id[..12].bytes().all(|b| b.is_ascii_digit()) {
        id.replace_range(0..1, "f");
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::Answer;

    fn no_env(_: &str) -> Option<Vec<u8>> {
        None
    }

    fn argv(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn run_detached_hands_out_ids_in_order() {
        let mut world = World::default();
        world.docker.container_ids = vec!["aaa".into()];
        let mut state = DockerState::default();
        let first = docker(&world, &mut state, &argv("docker run -d --label=x -ti ubuntu"), &no_env);
        assert_eq!(first.stdout, b"aaa\n");
        let second = docker(&world, &mut state, &argv("docker run -ti -d ubuntu"), &no_env);
        assert_eq!(second.stdout, format!("{}\n", generated_id(0)).into_bytes());
        assert_ne!(generated_id(0), generated_id(1));
        assert_eq!(generated_id(5).len(), 64);
        let third = docker(&world, &mut state, &argv("docker run -dit ubuntu sh"), &no_env);
        assert_eq!(third.stdout, format!("{}\n", generated_id(1)).into_bytes());
    }

    #[test]
    fn weaveexec_answers_dns_args_only() {
        let world = World::default();
        let mut state = DockerState::default();
        let base = "docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -e VERSION --privileged --net=host weaveworks/weaveexec:0.10.0 --local";
        let dns = docker(&world, &mut state, &argv(&format!("{base} dns-args 10.2.0.1/24 -ti ubuntu")), &no_env);
        assert_eq!(dns.stdout, b"--dns 172.17.42.1 --dns-search=.");
        let attach = docker(&world, &mut state, &argv(&format!("{base} attach 10.2.0.1/24 abc")), &no_env);
        assert_eq!(attach, Reply::default());
        assert_eq!(state.started, 0);
    }

    #[test]
    fn explicit_answers_come_first() {
        let mut world = World::default();
        world.docker.answer.push(Answer {
            args: "^docker run .*-d".into(),
            stderr: "boom\n".into(),
            status: 1,
            ..Default::default()
        });
        let mut state = DockerState::default();
        let r = docker(&world, &mut state, &argv("docker run -d ubuntu"), &no_env);
        assert_eq!((r.stderr.as_slice(), r.status), (&b"boom\n"[..], 1));
        assert_eq!(
            docker(&world, &mut state, &argv("docker -v"), &no_env).stdout,
            b"Docker version 1.6.0, build 4749651\n"
        );
    }
}
