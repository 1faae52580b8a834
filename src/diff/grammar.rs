//! Random weave command lines, drawn from a grammar of weave's arguments: commands, CIDRs valid and
//! not, docker run flags, and the quoting hazards that break shell scripts (spaces, quotes,
//! backslashes, globs, empty words, newlines, leading dashes).

use crate::case::Invocation;
use rand::seq::SliceRandom;
use rand::Rng;

/// The commands weave 0.10's client side dispatches, `run` weighted as the one it handles itself.
const COMMANDS: [&str; 17] = [
    "launch",
    "launch-dns",
    "connect",
    "forget",
    "start",
    "attach",
    "detach",
    "expose",
    "hide",
    "ps",
    "status",
    "version",
    "stop",
    "stop-dns",
    "reset",
    "setup",
    "frobnicate",
];

const DOCKER_FLAGS: [&[&str]; 14] = [
    &["-ti"],
    &["-d"],
    &["-i"],
    &["--rm"],
    &["--name=web"],
    &["--name", "db 1"],
    &["-e", "A=b c"],
    &["--label=com.foo.deployment=stage"],
    &["-v", "/srv:/srv"],
    &["--dns-search=weave.local"],
    &["-h", "host1"],
    &["--privileged"],
    &["-p", "80:80"],
    &["--entrypoint=/bin/sh"],
];

const IMAGES: [&str; 4] = ["ubuntu", "busybox:latest", "weaveworks/weave:0.10.0", "redis"];

/// How a drawn local command gets its arguments.
#[derive(Clone, Copy, PartialEq)]
enum Args {
    /// CIDRs, then a container, a peer or docker run's arguments.
    Addresses,
    /// The life cycle's own shapes ([`life_cycle_args`]): the router's and weaveDNS's options,
    /// peers, a CIDR, or words a command does not take.
    LifeCycle,
}

/// The local side's commands as weaveexec (or a root on the host) is asked them, each with its
/// share of the `--local` draws and how its arguments are drawn: the one table to adjust.
/// `frobnicate` is the unknown command.
const LOCAL_COMMANDS: [(&str, u32, Args); 21] = [
    ("attach", 10, Args::Addresses),
    ("detach", 10, Args::Addresses),
    ("start", 10, Args::Addresses),
    ("run", 10, Args::Addresses),
    ("dns-args", 10, Args::Addresses),
    ("connect", 10, Args::Addresses),
    ("forget", 10, Args::Addresses),
    ("status", 10, Args::Addresses),
    ("ps", 10, Args::Addresses),
    ("expose", 10, Args::Addresses),
    ("hide", 10, Args::Addresses),
    ("launch", 6, Args::LifeCycle),
    ("launch-dns", 6, Args::LifeCycle),
    ("test-launch", 3, Args::LifeCycle),
    ("create-bridge", 3, Args::LifeCycle),
    ("stop", 3, Args::LifeCycle),
    ("stop-dns", 3, Args::LifeCycle),
    ("reset", 3, Args::LifeCycle),
    ("setup", 3, Args::LifeCycle),
    ("version", 3, Args::LifeCycle),
    ("frobnicate", 2, Args::LifeCycle),
];

/// Names `launch` gives the router.
const NICKNAMES: [&str; 4] = ["host1", "a b", "", "-x"];

/// Ports for `launch -port`.
const PORTS: [&str; 4] = ["6783", "7000", "0", "x"];

/// A draw's number of command lines, 1 to 4, and each count's share.
const CHAIN_LENGTHS: [(usize, u32); 4] = [(1, 55), (2, 20), (3, 15), (4, 10)];

/// Commands that undo one another: a later step of a chain often takes back an earlier one, with
/// the same arguments, so that chains reach the states that matter (exposed then hidden,
/// launched then stopped).
const COUNTERPARTS: [(&str, &str); 4] =
    [("expose", "hide"), ("attach", "detach"), ("launch", "stop"), ("launch-dns", "stop-dns")];

