//! `render`, `docs` and `man`.

use super::*;

pub(super) fn render(args: RenderArgs) -> Result<u8, Error> {
    let runs = if args.input.extension().is_some_and(|e| e == case::EXTENSION) {
        let case = case::load(&args.input)?;
        let (runs, matches) = crate::docs::session_of(&case, &fake_bin()?)?;
        if !matches {
            eprintln!("notice: the spec no longer writes this golden; rendering what the spec writes");
        }
        runs
    } else {
        if args.args.is_empty() {
            return Err(Error::Input(format!(
                "{}:1: a trace renders through a replay: give its command line after --",
                args.input.display()
            )));
        }
        let invocation = Invocation::from_args(&args.args);
        let source = crate::replay::read_source(&args.input, &invocation.args)?;
        let world = crate::replay::world_for(&source);
        let rec = crate::subject::spec_run(&world, &invocation, &fake_bin()?)?;
        vec![crate::docs::Ran {
            command: crate::docs::command_line(&invocation),
            terminal: rec.terminal.unwrap_or_default(),
            calls: rec.calls,
        }]
    };
    let session = crate::docs::Ran::session(&runs, args.nested);
    exit::to_stdout(&rendered(&session, args.format, args.br, args.page))?;
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
        RenderFormat::Svg => render::svg(&session.diagram(), &session.title()).into_bytes(),
        RenderFormat::Mermaid => render::mermaid(&session.diagram()).into_bytes(),
    }
}

pub(super) fn docs(args: DocsArgs) -> Result<u8, Error> {
    let paths = case::discover(std::slice::from_ref(&args.traces))?;
    let cases: Vec<Case> = paths.iter().map(|p| case::load(p)).collect::<Result<_, _>>()?;
    let files = crate::docs::pages(&cases, &fake_bin()?)?;
    let leftovers = crate::docs::leftovers(&args.out, &files);
    if args.check {
        let stale: Vec<&str> = files
            .iter()
            .filter(|(name, bytes)| std::fs::read(args.out.join(name)).ok().as_ref() != Some(bytes))
            .map(|(name, _)| name.as_str())
            .chain(leftovers.iter().map(String::as_str))
            .collect();
        if stale.is_empty() {
            println!("{} is up to date ({} files)", args.out.display(), files.len());
            return Ok(exit::HOLD);
        }
        println!("{} is stale: {} (rebuild with `weavetrace docs`)", args.out.display(), stale.join(", "));
        return Ok(exit::MISMATCH);
    }
    std::fs::create_dir_all(&args.out).map_err(|e| OutputError::new(&args.out, "create the directory", e))?;
    for (name, bytes) in &files {
        let path = args.out.join(name);
        std::fs::write(&path, bytes).map_err(|e| OutputError::new(&path, "write the page", e))?;
    }
    for name in &leftovers {
        let path = args.out.join(name);
        std::fs::remove_file(&path)
            .map_err(|e| OutputError::new(&path, "remove the page of a case that is gone", e))?;
    }
    match leftovers.len() {
        0 => println!("wrote {} files to {}", files.len(), args.out.display()),
        n => println!(
            "wrote {} files to {}, and removed {n} of cases that are gone: {}",
            files.len(),
            args.out.display(),
            leftovers.join(", ")
        ),
    }
    Ok(exit::HOLD)
}

/// The man page: clap's, with the exit codes.
pub(super) fn man() -> Result<u8, Error> {
    let page = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
    let mut out = Vec::new();
    page.render(&mut out).map_err(|e| OutputError::new("-", "render the man page", e))?;
    out.extend_from_slice(b".SH \"EXIT STATUS\"\n");
    for (code, _, meaning) in exit::TABLE {
        out.extend_from_slice(format!(".TP\n{code}\n{meaning}\n").as_bytes());
    }
    exit::to_stdout(&out)?;
    Ok(exit::HOLD)
}
