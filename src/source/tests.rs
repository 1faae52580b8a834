use super::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Command;

fn spans(text: &str) -> Vec<(usize, usize)> {
    Source::parse(text).commands().iter().map(|s| (s.start, s.end)).collect()
}

/// The lines `shell` names (`PS4='+$LINENO '`) running `text` from a file, at and after line 1.
fn traced_lines(shell: &str, text: &str) -> Vec<usize> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let script = format!("PS4='+$LINENO '; set -x; . '{}'", file.path().display());
    let out = Command::new(shell).args(["sh", "-c", &script][usize::from(shell != "busybox")..].iter()).output();
    let out = out.unwrap_or_else(|e| panic!("{shell}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .filter(|l| !l.contains(" . /")) // the `.` of the -c text
        .filter_map(|l| l.trim_start_matches('+').split(' ').next()?.parse().ok())
        .collect()
}

/// Our own sample of the shapes the lexer must read: continuations, multi-line quotes and
/// substitutions, here-documents, case patterns, nested functions, `#` in words.
const SAMPLE: &str = r#"#!/bin/sh
# a comment with 'quotes" and $(
set -e
greet() {
    echo "hello # not a comment" 'it''s' a#b # a comment
    inner() {
        printf '%s\n' "$1" >&2
    }
    inner "$@"
}
count=$(echo first
    echo second)
total=$(( 1 +
    2 ))
if [ "$count" = "" ] && [ $total -eq 3 ]; then
    greet world >/dev/null 2>&1
elif ! test -z "$count"; then
    echo no
fi
case "$1" in
    a|b) echo ab ;;
    (c)
        echo c
        ;;
    *) : ;;
esac
while read -r line; do
    echo "$line" |
        tr a-z A-Z
done <<EOF
body line
$(echo not a command)
EOF
cat <<-'END' | sed -e 's/x/y/' || true
	tabbed $body
	END
for word in one \
    two; do
    echo "$word"
done
long="first
second"
: "${long}"
exit 0
"#;

#[test]
fn spans_cover_continuations_quotes_substitutions_and_here_documents() {
    assert_eq!(
        spans(SAMPLE),
        vec![
            (3, 3),   // set -e
            (5, 5),   // echo
            (7, 7),   // printf
            (9, 9),   // inner "$@"
            (11, 12), // count=$(…)
            (13, 14), // total=$((…))
            (15, 15), // [
            (15, 15), // [
            (16, 16), // greet
            (17, 17), // test
            (18, 18), // echo no
            (21, 21), // echo ab
            (23, 23), // echo c
            (25, 25), // :
            (27, 27), // read
            (28, 28), // echo "$line"
            (29, 29), // tr
            (31, 33), // the loop's here-document, which runs `echo`
            (34, 36), // cat, with its here-document
            (34, 34), // sed
            (34, 34), // true
            (39, 39), // echo "$word"
            (41, 42), // long=…
            (43, 43), // :
            (44, 44), // exit 0
        ]
    );
}

#[test]
fn functions_nest_and_the_innermost_holds_a_line() {
    let source = Source::parse(SAMPLE);
    let found: Vec<_> = source.functions().iter().map(|f| (f.name.as_str(), f.start, f.end)).collect();
    assert_eq!(found, [("greet", 4, 10), ("inner", 6, 8)]);
    assert_eq!(source.function_at(7).map(|f| f.name.as_str()), Some("inner"));
    assert_eq!(source.function_at(9).map(|f| f.name.as_str()), Some("greet"));
    assert_eq!(source.function_at(11), None);
}

#[test]
fn lines_and_executable_lines() {
    let source = Source::parse(SAMPLE);
    assert_eq!(source.line_count(), 44);
    assert_eq!(source.line(3), "set -e");
    assert_eq!(source.line(45), "");
    assert!(source.is_executable(11));
    assert!(!source.is_executable(12)); // inside the substitution
    assert!(!source.is_executable(4)); // greet() {
    assert!(!source.is_executable(20)); // case … in
    assert!(!source.is_executable(30)); // done <<EOF
    assert_eq!(source.span_at(32), Some(Span { start: 31, end: 33 }));
    assert_eq!(Source::parse("while read x; do :; done <<'E'\n$(a)\nE\n").commands().len(), 2);
    assert_eq!(source.span_at(35), Some(Span { start: 34, end: 36 }));
    assert_eq!(source.span_at(12), Some(Span { start: 11, end: 12 }));
    assert_eq!(source.spans_at(15).len(), 2);
    assert_eq!(Source::parse("").line_count(), 0);
    assert_eq!(Source::parse("a\nb").line(2), "b");
}

