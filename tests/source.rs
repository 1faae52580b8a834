//! The source reader against real shells and the real weave scripts: every line busybox names lies
//! in a span the reader found, and each script's functions and mutants read as dash reads them.
//! Each test is ignored, with what it lacks, where busybox, dash or the script is missing.

mod common;
// The samples the unit tests of `source` read too.
#[path = "../src/source/samples.rs"]
mod samples;

use common::{real_script, script_0_11, shell, Missing, Needs};
use samples::{parses_under, HEADS, SAMPLE};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use weavetrace::source::{mutants, Operator, Source};

fn main() {
    common::run(common::trials![
        busybox_names_lines_inside_spans,
        weave_0_10_functions_and_mutants,
        weave_0_11_functions_and_mutants,
        weave_0_10_lines_busybox_names_lie_in_spans,
        weave_0_11_lines_busybox_names_lie_in_spans,
    ])
}

/// The lines busybox names (`PS4='+$LINENO '`) running `text` from a file, at and after line 1.
fn traced_lines(busybox: &str, text: &str) -> Vec<usize> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let script = format!("PS4='+$LINENO '; set -x; . '{}'", file.path().display());
    let out = Command::new(busybox).args(["sh", "-c", &script]).output();
    let out = out.unwrap_or_else(|e| panic!("{busybox}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .filter(|l| !l.contains(" . /")) // the `.` of the -c text
        .filter_map(|l| l.trim_start_matches('+').split(' ').next()?.parse().ok())
        .collect()
}

/// Lines named by busybox for `text` lie in spans; the innermost span holding each is unique.
fn assert_named_lines_in_spans(busybox: &str, text: &str) {
    let source = Source::parse(text);
    let lines = traced_lines(busybox, text);
    assert!(!lines.is_empty(), "{busybox} named no line");
    for n in lines {
        assert!(source.span_at(n).is_some(), "{busybox} names line {n} ({:?}), in no span", source.line(n));
    }
}

fn busybox_names_lines_inside_spans() -> Needs {
    let busybox = shell("busybox")?;
    assert_named_lines_in_spans(&busybox, SAMPLE);
    assert_named_lines_in_spans(&busybox, HEADS);
    Ok(())
}

/// How a weave script is copied into a directory, or what is missing ([`common::real_script`]).
type Copy = fn(&Path) -> Result<PathBuf, Missing>;

/// The script `copy` puts in `dir`: its path and text.
fn script(copy: Copy, dir: &Path) -> Result<(String, String), Missing> {
    let path = copy(dir)?;
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Ok((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()))
}

/// Every `name() {` (or `name () {`) line the text holds, by a reading independent of the lexer's.
fn definitions(text: &str) -> Vec<(String, usize)> {
    let re = regex::Regex::new(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)\s*\{\s*$").unwrap();
    text.lines().enumerate().filter_map(|(i, l)| Some((re.captures(l)?[1].to_string(), i + 1))).collect()
}

/// The script `copy` gives: its functions are those [`definitions`] finds, each ending at a `}`
/// line, and dash parses every mutant of it.
fn check_real_script(copy: Copy) -> Result<Source, Missing> {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = script(copy, dir.path())?;
    let dash = shell("dash")?;
    let source = Source::parse(&text);
    let found: Vec<_> = source.functions().iter().map(|f| (f.name.clone(), f.start)).collect();
    assert_eq!(found, definitions(&text), "{path}: functions");
    for f in source.functions() {
        assert_eq!(source.line(f.end).trim(), "}", "{path}:{}: end of {}", f.end, f.name);
    }
    for (i, m) in mutants(&source).iter().enumerate() {
        if let Err(e) = parses_under(&dash, &m.apply(&text)) {
            panic!("{path}: mutant {i} ({m:?}) does not parse: {e}");
        }
    }
    Ok(source)
}

fn weave_0_10_functions_and_mutants() -> Needs {
    let source = check_real_script(real_script)?;
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for m in mutants(&source) {
        let c = counts.entry(m.operator.name()).or_default();
        c.0 += 1;
        c.1 += usize::from(m.equivalent.is_some());
    }
    eprintln!("mutants of weave 0.10.0 by operator (all, equivalent): {counts:?}");
    assert_eq!(counts.len(), Operator::ALL.len());
    Ok(())
}

fn weave_0_11_functions_and_mutants() -> Needs {
    check_real_script(script_0_11).map(drop)
}

fn weave_0_10_lines_busybox_names_lie_in_spans() -> Needs {
    busybox_lines_lie_in_spans(real_script)
}

fn weave_0_11_lines_busybox_names_lie_in_spans() -> Needs {
    busybox_lines_lie_in_spans(script_0_11)
}

/// Runs the script `copy` gives under busybox with every command it names as a do-nothing stub (PATH
/// holds only those), for each golden's command line (and its `--local` side), and holds every line
/// busybox names to a span, and the command it traces there to that span's text.
fn busybox_lines_lie_in_spans(copy: Copy) -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let (path, text) = script(copy, dir.path())?;
    let busybox = shell("busybox")?;
    let source = Source::parse(&text);
    let which = |name: &str| {
        let paths = std::env::var_os("PATH").unwrap_or_default();
        let found = std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file());
        found.unwrap_or_else(|| panic!("{name} is not on PATH"))
    };
    // Text filters are the real ones; every other command the script names does nothing, but for
    // `id` (root), `uname` and `docker` (versions recent enough), so that runs get past the checks.
    let stubs = tempfile::tempdir().unwrap();
    for tool in ["sed", "grep", "cut", "tr", "head", "tail", "sort", "cat", "od", "wc"] {
        std::os::unix::fs::symlink(which(tool), stubs.path().join(tool)).unwrap();
    }
    let builtin = ["[", "test", "echo", "printf", "read", "set", "shift", "exit", "return", "local", "cd", "kill"];
    // Any word of the script may name a command (inside `$(…)` too): each gets a stub.
    let words = (1..=source.line_count())
        .flat_map(|n| source.line(n).split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')));
    for name in words.collect::<std::collections::BTreeSet<_>>() {
        let stub = stubs.path().join(name);
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) || builtin.contains(&name) || stub.exists() {
            continue;
        }
        let answer = match name {
            "id" => "echo 0",
            "uname" => "echo Linux 4.4.0",
            "docker" => "echo Docker version 1.6.0, build 0",
            _ => "",
        };
        std::fs::write(&stub, format!("#!/bin/sh\n{answer}\nexit 0\n")).unwrap();
        let executable = std::os::unix::fs::PermissionsExt::from_mode(0o755);
        std::fs::set_permissions(&stub, executable).unwrap();
    }
    let traces = common::root().join("traces");
    let mut named = std::collections::BTreeSet::new();
    let mut dirs = vec![traces];
    let mut cases = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "case") {
                cases.push(path);
            }
        }
    }
    for case in cases {
        let case = std::fs::read_to_string(case).unwrap();
        let Some(command) = case.lines().find_map(|l| l.strip_prefix("command = ")) else { continue };
        let command: String = serde_json::from_str(command).unwrap_or_default();
        let words = shell_words::split(&command).unwrap_or_default();
        let args = words.get(1..).unwrap_or_default();
        // Each command as the golden runs it, and its local side as weaveexec would.
        let local = [&["--local".to_string()][..], args].concat();
        for args in [args, &local[..]] {
            let mut child = Command::new(&busybox)
                .args(["sh", "-x", &path])
                .args(args)
                .env_clear()
                .env("PATH", stubs.path())
                .env("PS4", "+$LINENO ")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let pid = child.id();
            let reader = child.stderr.take().map(|mut e| {
                std::thread::spawn(move || {
                    let mut text = String::new();
                    std::io::Read::read_to_string(&mut e, &mut text).ok();
                    text
                })
            });
            let started = std::time::Instant::now();
            while child.try_wait().unwrap().is_none() {
                if started.elapsed() > std::time::Duration::from_secs(10) {
                    child.kill().ok();
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            // `rm` is a stub: the script's temporary files, named after its pid, stay behind.
            for entry in std::fs::read_dir("/tmp").unwrap().flatten() {
                if entry.file_name().to_string_lossy().ends_with(&format!("_{pid}")) && entry.path().is_file() {
                    std::fs::remove_file(entry.path()).ok();
                }
            }
            let stderr = reader.map(|r| r.join().unwrap()).unwrap_or_default();
            for l in stderr.lines() {
                let mut words = l.strip_prefix('+').unwrap_or_default().split(' ');
                if let Some(n) = words.next().and_then(|n| n.parse::<usize>().ok()) {
                    named.insert((n, words.next().unwrap_or_default().trim_matches(['\'', '"']).to_string()));
                }
            }
        }
    }
    let lines: std::collections::BTreeSet<_> = named.iter().map(|(n, _)| n).collect();
    eprintln!("busybox named {} lines of {path}", lines.len());
    assert!(lines.len() > 100, "{lines:?}");
    let (pairs, mut checked) = (named.len(), 0);
    // A command named by an expansion (`$cmd args`, `"$@"`, `$($cmd)`): busybox traces its value.
    let expansion_named = regex::Regex::new(r#"(^|[;&|(!`]|\bif|\bthen|\bdo)\s*"?\$"#).unwrap();
    for (n, word) in named {
        let spans = source.spans_at(n);
        assert!(!spans.is_empty(), "{path}:{n}: busybox names it, and no span holds it: {:?}", source.line(n));
        // The command traced is one of those spans: its name (or assigned variable) is in their text.
        // A name that is an expansion (`$3 cmd`) or garbled by another writer's trace (pipelines
        // write theirs at once: `+5 +5 cmd`, `readsed`), so that the script never spells it, says nothing.
        let word = word.split('+').next().unwrap_or_default();
        let name = match word.find('=') {
            Some(eq) => &word[..=eq],
            None => word,
        };
        let text: String = spans.iter().flat_map(|s| s.start..=s.end).map(|l| source.line(l)).collect();
        // Commands of one pipeline write their traces at once, so one may show up under another's
        // line number, before or after it (`uname | sed | {` then `read` on the next line): a name
        // found within two lines of it, in a pipeline, is read as that.
        let near: String = (n.saturating_sub(2)..=(n + 2).min(source.line_count())).map(|l| source.line(l)).collect();
        let piped = near.contains('|') && near.contains(name);
        let unsure = name.is_empty() || !source.text().contains(name) || expansion_named.is_match(&text);
        let unsure = unsure || piped;
        checked += usize::from(!unsure);
        assert!(
            unsure || text.contains(name),
            "{path}:{n}: busybox traces `{name}` there, and its spans read {text:?}"
        );
    }
    eprintln!("{checked} of {pairs} (line, command) pairs checked by name");
    assert!(checked * 2 > pairs);
    Ok(())
}
