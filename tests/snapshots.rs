//! Snapshots (insta) of what weavetrace itself shows a person: `--help`, rendered sessions, `check`
//! reports, and error messages. The goldens in traces/ say what weave does; these say what
//! weavetrace prints, so that a change to it is seen, and accepted, in review.
//!
//! A mismatch fails the test and leaves `tests/snapshots/NAME.snap.new` beside the old one (none
//! under CI=true); `cargo insta review`, or `INSTA_UPDATE=always cargo test --test snapshots`,
//! accepts it.

mod common;

use common::{case_text, weavetrace};
use std::path::Path;

/// Lines that vary from run to run, or from machine to machine, each with what it becomes.
mod filters {
    /// `check`'s note where the subjects' namespaces are unavailable: dropped.
    pub const NAMESPACES_NOTE: (&str, &str) = (super::common::NAMESPACES_NOTE, "");
    /// JUnit's `time` attributes (seconds a case or the run took).
    pub const JUNIT_TIME: (&str, &str) = (r#"time="[0-9.]+""#, r#"time="[SECS]""#);
    /// JSON lines' `duration_ms` (milliseconds a case took).
    pub const JSON_DURATION: (&str, &str) = (r#""duration_ms":[0-9.e+-]+"#, r#""duration_ms":"[MS]""#);
}

/// Snapshots named as given (`help_check.snap`, not `snapshots__help_check.snap`), described by
/// the command line that made each; the expression (`stdout_of(&args)`) would say less.
fn settings(command_line: &str, filters: &[(&str, &str)]) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.set_description(command_line);
    for (regex, replacement) in filters {
        s.add_filter(regex, *replacement);
    }
    s
}

/// `weavetrace ARGS`, its help the same on every machine. clap is built without `wrap_help`, so
/// it wraps help at no width at all; with that feature it would ask the terminal (none: these are
/// pipes), then COLUMNS, fixed here. It colours only a terminal, and never under NO_COLOR, which
/// wins over a CLICOLOR_FORCE a developer may have set.
fn run(args: &[&str]) -> std::process::Output {
    weavetrace().args(args).env("NO_COLOR", "1").env("COLUMNS", "100").output().expect("weavetrace runs")
}

fn command_line(args: &[&str]) -> String {
    format!("weavetrace {}", shell_words::join(args))
}

/// stdout of a run that must succeed quietly (help, a rendering).
fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "{}: {:?}\n{stderr}", command_line(args), out.status);
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A run as a transcript: the command line, the exit code, stdout and stderr (both headed even when
/// empty, so that a filter dropping the one line of either leaves the same text). The exit code is
/// recorded, not asserted: the snapshot says what the code does.
fn transcript(args: &[&str]) -> String {
    let out = run(args);
    let code = out.status.code().map_or("none (killed by a signal)".to_string(), |c| c.to_string());
    let mut text = format!("$ {}\nexit code: {code}\n", command_line(args));
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        text.push_str(&format!("--- {name}\n{}", String::from_utf8_lossy(bytes)));
    }
    text
}

#[test]
fn help_of_weavetrace_and_of_each_subcommand() {
    // `weave` (the spec) has no --help: it is the script, which hands `--help` to weaveexec through
    // the host's docker; so there is nothing of its own to snapshot.
    let subcommands =
        ["check", "record", "replay", "render", "diff", "coverage", "mutate", "docs", "review", "completions", "man"];
    let all = std::iter::once(None).chain(subcommands.iter().map(Some));
    for sub in all {
        let args: Vec<&str> = sub.into_iter().copied().chain(["--help"]).collect();
        let name = format!("help_{}", sub.unwrap_or(&"weavetrace"));
        settings(&command_line(&args), &[]).bind(|| insta::assert_snapshot!(name, stdout_of(&args)));
    }
}

