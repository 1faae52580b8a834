use super::samples::{parses_under, HEADS, SAMPLE};
use super::*;
use std::path::Path;

fn spans(text: &str) -> Vec<(usize, usize)> {
    Source::parse(text).commands().iter().map(|s| (s.start, s.end)).collect()
}

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
    parses_under(shell, text)
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
