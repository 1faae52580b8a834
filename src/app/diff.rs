//! `diff`.

use super::*;
use crate::compare::FailureKind;

/// How many distinct divergences are shrunk and shown: shrinking runs both sides again and again.
const MAX_SHRUNK: usize = 8;

pub(super) fn diff(args: DiffArgs) -> Result<u8, Error> {
    // Each draw with the world it runs in, by its index in `worlds`.
    let mut draws: Vec<(crate::diff::Draw, usize)> = Vec::new();
    if let Some(path) = &args.cases {
        draws.extend(crate::diff::read_draws(path)?.into_iter().map(|draw| (draw, 0)));
    }
    let mut worlds: Vec<(String, Option<String>, World)> = match &args.world {
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
    if let Some(paths) = &args.goldens {
        // Each golden's command lines in its own world, named by the case.
        for path in case::discover(paths)? {
            let golden = case::load(&path)?;
            let world_file = golden
                .world_file
                .as_ref()
                .map(|file| relative_to(&path.parent().unwrap_or(Path::new("")).join(file), Path::new("traces")));
            draws.push((golden.invocations(), worlds.len()));
            worlds.push((golden.path.display().to_string(), world_file, golden.world));
        }
    }
    if draws.is_empty() {
        return Err(Error::Input(
            "no command lines to run: give --cases FILE with lines in it, --random N or --goldens".into(),
        ));
    }
    let subject_args = SubjectArgs {
        script: Some(args.script.clone()),
        shell: args.shell.clone(),
        dialect: args.dialect,
        in_process: false,
        timeout: args.timeout,
    };
    // The old script first: a bad one is told before anything runs.
    let timeout = std::time::Duration::from_secs_f64(args.timeout);
    // Both scripts are recorded writer by writer: their pipelines' lines are then known, so a
    // report's diff shows what changed rather than how writes mixed.
    let by_writer = |path: &Path| -> Result<Script, Error> {
        let mut script = script_subject(path, &args.shell, args.dialect.map(Into::into), timeout)?;
        script.tracing = crate::subject::Tracing::ByWriter;
        Ok(script)
    };
    let old = args.against.as_deref().map(by_writer).transpose()?;
    let mut script = subject(&subject_args)?;
    if old.is_some() {
        script = Box::new(by_writer(&args.script)?);
    }
    let expected = match &old {
        Some(old) => crate::diff::Expected::Script(old),
        None => crate::diff::Expected::Spec,
    };
    let fake = fake_bin()?;
    let level = args.level.into();
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (mut held, mut diverged, mut uncovered, mut harness_error) = (0, Vec::new(), Vec::new(), None);
    let mut flaky: Vec<(usize, crate::compare::Verdict)> = Vec::new();
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
        |(draw, w)| {
            let run = || crate::diff::differ(&worlds[*w].2, draw, expected, script.as_ref(), &fake, level);
            let first = run()?;
            if first.1.holds() {
                return Ok((first, false));
            }
            // A divergence counts where it shows again: one that does not came from how the
            // run went (a pipeline's writes, timing), not from what the sides do.
            let again = run()?;
            Ok(if again.1.holds() { (first, true) } else { (again, false) })
        },
        |i, result: Result<_, crate::subject::SubjectError>| {
            let line = crate::diff::draw_line(&draws[i].0);
            match result {
                Ok(((_, verdict), true)) => {
                    held += 1;
                    flaky.push((i, verdict));
                }
                Ok(((_, verdict), false)) if verdict.holds() => {
                    held += 1;
                    if crate::diff::has_gaps(&verdict) {
                        uncovered.push(i);
                    }
                }
                Ok(((_, verdict), false)) => {
                    let escaped = match verdict.failure_kind() {
                        FailureKind::Mismatch => String::new(),
                        kind => format!(", {}", kind.name()),
                    };
                    progress.clear();
                    let _ = writeln!(out, "diverged  {line}  ({}{escaped}){}", verdict.differing(), place(draws[i].1));
                    let _ = out.flush();
                    diverged.push((
                        i,
                        report::changes(&verdict).into_iter().map(|c| c.key).collect::<Vec<_>>(),
                        verdict,
                    ));
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
    // Each distinct divergence (a change as the report names it, without its values) shrunk once,
    // from the first draw that shows it, keeping that change while shrinking: one usually
    // explains many, and a draw's other changes must not hide it.
    let mut covered: Vec<String> = Vec::new();
    let mut shown: Vec<crate::diff::Draw> = Vec::new();
    for (i, keys, first) in &diverged {
        if shown.len() == MAX_SHRUNK {
            break;
        }
        // A divergence that is no mismatch (an escape) has no change to keep: any will do.
        let key = match keys.iter().find(|k| !covered.contains(k)) {
            Some(k) => k.clone(),
            None if keys.is_empty() && !covered.iter().any(String::is_empty) => String::new(),
            None => continue,
        };
        let (draw, w) = &draws[*i];
        let world = &worlds[*w].2;
        let same = |v: &crate::compare::Verdict| key.is_empty() || report::changes(v).iter().any(|c| c.key == key);
        let small = crate::diff::shrink(world, draw, expected, script.as_ref(), &fake, level, &same)?;
        let (case, verdict) = crate::diff::differ(world, &small, expected, script.as_ref(), &fake, level)?;
        let changes = report::changes(&verdict);
        covered.extend(changes.iter().map(|c| c.key.clone()));
        covered.push(key.clone());
        if verdict.holds() {
            // It diverged once and not again: told with the report of the run that did.
            let _ = writeln!(
                out,
                "\n`{}` diverged once, and not when run again{}: a flaky divergence; the run that did:",
                crate::diff::draw_line(draw),
                place(*w)
            );
            let _ = report::human(&mut out, first);
            continue;
        }
        if shown.contains(&small) {
            continue;
        }
        let _ = writeln!(
            out,
            "\nshrunk `{}` to `{}`{}:",
            crate::diff::draw_line(draw),
            crate::diff::draw_line(&small),
            place(*w)
        );
        if args.against.is_some() {
            let _ = writeln!(out, "  what changed:");
            for change in &changes {
                let _ = writeln!(out, "    {}", change.text);
            }
        }
        let _ = report::human(&mut out, &verdict);
        let case = Case { world_file: worlds[*w].1.clone(), ..case };
        let text = match &args.against {
            Some(old) => {
                let (old, new) = (old.display(), args.script.display());
                let _ = writeln!(out, "\nas a case (what {old} does; {new} fails it):\n");
                case::write_case(&case, &format!("Found by `weavetrace diff`: {new} diverges from {old} here."))
            }
            None => {
                let _ = writeln!(out, "\nas a case (what the spec does; the script fails it):\n");
                case::write_case(&case, "Found by `weavetrace diff`: the script diverges from the spec here.")
            }
        };
        let _ = out.write_all(&text);
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
    if let Some((first, verdict)) = flaky.first() {
        // Not counted, but shown: a harness that mixes writes should be seen doing it.
        let _ = writeln!(
            out,
            "\n{} of the lines that agree diverged once and not when run again (not counted), e.g. `{}`{}; the run that did:",
            flaky.len(),
            crate::diff::draw_line(&draws[*first].0),
            place(draws[*first].1)
        );
        let _ = report::human(&mut out, verdict);
    }
    let _ = writeln!(out);
    let _ = report::summary(&mut out, report::Totals { passed: held, failed: diverged.len(), errors: 0 });
    Ok(if diverged.is_empty() { exit::HOLD } else { exit::MISMATCH })
}