#[test]
fn renderings_of_two_goldens() {
    let run = "traces/run.case";
    let dns = "traces/run-with-dns.case";
    let renderings: [(&str, &str, &[&str]); 12] = [
        ("render_run_terminal", run, &["--format", "terminal"]),
        ("render_run_markdown", run, &["--format", "markdown"]),
        ("render_run_html", run, &["--format", "html"]),
        ("render_run_html_br", run, &["--format", "html", "--br"]),
        ("render_run_html_page", run, &["--format", "html", "--page"]),
        ("render_run_svg", run, &["--format", "svg"]),
        ("render_run_mermaid", run, &["--format", "mermaid"]),
        // --nested adds weaveexec's own session to the text formats, and its calls to the diagrams.
        ("render_run_terminal_nested", run, &["--format", "terminal", "--nested"]),
        ("render_run_html_page_br_nested", run, &["--format", "html", "--page", "--br", "--nested"]),
        ("render_run_svg_nested", run, &["--format", "svg", "--nested"]),
        ("render_run_with_dns_terminal", dns, &["--format", "terminal"]),
        ("render_run_with_dns_mermaid_nested", dns, &["--format", "mermaid", "--nested"]),
    ];
    for (name, case, options) in renderings {
        let args: Vec<&str> = ["render", case].into_iter().chain(options.iter().copied()).collect();
        settings(&command_line(&args), &[]).bind(|| insta::assert_snapshot!(name, stdout_of(&args)));
    }
}

#[test]
fn check_reports_in_each_format() {
    let mismatch = "fixtures/snapshots/version-mismatch.case";
    // The fixture fails on purpose, by one line only, so that the report's diff is that line.
    let golden = std::fs::read_to_string(common::root().join("traces/version.case")).unwrap();
    let fixture = std::fs::read_to_string(common::root().join(mismatch)).unwrap();
    let changed = golden.lines().zip(fixture.lines()).filter(|(a, b)| a != b && !a.starts_with('#')).count();
    assert_eq!(changed, 1, "{mismatch} is traces/version.case with one trace line changed");
    for format in ["human", "junit", "tap", "json"] {
        // One job, so that the cases are reported in the order given.
        let args = ["check", "-j", "1", "--format", format, "traces/version.case", mismatch];
        let shown = transcript(&args);
        let filters = [filters::NAMESPACES_NOTE, filters::JUNIT_TIME, filters::JSON_DURATION];
        settings(&command_line(&args), &filters).bind(|| insta::assert_snapshot!(format!("check_{format}"), shown));
    }
}