/// `for` and `case` heads whose words run commands, which the shell traces at the head's lines.
const HEADS: &str =
    "for x in $(ls\n  -a); do\n  echo $x\ndone\ncase `id -u` in\n  0) : ;;\nesac\nfor y in a b; do :; done\n";

#[test]
fn substitutions_in_for_and_case_heads_are_spans() {
    assert_eq!(spans(HEADS), [(1, 2), (3, 3), (5, 5), (6, 6), (8, 8)]);
    assert!(mutants(&Source::parse(HEADS)).iter().all(|m| m.line != 1 && m.line != 5));
}

/// Texts cut and spliced from the samples with shell punctuation and multi-byte characters: reading,
/// mutating and applying never panic, and each mutant's lines lie within the text.
#[test]
fn spliced_text_never_panics() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let pieces =
        ["\"", "'", "\\", "$(", "$((", "${", "`", ")", "(", "<<E\n", "\nE\n", "#", ";;", "é", "\n", "&&", "{ ", " }"];
    let base: Vec<char> = [SAMPLE, HEADS].concat().chars().collect();
    for _ in 0..1000 {
        let mut text: Vec<char> = base.clone();
        for _ in 0..rng.gen_range(1..6) {
            let at = rng.gen_range(0..=text.len());
            if rng.gen_bool(0.5) {
                text.splice(at..at, pieces[rng.gen_range(0..pieces.len())].chars());
            } else {
                let end = (at + rng.gen_range(0..40)).min(text.len());
                text.drain(at..end);
            }
        }
        let text: String = text.into_iter().collect();
        let source = Source::parse(&text);
        for span in source.commands() {
            assert!(span.start <= span.end && span.end <= source.line_count(), "{span:?}\n{text}");
        }
        for m in mutants(&source) {
            assert!(m.end() <= source.line_count(), "{m:?}");
            assert_ne!(m.apply(&text), text, "{m:?}");
        }
    }
}

#[test]
fn odd_text_never_panics() {
    for text in ["\"unterminated", "$(", "${", "`", "'", "\\", "cat <<EOF", "f() {", "esac )", ")(;;&&", "case", "for"]
    {
        let source = Source::parse(text);
        for m in mutants(&source) {
            m.apply(text);
        }
    }
}

