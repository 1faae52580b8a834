//! Host utilities the script pipes through (sed, grep), modeled in-process.
//!
//! They are pure functions of their arguments and input, so the spec needs no process for them and
//! the fakes' log holds only the commands that consult the world. The sandbox runs subjects with
//! `LC_ALL=C`, so patterns match bytes. Compiled patterns are cached per thread: the spec runs many
//! cases per second in-process and compiling a regex costs more than a whole case.

use super::shell::{UtilityOutput, Word};
use regex::bytes::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Copy, Hash, PartialEq, Eq)]
enum Syntax {
    Basic,
    Extended,
    Fixed,
}

/// Compiled patterns by syntax and text; `None` for a pattern the model cannot translate.
type Cache = HashMap<(Syntax, Word), Option<Rc<Regex>>>;

thread_local! {
    // Shared, not cloned: a cloned Regex starts with empty match caches and rebuilds its DFA.
    static CACHE: RefCell<Cache> = RefCell::new(HashMap::new());
}

fn compile(syntax: Syntax, pattern: &[u8]) -> Option<Rc<Regex>> {
    CACHE.with(|cache| {
        let key = (syntax, pattern.to_vec());
        if let Some(re) = cache.borrow().get(&key) {
            return re.clone();
        }
        let body = match syntax {
            Syntax::Basic => translate(pattern, false),
            Syntax::Extended => translate(pattern, true),
            Syntax::Fixed => std::str::from_utf8(pattern).ok().map(regex::escape),
        };
        let re = body.and_then(|b| Regex::new(&format!("(?-u){b}")).ok()).map(Rc::new);
        cache.borrow_mut().insert(key, re.clone());
        re
    })
}

/// Translates a POSIX BRE or ERE into the regex crate's syntax.
fn translate(p: &[u8], extended: bool) -> Option<String> {
    let mut out = String::new();
    let mut i = 0;
    let push_literal = |out: &mut String, c: u8| {
        if c.is_ascii() && !c.is_ascii_control() {
            out.push_str(&regex::escape(&(c as char).to_string()));
        } else {
            out.push_str(&format!("\\x{c:02x}"));
        }
    };
    while i < p.len() {
        let c = p[i];
        match c {
            b'\\' => {
                let e = *p.get(i + 1)?;
                i += 2;
                match e {
                    b'(' | b')' | b'{' | b'}' | b'|' | b'+' | b'?' if !extended => out.push(e as char),
                    b'n' => out.push_str("\\n"),
                    b't' => out.push_str("\\t"),
                    b'1'..=b'9' => return None,
                    _ => push_literal(&mut out, e),
                }
                continue;
            }
            b'[' => {
                let mut j = i + 1;
                let mut class = String::from("[");
                if p.get(j) == Some(&b'^') {
                    class.push('^');
                    j += 1;
                }
                if p.get(j) == Some(&b']') {
                    class.push_str("\\]");
                    j += 1;
                }
                while j < p.len() && p[j] != b']' {
                    if p[j] == b'[' && p.get(j + 1) == Some(&b':') {
                        let end = j + 2 + p[j + 2..].windows(2).position(|w| w == b":]")?;
                        class.push_str(std::str::from_utf8(&p[j..end + 2]).ok()?);
                        j = end + 2;
                        continue;
                    }
                    match p[j] {
                        b'\\' | b'[' | b'&' | b'~' => {
                            class.push('\\');
                            class.push(p[j] as char);
                        }
                        b if b.is_ascii() => class.push(b as char),
                        b => class.push_str(&format!("\\x{b:02x}")),
                    }
                    j += 1;
                }
                if j >= p.len() {
                    return None;
                }
                class.push(']');
                out.push_str(&class);
                i = j + 1;
                continue;
            }
            b'^' if i == 0 || extended => out.push('^'),
            b'$' if i + 1 == p.len() || extended => out.push('$'),
            b'*' if i == 0 && !extended => out.push_str("\\*"),
            b'.' | b'*' => out.push(c as char),
            b'(' | b')' | b'{' | b'}' | b'|' | b'+' | b'?' if extended => out.push(c as char),
            _ => push_literal(&mut out, c),
        }
        i += 1;
    }
    Some(out)
}

/// Input split into lines; the flag says whether the line ended with a newline.
fn lines(input: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = input;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                Some((line, true))
            }
            None => {
                let line = rest;
                rest = &[];
                Some((line, false))
            }
        }
    })
}