/// A bad input: what it is, the files it needs (written to a temporary directory, `{tmp}` in the
/// arguments), and the command line.
struct Bad {
    what: &'static str,
    files: Vec<(&'static str, String)>,
    args: Vec<&'static str>,
}

fn bad(what: &'static str, files: Vec<(&'static str, String)>, args: &[&'static str]) -> Bad {
    Bad { what, files, args: args.to_vec() }
}

fn bad_inputs() -> Vec<Bad> {
    let version = std::fs::read_to_string(common::root().join("traces/version.case")).unwrap();
    // `[VERSION]` is written as a placeholder is, but is none: refused where it is written.
    let placeholder = version.replace("+ SCRIPT_VERSION=0.10.0\n", "+ SCRIPT_VERSION=[VERSION]\n");
    assert_ne!(placeholder, version, "traces/version.case sets SCRIPT_VERSION");
    vec![
        bad("a missing case path", vec![], &["check", "no/such.case"]),
        bad("a directory with no cases", vec![], &["check", "fixtures/worlds"]),
        bad(
            "a malformed case header (a string for status)",
            vec![("bad.case", case_text("command = \"weave version\"\nstatus = \"zero\""))],
            &["check", "{tmp}/bad.case"],
        ),
        bad(
            "an unknown key in a case header",
            vec![("bad.case", case_text("command = \"weave version\"\nstatus = 0\ncolour = \"blue\""))],
            &["check", "{tmp}/bad.case"],
        ),
        bad(
            "a command that is no shell command line",
            vec![("bad.case", case_text("command = \"weave 'run\"\nstatus = 0"))],
            &["check", "{tmp}/bad.case"],
        ),
        bad(
            "an unknown section",
            vec![(
                "bad.case",
                case_text("command = \"weave version\"\nstatus = 0").replace("~~~ stdout", "~~~ stderr"),
            )],
            &["check", "{tmp}/bad.case"],
        ),
        bad(
            "a bad world key in a case's [world] table",
            vec![("bad.case", case_text("command = \"weave version\"\nstatus = 0\n\n[world.host]\nkernel = \"3.19\""))],
            &["check", "{tmp}/bad.case"],
        ),
        bad(
            "a bad world key in a world file",
            vec![("world.toml", "[host]\nflavour = \"debian\"\n".into())],
            &["record", "--world", "{tmp}/world.toml", "--", "weave", "version"],
        ),
        bad(
            "a redaction whose regex is not valid",
            vec![(
                "bad.case",
                case_text(
                    "command = \"weave version\"\nstatus = 0\n\n[[redact]]\nregex = \"a(\"\nplaceholder = \"[X]\"",
                ),
            )],
            &["check", "{tmp}/bad.case"],
        ),
        bad(
            "an unknown placeholder, `[VERSION]` in a copy of traces/version.case (its trace line 2)",
            vec![("placeholder.case", placeholder)],
            &["check", "{tmp}/placeholder.case"],
        ),
        bad("a --timeout of zero", vec![], &["check", "--timeout", "0", "traces/version.case"]),
        bad("a --timeout that is no number", vec![], &["check", "--timeout", "soon", "traces/version.case"]),
        bad("a --script that does not exist", vec![], &["check", "--script", "no/such/weave", "traces/version.case"]),
        bad(
            "a --shell that does not exist",
            vec![("weave", String::new())],
            &["check", "--script", "{tmp}/weave", "--shell", "nosuchsh", "traces/version.case"],
        ),
        bad("diff without --script", vec![], &["diff", "--random", "1"]),
        bad(
            "diff over a cases file with a bad line",
            vec![("weave", String::new()), ("cases", "weave version\nweave run \"unclosed\n".into())],
            &["diff", "--script", "{tmp}/weave", "--cases", "{tmp}/cases"],
        ),
        bad(
            "a replay of a file that is no trace",
            vec![("notes.txt", "not a trace\n".into())],
            &["replay", "{tmp}/notes.txt", "--", "weave", "version"],
        ),
        bad(
            "a replay from a cassette that is a plain world",
            vec![],
            &[
                "replay",
                "traces/version.case",
                "--cassette",
                "fixtures/worlds/documented-run.toml",
                "--",
                "weave",
                "version",
            ],
        ),
        bad(
            "a render of a trace without its command line",
            vec![("notes.txt", "+ exit 0\n".into())],
            &["render", "{tmp}/notes.txt"],
        ),
        bad(
            "record -o onto an existing file (a copy of traces/version.case)",
            vec![("existing.case", version.clone())],
            &["record", "-o", "{tmp}/existing.case", "--", "weave", "version"],
        ),
        bad(
            "record --describe without -o",
            vec![],
            &["record", "--describe", "what it shows", "--", "weave", "version"],
        ),
        bad("a partition past its count", vec![], &["check", "--partition", "3/2"]),
        bad("an unknown subcommand", vec![], &["frobnicate"]),
    ]
}

#[test]
fn error_messages_of_bad_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().expect("a UTF-8 temporary directory");
    let mut shown = String::new();
    for Bad { what, files, args } in bad_inputs() {
        shown.push_str(&format!("### {what}\n"));
        for (name, text) in &files {
            let path = Path::new(dir).join(name);
            std::fs::write(&path, text).unwrap();
            // Small files are shown; a copy of a golden is named in `what` instead.
            if !text.is_empty() && text.len() < 400 {
                shown.push_str(&format!("{}:\n{}", path.display(), indented(text)));
            }
        }
        let args: Vec<String> = args.iter().map(|a| a.replace("{tmp}", dir)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        shown.push_str(&transcript(&args));
        shown.push('\n');
        for (name, _) in &files {
            std::fs::remove_file(Path::new(dir).join(name)).unwrap();
        }
    }
    // The temporary directory's path differs every run.
    let tmp_dir = regex::escape(dir);
    let filters = [(tmp_dir.as_str(), "[TMP]"), filters::NAMESPACES_NOTE];
    settings("each bad input's files, command line, exit code and output", &filters)
        .bind(|| insta::assert_snapshot!("errors", shown));
}

/// `text` with each line indented, so that a file's lines stand apart from the transcript's.
fn indented(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}
