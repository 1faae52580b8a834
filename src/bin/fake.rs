//! The multi-call fake: the sandbox's `docker` (and later `ip`, `iptables`, ...) link here, and the
//! name it is called by picks the role.

fn main() {
    std::process::exit(weavetrace::fake::process::main());
}
