//! `mutate`.

use super::*;
use crate::cli::MutateLevel;
use crate::mutate::{Fate, Judge, Mutator, Planned};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub(super) fn mutate(args: MutateArgs) -> Result<u8, Error> {
    let fail_under = percentage(args.fail_under)?;
    let start = std::time::Instant::now();
    let cases = load_cases(&args.paths)?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let timeout = Duration::from_secs_f64(args.timeout);
    let script = coverage::numbered_script(&args.script, &args.shell, timeout)?;
    let cov = coverage::measure(&cases, &script, jobs)?;
    let text = String::from_utf8_lossy(&script_text(&args.script)?).into_owned();
    let all = crate::source::mutants(&cov.source);
    let chosen = match args.mutant {
        Some(id) if id >= all.len() => {
            return Err(Error::Input(format!(
                "{}:1: no mutant {id}: the script has {} (0 to {})",
                args.script.display(),
                all.len(),
                all.len().saturating_sub(1)
            )))
        }
        Some(id) => vec![id],
        None => crate::mutate::sample(all.len(), args.sample, args.seed),
    };
    let planned = crate::mutate::plan(&all, &chosen, &cov);
    let fake = fake_bin()?;
    let dir = tempfile::tempdir().map_err(|e| Error::Input(format!("cannot make a directory for the mutants: {e}")))?;
    let baseline = cov.cases.iter().map(|c| c.elapsed).collect();
    let mutator = Mutator::new(
        &text,
        script.shell.clone(),
        script.dialect,
        &cases,
        &fake,
        match args.level {
            MutateLevel::Behaviour => Judge::Behaviour,
            MutateLevel::Commands => Judge::Commands,
            MutateLevel::Trace => Judge::Trace,
        },
        &args.script,
        baseline,
        timeout,
        dir.path(),
    );
    let stop = AtomicBool::new(false);
    let progress = report::Progress::new(planned.len());
    let mut fates: Vec<Fate> = Vec::with_capacity(planned.len());
    let mut first_error = None;
    let finished = runner::in_order(
        &planned,
        jobs,
        &stop,
        |p| mutator.run(p),
        |i, result| {
            match result {
                Ok(fate) => fates.push(fate),
                Err(e) => {
                    first_error.get_or_insert_with(|| Error::from(e));
                    fates.push(Fate::Unreached);
                }
            }
            progress.show(i + 1, &format!("mutant {}", planned[i].id));
        },
    );
    progress.clear();
    interrupted(finished, planned.len(), "mutants")?;
    if let Some(e) = first_error {
        return Err(e);
    }
    let name = args.script.display().to_string();
    let out = match args.mutant {
        Some(_) => one(&planned[0], &fates[0], &cases, &name),
        None => summary(&planned, &fates, &cases, &args, &name, jobs, start.elapsed()),
    };
    exit::to_stdout(out.as_bytes())?;
    let (_, _, score) = crate::mutate::score(&fates);
    Ok(match fail_under {
        Some(pct) if score < pct => {
            eprintln!("weavetrace: a mutation score of {score:.1}%, under --fail-under {pct}");
            exit::MISMATCH
        }
        _ => exit::HOLD,
    })
}

/// The change a mutant makes, on one line (a command over several shows its first, and `…`).
fn change(name: &str, p: &Planned) -> String {
    let one = |text: &str| match text.trim().split_once('\n') {
        Some((first, _)) => format!("{} …", first.trim_end()),
        None => text.trim().to_string(),
    };
    let (m, op) = (&p.mutant, p.mutant.operator.name());
    format!("{name}:{}: {op}: `{}` -> `{}`", m.line, one(&m.before), one(&m.after))
}

/// The command that runs one mutant again.
fn again(args: &MutateArgs, name: &str, id: usize) -> String {
    let mut words = vec!["weavetrace".to_string(), "mutate".into(), "--script".into(), name.to_string()];
    if args.shell != Path::new("busybox") {
        words.extend(["--shell".into(), args.shell.display().to_string()]);
    }
    match args.level {
        MutateLevel::Behaviour => {}
        MutateLevel::Commands => words.extend(["--level".into(), "commands".into()]),
        MutateLevel::Trace => words.extend(["--level".into(), "trace".into()]),
    }
    words.extend(["--mutant".into(), id.to_string()]);
    words.extend(args.paths.iter().filter(|p| *p != Path::new("traces")).map(|p| p.display().to_string()));
    shell_words::join(words)
}

