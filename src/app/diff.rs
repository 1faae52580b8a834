//! `diff`.

use super::*;
use crate::compare::FailureKind;

pub(super) fn diff(args: DiffArgs) -> Result<u8, Error> {
    let mut invocations = Vec::new();
    if let Some(path) = &args.cases {
        invocations.extend(crate::diff::read_cases(path)?);
    }
    if let Some(n) = args.random {
        invocations.extend(crate::diff::random_invocations(n, args.seed));
    }
    if invocations.is_empty() {
        return Err(Error::Input("no command lines to run: give --cases FILE with lines in it, or --random N".into()));
    }
    let world = match &args.world {
        Some(path) => World::load(path)?,
        None => World::default(),
    };
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
    let progress = report::Progress::new(invocations.len());
    runner::in_order(
        &invocations,
        jobs,
        &stop,
        |inv| crate::diff::differ(&world, inv, script.as_ref(), &fake, level),
        |i, result| match result {
            Ok((_, verdict)) if verdict.holds() => {
                held += 1;
                if crate::diff::has_gaps(&verdict) {
                    uncovered.push(i);
                }
                progress.show(i + 1, &invocations[i].to_command_line());
            }
            Ok((_, verdict)) => {
                let aspects: Vec<&str> = verdict.mismatches.iter().map(|m| m.aspect.name()).collect();
                let escaped = match verdict.failure_kind() {
                    FailureKind::Mismatch => String::new(),
                    kind => format!(", {}", kind.name()),
                };
                progress.clear();
                let _ =
                    writeln!(out, "diverged  {}  ({}{escaped})", invocations[i].to_command_line(), aspects.join(", "));
                let _ = out.flush();
                progress.show(i + 1, &invocations[i].to_command_line());
                diverged.push(i);
            }
            Err(e) => {
                harness_error.get_or_insert(Error::from(e));
            }
        },
    );
    progress.clear();
    if let Some(e) = harness_error {
        return Err(e);
    }
    // Shrink the first few divergences; distinct reproducers only, as one usually explains many.
    let mut shown: Vec<Invocation> = Vec::new();
    for &i in diverged.iter().take(5) {
        let small = crate::diff::shrink(&world, &invocations[i], script.as_ref(), &fake, level)?;
        if shown.contains(&small) {
            continue;
        }
        let (case, verdict) = crate::diff::differ(&world, &small, script.as_ref(), &fake, level)?;
        let _ = writeln!(out, "\nshrunk `{}` to `{}`:", invocations[i].to_command_line(), small.to_command_line());
        let _ = report::human(&mut out, &verdict);
        let world_file = args.world.as_ref().map(|w| relative_to(w, Path::new("traces")));
        let _ = writeln!(out, "\nas a case (what the spec does; the script fails it):\n");
        let case = Case { world_file, ..case };
        let _ = out
            .write_all(&case::write_case(&case, "Found by `weavetrace diff`: the script diverges from the spec here."));
        shown.push(small);
    }
    if let Some(&first) = uncovered.first() {
        let _ = writeln!(
            out,
            "\n{} of the lines that agree reached calls the fakes do not model (answered alike on both sides), e.g. `{}`",
            uncovered.len(),
            invocations[first].to_command_line()
        );
    }
    let _ = writeln!(out);
    let _ = report::summary(&mut out, report::Totals { passed: held, failed: diverged.len(), errors: 0 });
    Ok(if diverged.is_empty() { exit::HOLD } else { exit::MISMATCH })
}