fn usage_error(tool: &str, what: &[u8]) -> UtilityOutput {
    let mut stderr = format!("{tool}: unsupported by the spec's model: ").into_bytes();
    stderr.extend_from_slice(what);
    stderr.push(b'\n');
    UtilityOutput { stdout: Vec::new(), stderr, status: 2 }
}

/// `grep [-E|-F] [-o] [-q] [-v] [-m N] PATTERN`: GNU grep over stdin.
pub fn grep(args: &[Word], input: &[u8]) -> UtilityOutput {
    let (mut syntax, mut only, mut quiet, mut invert, mut max) = (Syntax::Basic, false, false, false, usize::MAX);
    let mut pattern: Option<&[u8]> = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_slice();
        if pattern.is_none() && a.len() > 1 && a[0] == b'-' {
            let mut flags = &a[1..];
            while let Some((&f, rest)) = flags.split_first() {
                flags = rest;
                match f {
                    b'E' => syntax = Syntax::Extended,
                    b'F' => syntax = Syntax::Fixed,
                    b'o' => only = true,
                    b'q' => quiet = true,
                    b'v' => invert = true,
                    b'm' => {
                        let n = if flags.is_empty() {
                            i += 1;
                            args.get(i).map(Vec::as_slice).unwrap_or_default()
                        } else {
                            std::mem::take(&mut flags)
                        };
                        match std::str::from_utf8(n).ok().and_then(|s| s.parse().ok()) {
                            Some(n) => max = n,
                            None => return usage_error("grep", a),
                        }
                    }
                    _ => return usage_error("grep", a),
                }
            }
        } else if pattern.is_none() {
            pattern = Some(a);
        } else {
            return usage_error("grep", a);
        }
        i += 1;
    }
    let Some(pattern) = pattern else { return usage_error("grep", b"no pattern") };
    let Some(re) = compile(syntax, pattern) else { return usage_error("grep", pattern) };
    let mut out = UtilityOutput { status: 1, ..Default::default() };
    let mut selected = 0;
    for (line, _) in lines(input) {
        if selected >= max {
            break;
        }
        if re.is_match(line) == invert {
            continue;
        }
        selected += 1;
        out.status = 0;
        if quiet {
            break;
        }
        if only && !invert {
            for m in re.find_iter(line).filter(|m| !m.is_empty()) {
                out.stdout.extend_from_slice(m.as_bytes());
                out.stdout.push(b'\n');
            }
        } else {
            out.stdout.extend_from_slice(line);
            out.stdout.push(b'\n');
        }
    }
    out
}

/// `cut -d C -f N`: the N-th field of each line (a line without the delimiter passes whole).
pub fn cut(args: &[Word], input: &[u8]) -> UtilityOutput {
    let (mut delim, mut field): (u8, Option<usize>) = (b'\t', None);
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_slice();
        let value = |i: &mut usize, rest: &[u8]| -> Option<Vec<u8>> {
            if rest.is_empty() {
                *i += 1;
                args.get(*i).cloned()
            } else {
                Some(rest.to_vec())
            }
        };
        match a.get(..2) {
            Some(b"-d") => match value(&mut i, &a[2..]) {
                Some(d) if d.len() == 1 => delim = d[0],
                _ => return usage_error("cut", a),
            },
            Some(b"-f") => match value(&mut i, &a[2..]).and_then(|f| std::str::from_utf8(&f).ok()?.parse().ok()) {
                Some(n) if n > 0 => field = Some(n),
                _ => return usage_error("cut", a),
            },
            _ => return usage_error("cut", a),
        }
        i += 1;
    }
    let Some(field) = field else { return usage_error("cut", b"no -f") };
    let mut out = UtilityOutput::default();
    for (line, _) in lines(input) {
        if line.contains(&delim) {
            out.stdout.extend_from_slice(line.split(|&b| b == delim).nth(field - 1).unwrap_or_default());
        } else {
            out.stdout.extend_from_slice(line);
        }
        out.stdout.push(b'\n');
    }
    out
}

/// A `tr` set: its escapes (`\\n`, `\\t`, `\\\\`, octal) and ranges (`a-z`) spelled out; `None` for
/// what the model does not cover (classes, equivalences, repeats, an octal escape GNU tr warns of).
fn tr_set(spec: &[u8]) -> Option<Vec<u8>> {
    // `[:class:]`, `[=c=]` and `[c*n]`: the model has none of them.
    let bracket = spec.iter().position(|&b| b == b'[');
    if bracket.is_some_and(|p| spec[p..].contains(&b'*')) || spec.windows(2).any(|w| matches!(w, [b'[', b':' | b'='])) {
        return None;
    }
    let mut chars = Vec::new();
    let mut i = 0;
    while i < spec.len() {
        let c = tr_char(spec, &mut i)?;
        if spec.get(i) == Some(&b'-') && i + 1 < spec.len() {
            i += 1;
            let hi = tr_char(spec, &mut i)?;
            if hi < c {
                return None;
            }
            chars.extend(c..=hi);
        } else {
            chars.push(c);
        }
    }
    Some(chars)
}

