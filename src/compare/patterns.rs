//! Patterns in goldens, for values that vary from run to run.
//!
//! - `[..]` matches any text within a line;
//! - a line `...` matches any number of lines, none included;
//! - a named placeholder — `[CONTAINER_ID]`, `[PID]`, `[MAC]`, `[TMP]`, numbered when several
//!   (`[CONTAINER_ID_2]`) — matches a value of its kind; its first occurrence binds the value, and
//!   every later one, in any section of the case, must repeat it.
//!
//! A placeholder also matches its own text, which is what a redaction rule leaves in the output.

use regex::bytes::Regex;
use std::collections::HashMap;

/// Placeholder kinds and the values they match.
const KINDS: [(&str, &str); 4] = [
    ("CONTAINER_ID", "[0-9a-f]{12,64}"),
    ("PID", "[0-9]+"),
    ("MAC", "[0-9a-f]{2}(?::[0-9a-f]{2}){5}"),
    ("TMP", "/[^ \\n]*"),
];

/// The values placeholders have bound so far in one case.
pub type Bindings = HashMap<String, Vec<u8>>;

/// A placeholder token at the start of `s`: its length and its key (`CONTAINER_ID_2`) and value regex.
/// Read forward from the `[`, never further than the token, so that a text full of `[` (shell
/// tests, sed classes) is scanned in linear time.
fn placeholder(s: &[u8]) -> Option<(usize, String, &'static str)> {
    let rest = s.strip_prefix(b"[")?;
    for (kind, re) in KINDS {
        let Some(after) = rest.strip_prefix(kind.as_bytes()) else { continue };
        let digits = match after.strip_prefix(b"_") {
            Some(n) => match n.iter().take_while(|b| b.is_ascii_digit()).count() {
                0 => continue,
                d => d + 1,
            },
            None => 0,
        };
        if after.get(digits) == Some(&b']') {
            let len = 1 + kind.len() + digits;
            return Some((len + 1, String::from_utf8_lossy(&s[1..len]).into_owned(), re));
        }
    }
    None
}

/// Whether `key` (`PID_2`) is a kind alone or numbered from 2: the first value of a kind is the
/// unnumbered one, so `_0`, `_1` or `_02` would be a second name for no clear value.
fn known(key: &str) -> bool {
    KINDS.iter().any(|(kind, _)| match key.strip_prefix(kind) {
        Some("") => true,
        Some(rest) => rest.strip_prefix('_').is_some_and(|n| {
            n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0') && n.parse::<u64>().is_ok_and(|n| n >= 2)
        }),
        None => false,
    })
}

/// Each `[NAME]` in `line` (capitals, digits and `_` in brackets, as every placeholder is
/// written) that is no placeholder: neither a kind, numbered from 2, nor one of `redactions` (what
/// the case's redaction rules leave), in order. Brackets around anything else (`[ -n x ]`, `[A-Z]`,
/// `[ab]`) are literal text, as the patterns read them.
pub fn unknown_placeholders<'a>(line: &'a [u8], redactions: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < line.len() {
            // As `line_matches` reads a line: a `[..]` first.
            if line[i..].starts_with(b"[..]") {
                i += 4;
                continue;
            }
            let name = line[i + 1..].iter().take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_');
            let len = name.count();
            let written = line[i] == b'['
                && line.get(i + 1).is_some_and(u8::is_ascii_uppercase)
                && line.get(i + 1 + len) == Some(&b']');
            if !written {
                i += 1;
                continue;
            }
            // ASCII by construction.
            let token = std::str::from_utf8(&line[i..i + len + 2]).unwrap_or_default();
            i += len + 2;
            if !known(&token[1..token.len() - 1]) && !redactions.contains(&token) {
                return Some(token);
            }
        }
        None
    })
}

/// The placeholders `unknown_placeholders` passes by, as a message lists them.
pub fn known_placeholders(redactions: &[&str]) -> String {
    let kinds: Vec<String> = KINDS.iter().map(|(k, _)| format!("`[{k}]`")).collect();
    let mut out = format!("{}, numbered from 2 when several (`[PID_2]`)", kinds.join(", "));
    if !redactions.is_empty() {
        out.push_str(&format!(", and the redactions' `{}`", redactions.join("`, `")));
    }
    out
}