/// The run's report: survivors by function, then the unreached and the equivalent, then the score.
fn summary(
    planned: &[Planned],
    fates: &[Fate],
    cases: &[Case],
    args: &MutateArgs,
    name: &str,
    jobs: usize,
    took: Duration,
) -> String {
    let mut out = String::new();
    let mut by_function: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, fate) in fates.iter().enumerate() {
        if let Fate::Survived { .. } = fate {
            let f = planned[i].mutant.function.clone().unwrap_or_else(|| crate::coverage::TOP_LEVEL.into());
            by_function.entry(f).or_default().push(i);
        }
    }
    if !by_function.is_empty() {
        let _ = writeln!(out, "survived: changes no golden that runs their line notices, by function\n");
    }
    for (function, survivors) in &by_function {
        let _ = writeln!(out, "{function} ({})", survivors.len());
        for &i in survivors {
            let ran = match fates[i] {
                Fate::Survived { runs } => runs,
                _ => 0,
            };
            let _ = writeln!(out, "  {}  ({ran} goldens ran it)", change(name, &planned[i]));
            let _ = writeln!(out, "    {}", again(args, name, planned[i].id));
        }
    }
    let unreached: Vec<usize> = (0..fates.len()).filter(|&i| fates[i] == Fate::Unreached).collect();
    if !unreached.is_empty() {
        let lines: std::collections::BTreeSet<usize> = unreached.iter().map(|&i| planned[i].mutant.line).collect();
        let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
        let _ = writeln!(
            out,
            "\nunreached: {} mutants on lines no golden runs (`weavetrace coverage` lists them): {}",
            unreached.len(),
            lines.join(", ")
        );
    }
    let mut why: BTreeMap<&str, usize> = BTreeMap::new();
    for fate in fates {
        if let Fate::Equivalent(reason) = fate {
            *why.entry(reason.as_str()).or_default() += 1;
        }
    }
    for (reason, n) in &why {
        let _ = writeln!(out, "\nequivalent: {n} mutants, not counted: {reason}");
    }
    let timed_out = fates.iter().filter(|f| matches!(f, Fate::Killed { timed_out: true, .. })).count();
    let runs: usize = fates
        .iter()
        .map(|f| match f {
            Fate::Killed { runs, .. } | Fate::Survived { runs } => *runs,
            _ => 0,
        })
        .sum();
    let (killed, run, score) = crate::mutate::score(fates);
    let _ = writeln!(
        out,
        "\n{name}: {} mutants of {} goldens: {killed} killed{}, {} survived, {} unreached, {} equivalent; \
         score {score:.1}% ({killed} of {run}); {runs} golden runs, {:.1} s with -j{jobs}",
        fates.len(),
        cases.len(),
        if timed_out > 0 { format!(" ({timed_out} by a timeout)") } else { String::new() },
        run - killed,
        unreached.len(),
        why.values().sum::<usize>(),
        took.as_secs_f64()
    );
    out
}

/// One mutant in full: its change, what it met, and which golden killed it.
fn one(p: &Planned, fate: &Fate, cases: &[Case], name: &str) -> String {
    let mut out = format!("mutant {}: {}\n", p.id, change(name, p));
    if let Some(f) = &p.mutant.function {
        let _ = writeln!(out, "in function {f}");
    }
    let _ = writeln!(out, "goldens that run its line: {}", p.cases.len());
    let _ = match fate {
        Fate::Killed { by, runs, timed_out, verdict } => {
            let _ = writeln!(
                out,
                "killed by {} (the {} golden run){}:\n",
                cases[*by].path.display(),
                ordinal(*runs),
                if *timed_out { ", which it ran past its time" } else { "" }
            );
            let mut report = Vec::new();
            let _ = report::human(&mut report, verdict);
            out.push_str(&String::from_utf8_lossy(&report));
            Ok(())
        }
        Fate::Survived { runs } => writeln!(out, "survived: all {runs} goldens that run its line held"),
        Fate::Unreached => writeln!(out, "unreached: no golden that holds runs its line"),
        Fate::Equivalent(why) => writeln!(out, "equivalent: {why}"),
    };
    out
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}