/// One character of a `tr` set at `spec[*i]`, escapes read (an octal one of 1 to 3 digits, as
/// GNU tr reads it), `*i` moved past it; `None` for a three-digit escape above `\\377`, which GNU
/// tr reads as two bytes with a warning.
fn tr_char(spec: &[u8], i: &mut usize) -> Option<u8> {
    let c = spec[*i];
    *i += 1;
    if c != b'\\' {
        return Some(c);
    }
    let Some(&e) = spec.get(*i) else { return Some(b'\\') };
    *i += 1;
    Some(match e {
        b'0'..=b'7' => {
            let mut v = u32::from(e - b'0');
            for _ in 0..2 {
                match spec.get(*i) {
                    Some(&d @ b'0'..=b'7') => {
                        v = v * 8 + u32::from(d - b'0');
                        *i += 1;
                    }
                    _ => break,
                }
            }
            u8::try_from(v).ok()?
        }
        b'n' => b'\n',
        b't' => b'\t',
        b'r' => b'\r',
        b'a' => 7,
        b'b' => 8,
        b'f' => 12,
        b'v' => 11,
        other => other,
    })
}

/// `tr [-d|-s] SET1 [SET2]`: GNU tr deleting, squeezing runs of, or translating the bytes of SET1.
pub fn tr(args: &[Word], input: &[u8]) -> UtilityOutput {
    let (mut delete, mut squeeze) = (false, false);
    let mut i = 0;
    while let Some(a) = args.get(i).filter(|a| a.len() > 1 && a[0] == b'-') {
        for &f in &a[1..] {
            match f {
                b'd' => delete = true,
                b's' => squeeze = true,
                _ => return usage_error("tr", a),
            }
        }
        i += 1;
    }
    let sets: Vec<Vec<u8>> = match args[i..].iter().map(|s| tr_set(s)).collect::<Option<_>>() {
        Some(sets) => sets,
        None => return usage_error("tr", &args[i..].join(&b' ')),
    };
    let (from, to) = match (sets.as_slice(), delete, squeeze) {
        ([from], true, false) | ([from], false, true) => (from.clone(), None),
        ([from, to], false, _) if !to.is_empty() => (from.clone(), Some(to.clone())),
        _ => return usage_error("tr", &args.join(&b' ')),
    };
    let mut out = UtilityOutput::default();
    for &c in input {
        let position = from.iter().rposition(|&f| f == c);
        let c = match (position, &to) {
            (Some(_), None) if delete => continue,
            // A shorter SET2 is padded with its last byte.
            (Some(k), Some(to)) => to.get(k).copied().unwrap_or(to[to.len() - 1]),
            _ => c,
        };
        // With SET2, runs are squeezed in the bytes written; without, in SET1's.
        let squeezed = to.as_ref().unwrap_or(&from);
        if squeeze && out.stdout.last() == Some(&c) && squeezed.contains(&c) {
            continue;
        }
        out.stdout.push(c);
    }
    out
}

enum SedCommand {
    Substitute { re: Rc<Regex>, replacement: Word, global: bool, print: bool },
    Print,
    Delete,
}

