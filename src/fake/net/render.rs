//! The network as a golden's `~~~ state` shows it.

use super::ip::{kind_name, route_line};
use super::{Arp, Net};
use crate::world::iptables::rules_s;

impl Net {
    /// The network as text, for a golden's `~~~ state`: each namespace's links, routes, and the
    /// iptables tables that differ from empty.
    pub fn render(&self, names: &dyn Fn(u64) -> String) -> String {
        let mut out = String::new();
        for ns in &self.namespaces {
            out.push_str(&format!("netns {} ({})\n", ns.inode, names(ns.inode)));
            for l in &ns.links {
                let master =
                    l.master.and_then(|m| ns.by_index(m)).map(|m| format!(" master {}", m.name)).unwrap_or_default();
                let peer = match l.peer {
                    Some(p) => {
                        let name =
                            self.ns(p.netns).and_then(|n| n.by_index(p.ifindex)).map_or("?", |l| l.name.as_str());
                        if p.netns == ns.inode {
                            format!(" peer {name}")
                        } else {
                            format!(" peer {name}@{}", p.netns)
                        }
                    }
                    None => String::new(),
                };
                out.push_str(&format!(
                    "  {}: {} {} mtu {}{master} {} {}{peer}\n",
                    l.ifindex,
                    l.name,
                    kind_name(l.kind),
                    l.mtu,
                    if l.up { "up" } else { "down" },
                    l.mac
                ));
                for a in &l.addresses {
                    out.push_str(&format!("    inet {a}\n"));
                }
                if l.arp != Arp::default() {
                    out.push_str(&format!(
                        "    arp base_reachable_time={} delay_first_probe_time={} ucast_solicit={}\n",
                        l.arp.base_reachable_time, l.arp.delay_first_probe_time, l.arp.ucast_solicit
                    ));
                }
            }
            for r in ns.shown_routes() {
                out.push_str("  route ");
                out.push_str(route_line(ns, &r).trim_end());
                out.push('\n');
            }
        }
        for t in &self.tables {
            let rules = rules_s(t, None);
            let changed = rules.lines().any(|l| !l.starts_with("-P ") || !l.ends_with(" ACCEPT"));
            if changed {
                out.push_str(&format!("iptables -t {}\n", t.name));
                for line in rules.lines().filter(|l| !l.starts_with("-P ")) {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        out
    }
}