/// One draw: 1 to 4 command lines to run one after another in one world.
pub fn draw(rng: &mut impl Rng) -> Vec<Invocation> {
    let n = CHAIN_LENGTHS.choose_weighted(rng, |c| c.1).map_or(1, |c| c.0);
    let mut out: Vec<Invocation> = Vec::with_capacity(n);
    while out.len() < n {
        let earlier = out.choose(rng).cloned();
        let undo = earlier.and_then(|inv| {
            let at = usize::from(inv.args.first().is_some_and(|a| a == "--local"));
            let word = inv.args.get(at)?.clone();
            let other = COUNTERPARTS
                .iter()
                .find_map(|&(a, b)| (word == a).then_some(b).or_else(|| (word == b).then_some(a)))?;
            let mut inv = inv;
            inv.args[at] = other.to_string();
            Some(inv)
        });
        match undo {
            Some(inv) if rng.gen_bool(0.4) => out.push(inv),
            _ => out.push(invocation(rng)),
        }
    }
    out
}

/// The arguments of a life-cycle command, in the shapes it takes (valid and not).
fn life_cycle_args(command: &str, rng: &mut impl Rng, args: &mut Vec<String>) {
    match command {
        "launch" => {
            if rng.gen_bool(0.4) {
                args.push(cidr(rng));
            }
            for _ in 0..rng.gen_range(0..3) {
                match rng.gen_range(0..4) {
                    0 => args.extend(["-password".into(), ["s3cret", "a b", ""].choose(rng).unwrap().to_string()]),
                    1 => args.extend(["-nickname".into(), NICKNAMES.choose(rng).unwrap().to_string()]),
                    2 => args.extend(["-port".into(), PORTS.choose(rng).unwrap().to_string()]),
                    _ => args.push(PEERS.choose(rng).unwrap().to_string()),
                }
            }
        }
        "launch-dns" => {
            if rng.gen_bool(0.85) {
                args.push(cidr(rng));
            }
        }
        _ => {
            if rng.gen_bool(0.1) {
                args.push(HAZARDS.choose(rng).unwrap().to_string());
            }
        }
    }
}

/// Peers as `connect` and `forget` take them: addresses with and without ports, and what Go's
/// address parsing refuses (a name would need a lookup, which is not modeled).
const PEERS: [&str; 12] = [
    "10.0.0.4",
    "10.0.0.4:6783",
    "192.168.48.13",
    "010.0.0.4",
    "10.0.0.4:70000",
    "10.0.0.4:abc",
    "10.0.0.4:",
    "1.2.3.4:5:6",
    "[::1]:6783",
    "[::1",
    "::1",
    "a]:1",
];

/// Containers a world may have (`web` in the local side's worlds), and names it does not.
const CONTAINERS: [&str; 4] = ["web", "weavedns", "db", "ubuntu"];

/// Words that shells get wrong.
const HAZARDS: [&str; 16] = [
    "",
    "a b",
    "it's",
    "say \"hi\"",
    "back\\slash",
    "\\c",
    "x\\ny",
    "*",
    "[ab]",
    "?",
    "-n",
    "-e",
    "two\nlines",
    "tab\there",
    "$HOME",
    "a=b",
];

fn octet(rng: &mut impl Rng) -> String {
    match rng.gen_range(0..10) {
        0 => rng.gen_range(256..1000).to_string(),
        1 => "1000".into(),
        _ => rng.gen_range(0..256).to_string(),
    }
}

/// A CIDR, valid more often than not; the invalid ones are near misses.
pub fn cidr(rng: &mut impl Rng) -> String {
    let ip = format!("{}.{}.{}.{}", octet(rng), octet(rng), octet(rng), octet(rng));
    match rng.gen_range(0..12) {
        0 => ip,
        1 => format!("{ip}/{}", rng.gen_range(100..1000)),
        2 => format!("{ip}/"),
        3 => format!("{ip}/24\nx"),
        4 => format!("{ip}/24\\c junk"),
        5 => format!("10.2.0/{}", rng.gen_range(0..33)),
        _ => format!("{ip}/{}", rng.gen_range(0..33)),
    }
}

fn docker_args(rng: &mut impl Rng, out: &mut Vec<String>) {
    for _ in 0..rng.gen_range(0..4) {
        match rng.gen_bool(0.5) {
            true => out.extend(DOCKER_FLAGS.choose(rng).unwrap().iter().map(|s| s.to_string())),
            false => table_flag(rng, out),
        }
    }
    if rng.gen_bool(0.9) {
        out.push(IMAGES.choose(rng).unwrap().to_string());
    }
    for _ in 0..rng.gen_range(0..3) {
        out.push(if rng.gen_bool(0.5) { HAZARDS.choose(rng).unwrap().to_string() } else { "sh".into() });
    }
}