/// The first placeholder the patterns would read in `text`, as written (`[CONTAINER_ID_2]`).
pub fn placeholder_in(text: &[u8]) -> Option<String> {
    (0..text.len()).find_map(|i| {
        (text[i] == b'[').then(|| placeholder(&text[i..])).flatten().map(|(_, key, _)| format!("[{key}]"))
    })
}

/// Whether `expected` uses any pattern at all.
pub fn has_patterns(expected: &[u8]) -> bool {
    expected.split(|&b| b == b'\n').any(|l| l == b"...")
        || expected.windows(4).any(|w| w == b"[..]")
        || (0..expected.len()).any(|i| expected[i] == b'[' && placeholder(&expected[i..]).is_some())
}

/// Whether `actual` matches `expected`, binding placeholders in `bindings` (kept only on a match).
pub fn matches(expected: &[u8], actual: &[u8], bindings: &mut Bindings) -> bool {
    let e: Vec<&[u8]> = expected.split(|&b| b == b'\n').collect();
    let a: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let mut trial = bindings.clone();
    if lines(&e, &a, &mut trial) {
        *bindings = trial;
        return true;
    }
    false
}

/// Line by line, in a loop: a trace of 100k lines would overflow the stack as recursion. Only a
/// `...` line tries where to go on, each try with its own copy of the bindings.
fn lines(mut e: &[&[u8]], mut a: &[&[u8]], b: &mut Bindings) -> bool {
    loop {
        match e.split_first() {
            None => return a.is_empty(),
            Some((&first, rest)) if first == b"..." => {
                return (0..=a.len()).any(|k| {
                    let mut trial = b.clone();
                    let ok = lines(rest, &a[k..], &mut trial);
                    if ok {
                        *b = trial;
                    }
                    ok
                })
            }
            Some((&first, rest)) => {
                let Some((&line, after)) = a.split_first() else { return false };
                if !line_matches(first, line, b) {
                    return false;
                }
                (e, a) = (rest, after);
            }
        }
    }
}

/// One line against one line.
pub fn line_matches(pattern: &[u8], line: &[u8], b: &mut Bindings) -> bool {
    if !has_patterns(pattern) {
        return pattern == line;
    }
    let mut re = String::from("(?s-u)^");
    let mut groups: Vec<String> = Vec::new();
    let mut literal = Vec::new();
    let flush = |literal: &mut Vec<u8>, re: &mut String| {
        for &c in literal.iter() {
            re.push_str(&if c.is_ascii() { regex::escape(&(c as char).to_string()) } else { format!("\\x{c:02x}") });
        }
        literal.clear();
    };
    let mut i = 0;
    while i < pattern.len() {
        if pattern[i..].starts_with(b"[..]") {
            flush(&mut literal, &mut re);
            re.push_str(".*?");
            i += 4;
            continue;
        }
        if pattern[i] == b'[' {
            if let Some((len, key, value)) = placeholder(&pattern[i..]) {
                flush(&mut literal, &mut re);
                let own = regex::escape(&format!("[{key}]"));
                match b.get(&key) {
                    Some(bound) => {
                        let bound: String = bound.iter().map(|&c| regex::escape(&(c as char).to_string())).collect();
                        re.push_str(&format!("(?:{bound}|{own})"));
                    }
                    None => {
                        re.push_str(&format!("({value}|{own})"));
                        groups.push(key);
                    }
                }
                i += len;
                continue;
            }
        }
        literal.push(pattern[i]);
        i += 1;
    }
    flush(&mut literal, &mut re);
    re.push('$');
    let Ok(re) = Regex::new(&re) else { return false };
    let Some(caps) = re.captures(line) else { return false };
    for (n, key) in groups.iter().enumerate() {
        let value = caps.get(n + 1).map_or(&b""[..], |m| m.as_bytes()).to_vec();
        if value == format!("[{key}]").as_bytes() {
            continue;
        }
        // The same placeholder twice in one line, or two placeholders on one value: bind once.
        if let Some(bound) = b.get(key) {
            if *bound != value {
                return false;
            }
        }
        if b.iter().any(|(k, v)| k != key && *v == value) {
            return false;
        }
        b.insert(key.clone(), value);
    }
    true
}

