//! The mutants of a [`Source`]: each operator proposes byte edits on the text, which become line edits.

use super::lex::{Command, Word};
use super::{Mutant, Operator, Source};
use std::collections::HashSet;

/// One change to the text: bytes `start..end` replaced.
struct Edit {
    operator: Operator,
    start: usize,
    end: usize,
    with: String,
    equivalent: Option<String>,
}

/// Commands whose options the option operator leaves alone: `[`/`test` (their words are operands)
/// and the special builtins, where dropping a word changes what the command is (`set -e` → `set`).
const NOT_OPTIONS: [&str; 17] = [
    "[", "test", ":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift",
    "times", "trap", "unset",
];

const FLIPS: [(&str, &str); 10] = [
    ("-eq", "-ne"),
    ("-ne", "-eq"),
    ("-lt", "-ge"),
    ("-ge", "-lt"),
    ("-gt", "-le"),
    ("-le", "-gt"),
    ("=", "!="),
    ("!=", "="),
    ("-z", "-n"),
    ("-n", "-z"),
];

/// Every mutant of `source`, by line, then operator, then place on the line; two that give the same
/// script are one.
pub fn mutants(source: &Source) -> Vec<Mutant> {
    let text = source.text.as_str();
    let defines = |name: &str| source.functions.iter().any(|f| f.name == name);
    let mut edits = Vec::new();
    for cmd in source.parsed.commands.iter().filter(|c| !c.runs_only) {
        command_edits(text, cmd, &defines, &mut edits);
    }
    for &at in &source.parsed.and_or {
        let with = if &text[at..at + 2] == "&&" { "||" } else { "&&" };
        edits.push(Edit {
            operator: Operator::AndOrSwapped,
            start: at,
            end: at + 2,
            with: with.into(),
            equivalent: None,
        });
    }
    edits.sort_by(|a, b| {
        (source.line_of(a.start), &a.operator, a.start, a.end).cmp(&(
            source.line_of(b.start),
            &b.operator,
            b.start,
            b.end,
        ))
    });

    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in edits {
        let first = source.line_of(e.start);
        let last = source.line_of(e.end.max(e.start + 1) - 1).max(first);
        let from = source.starts[first - 1];
        let to = source.line_end(last);
        if e.end > to || e.start < from {
            continue; // past the text's last newline: an unterminated quote or substitution
        }
        let before = &text[from..to];
        let after = format!("{}{}{}", &text[from..e.start], e.with, &text[e.end..to]);
        if after == before || !seen.insert((first, after.clone())) {
            continue;
        }
        let function = source.function_at(first).map(|f| f.name.clone());
        let equivalent = e.equivalent.or_else(|| dead(source, first));
        out.push(Mutant { line: first, operator: e.operator, before: before.into(), after, function, equivalent });
    }
    out
}

/// Why the code at `line` never runs: a function holding it that no word outside it names.
fn dead(source: &Source, line: usize) -> Option<String> {
    let text = source.text.as_str();
    source.functions.iter().filter(|f| f.start <= line && line <= f.end).find_map(|f| {
        let named = source.parsed.words.iter().any(|&(s, e)| {
            let l = source.line_of(s);
            (l < f.start || l > f.end) && names(&text[s..e], &f.name)
        });
        (!named).then(|| format!("in `{}`, which no line outside it names (dead code)", f.name))
    })
}

/// Whether `word` holds `name` as a whole word (not as part of a longer name).
fn names(word: &str, name: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    word.match_indices(name).any(|(i, _)| {
        !word[..i].chars().next_back().is_some_and(part) && !word[i + name.len()..].chars().next().is_some_and(part)
    })
}

