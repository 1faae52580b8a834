//! The fakes: the multi-call binary that stands in for docker and the host commands the script
//! runs, answering from one simulated world that the calls change, and recording each call in the
//! invocation log.
//!
//! [`answer`] is the model, a pure function of the world, the fakes' state, the filesystem and the
//! call; the binary ([`process::main`]) wraps it with the sandbox's files, and the in-process subject
//! calls it directly, so both forms give the same answers. [`materialize`] keeps the files the
//! local side probes (`/sys/class/net`, `PROCFS/PID/ns/net`) in step with the state.

pub mod docker;
pub mod host;
pub mod http;
pub mod inline;
pub mod log;
pub mod net;
pub mod process;
pub mod registry;
pub mod weaveexec;

use crate::fs;
use crate::world::{Answer, World};
use log::{Bytes, Call, PASSED_ENV};
use registry::{Fake, Model, NetUse};
use std::cell::RefCell;
use std::collections::HashMap;

/// Files of the sandbox directory the fakes share.
pub const WORLD_FILE: &str = "world.json";
pub const STATE_FILE: &str = "state.json";
/// The invocation log; the sandbox creates it empty, and a fake call locks it while it works.
pub const LOG_FILE: &str = "calls.jsonl";
/// Where a companion binary that fails inside a sandbox (a fake, or the spec as a process) leaves
/// its message, a line each: the subject sees only a failed command, the harness reads this.
pub const FAULT_FILE: &str = "faults.log";

/// What a fake writes and exits with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: i32,
    /// What ran inside a container the call started, where the fakes ran it.
    pub nested: Option<Box<log::Nested>>,
    /// The call changed the world (containers, links, rules): the files that show it are due
    /// for [`materialize`].
    pub changed: bool,
    /// The models do not cover this call: what it answered is no tool's behaviour.
    pub unmodeled: bool,
    /// A weaveexec `--local` run the model leaves to its caller, which runs the subject's own
    /// script there (see [`State::runs_script`]); the rest of the reply comes before its output.
    pub container: Option<Box<docker::LocalRun>>,
}

impl Reply {
    /// The answer to a call the models do not cover (`what` is the call as a person writes it):
    /// said plainly, exit 127, and marked, so that a gap is never mistaken for an answer and no
    /// golden records it.
    pub fn not_modeled(what: &str) -> Reply {
        Reply {
            stderr: format!("not modeled: {what}\n").into_bytes(),
            status: 127,
            unmodeled: true,
            ..Reply::default()
        }
    }

    /// [`Reply::not_modeled`] for a call given as its words.
    pub fn not_modeled_call(argv: &[Vec<u8>]) -> Reply {
        Reply::not_modeled(&String::from_utf8_lossy(&argv.join(&b' ')))
    }
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
    /// The network, built from the world by the first call that needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub net: Option<net::Net>,
    /// The router's and weaveDNS's state, made for each when first asked.
    #[serde(default, skip_serializing_if = "http::Services::is_empty")]
    pub services: http::Services,
    /// weaveexec holds the subject's own script, which its `--local` runs run (a real script's
    /// sandbox); otherwise they run the spec's local side. Not kept: each call learns it afresh.
    #[serde(skip)]
    pub runs_script: bool,
}

impl State {
    /// Stops container `n`: its process ends, so its namespace goes, and with it the veth peers of
    /// its links; the service it ran goes too, so a restart serves afresh. (Here, where docker's
    /// state and the services' meet, so that neither fake module needs the other's.)
    pub fn stop_container(&mut self, world: &World, n: usize) {
        let (docker, net, services) = self.all_parts(world);
        let c = &mut docker.containers[n];
        net.remove_ns(c.netns);
        services.drop_container(&c.id);
        (c.running, c.pid, c.ip, c.netns) = (false, 0, None, 0);
    }

    /// The state of `world` before any call.
    pub fn new(world: &World) -> State {
        let mut state = State::default();
        state.parts(world);
        state
    }

    /// The docker daemon's and the network's parts, built from the world if no call has yet.
    pub fn parts(&mut self, world: &World) -> (&mut docker::DockerState, &mut net::Net) {
        let (docker, net, _) = self.all_parts(world);
        (docker, net)
    }

