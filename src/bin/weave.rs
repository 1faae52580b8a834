//! `weave`: the executable specification of the weave 0.10.0 script. Same command line, stdout,
//! exit status and calls as `sh -x weave ...` under dash, and the same trace on stderr;
//! `weave --dialect ash|bash ...` behaves as the script under busybox ash or bash (as sh) instead.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use weavetrace::spec::process::{FdIo, ProcessHost};
use weavetrace::spec::shell::{Dialect, Shell};
use weavetrace::spec::weave;

fn main() {
    // A panic of the spec is the harness's failure, not a run to compare.
    weavetrace::fake::process::report_panics(|| "weave (the spec)".into());
    let mut argv = std::env::args_os().map(OsString::into_vec).peekable();
    let arg0 = argv.next().unwrap_or_else(|| b"weave".to_vec());
    // Only a leading `--dialect D` is the spec's own: weave 0.10 has no such command or flag.
    let mut dialect = Dialect::Dash;
    if argv.peek().map(Vec::as_slice) == Some(b"--dialect") {
        argv.next();
        let name = argv.next().unwrap_or_default();
        match std::str::from_utf8(&name).ok().and_then(Dialect::from_name) {
            Some(d) => dialect = d,
            None => {
                eprintln!("weave (the spec): --dialect takes dash, ash or bash");
                std::process::exit(2);
            }
        }
    }
    let env = std::env::vars_os().map(|(k, v)| (k.into_vec(), v.into_vec()));
    let (mut host, mut io) = (ProcessHost::from_env(), FdIo);
    let mut sh = Shell::new(&mut host, &mut io, arg0, env, argv.collect());
    sh.set_dialect(dialect);
    let status = weave::main(&mut sh);
    std::process::exit(status);
}
