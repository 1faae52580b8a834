//! `check` (with bless and pending results) and `review`.

use super::*;

pub(super) fn check(args: CheckArgs) -> Result<u8, Error> {
    let cases = load_cases(&args.paths)?;
    let cases: Vec<Case> = match args.partition {
        Some(p) => cases.into_iter().enumerate().filter(|(i, _)| i % p.of == p.shard - 1).map(|(_, c)| c).collect(),
        None => cases,
    };
    let subject = subject(&args.subject)?;
    let fake = fake_bin()?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let mut reporter = report::reporter(args.format.into(), cases.len());
    let progress = report::Progress::new(cases.len());
    let start = std::time::Instant::now();
    let mut totals = report::Totals::default();
    // The highest code of what went wrong besides the verdicts, and the first such message.
    let (mut worst, mut first_error) = (exit::HOLD, None);
    let mut updated = 0;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let is_spec = args.subject.script.is_none();
    let finished =
        runner::run_all(&cases, subject.as_ref(), &fake, jobs, args.level.into(), args.fail_fast, |i, result| {
            let path = cases[i].path.display().to_string();
            progress.clear();
            match result {
                Ok(outcome) => {
                    if outcome.verdict.holds() {
                        totals.passed += 1;
                    } else {
                        totals.failed += 1;
                    }
                    let _ = reporter.case(&mut out, &path, &outcome.verdict, outcome.elapsed);
                    if (args.bless || args.pending) && !outcome.verdict.holds() {
                        let dialect = subject.dialect(&cases[i].world);
                        match update_golden(&cases[i], dialect, &outcome, is_spec, args.bless, &fake) {
                            Ok(message) => {
                                updated += 1;
                                eprintln!("{message}");
                            }
                            Err(NotUpdated::Refused(why)) => eprintln!("{path}: not updated: {why}"),
                            Err(NotUpdated::Failed(e)) => {
                                eprintln!("{e}");
                                worst = worst.max(e.code());
                            }
                        }
                    }
                }
                Err(e) => {
                    // No verdict: an error of the harness, reported in the case's place.
                    let e = Error::from(e);
                    totals.errors += 1;
                    worst = worst.max(e.code());
                    let _ = reporter.error(&mut out, &path, &cases[i].name, &e.to_string());
                    first_error.get_or_insert_with(|| format!("{path}: {e}"));
                }
            }
            let _ = out.flush();
            progress.show(i + 1, &cases[i].name);
        });
    progress.clear();
    let _ = reporter.finish(&mut out, totals, start.elapsed());
    if let Some(first) = first_error {
        match totals.errors {
            1 => eprintln!("{first}"),
            2 => eprintln!("{first} (and 1 more case could not be run)"),
            n => eprintln!("{first} (and {} more cases could not be run)", n - 1),
        }
    }
    let verdict = if args.bless {
        eprintln!("{updated} golden(s) blessed");
        // What was blessed holds now; what could not be blessed (an escape) still fails.
        if totals.failed == updated {
            exit::HOLD
        } else {
            exit::MISMATCH
        }
    } else {
        if args.pending && updated > 0 {
            eprintln!("{updated} pending result(s): `weavetrace review` to accept or reject them");
        }
        if totals.failed == 0 {
            exit::HOLD
        } else {
            exit::MISMATCH
        }
    };
    // After the summary of what finished: an interrupted run's verdict is not the suite's.
    interrupted(finished, cases.len(), "cases")?;
    Ok(verdict.max(worst))
}

/// Why a golden that did not hold was not blessed or kept pending.
enum NotUpdated {
    /// It must not be (an escape, a run that did not exit): the case still fails.
    Refused(String),
    /// The harness could not: the spec's run, or the file.
    Failed(Error),
}

