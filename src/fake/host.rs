//! The fakes for the host's own commands the local side asks: `id`, `uname`, `hostname`,
//! `ethtool`, `arping`, `od`, `conntrack` and `sleep` (`ip` and `iptables` are in [`super::net`], `curl` in [`super::http`]).

use super::net::Net;
use super::Reply;
use crate::world::World;

fn out(text: String) -> Reply {
    Reply { stdout: text.into_bytes(), ..Reply::default() }
}

fn words(argv: &[Vec<u8>]) -> Vec<&[u8]> {
    argv.iter().skip(1).map(Vec::as_slice).collect()
}

/// `id [-u]`.
pub fn id(world: &World, argv: &[Vec<u8>]) -> Reply {
    let uid = world.host.uid;
    match words(argv).as_slice() {
        [b"-u"] => out(format!("{uid}\n")),
        _ => {
            let name = if uid == 0 { "root".to_string() } else { format!("u{uid}") };
            out(format!("uid={uid}({name}) gid={uid}({name}) groups={uid}({name})\n"))
        }
    }
}

/// `uname [-s] [-r]`.
pub fn uname(world: &World, argv: &[Vec<u8>]) -> Reply {
    let (sys, rel) = world.host.uname.split_once(' ').unwrap_or((world.host.uname.as_str(), ""));
    let args = words(argv);
    let mut parts = Vec::new();
    if args.is_empty() || args.contains(&&b"-s"[..]) {
        parts.push(sys);
    }
    if args.contains(&&b"-r"[..]) {
        parts.push(rel);
    }
    out(format!("{}\n", parts.join(" ")))
}

/// `hostname`.
pub fn hostname(world: &World, argv: &[Vec<u8>]) -> Reply {
    match words(argv).as_slice() {
        [] => out(format!("{}\n", world.host.hostname)),
        _ => Reply::not_modeled_call(argv),
    }
}

/// `ethtool -K DEV tx off` in the namespace `inode` (ethtool 3.16 on a veth or a bridge).
pub fn ethtool(net: &Net, inode: u64, argv: &[Vec<u8>]) -> Reply {
    let args = words(argv);
    let [b"-K" | b"--features" | b"--offload", dev, b"tx", b"off"] = args.as_slice() else {
        return Reply::not_modeled_call(argv);
    };
    if net.ns(inode).and_then(|n| n.link(&String::from_utf8_lossy(dev))).is_none() {
        return Reply {
            stderr: b"Cannot get device feature names: No such device\n".to_vec(),
            status: 1,
            ..Reply::default()
        };
    }
    out("Actual changes:\ntx-checksumming: off\n\ttx-checksum-ip-generic: off\ntcp-segmentation-offload: off\n\ttx-tcp-segmentation: off [requested on]\n\ttx-tcp-ecn-segmentation: off [requested on]\n\ttx-tcp6-segmentation: off [requested on]\nudp-fragmentation-offload: off [requested on]\n".into())
}

/// `arping -U -q -I DEV -c 1 ADDR` (iputils): one unsolicited ARP, quietly.
pub fn arping(net: &Net, inode: u64, argv: &[Vec<u8>]) -> Reply {
    let args = words(argv);
    let Some(i) = args.iter().position(|a| *a == b"-I") else { return Reply::not_modeled_call(argv) };
    let Some(dev) = args.get(i + 1) else { return Reply::not_modeled_call(argv) };
    let known = [&b"-U"[..], b"-q", b"-c", b"1", b"-I", dev];
    if args.len() != 7 || args[..6].iter().any(|a| !known.contains(a)) {
        return Reply::not_modeled_call(argv);
    }
    if net.ns(inode).and_then(|n| n.link(&String::from_utf8_lossy(dev))).is_none() {
        return Reply {
            stderr: format!("arping: unknown iface {}\n", String::from_utf8_lossy(dev)).into_bytes(),
            status: 2,
            ..Reply::default()
        };
    }
    Reply::default()
}

/// `od -txC -An -N6 /dev/urandom`: six bytes of the world's seeded random source, as GNU od
/// prints them.
pub fn od(world: &World, net: &mut Net, argv: &[Vec<u8>]) -> Reply {
    let mut args = words(argv);
    args.sort();
    if args != [&b"-An"[..], b"-N6", b"-txC", b"/dev/urandom"] {
        return Reply {
            stderr: b"weavetrace: od: only `od -txC -An -N6 /dev/urandom` is modelled\n".to_vec(),
            status: 1,
            ..Reply::default()
        };
    }
    let bytes = net.random_bytes(world.host.random_seed);
    let mut text: String = bytes.iter().map(|b| format!(" {b:02x}")).collect();
    text.push('\n');
    out(text)
}

