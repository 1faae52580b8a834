//! `check` (with bless and pending results) and `review`.

use super::*;

pub(super) fn check(args: CheckArgs) -> Result<u8, Fatal> {
    let bad = |e: case::CaseError| Fatal(exit::BAD_INPUT, e.to_string());
    let paths = case::discover(&args.paths).map_err(bad)?;
    if paths.is_empty() {
        let names: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Fatal(exit::BAD_INPUT, format!("{}:1: no *.case files found", names.join(", "))));
    }
    let cases: Vec<Case> = paths.iter().map(|p| case::load(p)).collect::<Result<_, _>>().map_err(bad)?;
    let cases: Vec<Case> = match args.partition {
        Some(p) => cases.into_iter().enumerate().filter(|(i, _)| i % p.of == p.shard - 1).map(|(_, c)| c).collect(),
        None => cases,
    };
    let subject = subject(&args.subject)?;
    let fake = fake_bin();
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut reporter = report::reporter(args.format.into(), cases.len());
    let progress = report::Progress::new(cases.len());
    let start = std::time::Instant::now();
    let (mut passed, mut failed, mut harness_error) = (0, 0, None);
    let mut updated = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let is_spec = args.subject.script.is_none();
    runner::run_all(
        &cases,
        subject.as_ref(),
        &fake,
        jobs,
        args.level.into(),
        args.fail_fast,
        |i, result| match result {
            Ok(outcome) => {
                if outcome.verdict.holds() {
                    passed += 1;
                } else {
                    failed += 1;
                }
                let path = cases[i].path.display().to_string();
                progress.clear();
                let _ = reporter.case(&mut out, &path, &outcome.verdict, outcome.elapsed);
                if (args.bless || args.pending) && !outcome.verdict.holds() {
                    match update_golden(&cases[i], &outcome, is_spec, args.bless) {
                        Ok(message) => {
                            updated += 1;
                            eprintln!("{message}");
                        }
                        Err(e) => eprintln!("{}: not updated: {e}", cases[i].path.display()),
                    }
                }
                let _ = out.flush();
                progress.show(i + 1, &cases[i].name);
            }
            Err(e) => {
                harness_error.get_or_insert_with(|| format!("{}: {e}", cases[i].path.display()));
            }
        },
    );
    progress.clear();
    if let Some(message) = harness_error {
        return Err(Fatal(exit::HARNESS, message));
    }
    let _ = reporter.finish(&mut out, passed, failed, start.elapsed());
    if args.bless {
        eprintln!("{updated} golden(s) blessed");
        // What was blessed holds now; what could not be blessed (an escape) still fails.
        return Ok(if failed == updated { exit::HOLD } else { exit::MISMATCH });
    }
    if args.pending && updated > 0 {
        eprintln!("{updated} pending result(s): `weavetrace review` to accept or reject them");
    }
    Ok(if failed == 0 { exit::HOLD } else { exit::MISMATCH })
}

/// Blesses a golden that did not hold, or keeps its new form pending; says what it did.
fn update_golden(case: &Case, outcome: &runner::Outcome, is_spec: bool, bless: bool) -> Result<String, String> {
    if !outcome.verdict.escapes.is_empty() {
        return Err("the subject escaped its sandbox; an escape is never blessed".into());
    }
    let Status::Exited(status) = outcome.recording.status else {
        return Err(format!("the subject did not exit ({})", outcome.recording.status));
    };
    // The spec knows which lines each pipeline wrote; a real script's run does not say.
    let pipelines = if is_spec {
        let spec = crate::subject::spec_run(&case.world, &case.invocation, &fake_bin()).map_err(|e| e.to_string())?;
        spec.trace.pipeline_ranges()
    } else {
        case.pipelines.clone()
    };
    let (bytes, changed) =
        crate::bless::blessed(case, &outcome.verdict, status, &pipelines).map_err(|e| e.to_string())?;
    let target = if bless { case.path.clone() } else { crate::bless::pending_path(&case.path) };
    std::fs::write(&target, bytes).map_err(|e| e.to_string())?;
    let verb = if bless { "blessed" } else { "pending" };
    Ok(format!("{verb} {} ({})", target.display(), changed.join(", ")))
}

pub(super) fn review(args: ReviewArgs) -> Result<u8, Fatal> {
    let pending = crate::bless::pending(&args.paths)
        .map_err(|e| Fatal(exit::BAD_INPUT, format!("{}:1: {e}", args.paths[0].display())))?;
    if pending.is_empty() {
        println!("no pending results");
        return Ok(exit::HOLD);
    }
    let stdin = std::io::stdin();
    let mut answers = std::io::BufRead::lines(stdin.lock());
    let (mut accepted, mut rejected, mut skipped) = (0, 0, 0);
    for new in pending {
        let golden = PathBuf::from(new.to_string_lossy().trim_end_matches(".new").to_string());
        let choice = if args.accept {
            "a".to_string()
        } else if args.reject {
            "r".to_string()
        } else {
            println!("{}:", golden.display());
            let old = std::fs::read(&golden).unwrap_or_default();
            let newer = std::fs::read(&new).unwrap_or_default();
            let _ = report::write_diff(&mut std::io::stdout(), &old, &newer);
            print!("accept, reject or skip? [a/r/s] ");
            let _ = std::io::stdout().flush();
            answers.next().and_then(Result::ok).unwrap_or_default()
        };
        match choice.trim() {
            "a" | "accept" => {
                std::fs::rename(&new, &golden).map_err(|e| Fatal(exit::HARNESS, format!("{}: {e}", new.display())))?;
                println!("accepted {}", golden.display());
                accepted += 1;
            }
            "r" | "reject" => {
                std::fs::remove_file(&new).map_err(|e| Fatal(exit::HARNESS, format!("{}: {e}", new.display())))?;
                println!("rejected {}", golden.display());
                rejected += 1;
            }
            _ => {
                println!("skipped {}", golden.display());
                skipped += 1;
            }
        }
    }
    println!("{accepted} accepted, {rejected} rejected, {skipped} skipped");
    Ok(exit::HOLD)
}
