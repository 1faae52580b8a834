//! Every golden case in `traces/` as its own test, named after its file (`traces/run`), so that
//! `cargo test`, `cargo nextest run`, their filters and `--partition count:K/N` treat goldens one by
//! one. The subject is the spec as a process; with WEAVE_SCRIPT set, that script under dash.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::time::Duration;
use weavetrace::case;
use weavetrace::report;
use weavetrace::runner::run_case;
use weavetrace::subject::{Script, SpecProcess, Subject};

fn subject() -> Result<Box<dyn Subject>, Failed> {
    let timeout = Duration::from_secs(10);
    Ok(match std::env::var_os("WEAVE_SCRIPT") {
        Some(path) => Box::new(Script::new(path.into(), "/bin/sh".into(), None, timeout)?),
        None => Box::new(SpecProcess {
            bin: env!("CARGO_BIN_EXE_weave").into(),
            arg0: "weave".into(),
            timeout,
            dialect: None,
        }),
    })
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = case::discover(&[root.join("traces")]).expect("traces/ is readable");
    let trials = paths
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(root).unwrap_or(&path).with_extension("").display().to_string();
            Trial::test(name, move || check(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn check(path: &Path) -> Result<(), Failed> {
    let case = case::load(path).map_err(|e| Failed::from(e.to_string()))?;
    let fake = PathBuf::from(env!("CARGO_BIN_EXE_weavetrace-fake"));
    let outcome =
        run_case(&case, subject()?.as_ref(), &fake, Default::default()).map_err(|e| Failed::from(e.to_string()))?;
    if outcome.verdict.holds() {
        return Ok(());
    }
    let mut text = Vec::new();
    report::human(&mut text, &outcome.verdict).expect("writing to memory");
    Err(String::from_utf8_lossy(&text).into_owned().into())
}
