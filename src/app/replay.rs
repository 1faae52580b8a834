//! `replay`.

use super::*;

pub(super) fn replay(args: ReplayArgs) -> Result<u8, Fatal> {
    let bad = |m: String| Fatal(exit::BAD_INPUT, m);
    let harness = |e: &dyn std::fmt::Display| Fatal(exit::HARNESS, e.to_string());
    let invocation = Invocation::from_words(&args.args, false).map_err(bad)?;
    let source = crate::replay::read_source(&args.trace, &invocation.args).map_err(bad)?;
    let world = match &args.cassette {
        Some(path) => {
            let world = World::load(path).map_err(|e| bad(e.to_string()))?;
            if world.replay.is_none() {
                return Err(bad(format!("{}:1: not a cassette: it has no [[replay.call]] tables", path.display())));
            }
            world
        }
        None => crate::replay::world_for(&source),
    };
    if let Some(path) = &args.save {
        let text =
            crate::replay::cassette_file(world.replay.as_ref().expect("set above"), &args.trace.display().to_string());
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| bad(format!("{}:1: cannot write the cassette: {e}", path.display())))?;
        eprintln!("wrote {}", path.display());
    }
    for notice in &source.notices {
        eprintln!("notice: {notice}");
    }
    let subject = subject(&args.subject)?;
    let outcome =
        runner::replay(&world, &invocation, &source, subject.as_ref(), &fake_bin()).map_err(|e| harness(&e))?;
    for notice in &outcome.notices {
        eprintln!("notice: {notice}");
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = report::human(&mut out, &outcome.verdict);
    Ok(if outcome.verdict.holds() { exit::HOLD } else { exit::MISMATCH })
}
