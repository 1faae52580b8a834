//! `coverage`.

use super::*;
use crate::coverage::{CaseLines, Coverage};
use crate::source::Source;

pub(super) fn coverage(args: CoverageArgs) -> Result<u8, Error> {
    let fail_under = percentage(args.fail_under)?;
    let cases = load_cases(&args.paths)?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let timeout = Duration::from_secs_f64(args.timeout);
    let script = numbered_script(&args.script, &args.shell, timeout)?;
    let cov = measure(&cases, &script, jobs)?;
    let name = args.script.display().to_string();
    let mut text = report::coverage::table(&cov, &name);
    let failed: Vec<&str> = cov.cases.iter().filter(|c| !c.held).map(|c| c.name.as_str()).collect();
    if !failed.is_empty() {
        // Their lines count all the same: they ran, under busybox, only not as the golden says.
        text.push_str(&format!(
            "note: {} of the cases did not hold under busybox (their lines count as run): {}\n",
            failed.len(),
            failed.join(", ")
        ));
    }
    if args.annotate {
        text = format!("{}\n{text}", report::coverage::listing(&cov));
    }
    exit::to_stdout(text.as_bytes())?;
    if let Some(path) = &args.html {
        write_report(path, &report::coverage::html(&cov, &name), report::coverage::HTML_MARK)?;
    }
    if let Some(path) = &args.lcov {
        write_report(path, &report::coverage::lcov(&cov, &name), report::coverage::LCOV_MARK)?;
    }
    Ok(match fail_under {
        Some(pct) if cov.percent() < pct => {
            eprintln!("weavetrace: {:.1}% of the lines run, under --fail-under {pct}", cov.percent());
            exit::MISMATCH
        }
        _ => exit::HOLD,
    })
}

/// The script at `path` under `shell`, which must name its lines in its trace (busybox).
pub(super) fn numbered_script(path: &Path, shell: &Path, timeout: Duration) -> Result<Script, Error> {
    let mut script = script_subject(path, shell, None, timeout)?;
    if script.dialect != crate::trace::Dialect::Ash {
        return Err(Error::Input(format!(
            "{}:1: {} cannot name the lines it runs in its trace (dash never expands PS4; bash run as root \
             ignores one from its environment): coverage runs the script under busybox (--shell busybox)",
            shell.display(),
            script.dialect.name()
        )));
    }
    script.tracing = crate::subject::Tracing::Numbered;
    Ok(script)
}

/// Runs `cases` through `script` (numbered), and counts what each ran.
pub(super) fn measure(cases: &[Case], script: &Script, jobs: usize) -> Result<Coverage, Error> {
    let text = script_text(&script.path)?;
    let source = Source::parse(&String::from_utf8_lossy(&text));
    let fake = fake_bin()?;
    let stop = AtomicBool::new(false);
    let progress = report::Progress::new(cases.len());
    let mut lines: Vec<Option<CaseLines>> = vec![None; cases.len()];
    let mut first_error = None;
    let level = crate::compare::Level::Trace;
    let finished = runner::in_order(
        cases,
        jobs,
        &stop,
        |case| runner::run_case(case, script, &fake, level),
        |i, result| {
            match result {
                Ok(outcome) => {
                    let named = crate::coverage::named_lines(&outcome.recordings);
                    lines[i] = Some(CaseLines {
                        path: cases[i].path.clone(),
                        name: cases[i].name.clone(),
                        counts: crate::coverage::count(&source, &named),
                        held: outcome.verdict.holds(),
                        elapsed: outcome.elapsed,
                    });
                }
                Err(e) => {
                    first_error.get_or_insert_with(|| Error::from(e));
                }
            }
            progress.show(i + 1, &cases[i].name);
        },
    );
    progress.clear();
    interrupted(finished, cases.len(), "cases")?;
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(Coverage { source, cases: lines.into_iter().flatten().collect() })
}
