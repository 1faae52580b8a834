//! `render`, `docs` and `man`.

use super::*;

pub(super) fn render(args: RenderArgs) -> Result<u8, Fatal> {
    use crate::report::render::Session;
    let bad = |m: String| Fatal(exit::BAD_INPUT, m);
    let harness = |e: &dyn std::fmt::Display| Fatal(exit::HARNESS, e.to_string());
    let (command, terminal, calls) = if args.input.extension().is_some_and(|e| e == case::EXTENSION) {
        let case = case::load(&args.input).map_err(|e| bad(e.to_string()))?;
        let (command, terminal, calls, matches) =
            crate::docs::session_of(&case, &fake_bin()).map_err(|e| harness(&e))?;
        if !matches {
            eprintln!("notice: the spec no longer writes this golden; rendering what the spec writes");
        }
        (command, terminal, calls)
    } else {
        if args.args.is_empty() {
            return Err(bad(format!(
                "{}:1: a trace renders through a replay: give its command line after --",
                args.input.display()
            )));
        }
        let invocation = Invocation::from_words(&args.args, false).map_err(bad)?;
        let source = crate::replay::read_source(&args.input, &invocation.args).map_err(bad)?;
        let world = crate::replay::world_for(&source);
        let rec = crate::subject::spec_run(&world, &invocation, &fake_bin()).map_err(|e| harness(&e))?;
        (crate::docs::command_line(&invocation), rec.terminal.unwrap_or_default(), rec.calls)
    };
    let session = Session { command, terminal: &terminal, calls: &calls, nested: args.nested };
    let _ = std::io::stdout().write_all(&rendered(&session, args.format, args.br, args.page));
    Ok(exit::HOLD)
}

/// A session in one of the rendering formats.
pub(super) fn rendered(
    session: &crate::report::render::Session,
    format: RenderFormat,
    br: bool,
    page: bool,
) -> Vec<u8> {
    use crate::report::render;
    match format {
        RenderFormat::Terminal => render::terminal(session),
        RenderFormat::Markdown => render::markdown(session).into_bytes(),
        RenderFormat::Html => render::html(session, br, page).into_bytes(),
        RenderFormat::Svg => {
            render::svg(&render::diagram_of(session.calls, session.nested), &session.command).into_bytes()
        }
        RenderFormat::Mermaid => render::mermaid(&render::diagram_of(session.calls, session.nested)).into_bytes(),
    }
}

pub(super) fn docs(args: DocsArgs) -> Result<u8, Fatal> {
    let bad = |e: case::CaseError| Fatal(exit::BAD_INPUT, e.to_string());
    let paths = case::discover(std::slice::from_ref(&args.traces)).map_err(bad)?;
    let cases: Vec<Case> = paths.iter().map(|p| case::load(p)).collect::<Result<_, _>>().map_err(bad)?;
    let files = crate::docs::pages(&cases, &fake_bin()).map_err(|m| Fatal(exit::MISMATCH, m))?;
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
pub(super) fn man() -> Result<u8, Fatal> {
    let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    let mut out = Vec::new();
    page.render(&mut out).map_err(|e| Fatal(exit::HARNESS, e.to_string()))?;
    out.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    for code in crate::cli::EXIT_CODES.split("; ") {
        out.extend_from_slice(format!(".TP\n{}\n", code.replacen(": ", "\n", 1)).as_bytes());
    }
    let _ = std::io::stdout().write_all(&out);
    Ok(exit::HOLD)
}