    /// [`State::parts`], and the services the containers run.
    pub fn all_parts(&mut self, world: &World) -> (&mut docker::DockerState, &mut net::Net, &mut http::Services) {
        let fresh = self.net.is_none();
        let net = self.net.get_or_insert_with(|| net::Net::from_world(world));
        if fresh {
            self.docker.add_world_containers(world, net);
        }
        (&mut self.docker, net, &mut self.services)
    }

    /// The world after a run, as text: containers (name, short id, running, pid), then each
    /// namespace's links, addresses and routes, then the iptables rules that are not the empty
    /// tables'. Stable, for a golden's `~~~ state`.
    pub fn render(&self) -> String {
        let mut out = String::from("containers\n");
        for c in &self.docker.containers {
            let id = &c.id[..12.min(c.id.len())];
            let run = if c.running { format!("running pid {}", c.pid) } else { "stopped".into() };
            let ip = c.ip.map(|ip| format!(" ip {ip}")).unwrap_or_default();
            out.push_str(&format!("  {} {id} {run}{ip}\n", c.name));
        }
        let Some(net) = &self.net else {
            out.push_str("(no call built the network)\n");
            return out;
        };
        let names = |inode: u64| {
            if inode == net::HOST_NETNS_INODE {
                return "host".to_string();
            }
            let users: Vec<&str> = self
                .docker
                .containers
                .iter()
                .filter(|c| c.running && c.netns == inode)
                .map(|c| c.name.as_str())
                .collect();
            if users.is_empty() {
                "no container".into()
            } else {
                users.join(", ")
            }
        };
        out.push_str(&net.render(&names));
        let services = self.services.render(&|id| {
            self.docker.containers.iter().find(|c| c.id == id).map_or_else(|| id.to_string(), |c| c.name.clone())
        });
        if !services.is_empty() {
            out.push_str("services\n");
            out.push_str(&services);
        }
        out
    }
}

thread_local! {
    static ANSWER_RES: RefCell<HashMap<String, Option<regex::bytes::Regex>>> = RefCell::new(HashMap::new());
}

/// The first of `answers` whose regex matches the call's words joined by spaces, as a reply.
pub fn explicit_answer(answers: &[Answer], argv: &[Vec<u8>]) -> Option<Reply> {
    if answers.is_empty() {
        return None;
    }
    let line = argv.join(&b' ');
    answers.iter().find_map(|answer| {
        let matched = ANSWER_RES.with(|c| {
            let mut cache = c.borrow_mut();
            let re = cache.entry(answer.args.clone()).or_insert_with(|| regex::bytes::Regex::new(&answer.args).ok());
            re.as_ref().is_some_and(|re| re.is_match(&line))
        });
        matched.then(|| Reply {
            stdout: answer.stdout.clone().into_bytes(),
            stderr: answer.stderr.clone().into_bytes(),
            status: answer.status,
            ..Reply::default()
        })
    })
}

/// Reads one ARP setting.
type ArpField = fn(&net::Arp) -> u32;

/// The ARP settings files of a link the local side writes.
const NEIGH_FILES: [(&str, ArpField); 3] = [
    ("base_reachable_time", |a| a.base_reachable_time),
    ("delay_first_probe_time", |a| a.delay_first_probe_time),
    ("ucast_solicit", |a| a.ucast_solicit),
];

/// Brings the files the local side probes in step with `state`: `/sys/class/net/NAME/{address,mtu}`
/// and `/proc/sys/net/ipv4/neigh/NAME/` for each link of the host's namespace (settings files made
/// only when missing: a script may have written them), `PROCFS/PID/ns/net` for each running
/// container. Entries of links and containers that are gone are removed; nothing else is touched.
/// Idempotent; the filesystem's errors are left for the probes to find.
pub fn materialize(state: &State, fs: &mut dyn fs::Fs, procfs: &[u8]) {
    materialize_since(None, state, fs, procfs);
}