/// Applies redaction rules to output: each match of a rule's regex becomes its placeholder text.
pub fn redact(bytes: &[u8], rules: &[(Regex, String)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (re, placeholder) in rules {
        out = re.replace_all(&out, placeholder.as_bytes()).into_owned();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa";
    const B: &str = "f4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9";

    #[test]
    fn placeholders_bind_once_and_must_repeat() {
        let expected =
            b"+ A=[CONTAINER_ID]\n+ B=[CONTAINER_ID_2]\n+ attach [CONTAINER_ID]\n+ attach [CONTAINER_ID_2]\n";
        let good = format!("+ A={A}\n+ B={B}\n+ attach {A}\n+ attach {B}\n");
        let swapped = format!("+ A={A}\n+ B={B}\n+ attach {B}\n+ attach {A}\n");
        let mut b = Bindings::new();
        assert!(matches(expected, good.as_bytes(), &mut b));
        assert_eq!(b["CONTAINER_ID"], A.as_bytes());
        assert!(!matches(expected, swapped.as_bytes(), &mut Bindings::new()));
        // Two placeholders may not stand for one value.
        let same = format!("+ A={A}\n+ B={A}\n+ attach {A}\n+ attach {A}\n");
        assert!(!matches(expected, same.as_bytes(), &mut Bindings::new()));
    }

    #[test]
    fn wildcards_match_text_and_lines() {
        let mut b = Bindings::new();
        assert!(matches(b"+ set -e\n...\n+ exit [..]\n", b"+ set -e\n+ a\n+ b\n+ exit 0\n", &mut b));
        assert!(matches(b"+ set -e\n...\n+ exit 0\n", b"+ set -e\n+ exit 0\n", &mut b));
        assert!(!matches(b"+ set -e\n...\n+ exit 0\n", b"+ set -e\n+ exit 1\n", &mut b));
        assert!(matches(b"pid [PID] at [TMP]\n", b"pid 4242 at /tmp/x.1\n", &mut b));
        assert!(!matches(b"pid [PID]\n", b"pid 4x\n", &mut b));
        assert!(
            has_patterns(b"a [..] b")
                && has_patterns(b"...\n")
                && has_patterns(b"[MAC]")
                && !has_patterns(b"[ a = b ]")
        );
    }

    #[test]
    fn a_long_text_with_a_placeholder_is_matched_without_a_frame_per_line() {
        let body = "+ i=1\n".repeat(100_000);
        let expected = format!("pid [PID]\n{body}");
        let mut b = Bindings::new();
        assert!(matches(expected.as_bytes(), format!("pid 42\n{body}").as_bytes(), &mut b));
        assert_eq!(b["PID"], b"42");
        assert!(!matches(expected.as_bytes(), format!("pid 42\n{body}x").as_bytes(), &mut Bindings::new()));
    }

    #[test]
    fn only_bracketed_capitals_that_no_pattern_reads_are_unknown_placeholders() {
        let unknown = |line: &str| unknown_placeholders(line.as_bytes(), &["[ID]"]).next().map(str::to_string);
        assert_eq!(unknown("+ echo [NOPE] [PID]").as_deref(), Some("[NOPE]"));
        for bad in ["[CONTAINER_ID_0]", "[CONTAINER_ID_1]", "[PID_02]", "[PIDS]", "[X]", "[MAC_]"] {
            assert_eq!(unknown(&format!("a {bad} b")).as_deref(), Some(bad), "{bad}");
        }
        for fine in [
            "+ [ -n x ]",
            "+ sed -e s/[A-Z]/x/",
            "+ ls [ab] [0-9] [_X] []",
            "[CONTAINER_ID] [CONTAINER_ID_2] [PID_10] [MAC] [TMP] [ID]",
            "[..]X] [ID",
        ] {
            assert_eq!(unknown(fine), None, "{fine}");
        }
        assert_eq!(placeholder_in(b"weave attach [CONTAINER_ID_2] x"), Some("[CONTAINER_ID_2]".into()));
        assert_eq!(placeholder_in(b"weave run ls '[ab]' [NOPE] [..]"), None);
    }

    #[test]
    fn a_placeholder_matches_what_a_redaction_left() {
        let rules = vec![(Regex::new("[0-9a-f]{64}").unwrap(), "[CONTAINER_ID]".to_string())];
        let out = redact(format!("id {A}\n").as_bytes(), &rules);
        assert_eq!(out, b"id [CONTAINER_ID]\n");
        assert!(matches(b"id [CONTAINER_ID]\n", &out, &mut Bindings::new()));
    }
}
