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

/// The local side's commands the spec covers, as weaveexec is asked them.
const LOCAL_COMMANDS: [&str; 11] =
    ["attach", "detach", "start", "run", "dns-args", "connect", "forget", "status", "ps", "expose", "hide"];

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
        out.extend(DOCKER_FLAGS.choose(rng).unwrap().iter().map(|s| s.to_string()));
    }
    if rng.gen_bool(0.9) {
        out.push(IMAGES.choose(rng).unwrap().to_string());
    }
    for _ in 0..rng.gen_range(0..3) {
        out.push(if rng.gen_bool(0.5) { HAZARDS.choose(rng).unwrap().to_string() } else { "sh".into() });
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
        let command = LOCAL_COMMANDS.choose(rng).unwrap();
        args.push(command.to_string());
        if rng.gen_bool(0.2) && matches!(*command, "run" | "dns-args") {
            args.push("--with-dns".into());
        }
        for _ in 0..rng.gen_range(0..3) {
            args.push(cidr(rng));
        }
        match *command {
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
            args.push(COMMANDS.choose(rng).unwrap().to_string());
            for _ in 0..rng.gen_range(0..4) {
                args.push(if rng.gen_bool(0.5) { cidr(rng) } else { HAZARDS.choose(rng).unwrap().to_string() });
            }
        }
    }
    inv
}
