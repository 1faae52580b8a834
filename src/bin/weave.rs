//! `weave`: the executable specification of the weave 0.10.0 script. Same command line, stdout,
//! exit status and calls as `sh -x weave ...` under dash, and the same trace on stderr.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use weavetrace::spec::process::{FdIo, ProcessHost};
use weavetrace::spec::shell::Shell;
use weavetrace::spec::weave;

fn main() {
    // A panic of the spec is the harness's failure, not a run to compare.
    weavetrace::fake::process::report_panics(|| "weave (the spec)".into());
    let mut argv = std::env::args_os().map(OsString::into_vec);
    let arg0 = argv.next().unwrap_or_else(|| b"weave".to_vec());
    let env = std::env::vars_os().map(|(k, v)| (k.into_vec(), v.into_vec()));
    let (mut host, mut io) = (ProcessHost::from_env(), FdIo);
    let mut sh = Shell::new(&mut host, &mut io, arg0, env, argv.collect());
    let status = weave::main(&mut sh);
    std::process::exit(status);
}