/// `conntrack -D -p PROTO --dport N` (conntrack-tools 1.4.2, what weaveexec's Alpine installs):
/// deletes the world's flows that match and says how many on stderr; like the tool, it exits 1
/// when it deleted none (conntrack.c ends a delete with EXIT_FAILURE on a count of 0).
pub fn conntrack(world: &World, net: &mut Net, argv: &[Vec<u8>]) -> Reply {
    let args = words(argv);
    let (mut delete, mut protocol, mut dport) = (false, None, None);
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).map(|v| String::from_utf8_lossy(v).into_owned());
        match args[i] {
            b"-D" | b"--delete" => delete = true,
            b"-p" | b"--proto" if value.is_some() => {
                protocol = value;
                i += 1;
            }
            b"--dport" | b"--orig-port-dst" if value.as_deref().is_some_and(|v| v.parse::<u16>().is_ok()) => {
                dport = value.and_then(|v| v.parse::<u16>().ok());
                i += 1;
            }
            _ => return Reply::not_modeled_call(argv),
        }
        i += 1;
    }
    let (true, Some(protocol), Some(dport)) = (delete, protocol, dport) else {
        return Reply::not_modeled_call(argv);
    };
    let mut deleted = 0;
    for (n, f) in world.host.flows.iter().enumerate() {
        if f.protocol == protocol && f.dport == dport && !net.flows_deleted.contains(&n) {
            net.flows_deleted.push(n);
            deleted += 1;
        }
    }
    Reply {
        stderr: format!("conntrack v1.4.2 (conntrack-tools): {deleted} flow entries have been deleted.\n").into_bytes(),
        status: i32::from(deleted == 0),
        ..Reply::default()
    }
}

/// `sleep N...` (GNU coreutils): returns at once, so that a script's waits cost no time. A plain
/// decimal (with an `s`, `m`, `h` or `d` suffix) is read; an operand no number can start gets
/// coreutils' message and status 1; what else its `strtod` may read (`1e3`, `0x10`, `inf`, a sign,
/// a leading blank, an option) is not modeled.
pub fn sleep(_: &World, argv: &[Vec<u8>]) -> Reply {
    let args = words(argv);
    let fail = |what: String| Reply {
        stderr: format!("sleep: {what}\nTry 'sleep --help' for more information.\n").into_bytes(),
        status: 1,
        ..Reply::default()
    };
    if args.is_empty() {
        return fail("missing operand".into());
    }
    for a in args {
        let text = String::from_utf8_lossy(a);
        let number = text.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or(&text);
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        let decimal = digits > 0
            && number.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && number.bytes().filter(|&b| b == b'.').count() <= 1;
        if decimal {
            continue;
        }
        let may_start_a_number =
            text.bytes().next().is_some_and(|b| b.is_ascii_digit() || b".+-iInN \t\n\x0b\x0c\r".contains(&b));
        if may_start_a_number {
            return Reply::not_modeled_call(argv);
        }
        return fail(format!("invalid time interval '{text}'"));
    }
    Reply::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    #[test]
    fn sleep_reads_a_plain_decimal_refuses_what_no_number_starts_and_models_nothing_else() {
        let world = World::default();
        for ok in ["sleep 1", "sleep 0.5 2s", "sleep 1.m 3d"] {
            let r = sleep(&world, &argv(ok));
            assert_eq!((r.status, r.unmodeled), (0, false), "{ok}");
        }
        let r = sleep(&world, &argv("sleep soon"));
        assert_eq!(
            (String::from_utf8_lossy(&r.stderr).as_ref(), r.status),
            ("sleep: invalid time interval 'soon'\nTry 'sleep --help' for more information.\n", 1)
        );
        // coreutils' strtod reads these (or an option): their answer is not guessed.
        for other in ["sleep 1e3", "sleep 0x10", "sleep inf", "sleep -1", "sleep +1", "sleep 1.5.2"] {
            assert!(sleep(&world, &argv(other)).unmodeled, "{other}");
        }
    }

    #[test]
    fn the_default_host_is_a_root_linux() {
        let w = World::default();
        assert_eq!(id(&w, &argv("id -u")).stdout, b"0\n");
        assert_eq!(uname(&w, &argv("uname -s -r")).stdout, b"Linux 3.16.0-4-amd64\n");
        assert_eq!(hostname(&w, &argv("hostname")).stdout, b"weave-host\n");
    }

    #[test]
    fn od_reads_six_seeded_bytes_that_change_between_calls() {
        let w = World::default();
        let mut net = Net::from_world(&w);
        let a = od(&w, &mut net, &argv("od -txC -An -N6 /dev/urandom")).stdout;
        let b = od(&w, &mut net, &argv("od -txC -An -N6 /dev/urandom")).stdout;
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(a.starts_with(b" ") && a.ends_with(b"\n"), "{a:?}");
        let mut again = Net::from_world(&w);
        assert_eq!(od(&w, &mut again, &argv("od -txC -An -N6 /dev/urandom")).stdout, a);
        assert_eq!(od(&w, &mut again, &argv("od -c /etc/passwd")).status, 1);
    }

    #[test]
    fn ethtool_and_arping_need_the_device() {
        let w = World::default();
        let net = Net::from_world(&w);
        let host = super::super::net::HOST_NETNS_INODE;
        assert_eq!(ethtool(&net, host, &argv("ethtool -K docker0 tx off")).status, 0);
        let r = ethtool(&net, host, &argv("ethtool -K weave tx off"));
        assert_eq!((r.status, r.stderr.as_slice()), (1, &b"Cannot get device feature names: No such device\n"[..]));
        assert_eq!(arping(&net, host, &argv("arping -U -q -I docker0 -c 1 172.17.42.1")), Reply::default());
        assert_eq!(arping(&net, host, &argv("arping -U -q -I weave -c 1 10.2.0.1")).status, 2);
    }
}
