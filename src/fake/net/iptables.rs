//! `iptables` over the network's tables: the language is the world's ([`crate::world::iptables`]),
//! where a world's own rules are checked with it; here it answers as a fake.

use super::Net;
use crate::fake::Reply;
use crate::world::iptables;

impl Net {
    /// `iptables ARGS`; `w_ok` says whether this iptables knows `-w`.
    pub fn iptables(&mut self, w_ok: bool, argv: &[Vec<u8>]) -> Reply {
        let out = iptables::iptables(&mut self.tables, w_ok, argv);
        Reply {
            stdout: out.stdout.into_bytes(),
            stderr: out.stderr.into_bytes(),
            status: out.status,
            ..Reply::default()
        }
    }
}
