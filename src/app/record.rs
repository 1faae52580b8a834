//! `record`.

use super::*;

pub(super) fn record(args: RecordArgs) -> Result<u8, Error> {
    let invocations = match &args.steps {
        Some(file) => {
            let invocations = crate::diff::read_cases(file)?;
            if invocations.is_empty() {
                return Err(Error::Input(format!("{}:1: no command lines in it", file.display())));
            }
            invocations
        }
        // `--` between command lines: `-- launch -- ps`.
        None => {
            let lines: Vec<&[String]> = args.args.split(|w| w == "--").collect();
            // `-- a -- -- b`: the empty line between would run a bare `weave`, which no one meant.
            if lines.len() > 1 && lines.iter().any(|l| l.is_empty()) {
                return Err(Error::Input("an empty command line between `--`".into()));
            }
            lines.into_iter().map(Invocation::from_args).collect()
        }
    };
    let world = match &args.world {
        Some(path) => World::load(path)?,
        None => World::default(),
    };
    if let Some(out) = &args.output {
        if out.exists() {
            return Err(Error::Input(format!(
                "{}:1: already exists; record never overwrites (bless rewrites goldens)",
                out.display()
            )));
        }
    }
    let subject = subject(&args.subject)?;
    let fake = fake_bin()?;
    let sandbox = Sandbox::new(&world, &fake, subject.script())?;
    if let Some(format) = args.format {
        let recs = subject.run_steps_terminal(&invocations, &sandbox);
        interrupted(0, 1, "recordings")?;
        let recs = recs?;
        let runs: Vec<crate::docs::Ran> = invocations
            .iter()
            .zip(&recs)
            .map(|(inv, rec)| crate::docs::Ran {
                command: crate::docs::command_line(inv),
                terminal: rec.terminal.clone().unwrap_or_default(),
                calls: rec.calls.clone(),
            })
            .collect();
        exit::to_stdout(&rendered(&crate::docs::Ran::session(&runs, args.nested), format, false, false))?;
        return passed_through(last_status(&recs));
    }
    let recordings = subject.run_steps(&invocations, &sandbox);
    // A subject the interrupt killed: its status is no recording of it.
    interrupted(0, 1, "recordings")?;
    let recordings = recordings?;
    let Some(out) = args.output else {
        // Each step's own bytes in turn, as the terminal got them from each command.
        for recording in &recordings {
            exit::to_stderr(&recording.trace.to_bytes())?;
            exit::to_stdout(&recording.stdout)?;
            if args.nested {
                // After the run's own bytes, so that those stay exactly what `sh -x` writes.
                for (command, trace) in crate::report::render::nested_sessions(&recording.calls) {
                    let header = format!("# inside weaveexec: sh -x /home/weave/weave {command}\n");
                    exit::to_stderr(header.as_bytes())?;
                    exit::to_stderr(trace)?;
                }
            }
        }
        return passed_through(last_status(&recordings));
    };
    let statuses = recordings
        .iter()
        .map(|r| match r.status {
            Status::Exited(n) => Ok(n),
            other => Err(Error::NoStatus(other)),
        })
        .collect::<Result<Vec<i32>, Error>>()?;
    let calls: Vec<String> = recordings.iter().flat_map(|r| crate::compare::unmodeled(&r.calls)).collect();
    if !calls.is_empty() {
        return Err(Error::Unmodeled { path: out, calls });
    }
    // A case holds dash's sections, and another shell's only where it differs: those of a shell
    // not dash are the variant of the spec's own dash run.
    let dialect = subject.dialect(&world);
    if dialect != crate::trace::Dialect::Dash && args.subject.script.is_some() {
        return Err(Error::Input(format!(
            "{}:1: a case holds dash's sections first; record the script under dash, then `check --script              SCRIPT --shell SHELL --bless` adds {}'s variant where it differs",
            out.display(),
            dialect.name()
        )));
    }
    // The in-process spec knows which trace lines each pipeline wrote; keep that when it agrees.
    let spec = crate::subject::spec_runs(&world, &invocations, &fake, Some(dialect));
    let mut steps = Vec::new();
    for (k, ((invocation, recording), status)) in
        invocations.iter().cloned().zip(&recordings).zip(&statuses).enumerate()
    {
        // Kept in dash's form, as every golden section is.
        let trace = recording.trace.to_dash();
        let pipelines = match spec.as_ref().ok().and_then(|s| s.get(k)) {
            Some(r) if r.trace.to_bytes() == recording.trace.to_bytes() => r.trace.to_dash().pipeline_ranges(),
            _ => Vec::new(),
        };
        steps.push(case::Step {
            invocation,
            status: *status,
            pipelines,
            trace: trace.to_bytes(),
            stdout: recording.stdout.clone(),
            calls: case::render_calls(&recording.calls),
            note: None,
        });
    }
    let world_file = args.world.as_ref().map(|w| relative_to(w, out.parent().unwrap_or(Path::new("."))));
    let state = match (args.state, recordings.last()) {
        (true, Some(last)) => last.state_text(&world),
        _ => None,
    };
    let case = if dialect == crate::trace::Dialect::Dash {
        Case { world_file, state, ..Case::of_steps(out.clone(), steps, world)? }
    } else {
        // dash's sections from the spec as dash; this run is the variant, where it differs.
        let dash = crate::subject::spec_runs(&world, &invocations, &fake, Some(crate::trace::Dialect::Dash))?;
        let base: Vec<case::Step> = invocations.into_iter().zip(&dash).map(|(inv, rec)| rec.as_step(inv)).collect();
        let mut case = Case { world_file, state, ..Case::of_steps(out.clone(), base, world)? };
        case.set_view(dialect, &steps);
        case
    };
    let comment = args.describe.as_deref().unwrap_or("Recorded by `weavetrace record`; say here what this case shows.");
    let bytes = case::write_case(&case, comment);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&out)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|e| OutputError::new(&out, "write the case", e))?;
    eprintln!("wrote {}", out.display());
    Ok(exit::HOLD)
}

/// How the last command line ended: what `record` passes through.
fn last_status(recordings: &[crate::recording::Recording]) -> Status {
    recordings.last().map_or(Status::Exited(0), |r| r.status)
}

/// `record` exits as the subject did: its status, or 128 + a signal; a run that timed out has no
/// status to pass through.
fn passed_through(status: Status) -> Result<u8, Error> {
    match status {
        Status::Exited(n) => Ok(n as u8),
        Status::Signaled(s) => Ok((128 + s) as u8),
        Status::TimedOut => Err(Error::NoStatus(status)),
    }
}