/// A `docker run` spelling of any release from the fake docker's flag table, with a value that
/// passes its check (or, now and then, one that does not): which releases take it is for the
/// drawn world's client to say.
fn table_flag(rng: &mut impl Rng, out: &mut Vec<String>) {
    use crate::fake::docker::client::{table, Kind};
    let rows: Vec<_> = table().iter().filter(|s| s.command == "run" && s.flag != "--help").collect();
    let Some(row) = rows.choose(rng) else { return };
    let value = match row.kind {
        Kind::Bool => None,
        _ if rng.gen_bool(0.1) => Some("bad value"),
        _ => row.sample_value(),
    };
    match (value, rng.gen_bool(0.5)) {
        (Some(v), true) => out.push(format!("{}={v}", row.spelling)),
        (Some(v), false) => out.extend([row.spelling.to_string(), v.to_string()]),
        (None, _) => out.push(row.spelling.to_string()),
    }
}

/// One random command line.
pub fn invocation(rng: &mut impl Rng) -> Invocation {
    let mut inv = Invocation::default();
    if rng.gen_bool(0.15) {
        inv.env.push(("VERSION".into(), ["0.9.0", "latest", "a b", "*"].choose(rng).unwrap().to_string()));
    }
    if rng.gen_bool(0.1) {
        inv.env.push(("PROCFS".into(), ["/hostproc", "", "/p q"].choose(rng).unwrap().to_string()));
    }
    if rng.gen_bool(0.1) {
        inv.env.push(("WEAVE_PASSWORD".into(), "s3cret".into()));
    }
    let args = &mut inv.args;
    if rng.gen_bool(0.25) {
        // The local side, as weaveexec runs it (or a root on the host).
        args.push("--local".into());
        let (command, _, shape) = LOCAL_COMMANDS.choose_weighted(rng, |c| c.1).copied().unwrap_or(LOCAL_COMMANDS[0]);
        args.push(command.to_string());
        if shape == Args::LifeCycle {
            life_cycle_args(command, rng, args);
            return inv;
        }
        if rng.gen_bool(0.2) && matches!(command, "run" | "dns-args") {
            args.push("--with-dns".into());
        }
        for _ in 0..rng.gen_range(0..3) {
            args.push(cidr(rng));
        }
        match command {
            "run" | "dns-args" => docker_args(rng, args),
            "connect" | "forget" => {
                args.truncate(2);
                for _ in 0..rng.gen_range(0..3) {
                    args.push(
                        if rng.gen_bool(0.9) { PEERS.choose(rng) } else { HAZARDS.choose(rng) }.unwrap().to_string(),
                    );
                }
            }
            "expose" | "hide" if rng.gen_bool(0.4) => {
                args.push("-h".into());
                args.push(["web.weave.local", "host1.weave.local.", "x.example.", ""].choose(rng).unwrap().to_string());
            }
            "status" | "expose" | "hide" => {}
            _ => {
                for _ in 0..rng.gen_range(0..3) {
                    let hazard = rng.gen_bool(0.2);
                    args.push(if hazard { HAZARDS.choose(rng) } else { CONTAINERS.choose(rng) }.unwrap().to_string());
                }
            }
        }
        return inv;
    }
    match rng.gen_range(0..10) {
        0..=5 => {
            args.push("run".into());
            if rng.gen_bool(0.3) {
                args.push("--with-dns".into());
            }
            for _ in 0..rng.gen_range(0..4) {
                args.push(cidr(rng));
            }
            if rng.gen_bool(0.15) {
                args.push(HAZARDS.choose(rng).unwrap().to_string());
            }
            docker_args(rng, args);
        }
        6 => {
            for _ in 0..rng.gen_range(0..3) {
                args.push(HAZARDS.choose(rng).unwrap().to_string());
            }
        }
        _ => {
            let command = COMMANDS.choose(rng).unwrap();
            args.push(command.to_string());
            // The client side's life-cycle commands, half the time in the shapes they take.
            let life_cycle = ["launch", "launch-dns", "stop", "stop-dns", "reset", "setup", "version", "frobnicate"];
            if life_cycle.contains(command) && rng.gen_bool(0.5) {
                life_cycle_args(command, rng, args);
                return inv;
            }
            for _ in 0..rng.gen_range(0..4) {
                args.push(if rng.gen_bool(0.5) { cidr(rng) } else { HAZARDS.choose(rng).unwrap().to_string() });
            }
        }
    }
    inv
}