/// `sed [-n] [-e SCRIPT]... | SCRIPT`: GNU sed's `s`, `p` and `d` commands, `;`-separated.
pub fn sed(args: &[Word], input: &[u8]) -> UtilityOutput {
    let mut quiet = false;
    let mut scripts: Vec<&[u8]> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_slice() {
            b"-n" => quiet = true,
            b"-e" => {
                i += 1;
                match args.get(i) {
                    Some(s) => scripts.push(s),
                    None => return usage_error("sed", b"-e"),
                }
            }
            a if scripts.is_empty() && !a.starts_with(b"-") => scripts.push(a),
            a => return usage_error("sed", a),
        }
        i += 1;
    }
    let mut commands = Vec::new();
    for script in scripts {
        match parse_sed(script, &mut commands) {
            Some(()) => {}
            None => return usage_error("sed", script),
        }
    }
    let mut out = UtilityOutput::default();
    let mut owes_newline = false;
    let mut emit = |out: &mut Vec<u8>, text: &[u8], newline: bool| {
        if owes_newline {
            out.push(b'\n');
        }
        out.extend_from_slice(text);
        if newline {
            out.push(b'\n');
        }
        owes_newline = !newline;
    };
    'lines: for (line, newline) in lines(input) {
        let mut space = line.to_vec();
        for cmd in &commands {
            match cmd {
                SedCommand::Substitute { re, replacement, global, print } => {
                    let mut result = Vec::new();
                    let mut last = 0;
                    let mut changed = false;
                    for caps in re.captures_iter(&space) {
                        let m = caps.get(0).expect("group 0 always matches");
                        result.extend_from_slice(&space[last..m.start()]);
                        expand_replacement(replacement, &caps, &mut result);
                        last = m.end();
                        changed = true;
                        if !global {
                            break;
                        }
                    }
                    if changed {
                        result.extend_from_slice(&space[last..]);
                        space = result;
                        if *print {
                            emit(&mut out.stdout, &space, newline);
                        }
                    }
                }
                SedCommand::Print => emit(&mut out.stdout, &space, newline),
                SedCommand::Delete => continue 'lines,
            }
        }
        if !quiet {
            emit(&mut out.stdout, &space, newline);
        }
    }
    out
}