/// What the files show of a state: each host link (name, MAC, MTU) and each container's pid,
/// whether it runs, and its namespace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    links: Vec<(String, String, u32)>,
    containers: Vec<(u32, bool, u64)>,
}

impl Shown {
    pub fn of(state: &State) -> Shown {
        let links = match &state.net {
            Some(net) => net.host().links.iter().map(|l| (l.name.clone(), l.mac.clone(), l.mtu)).collect(),
            None => Vec::new(),
        };
        Shown { links, containers: state.docker.containers.iter().map(|c| (c.pid, c.running, c.netns)).collect() }
    }
}

/// [`materialize`], touching only what changed since the files showed `before` (a run that keeps
/// its files calls this after each call that changed the world); what they show now.
pub fn materialize_since(before: Option<&Shown>, state: &State, fs: &mut dyn fs::Fs, procfs: &[u8]) -> Shown {
    let now = Shown::of(state);
    if before == Some(&now) {
        return now;
    }
    let Some(net) = &state.net else { return now };
    let host = net.host();
    for l in &host.links {
        if before.is_some_and(|b| b.links.contains(&(l.name.clone(), l.mac.clone(), l.mtu))) {
            continue;
        }
        let dir = format!("/sys/class/net/{}", l.name);
        let _ = fs.mkdir_p(dir.as_bytes());
        let address = format!("{}\n", l.mac);
        let mtu = format!("{}\n", l.mtu);
        for (file, content) in [("address", address), ("mtu", mtu)] {
            let path = format!("{dir}/{file}");
            if fs.read(path.as_bytes()).ok().as_deref() != Some(content.as_bytes()) {
                let _ = fs.write(path.as_bytes(), content.as_bytes());
            }
        }
        let neigh = format!("/proc/sys/net/ipv4/neigh/{}", l.name);
        let _ = fs.mkdir_p(neigh.as_bytes());
        for (file, value) in NEIGH_FILES {
            let path = format!("{neigh}/{file}");
            if fs.kind(path.as_bytes()).is_none() {
                let _ = fs.write(path.as_bytes(), format!("{}\n", value(&l.arp)).as_bytes());
            }
        }
    }
    let known = |name: &[u8]| host.links.iter().any(|l| l.name.as_bytes() == name);
    let gone: Vec<Vec<u8>> = match before {
        // Only links the files showed can have gone from them.
        Some(b) => b.links.iter().map(|(n, _, _)| n.as_bytes().to_vec()).filter(|n| !known(n)).collect(),
        None => {
            let mut listed = fs.list(b"/sys/class/net");
            listed.extend(fs.list(b"/proc/sys/net/ipv4/neigh"));
            listed.into_iter().filter(|n| !known(n) && n != b"default").collect()
        }
    };
    for name in gone {
        for dir in [&b"/sys/class/net"[..], b"/proc/sys/net/ipv4/neigh"] {
            let _ = fs.remove(&[dir, b"/", &name].concat());
        }
    }
    for c in &state.docker.containers {
        if !c.running || before.is_some_and(|b| b.containers.contains(&(c.pid, c.running, c.netns))) {
            continue;
        }
        let dir = [procfs, b"/", c.pid.to_string().as_bytes()].concat();
        let link = [dir.as_slice(), b"/ns/net"].concat();
        let target = format!("net:[{}]", c.netns).into_bytes();
        if fs.read_link(&link).as_ref() != Some(&target) {
            let _ = fs.remove(&link);
            let _ = fs.mkdir_p(&[dir.as_slice(), b"/ns"].concat());
            let _ = fs.symlink(&target, &link);
        }
    }
    for &pid in &state.docker.pids_seen {
        if !state.docker.containers.iter().any(|c| c.running && c.pid == pid) {
            let _ = fs.remove(&[procfs, b"/", pid.to_string().as_bytes()].concat());
        }
    }
    now
}