/// `dash -n` (or `sh -n` where dash is missing) accepts `text`.
fn parses(text: &str) -> Result<(), String> {
    let shell = if Path::new("/bin/dash").exists() || Path::new("/usr/bin/dash").exists() { "dash" } else { "sh" };
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let out = Command::new(shell).arg("-n").arg(file.path()).output().unwrap();
    out.status.success().then_some(()).ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn every_mutant_of_the_sample_parses_and_keeps_the_line_count() {
    parses(SAMPLE).unwrap();
    let all = mutants(&Source::parse(SAMPLE));
    assert!(all.len() > 40, "{}", all.len());
    let mut scripts = std::collections::HashSet::new();
    for m in &all {
        let script = m.apply(SAMPLE);
        assert_ne!(script, SAMPLE, "{m:?}");
        assert!(scripts.insert(script.clone()), "two mutants give the same script: {m:?}");
        assert_eq!(script.lines().count(), SAMPLE.lines().count(), "{m:?}");
        assert_eq!(m.before.split('\n').count(), m.after.split('\n').count(), "{m:?}");
        if let Err(e) = parses(&script) {
            panic!("{m:?} does not parse: {e}\n{script}");
        }
    }
    let order: Vec<_> = all.iter().map(|m| (m.line, m.operator.clone())).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    for op in Operator::ALL {
        assert!(all.iter().any(|m| m.operator == op), "no {} mutant", op.name());
    }
}

fn after(text: &str, op: Operator) -> Vec<String> {
    mutants(&Source::parse(text)).into_iter().filter(|m| m.operator == op).map(|m| m.after).collect()
}

#[test]
fn each_operator_changes_what_it_says() {
    let t = "if ! [ \"$a\" -lt 3 ] && [ -z \"$b\" ]; then docker run -d --rm=true x >/dev/null 2>&1; fi";
    assert_eq!(after("echo a b\n", Operator::StatementRemoved), [":"]);
    assert_eq!(
        after(t, Operator::ComparisonFlipped),
        [t.replacen("! ", "", 1), t.replace("-lt", "-ge"), t.replace("-z", "-n"),]
    );
    assert_eq!(after(t, Operator::OptionAltered), [t.replace("-d ", ""), t.replace("--rm=true ", "")]);
    assert_eq!(after(t, Operator::NumberChanged), [t.replace('3', "4")]);
    assert_eq!(after(t, Operator::RedirectionDropped), [t.replace(" >/dev/null", ""), t.replace(" 2>&1", "")]);
    assert_eq!(after(t, Operator::AndOrSwapped), [t.replace("&&", "||")]);
    assert_eq!(
        after("x=\"\" y='v' n=7 echo \"$z\"\n", Operator::StringAltered),
        ["x=\"x\" y='v' n=7 echo \"$z\"", "x=\"\" y='_Xv' n=7 echo \"$z\""]
    );
    assert_eq!(after("x=\"\" y='v' n=7 echo \"$z\"\n", Operator::NumberChanged), ["x=\"\" y='v' n=8 echo \"$z\""]);
    // Text inside `$(…)` is left alone; `[` takes no option mutants; `set -e` keeps its `-e`.
    assert!(after("x=$(echo \"in\" 1)\n", Operator::StringAltered).is_empty());
    assert!(after("x=$(echo \"in\" 1)\n", Operator::NumberChanged).is_empty());
    assert!(after("[ -n \"$x\" ]\nset -e\n", Operator::OptionAltered).is_empty());
}

#[test]
fn a_multi_line_command_removed_keeps_its_lines() {
    let text = "docker run \\\n  -d \\\n  image && echo ok\necho next\n";
    let removed: Vec<_> =
        mutants(&Source::parse(text)).into_iter().filter(|m| m.operator == Operator::StatementRemoved).collect();
    assert_eq!(removed[0].line, 1);
    assert_eq!(removed[0].end(), 3);
    assert_eq!(removed[0].apply(text), ":\\\n\\\n && echo ok\necho next\n");
    parses(&removed[0].apply(text)).unwrap();
    assert_eq!(removed[1].apply(text), "docker run \\\n  -d \\\n  image && :\necho next\n");
}

#[test]
fn dead_functions_and_invisible_changes_are_equivalent() {
    let text = "used() {\n    echo a\n}\nunused() {\n    echo \"b\"\n    used\n}\nused\ntrue\n: \"note\"\n";
    let all = mutants(&Source::parse(text));
    let why =
        |line: usize, op: Operator| all.iter().find(|m| m.line == line && m.operator == op).unwrap().equivalent.clone();
    assert_eq!(why(2, Operator::StatementRemoved), None);
    assert!(why(5, Operator::StringAltered).unwrap().contains("unused"));
    assert!(why(6, Operator::StatementRemoved).unwrap().contains("dead code"));
    assert!(why(9, Operator::StatementRemoved).is_some());
    assert!(why(10, Operator::StringAltered).is_some());
    assert_eq!(all.iter().find(|m| m.line == 8).unwrap().function, None);
    assert_eq!(all.iter().find(|m| m.line == 2).unwrap().function.as_deref(), Some("used"));
    let quiet = "[ -d x ] >/dev/null 2>&1\ntrue 2>/dev/null\necho >/dev/null\n";
    let why: Vec<_> = mutants(&Source::parse(quiet))
        .into_iter()
        .filter(|m| m.operator == Operator::RedirectionDropped)
        .map(|m| (m.line, m.equivalent.is_some()))
        .collect();
    assert_eq!(why, [(1, true), (1, false), (2, true), (3, false)]);
    // A script's own `true` is no longer the builtin.
    let own = "true() { echo x; }\ntrue\n";
    assert!(mutants(&Source::parse(own)).iter().all(|m| m.line != 2 || m.equivalent.is_none()));
}

#[test]
fn operator_names() {
    let names: Vec<_> = Operator::ALL.iter().map(Operator::name).collect();
    assert_eq!(
        names,
        [
            "statement removed",
            "comparison flipped",
            "option altered",
            "number changed",
            "string altered",
            "redirection dropped",
            "and/or swapped"
        ]
    );
}

/// Lines named by the shell for `text` lie in spans; the innermost span holding each is unique.
fn assert_named_lines_in_spans(shell: &str, text: &str) {
    let source = Source::parse(text);
    let lines = traced_lines(shell, text);
    assert!(!lines.is_empty(), "{shell} named no line");
    for n in lines {
        assert!(source.span_at(n).is_some(), "{shell} names line {n} ({:?}), in no span", source.line(n));
    }
}

#[test]
#[ignore = "needs busybox (run with --ignored)"]
fn busybox_names_lines_inside_spans() {
    assert_named_lines_in_spans("busybox", SAMPLE);
    assert_named_lines_in_spans("busybox", HEADS);
}

/// The script `var` names; a test that needs it is run on purpose (`--ignored`), so its absence fails.
fn script(var: &str) -> (String, String) {
    let path = std::env::var(var).unwrap_or_else(|_| panic!("{var} must name the weave script"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    (path, String::from_utf8_lossy(&bytes).into_owned())
}

/// Every `name() {` (or `name () {`) line the text holds, by a reading independent of the lexer's.
fn definitions(text: &str) -> Vec<(String, usize)> {
    let re = regex::Regex::new(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)\s*\{\s*$").unwrap();
    text.lines().enumerate().filter_map(|(i, l)| Some((re.captures(l)?[1].to_string(), i + 1))).collect()
}

fn check_real_script(var: &str) -> Source {
    let (path, text) = script(var);
    let source = Source::parse(&text);
    let found: Vec<_> = source.functions().iter().map(|f| (f.name.clone(), f.start)).collect();
    assert_eq!(found, definitions(&text), "{path}: functions");
    for f in source.functions() {
        assert_eq!(source.line(f.end).trim(), "}", "{path}:{}: end of {}", f.end, f.name);
    }
    for (i, m) in mutants(&source).iter().enumerate() {
        if let Err(e) = parses(&m.apply(&text)) {
            panic!("{path}: mutant {i} ({m:?}) does not parse: {e}");
        }
    }
    source
}

#[test]
#[ignore = "needs WEAVE_0_10_SCRIPT and dash (run with --ignored)"]
fn weave_0_10_functions_and_mutants() {
    let source = check_real_script("WEAVE_0_10_SCRIPT");
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for m in mutants(&source) {
        let c = counts.entry(m.operator.name()).or_default();
        c.0 += 1;
        c.1 += usize::from(m.equivalent.is_some());
    }
    eprintln!("mutants of weave 0.10.0 by operator (all, equivalent): {counts:?}");
    assert_eq!(counts.len(), Operator::ALL.len());
}

#[test]
#[ignore = "needs WEAVE_0_11_SCRIPT and dash (run with --ignored)"]
fn weave_0_11_functions_and_mutants() {
    check_real_script("WEAVE_0_11_SCRIPT");
}

#[test]
#[ignore = "needs WEAVE_0_10_SCRIPT and busybox (run with --ignored)"]
fn weave_0_10_lines_busybox_names_lie_in_spans() {
    busybox_lines_lie_in_spans("WEAVE_0_10_SCRIPT");
}

#[test]
#[ignore = "needs WEAVE_0_11_SCRIPT and busybox (run with --ignored)"]
fn weave_0_11_lines_busybox_names_lie_in_spans() {
    busybox_lines_lie_in_spans("WEAVE_0_11_SCRIPT");
}

/// Runs the script `var` names under busybox with every command it names as a do-nothing stub (PATH
/// holds only those), for each golden's command line (and its `--local` side), and holds every line
/// busybox names to a span, and the command it traces there to that span's text.
fn busybox_lines_lie_in_spans(var: &str) {
    let (path, text) = script(var);
    let source = Source::parse(&text);
    let which = |name: &str| {
        let paths = std::env::var_os("PATH").unwrap_or_default();
        let found = std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file());
        found.unwrap_or_else(|| panic!("{name} is not on PATH"))
    };
    let busybox = which("busybox");
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
    let traces = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
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
        // line number: a name found on the lines just before, in a pipeline, is read as that.
        let near: String = (n.saturating_sub(2)..=n).map(|l| source.line(l)).collect();
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
}