fn expand_replacement(replacement: &[u8], caps: &regex::bytes::Captures, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < replacement.len() {
        match replacement[i] {
            b'&' => out.extend_from_slice(caps.get(0).map_or(&b""[..], |m| m.as_bytes())),
            b'\\' if i + 1 < replacement.len() => {
                i += 1;
                match replacement[i] {
                    d @ b'0'..=b'9' => {
                        out.extend_from_slice(caps.get(usize::from(d - b'0')).map_or(&b""[..], |m| m.as_bytes()))
                    }
                    b'n' => out.push(b'\n'),
                    c => out.push(c),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
}

/// The index of the `]` that closes the bracket expression opening at `s[open]` (a `]` first,
/// or after `^`, is a member; so is anything inside `[:...:]`).
fn bracket_end(s: &[u8], open: usize) -> Option<usize> {
    let mut j = open + 1;
    if s.get(j) == Some(&b'^') {
        j += 1;
    }
    if s.get(j) == Some(&b']') {
        j += 1;
    }
    while j < s.len() {
        match s[j] {
            b']' => return Some(j),
            b'[' if matches!(s.get(j + 1), Some(b':' | b'.' | b'=')) => {
                let close = [s[j + 1], b']'];
                j += 2 + s[j + 2..].windows(2).position(|w| w == close)? + 2;
            }
            _ => j += 1,
        }
    }
    None
}

/// Parses `;`-separated commands; `None` for anything the model does not cover.
fn parse_sed(script: &[u8], commands: &mut Vec<SedCommand>) -> Option<()> {
    let mut i = 0;
    while i < script.len() {
        match script[i] {
            b';' | b'\n' | b' ' => i += 1,
            b'p' => {
                commands.push(SedCommand::Print);
                i += 1;
            }
            b'd' => {
                commands.push(SedCommand::Delete);
                i += 1;
            }
            b's' => {
                let delim = *script.get(i + 1)?;
                let mut parts: Vec<Word> = Vec::new();
                let mut j = i + 2;
                let mut current = Vec::new();
                while parts.len() < 2 {
                    let c = *script.get(j)?;
                    if c == b'[' && parts.is_empty() {
                        // A bracket expression is taken whole: the delimiter in it is a member.
                        let end = bracket_end(script, j)?;
                        current.extend_from_slice(&script[j..=end]);
                        j = end + 1;
                    } else if c == b'\\' {
                        let e = *script.get(j + 1)?;
                        if e != delim {
                            current.push(b'\\');
                        }
                        current.push(e);
                        j += 2;
                    } else if c == delim {
                        parts.push(std::mem::take(&mut current));
                        j += 1;
                    } else {
                        current.push(c);
                        j += 1;
                    }
                }
                let (mut global, mut print) = (false, false);
                while let Some(&f) = script.get(j) {
                    match f {
                        b'g' => global = true,
                        b'p' => print = true,
                        b';' | b'\n' => break,
                        _ => return None,
                    }
                    j += 1;
                }
                let re = compile(Syntax::Basic, &parts[0])?;
                commands.push(SedCommand::Substitute { re, replacement: parts.remove(1), global, print });
                i = j;
            }
            _ => return None,
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(args: &[&str]) -> Vec<Word> {
        args.iter().map(|a| a.as_bytes().to_vec()).collect()
    }

    const VERSION_SED: &str = r"s|^Docker version \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*|\1|p";
    const CIDR: &str = r"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}/[0-9]{1,2}$";

    #[test]
    fn sed_extracts_the_docker_version() {
        let args = w(&["-n", "-e", VERSION_SED]);
        assert_eq!(sed(&args, b"Docker version 1.6.0, build 4749651\n").stdout, b"1.6.0\n");
        assert_eq!(sed(&args, b"Docker version 1.6\n").stdout, b"");
        assert_eq!(sed(&args, b"x\nDocker version 1.10.3-rc1, build 1\nDocker version 2.0.0").stdout, b"1.10.3\n2.0.0");
    }

    #[test]
    fn sed_substitutes_globally_and_prints() {
        let args = w(&["s|^ ||;s| |:|;s| |:|g"]);
        assert_eq!(sed(&args, b" 12 34 56 78\n").stdout, b"12:34:56:78\n");
    }

    #[test]
    fn sed_takes_a_bracket_expression_holding_the_delimiter() {
        let args = w(&["-n", "-e", r"s/inet \([^/]*\)\/\(.*\)/\1/p"]);
        let shown = b"5: ethwe: <UP> mtu 65535\n    inet 10.2.1.1/24 scope global ethwe\n    inet 10.3.0.9/16 x\n";
        assert_eq!(sed(&args, shown).stdout, b"    10.2.1.1\n    10.3.0.9\n");
        assert_eq!(sed(&w(&["s/[/]/|/g"]), b"a/b/c\n").stdout, b"a|b|c\n");
        assert_eq!(sed(&w(&["s/[]/]x/y/"]), b"]x /x\n").stdout, b"y /x\n");
        assert_eq!(sed(&w(&["s/[[:digit:]/]/_/g"]), b"a1/\n").stdout, b"a__\n");
        assert_eq!(sed(&w(&["s/[/x/y/"]), b"x\n").status, 2);
    }

    #[test]
    fn tr_squeezes_deletes_and_translates() {
        let images = b"weaveworks/weaveexec   0.10.0   3333   2 days ago\n";
        assert_eq!(tr(&w(&["-s", " "]), images).stdout, b"weaveworks/weaveexec 0.10.0 3333 2 days ago\n");
        assert_eq!(tr(&w(&["\\n", " "]), b"0.10.0\nbeta\n").stdout, b"0.10.0 beta ");
        assert_eq!(tr(&w(&["-d", ":"]), b"vethwepl7:\nx:y\n").stdout, b"vethwepl7\nxy\n");
        assert_eq!(tr(&w(&["a-c", "x"]), b"abcd").stdout, b"xxxd");
        assert_eq!(tr(&w(&["-s", "a-c", "x"]), b"abcdaa").stdout, b"xdx");
        assert_eq!(tr(&w(&["\\101"]), b"").status, 2);
        assert_eq!(tr(&w(&["-d", "[:digit:]"]), b"a1").status, 2);
        // An octal escape has at most three digits; a range's end may be escaped too.
        assert_eq!(tr(&w(&["-d", "\\0101"]), b"A1\x08").stdout, b"A");
        assert_eq!(tr(&w(&["-d", "\\000-\\101"]), b"AB:9\n").stdout, b"B");
        // \400 is more than a byte: GNU tr warns and reads two; the model does not guess.
        assert_eq!(tr(&w(&["-d", "\\400"]), b"a").status, 2);
    }

    #[test]
    fn cut_takes_a_field() {
        assert_eq!(cut(&w(&["-d.", "-f", "2"]), b"1.6.0\n").stdout, b"6\n");
        assert_eq!(cut(&w(&["-d", " ", "-f", "2"]), b"a b c\nnone\n").stdout, b"b\nnone\n");
        assert_eq!(cut(&w(&["-d.", "-f", "4"]), b"1.6.0\n").stdout, b"\n");
    }

    #[test]
    fn grep_matches_any_line() {
        let args = w(&["-E", CIDR]);
        assert_eq!(grep(&args, b"10.2.0.1/24\n").status, 0);
        assert_eq!(grep(&args, b"x\n10.2.0.1/24\n").status, 0);
        assert_eq!(grep(&args, b"10.2.0.1/24x\n").status, 1);
        assert_eq!(grep(&args, b"\n").status, 1);
        assert_eq!(grep(&args, b"").status, 1);
        assert_eq!(
            grep(&w(&["-m1", "-o", "inet [.0-9]*"]), b"  inet 172.17.42.1/16 x\n  inet 1.2.3.4/8\n").stdout,
            b"inet 172.17.42.1\n"
        );
    }
}
