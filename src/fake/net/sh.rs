//! The `sh -c` that `ip netns exec` runs: not a shell, a reader of the ARP settings it writes.

use super::{fail, text, Net};
use crate::fake::Reply;

/// `sh -c "echo V >/proc/sys/net/ipv4/neigh/IF/FILE && ..."` inside a namespace: the ARP settings
/// of that namespace's links.
pub(super) fn sh_c(net: &mut Net, inode: u64, inner: &[Vec<u8>], argv: &[Vec<u8>]) -> Reply {
    let [_, c, script] = inner else { return Reply::not_modeled_call(argv) };
    if c != b"-c" {
        return Reply::not_modeled_call(argv);
    }
    let script = text(script);
    let Ok(writes) = crate::spec::files::echo_chain(&script) else { return Reply::not_modeled_call(argv) };
    for crate::spec::files::EchoTo { value, path, line } in writes {
        let Some(rest) = path.strip_prefix("/proc/sys/net/ipv4/neigh/") else { return Reply::not_modeled_call(argv) };
        let Some((ifname, file)) = rest.split_once('/') else { return Reply::not_modeled_call(argv) };
        let Some(link) = net.ns_mut(inode).and_then(|n| n.link_mut(ifname)) else {
            return fail(format!("sh: {line}: cannot create {path}: Directory nonexistent\n"), 2);
        };
        let Ok(v) = value.parse::<u32>() else { return Reply::not_modeled_call(argv) };
        match file {
            "base_reachable_time" => link.arp.base_reachable_time = v,
            "delay_first_probe_time" => link.arp.delay_first_probe_time = v,
            "ucast_solicit" => link.arp.ucast_solicit = v,
            _ => return Reply::not_modeled_call(argv),
        }
    }
    Reply::default()
}