fn is_assignment(w: &str) -> bool {
    match w.find('=') {
        Some(eq) if eq > 0 => {
            let name = &w[..eq];
            !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        _ => false,
    }
}

/// Blanks after `end` on its line, or failing those, before `start`: the room a dropped word leaves.
fn with_blanks(text: &str, start: usize, end: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let mut e = end;
    while e < b.len() && matches!(b[e], b' ' | b'\t') {
        e += 1;
    }
    if e > end {
        return (start, e);
    }
    let mut s = start;
    while s > 0 && matches!(b[s - 1], b' ' | b'\t') {
        s -= 1;
    }
    (s, end)
}

/// Builtins that never write to their standard output (`[`'s complaints go to its standard error).
fn quiet_stdout(name: Option<&str>) -> bool {
    matches!(name, Some(":" | "true" | "false" | "[" | "test" | "read" | "shift" | "exit" | "return"))
}

fn command_edits(text: &str, cmd: &Command, defines: &dyn Fn(&str) -> bool, edits: &mut Vec<Edit>) {
    let word = |w: &Word| &text[w.start..w.end];
    let name_at = cmd.words.iter().position(|w| !is_assignment(word(w)));
    let name = name_at.map(|i| word(&cmd.words[i]));
    let quiet = |n: Option<&str>| matches!(n, Some(":" | "true" | "false")) && !defines(n.unwrap_or_default());
    let expands = |w: &Word| text[w.start..w.end].contains(['$', '`']);

    // Statement removed: the whole command (a here-document's body would be left behind) as `:`,
    // continued over the lines it held.
    let only_colon = name == Some(":") && cmd.words.len() == 1 && cmd.redirs.is_empty();
    if !cmd.has_heredoc() && !only_colon {
        let lines = text[cmd.start..cmd.end].matches('\n').count();
        let equivalent = (quiet(name)
            && name != Some("false")
            && name_at == Some(0)
            && cmd.redirs.is_empty()
            && !cmd.words.iter().any(expands))
        .then(|| "`:` does what the command did: nothing".to_string());
        let with = format!(":{}", "\\\n".repeat(lines));
        edits.push(Edit { operator: Operator::StatementRemoved, start: cmd.start, end: cmd.end, with, equivalent });
    }

    // Comparison flipped.
    if let Some(b) = cmd.bang {
        let (s, e) = with_blanks(text, b.0, b.1);
        edits.push(Edit {
            operator: Operator::ComparisonFlipped,
            start: s,
            end: e,
            with: String::new(),
            equivalent: None,
        });
    }
    if let (Some(i), Some("[" | "test")) = (name_at, name) {
        let args = &cmd.words[i + 1..];
        for (k, w) in args.iter().enumerate() {
            if !w.plain {
                continue;
            }
            let t = word(w);
            if let Some((_, to)) = FLIPS.iter().find(|(from, _)| *from == t) {
                edits.push(Edit {
                    operator: Operator::ComparisonFlipped,
                    start: w.start,
                    end: w.end,
                    with: to.to_string(),
                    equivalent: None,
                });
            }
            let negates = k == 0 || matches!(word(&args[k - 1]), "-a" | "-o" | "\\(");
            if t == "!" && negates && k + 1 < args.len() {
                let (s, e) = with_blanks(text, w.start, w.end);
                edits.push(Edit {
                    operator: Operator::ComparisonFlipped,
                    start: s,
                    end: e,
                    with: String::new(),
                    equivalent: None,
                });
            }
        }
    }

    // Option altered.
    if let (Some(i), Some(n)) = (name_at, name) {
        if !NOT_OPTIONS.contains(&n) && !defines(n) {
            for w in &cmd.words[i + 1..] {
                let t = word(w).as_bytes();
                let option = match t {
                    [b'-', b'-', c, ..] | [b'-', c, ..] => c.is_ascii_alphanumeric(),
                    _ => false,
                };
                if option && !t.contains(&b'\n') {
                    let (s, e) = with_blanks(text, w.start, w.end);
                    edits.push(Edit {
                        operator: Operator::OptionAltered,
                        start: s,
                        end: e,
                        with: String::new(),
                        equivalent: None,
                    });
                }
            }
        }
    }

    // Number changed: whole-word integers, and integer values of assignments.
    for (k, w) in cmd.words.iter().enumerate() {
        let t = word(w);
        let (offset, digits) = match t.find('=') {
            Some(eq) if name_at.is_none_or(|n| k < n) && is_assignment(t) => (eq + 1, &t[eq + 1..]),
            _ => (0, t),
        };
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if let Some(next) = digits.parse::<u64>().ok().and_then(|n| n.checked_add(1)) {
            edits.push(Edit {
                operator: Operator::NumberChanged,
                start: w.start + offset,
                end: w.end,
                with: next.to_string(),
                equivalent: None,
            });
        }
    }

    // String altered: quoted literals at a word's top level.
    for w in &cmd.words {
        for q in w.quotes.iter().filter(|q| q.literal) {
            let (at, with) = if q.close == q.open + 1 { (q.close, "x") } else { (q.open + 1, "_X") };
            let equivalent = (name == Some(":") && !defines(":")).then(|| "`:` ignores its arguments".to_string());
            edits.push(Edit { operator: Operator::StringAltered, start: at, end: at, with: with.into(), equivalent });
        }
    }

    // Redirection dropped: output redirections, as long as the command keeps something.
    for r in &cmd.redirs {
        if !r.op.starts_with('>') || (cmd.words.is_empty() && cmd.redirs.len() == 1) {
            continue;
        }
        let redir = &text[r.start..r.end];
        let io = &redir[..redir.len() - redir.trim_start_matches(|c: char| c.is_ascii_digit()).len()];
        let target = redir[io.len()..].trim_start_matches(r.op).trim();
        let discards = r.op == ">&" || target == "/dev/null";
        let plain_args = !cmd.words.iter().any(expands);
        let silent = if io.is_empty() || io == "1" { quiet_stdout(name) } else { quiet(name) };
        let equivalent = (discards && silent && plain_args && !name.is_some_and(defines))
            .then(|| "the command writes nothing there".to_string());
        let b = text.as_bytes();
        let mut s = r.start;
        while s > cmd.start && matches!(b[s - 1], b' ' | b'\t') {
            s -= 1;
        }
        let (s, e) = if s == cmd.start { with_blanks(text, r.start, r.end) } else { (s, r.end) };
        edits.push(Edit { operator: Operator::RedirectionDropped, start: s, end: e, with: String::new(), equivalent });
    }
}
