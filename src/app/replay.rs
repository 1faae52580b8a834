//! `replay`.

use super::*;

pub(super) fn replay(args: ReplayArgs) -> Result<u8, Error> {
    let invocation = Invocation::from_args(&args.args);
    let source = crate::replay::read_source(&args.trace, &invocation.args)?;
    let world = match &args.cassette {
        Some(path) => {
            let world = World::load(path)?;
            if world.replay.is_none() {
                return Err(Error::Input(format!(
                    "{}:1: not a cassette: it has no [[replay.call]] tables",
                    path.display()
                )));
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
            .map_err(|e| OutputError::new(path, "write the cassette", e))?;
        eprintln!("wrote {}", path.display());
    }
    for notice in &source.notices {
        eprintln!("notice: {notice}");
    }
    let subject = subject(&args.subject)?;
    let outcome = runner::replay(&world, &invocation, &source, subject.as_ref(), &fake_bin()?);
    interrupted(0, 1, "replays")?;
    let outcome = outcome?;
    for notice in &outcome.notices {
        eprintln!("notice: {notice}");
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = report::human(&mut out, &outcome.verdict);
    Ok(if outcome.verdict.holds() { exit::HOLD } else { exit::MISMATCH })
}
