//! `diff`.

use super::*;
use crate::compare::FailureKind;

pub(super) fn diff(args: DiffArgs) -> Result<u8, Error> {
    // Each draw with the world it runs in, by its index in `worlds`.
    let mut draws: Vec<(crate::diff::Draw, usize)> = Vec::new();
    if let Some(path) = &args.cases {
        draws.extend(crate::diff::read_draws(path)?.into_iter().map(|draw| (draw, 0)));
    }
    let worlds: Vec<(String, Option<String>, World)> = match &args.world {
        Some(path) => {
            vec![(path.display().to_string(), Some(relative_to(path, Path::new("traces"))), World::load(path)?)]
        }
        // Random draws span worlds with and without a router and weaveDNS; a cases file's lines
        // run in the default world, as ever.
        None => crate::diff::draw_worlds()
            .into_iter()
            .enumerate()
            .map(|(k, (name, w))| {
                (name.to_string(), (k > 0).then(|| relative_to(Path::new(name), Path::new("traces"))), w)
            })
            .collect(),
    };
    if let Some(n) = args.random {
        let spread = if args.world.is_some() { 1 } else { worlds.len() };
        draws.extend(crate::diff::random_draws(n, args.seed).into_iter().enumerate().map(|(i, d)| (d, i % spread)));
    }
    if draws.is_empty() {
        return Err(Error::Input("no command lines to run: give --cases FILE with lines in it, or --random N".into()));
    }
    let script = subject(&SubjectArgs {
        script: Some(args.script.clone()),
        shell: args.shell.clone(),
        dialect: args.dialect,
        in_process: false,
        timeout: args.timeout,
    })?;
    let fake = fake_bin()?;
    let level = args.level.into();
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (mut held, mut diverged, mut uncovered, mut harness_error) = (0, Vec::new(), Vec::new(), None);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let stop = AtomicBool::new(false);
    let progress = report::Progress::new(draws.len());
    // Where a draw ran, when not in the default world.
    let place = |w: usize| if w == 0 && args.world.is_none() { String::new() } else { format!("  in {}", worlds[w].0) };
    // A draw whose script the interrupt killed would pass for a divergence: `in_order` drops it.
    let finished = runner::in_order(
        &draws,
        jobs,
        &stop,
        |(draw, w)| crate::diff::differ(&worlds[*w].2, draw, script.as_ref(), &fake, level),
        |i, result| {
            let line = crate::diff::draw_line(&draws[i].0);
            match result {
                Ok((_, verdict)) if verdict.holds() => {
                    held += 1;
                    if crate::diff::has_gaps(&verdict) {
                        uncovered.push(i);
                    }
                }
                Ok((_, verdict)) => {
                    let escaped = match verdict.failure_kind() {
                        FailureKind::Mismatch => String::new(),
                        kind => format!(", {}", kind.name()),
                    };
                    progress.clear();
                    let _ = writeln!(out, "diverged  {line}  ({}{escaped}){}", verdict.differing(), place(draws[i].1));
                    let _ = out.flush();
                    diverged.push(i);
                }
                Err(e) => {
                    harness_error.get_or_insert(Error::from(e));
                }
            }
            progress.show(i + 1, &line);
        },
    );
    progress.clear();
    if crate::sandbox::live::interrupted() {
        // No shrinking: it would run the script again. What finished, then what did not.
        let _ = report::summary(&mut out, report::Totals { passed: held, failed: diverged.len(), errors: 0 });
        interrupted(finished, draws.len(), "command lines")?;
    }
    if let Some(e) = harness_error {
        return Err(e);
    }
    // Shrink the first few divergences; distinct reproducers only, as one usually explains many.
    let mut shown: Vec<crate::diff::Draw> = Vec::new();
    for &i in diverged.iter().take(5) {
        let (draw, w) = &draws[i];
        let world = &worlds[*w].2;
        let small = crate::diff::shrink(world, draw, script.as_ref(), &fake, level)?;
        if shown.contains(&small) {
            continue;
        }
        let (case, verdict) = crate::diff::differ(world, &small, script.as_ref(), &fake, level)?;
        let _ = writeln!(
            out,
            "\nshrunk `{}` to `{}`{}:",
            crate::diff::draw_line(draw),
            crate::diff::draw_line(&small),
            place(*w)
        );
        let _ = report::human(&mut out, &verdict);
        let _ = writeln!(out, "\nas a case (what the spec does; the script fails it):\n");
        let case = Case { world_file: worlds[*w].1.clone(), ..case };
        let _ = out
            .write_all(&case::write_case(&case, "Found by `weavetrace diff`: the script diverges from the spec here."));
        shown.push(small);
    }
    if let Some(&first) = uncovered.first() {
        let _ = writeln!(
            out,
            "\n{} of the lines that agree reached calls the fakes do not model (answered alike on both sides), e.g. `{}`",
            uncovered.len(),
            crate::diff::draw_line(&draws[first].0)
        );
    }
    let _ = writeln!(out);
    let _ = report::summary(&mut out, report::Totals { passed: held, failed: diverged.len(), errors: 0 });
    Ok(if diverged.is_empty() { exit::HOLD } else { exit::MISMATCH })
}
