//! `record`.

use super::*;

pub(super) fn record(args: RecordArgs) -> Result<u8, Fatal> {
    let invocation = Invocation::from_words(&args.args, false).map_err(|m| Fatal(exit::BAD_INPUT, m))?;
    let world = match &args.world {
        Some(path) => World::load(path).map_err(|e| Fatal(exit::BAD_INPUT, e.to_string()))?,
        None => World::default(),
    };
    if let Some(out) = &args.output {
        if out.exists() {
            return Err(Fatal(
                exit::BAD_INPUT,
                format!("{}:1: already exists; record never overwrites (bless rewrites goldens)", out.display()),
            ));
        }
    }
    let subject = subject(&args.subject)?;
    let harness = |e: &dyn std::fmt::Display| Fatal(exit::HARNESS, e.to_string());
    let sandbox = Sandbox::new(&world, &fake_bin(), subject.script()).map_err(|e| harness(&e))?;
    if let Some(format) = args.format {
        let rec = subject.run_terminal(&invocation, &sandbox).map_err(|e| harness(&e))?;
        let terminal = rec.terminal.unwrap_or_default();
        let session = crate::report::render::Session {
            command: crate::docs::command_line(&invocation),
            terminal: &terminal,
            calls: &rec.calls,
            nested: args.nested,
        };
        let _ = std::io::stdout().write_all(&rendered(&session, format, false, false));
        return Ok(exit_code(rec.status));
    }
    let recording = subject.run(&invocation, &sandbox).map_err(|e| harness(&e))?;
    let Some(out) = args.output else {
        let _ = std::io::stderr().write_all(&recording.trace.to_bytes());
        let _ = std::io::stdout().write_all(&recording.stdout);
        if args.nested {
            // After the run's own bytes, so that those stay exactly what `sh -x` writes.
            for (command, trace) in crate::report::render::nested_sessions(&recording.calls) {
                let header = format!("# inside weaveexec: sh -x /home/weave/weave {command}\n");
                let _ = std::io::stderr().write_all(header.as_bytes());
                let _ = std::io::stderr().write_all(trace);
            }
        }
        return Ok(exit_code(recording.status));
    };
    let Status::Exited(status) = recording.status else {
        return Err(Fatal(exit::HARNESS, format!("the subject did not exit: {}", recording.status)));
    };
    // The in-process spec knows which trace lines each pipeline wrote; keep that when it agrees.
    let pipelines = match crate::subject::spec_run(&world, &invocation, &fake_bin()) {
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
        .map_err(|e| Fatal(exit::BAD_INPUT, format!("{}:1: cannot write: {e}", out.display())))?;
    eprintln!("wrote {}", out.display());
    Ok(exit::HOLD)
}

/// `record` exits as the subject did: its status, 128 + a signal, or the harness's failure when it
/// had to be killed.
fn exit_code(status: Status) -> u8 {
    match status {
        Status::Exited(n) => n as u8,
        Status::Signaled(s) => (128 + s) as u8,
        Status::TimedOut => {
            eprintln!("weavetrace: the subject timed out");
            exit::HARNESS
        }
    }
}
