//! `weavetrace`: parses the command line, runs the library, maps the outcome to an exit code.

use clap::Parser;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use weavetrace::case::{self, Case};
use weavetrace::cli::{
    CheckArgs, Cli, Command, DiffArgs, DocsArgs, RecordArgs, RenderArgs, RenderFormat, ReplayArgs, ReviewArgs,
    SubjectArgs,
};
use weavetrace::exit;
use weavetrace::recording::Status;
use weavetrace::report;
use weavetrace::runner;
use weavetrace::sandbox::{companion_bin, Sandbox};
use weavetrace::subject::{InProcessSpec, Invocation, Script, SpecProcess, Subject};
use weavetrace::world::World;

/// A failure that ends the command: its one-line message and exit code.
struct Fatal(u8, String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(args),
        Command::Record(args) => record(args),
        Command::Diff(args) => diff(args),
        Command::Replay(args) => replay(args),
        Command::Review(args) => review(args),
        Command::Render(args) => render(args),
        Command::Docs(args) => docs(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "weavetrace",
                &mut std::io::stdout(),
            );
            Ok(exit::HOLD)
        }
        Command::Man => man(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Fatal(code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}

fn fake_bin() -> PathBuf {
    companion_bin("weavetrace-fake", "WEAVETRACE_FAKE_BIN")
}

fn subject(args: &SubjectArgs) -> Result<Box<dyn Subject>, Fatal> {
    if !(args.timeout > 0.0 && args.timeout.is_finite()) {
        return Err(Fatal(
            exit::BAD_INPUT,
            format!("--timeout {}: must be a positive number of seconds", args.timeout),
        ));
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    if let Err(reason) = weavetrace::sandbox::isolation_available() {
        eprintln!("weavetrace: note: {reason}; subjects run without user, network and mount namespaces");
    }
    if let Some(path) = &args.script {
        if !path.is_file() {
            return Err(Fatal(exit::BAD_INPUT, format!("{}:1: no such script", path.display())));
        }
        let shell = which(&args.shell)
            .ok_or_else(|| Fatal(exit::BAD_INPUT, format!("{}:1: no such shell", args.shell.display())))?;
        return Ok(Box::new(Script { path: path.clone(), shell, timeout }));
    }
    if args.in_process {
        return Ok(Box::new(InProcessSpec { arg0: "weave".into() }));
    }
    let bin = companion_bin("weave", "WEAVETRACE_SPEC_BIN");
    if !bin.is_file() {
        return Err(Fatal(
            exit::HARNESS,
            format!(
                "the spec binary {} does not exist (build it with `cargo build`, or set WEAVETRACE_SPEC_BIN)",
                bin.display()
            ),
        ));
    }
    Ok(Box::new(SpecProcess { bin, arg0: "weave".into(), timeout }))
}

fn check(args: CheckArgs) -> Result<u8, Fatal> {
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
        let sandbox = Sandbox::new(&case.world, &fake_bin(), None).map_err(|e| e.to_string())?;
        let spec = InProcessSpec { arg0: "weave".into() }.run(&case.invocation, &sandbox).map_err(|e| e.to_string())?;
        spec.trace.pipeline_ranges()
    } else {
        case.pipelines.clone()
    };
    let (bytes, changed) =
        weavetrace::bless::blessed(case, &outcome.verdict, status, &pipelines).map_err(|e| e.to_string())?;
    let target = if bless { case.path.clone() } else { weavetrace::bless::pending_path(&case.path) };
    std::fs::write(&target, bytes).map_err(|e| e.to_string())?;
    let verb = if bless { "blessed" } else { "pending" };
    Ok(format!("{verb} {} ({})", target.display(), changed.join(", ")))
}

fn review(args: ReviewArgs) -> Result<u8, Fatal> {
    let pending = weavetrace::bless::pending(&args.paths)
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

fn replay(args: ReplayArgs) -> Result<u8, Fatal> {
    let bad = |m: String| Fatal(exit::BAD_INPUT, m);
    let harness = |e: &dyn std::fmt::Display| Fatal(exit::HARNESS, e.to_string());
    let invocation = Invocation::from_words(&args.args, false).map_err(bad)?;
    let source = weavetrace::replay::read_source(&args.trace, &invocation.args).map_err(bad)?;
    let world = match &args.cassette {
        Some(path) => {
            let world = World::load(path).map_err(|e| bad(e.to_string()))?;
            if world.replay.is_none() {
                return Err(bad(format!("{}:1: not a cassette: it has no [[replay.call]] tables", path.display())));
            }
            world
        }
        None => World { replay: Some(weavetrace::replay::cassette(&source.trace, source.merged)), ..World::default() },
    };
    if let Some(path) = &args.save {
        let text = weavetrace::replay::cassette_file(
            world.replay.as_ref().expect("set above"),
            &args.trace.display().to_string(),
        );
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

fn render(args: RenderArgs) -> Result<u8, Fatal> {
    use weavetrace::report::render::Session;
    let bad = |m: String| Fatal(exit::BAD_INPUT, m);
    let harness = |e: &dyn std::fmt::Display| Fatal(exit::HARNESS, e.to_string());
    let (command, terminal, calls) = if args.input.extension().is_some_and(|e| e == case::EXTENSION) {
        let case = case::load(&args.input).map_err(|e| bad(e.to_string()))?;
        let (command, terminal, calls, matches) =
            weavetrace::docs::session_of(&case, &fake_bin()).map_err(|e| harness(&e))?;
        if !matches {
            eprintln!("notice: the spec no longer writes this golden; rendering what the spec writes");
        }
        (command, terminal, calls)
    } else {
        let invocation = Invocation::from_words(&args.args, false).map_err(bad)?;
        let source = weavetrace::replay::read_source(&args.input, &invocation.args).map_err(bad)?;
        let world =
            World { replay: Some(weavetrace::replay::cassette(&source.trace, source.merged)), ..World::default() };
        let sandbox = Sandbox::new(&world, &fake_bin(), None).map_err(|e| harness(&e))?;
        let rec = InProcessSpec { arg0: "weave".into() }.run(&invocation, &sandbox).map_err(|e| harness(&e))?;
        let case = Case {
            path: args.input.clone(),
            name: String::new(),
            invocation,
            world,
            world_file: None,
            status: 0,
            pipelines: Vec::new(),
            trace: Vec::new(),
            stdout: Vec::new(),
            calls: Vec::new(),
            redact: Vec::new(),
        };
        (weavetrace::docs::command_line(&case), rec.terminal.unwrap_or_default(), rec.calls)
    };
    let session = Session { command, terminal: &terminal, calls: &calls };
    let _ = std::io::stdout().write_all(&rendered(&session, args.format, args.br, args.page));
    Ok(exit::HOLD)
}

/// A session in one of the rendering formats.
fn rendered(session: &weavetrace::report::render::Session, format: RenderFormat, br: bool, page: bool) -> Vec<u8> {
    use weavetrace::report::render;
    match format {
        RenderFormat::Terminal => render::terminal(session),
        RenderFormat::Markdown => render::markdown(session).into_bytes(),
        RenderFormat::Html => render::html(session, br, page).into_bytes(),
        RenderFormat::Svg => render::svg(&render::diagram(session.calls), &session.command).into_bytes(),
        RenderFormat::Mermaid => render::mermaid(&render::diagram(session.calls)).into_bytes(),
    }
}

fn docs(args: DocsArgs) -> Result<u8, Fatal> {
    let bad = |e: case::CaseError| Fatal(exit::BAD_INPUT, e.to_string());
    let paths = case::discover(std::slice::from_ref(&args.traces)).map_err(bad)?;
    let cases: Vec<Case> = paths.iter().map(|p| case::load(p)).collect::<Result<_, _>>().map_err(bad)?;
    let files = weavetrace::docs::pages(&cases, &fake_bin()).map_err(|m| Fatal(exit::MISMATCH, m))?;
    if args.check {
        let stale: Vec<&str> = files
            .iter()
            .filter(|(name, bytes)| std::fs::read(args.out.join(name)).ok().as_ref() != Some(bytes))
            .map(|(name, _)| name.as_str())
            .collect();
        if stale.is_empty() {
            println!("{} is up to date ({} files)", args.out.display(), files.len());
            return Ok(exit::HOLD);
        }
        println!("{} is stale: {} (rebuild with `weavetrace docs`)", args.out.display(), stale.join(", "));
        return Ok(exit::MISMATCH);
    }
    std::fs::create_dir_all(&args.out).map_err(|e| Fatal(exit::HARNESS, format!("{}: {e}", args.out.display())))?;
    for (name, bytes) in &files {
        std::fs::write(args.out.join(name), bytes).map_err(|e| Fatal(exit::HARNESS, format!("{name}: {e}")))?;
    }
    println!("wrote {} files to {}", files.len(), args.out.display());
    Ok(exit::HOLD)
}

/// The man page: clap's, with the exit codes.
fn man() -> Result<u8, Fatal> {
    let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    let mut out = Vec::new();
    page.render(&mut out).map_err(|e| Fatal(exit::HARNESS, e.to_string()))?;
    out.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    for code in weavetrace::cli::EXIT_CODES.split("; ") {
        out.extend_from_slice(format!(".TP\n{}\n", code.replacen(": ", "\n", 1)).as_bytes());
    }
    let _ = std::io::stdout().write_all(&out);
    Ok(exit::HOLD)
}

fn record(args: RecordArgs) -> Result<u8, Fatal> {
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
        let case = Case {
            path: PathBuf::new(),
            name: String::new(),
            invocation,
            world,
            world_file: None,
            status: 0,
            pipelines: Vec::new(),
            trace: Vec::new(),
            stdout: Vec::new(),
            calls: Vec::new(),
            redact: Vec::new(),
        };
        let terminal = rec.terminal.unwrap_or_default();
        let session = weavetrace::report::render::Session {
            command: weavetrace::docs::command_line(&case),
            terminal: &terminal,
            calls: &rec.calls,
        };
        let _ = std::io::stdout().write_all(&rendered(&session, format, false, false));
        return Ok(match rec.status {
            Status::Exited(n) => n as u8,
            Status::Signaled(s) => (128 + s) as u8,
            Status::TimedOut => {
                eprintln!("weavetrace: the subject timed out");
                exit::HARNESS
            }
        });
    }
    let recording = subject.run(&invocation, &sandbox).map_err(|e| harness(&e))?;
    let Some(out) = args.output else {
        let _ = std::io::stderr().write_all(&recording.trace.to_bytes());
        let _ = std::io::stdout().write_all(&recording.stdout);
        return Ok(match recording.status {
            Status::Exited(n) => n as u8,
            Status::Signaled(s) => (128 + s) as u8,
            Status::TimedOut => exit::HARNESS,
        });
    };
    let Status::Exited(status) = recording.status else {
        return Err(Fatal(exit::HARNESS, format!("the subject did not exit: {}", recording.status)));
    };
    // The in-process spec knows which trace lines each pipeline wrote; keep that when it agrees.
    let structured = InProcessSpec { arg0: "weave".into() }
        .run(&invocation, &Sandbox::new(&world, &fake_bin(), None).map_err(|e| harness(&e))?);
    let pipelines = match structured {
        Ok(r) if r.trace.to_bytes() == recording.trace.to_bytes() => r.trace.pipeline_ranges(),
        _ => Vec::new(),
    };
    let world_file = args.world.as_ref().map(|w| relative_to(w, out.parent().unwrap_or(Path::new("."))));
    let case = Case {
        path: out.clone(),
        name: String::new(),
        invocation,
        world,
        world_file,
        status,
        pipelines,
        trace: recording.trace.to_bytes(),
        stdout: recording.stdout,
        calls: case::render_calls(&recording.calls),
        redact: Vec::new(),
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

fn diff(args: DiffArgs) -> Result<u8, Fatal> {
    let bad = |m: String| Fatal(exit::BAD_INPUT, m);
    let mut invocations = Vec::new();
    if let Some(path) = &args.cases {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad(format!("{}:1: cannot read cases file: {e}", path.display())))?;
        let parsed =
            weavetrace::diff::parse_cases(&text).map_err(|(line, m)| bad(format!("{}:{line}: {m}", path.display())))?;
        invocations.extend(parsed);
    }
    if let Some(n) = args.random {
        invocations.extend(weavetrace::diff::random_invocations(n, args.seed));
    }
    if invocations.is_empty() {
        return Err(bad("no command lines to run: give --cases FILE with lines in it, or --random N".into()));
    }
    let world = match &args.world {
        Some(path) => World::load(path).map_err(|e| bad(e.to_string()))?,
        None => World::default(),
    };
    let script = subject(&SubjectArgs {
        script: Some(args.script.clone()),
        shell: args.shell.clone(),
        in_process: false,
        timeout: args.timeout,
    })?;
    let fake = fake_bin();
    let level = args.level.into();
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (mut held, mut diverged, mut harness_error) = (0, Vec::new(), None);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let stop = AtomicBool::new(false);
    let progress = report::Progress::new(invocations.len());
    runner::in_order(
        &invocations,
        jobs,
        &stop,
        |inv| weavetrace::diff::differ(&world, inv, script.as_ref(), &fake, level),
        |i, result| match result {
            Ok((_, verdict)) if verdict.holds() => {
                held += 1;
                progress.show(i + 1, &invocations[i].to_command_line());
            }
            Ok((_, verdict)) => {
                let aspects: Vec<&str> = verdict.mismatches.iter().map(|m| m.aspect.name()).collect();
                let escaped = if verdict.escapes.is_empty() { "" } else { ", escape" };
                progress.clear();
                let _ =
                    writeln!(out, "diverged  {}  ({}{escaped})", invocations[i].to_command_line(), aspects.join(", "));
                let _ = out.flush();
                progress.show(i + 1, &invocations[i].to_command_line());
                diverged.push(i);
            }
            Err(e) => {
                harness_error.get_or_insert_with(|| e.to_string());
            }
        },
    );
    progress.clear();
    if let Some(message) = harness_error {
        return Err(Fatal(exit::HARNESS, message));
    }
    // Shrink the first few divergences; distinct reproducers only, as one usually explains many.
    let harness = |e: weavetrace::subject::SubjectError| Fatal(exit::HARNESS, e.to_string());
    let mut shown: Vec<Invocation> = Vec::new();
    for &i in diverged.iter().take(5) {
        let small =
            weavetrace::diff::shrink(&world, &invocations[i], script.as_ref(), &fake, level).map_err(harness)?;
        if shown.contains(&small) {
            continue;
        }
        let (case, verdict) =
            weavetrace::diff::differ(&world, &small, script.as_ref(), &fake, level).map_err(harness)?;
        let _ = writeln!(out, "\nshrunk `{}` to `{}`:", invocations[i].to_command_line(), small.to_command_line());
        let _ = report::human(&mut out, &verdict);
        let world_file = args.world.as_ref().map(|w| relative_to(w, Path::new("traces")));
        let _ = writeln!(out, "\nas a case (what the spec does; the script fails it):\n");
        let case = Case { world_file, ..case };
        let _ = out
            .write_all(&case::write_case(&case, "Found by `weavetrace diff`: the script diverges from the spec here."));
        shown.push(small);
    }
    let _ = writeln!(out);
    let _ = report::summary(&mut out, held, diverged.len());
    Ok(if diverged.is_empty() { exit::HOLD } else { exit::MISMATCH })
}

/// A shell named by path, or by name on the harness's own PATH (the sandbox's holds none).
fn which(shell: &Path) -> Option<PathBuf> {
    if shell.components().count() > 1 {
        return shell.is_file().then(|| shell.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(shell)).find(|p| p.is_file())
}

/// `path` as seen from `dir`, for a case file that names its world file.
fn relative_to(path: &Path, dir: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    pathdiff::diff_paths(abs(path), abs(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}