/// Blesses a golden that did not hold, or keeps its new form pending; says what it did.
fn update_golden(
    case: &Case,
    dialect: crate::trace::Dialect,
    outcome: &runner::Outcome,
    is_spec: bool,
    bless: bool,
    fake: &Path,
) -> Result<String, NotUpdated> {
    if !outcome.verdict.escapes.is_empty() {
        return Err(NotUpdated::Refused("the subject escaped its sandbox; an escape is never blessed".into()));
    }
    if !outcome.verdict.unmodeled.is_empty() {
        return Err(NotUpdated::Refused("it made calls the fakes do not model; a fake's gap is never blessed".into()));
    }
    if outcome.recordings.len() != case.steps.len() {
        return Err(NotUpdated::Refused(format!(
            "the subject gave {} recordings for {} steps",
            outcome.recordings.len(),
            case.steps.len()
        )));
    }
    // One world per case: a state that differs under another shell is no variant to keep.
    if dialect != crate::trace::Dialect::Dash
        && outcome.verdict.mismatches.iter().any(|m| m.aspect == crate::compare::Aspect::State)
    {
        return Err(NotUpdated::Refused(format!(
            "the state differs under {}, and the state has no variants (bless it under dash)",
            dialect.name()
        )));
    }
    let mut statuses = Vec::new();
    for rec in &outcome.recordings {
        let Status::Exited(status) = rec.status else {
            return Err(NotUpdated::Refused(format!("the subject did not exit ({})", rec.status)));
        };
        statuses.push(status);
    }
    let failed = |e: Error| NotUpdated::Failed(e);
    let mut verdict = outcome.verdict.clone();
    // The spec knows which lines each pipeline wrote; a real script's run does not say.
    let pipelines: Option<Vec<Vec<crate::trace::Pipeline>>> = if is_spec {
        let runs = crate::subject::spec_runs(&case.world, &case.invocations(), fake, Some(dialect))
            .map_err(|e| failed(e.into()))?;
        // The trace as the golden holds it, in dash's form, each pipeline's lines in order (a
        // bash run's are compared as written).
        for m in verdict.mismatches.iter_mut().filter(|m| m.aspect == crate::compare::Aspect::Trace) {
            if let Some(run) = m.step.and_then(|k| runs.get(k)) {
                m.actual = crate::compare::redacted(case, &run.trace.to_dash().to_bytes());
            }
        }
        Some(runs.iter().map(|r| r.trace.to_dash().pipeline_ranges()).collect())
    } else {
        let in_pipelines = |m: &crate::compare::Mismatch| {
            m.aspect == crate::compare::Aspect::Trace && m.step.is_some_and(|k| !case.steps[k].pipelines.is_empty())
        };
        if dialect == crate::trace::Dialect::Bash && verdict.mismatches.iter().any(in_pipelines) {
            return Err(NotUpdated::Refused(
                "bash's pipeline lines cannot be put back in order from its run alone; bless this case from \
                 the spec (`check --in-process --dialect bash --bless`), then hold the script to it"
                    .into(),
            ));
        }
        None
    };
    let (bytes, changed) = crate::bless::blessed(case, dialect, &verdict, &statuses, pipelines.as_deref())
        .map_err(|e| failed(OutputError::new(&case.path, "read the golden to bless it", e).into()))?;
    let target = if bless { case.path.clone() } else { crate::bless::pending_path(&case.path) };
    let what = if bless { "write the blessed golden" } else { "write the pending result" };
    std::fs::write(&target, bytes).map_err(|e| failed(OutputError::new(&target, what, e).into()))?;
    let verb = if bless { "blessed" } else { "pending" };
    Ok(format!("{verb} {} ({})", target.display(), changed.join(", ")))
}

pub(super) fn review(args: ReviewArgs) -> Result<u8, Error> {
    let pending = crate::bless::pending(&args.paths)?;
    if pending.is_empty() {
        println!("no pending results");
        return Ok(exit::HOLD);
    }
    let stdin = std::io::stdin();
    let mut answers = std::io::BufRead::lines(stdin.lock());
    let (mut accepted, mut rejected, mut skipped, mut refused) = (0, 0, 0, 0);
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
                // A pending result that is no case (edited by hand, or not ours) never replaces a golden.
                if let Err(e) = crate::case::load(&new) {
                    eprintln!("{e}");
                    println!("kept {} pending: it does not read as a case", new.display());
                    refused += 1;
                    continue;
                }
                std::fs::rename(&new, &golden).map_err(|e| OutputError::new(&new, "accept it", e))?;
                println!("accepted {}", golden.display());
                accepted += 1;
            }
            "r" | "reject" => {
                std::fs::remove_file(&new).map_err(|e| OutputError::new(&new, "reject it", e))?;
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
    Ok(if refused > 0 { exit::BAD_INPUT } else { exit::HOLD })
}