/// Answers one call of the fake named by `argv[0]` (its base name), and the log record of it;
/// `None` when no fake has that name. `env` looks up the caller's environment; `fs` is the
/// filesystem the caller sees (where `ip netns` finds its names).
pub fn answer(
    world: &World,
    state: &mut State,
    fs: &mut dyn fs::Fs,
    argv: &[Vec<u8>],
    env: &dyn Fn(&str) -> Option<Vec<u8>>,
    stdin: Vec<u8>,
) -> Option<(Reply, Call)> {
    let arg0 = argv.first()?;
    let fake = registry::find(arg0.rsplit(|&b| b == b'/').next()?)?;
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
                ..Reply::default()
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
    } else if let Model::Docker = fake.model {
        docker::docker(world, state, argv, env)
    } else if let Some(reply) = explicit_answer(&world.host.answer, argv) {
        reply
    } else {
        host_model(world, state, fs, fake, argv)
    };
    let mut call = record(state, argv, env, stdin, &reply);
    call.escape = escape;
    call.unexpected = unexpected;
    Some((reply, call))
}

/// The log's record of a call that `reply` answered, numbered next.
fn record(
    state: &mut State,
    argv: &[Vec<u8>],
    env: &dyn Fn(&str) -> Option<Vec<u8>>,
    stdin: Vec<u8>,
    reply: &Reply,
) -> Call {
    state.calls += 1;
    let mut call = Call {
        seq: state.calls,
        argv: argv.iter().cloned().map(Bytes).collect(),
        env: PASSED_ENV.iter().filter_map(|&k| env(k).map(|v| (k.to_string(), Bytes(v)))).collect(),
        stdin: Bytes(stdin),
        ..Call::default()
    };
    call.answered(reply);
    call
}

impl Call {
    /// Takes what `reply` answered: the call's output, status, and what ran inside it.
    pub fn answered(&mut self, reply: &Reply) {
        self.stdout = Bytes(reply.stdout.clone());
        self.stderr = Bytes(reply.stderr.clone());
        self.status = reply.status;
        self.unmodeled = reply.unmodeled;
        self.nested = reply.nested.clone();
    }
}

/// A fake started from `path`, outside the sandbox's `bin/`: a stand-in over a host directory, run
/// by whatever route (a path, `exec`, `env`, a PATH reset). An escape, answered and recorded as one
/// whatever name it was called by; the host's binary is not run.
pub fn escape(
    state: &mut State,
    argv: &[Vec<u8>],
    path: &[u8],
    env: &dyn Fn(&str) -> Option<Vec<u8>>,
    stdin: Vec<u8>,
) -> (Reply, Call) {
    let mut stderr = b"weavetrace: escape: ".to_vec();
    stderr.extend_from_slice(path);
    stderr.extend_from_slice(b" is outside the sandbox's PATH: the host's binaries are not run\n");
    let reply = Reply { stderr, status: 126, ..Reply::default() };
    let mut call = record(state, argv, env, stdin, &reply);
    call.escape = true;
    call.path = Bytes(path.to_vec());
    (reply, call)
}

/// The model of a host command, in the host's network namespace.
fn host_model(world: &World, state: &mut State, fs: &mut dyn fs::Fs, fake: &Fake, argv: &[Vec<u8>]) -> Reply {
    if let Model::World(answer) = fake.model {
        return answer(world, argv);
    }
    // Whether the call changed what files show is found by comparing the network before and
    // after; a call that only reads needs no copy to compare with.
    let reads = fake.net != NetUse::Changes
        || argv.iter().any(|w| matches!(w.as_slice(), b"show" | b"list" | b"-V" | b"-S" | b"-C"));
    let before = if reads { None } else { state.net.clone() };
    let built = state.net.is_some();
    let (docker, net, services) = state.all_parts(world);
    let mut reply = match fake.model {
        Model::Net(answer) => {
            let cx = net::ip::IpCtx { world, fs, pids: docker.pids(), exec: registry::exec_in_netns };
            answer(&cx, net, net::HOST_NETNS_INODE, argv)
        }
        Model::Services(answer) => answer(world, docker, net, services, argv),
        Model::Docker | Model::World(_) => unreachable!("answered above"),
    };
    reply.changed = match (&before, &state.net) {
        _ if reads => !built,
        (Some(b), Some(a)) => b.namespaces != a.namespaces || b.tables != a.tables || b.next_inode != a.next_inode,
        _ => true,
    };
    reply
}
