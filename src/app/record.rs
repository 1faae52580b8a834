//! `record`.

use super::*;

pub(super) fn record(args: RecordArgs) -> Result<u8, Error> {
    let invocation = Invocation::from_args(&args.args);
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
        let rec = subject.run_terminal(&invocation, &sandbox)?;
        let terminal = rec.terminal.unwrap_or_default();
        let session = crate::report::render::Session {
            command: crate::docs::command_line(&invocation),
            terminal: &terminal,
            calls: &rec.calls,
            nested: args.nested,
        };
        exit::to_stdout(&rendered(&session, format, false, false))?;
        return passed_through(rec.status);
    }
    let recording = subject.run(&invocation, &sandbox)?;
    let Some(out) = args.output else {
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
        return passed_through(recording.status);
    };
    let Status::Exited(status) = recording.status else {
        return Err(Error::NoStatus(recording.status));
    };
    let calls = crate::compare::unmodeled(&recording.calls);
    if !calls.is_empty() {
        return Err(Error::Unmodeled { path: out, calls });
    }
    // The in-process spec knows which trace lines each pipeline wrote; keep that when it agrees.
    let pipelines = match crate::subject::spec_run(&world, &invocation, &fake) {
        Ok(r) if r.trace.to_bytes() == recording.trace.to_bytes() => r.trace.pipeline_ranges(),
        _ => Vec::new(),
    };
    let world_file = args.world.as_ref().map(|w| relative_to(w, out.parent().unwrap_or(Path::new("."))));
    let state = if args.state { recording.state_text(&world) } else { None };
    let case = Case {
        world_file,
        status,
        pipelines,
        trace: recording.trace.to_bytes(),
        stdout: recording.stdout,
        calls: case::render_calls(&recording.calls),
        state,
        ..Case::new(out.clone(), invocation, world)
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

/// `record` exits as the subject did: its status, or 128 + a signal; a run that timed out has no
/// status to pass through.
fn passed_through(status: Status) -> Result<u8, Error> {
    match status {
        Status::Exited(n) => Ok(n as u8),
        Status::Signaled(s) => Ok((128 + s) as u8),
        Status::TimedOut => Err(Error::NoStatus(status)),
    }
}
