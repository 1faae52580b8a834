//! Where dash, busybox ash and bash (started as `sh`) differ in what a weave script uses: how a trace
//! line is written, what `echo` prints, and how the shell words its own errors. Every difference
//! lives here, once; each was measured against the real shells (dash 0.5.12, busybox 1.35, bash
//! 5.2.15 in POSIX mode) and is held by the unit tests below with their bytes.

use super::{builtins, Dialect, Word};

/// bash's mark of nesting: PS4's first character once more per command substitution the line is
/// in (`++ echo in` inside `$(…)`), appended to `line`. dash and ash mark nothing.
pub(super) fn push_nesting(line: &mut Word, dialect: Dialect, ps4: &[u8], substs: u32) {
    // Most lines are at top level: no marks, and no call to fill none.
    if let (Dialect::Bash, Some(&c), 1..) = (dialect, ps4.first(), substs) {
        line.resize(line.len() + substs as usize, c);
    }
}

/// Appends one word of a trace line as the dialect writes it; an assignment's name goes raw, its
/// value quoted by the rules for values.
pub(super) fn push_word(line: &mut Word, dialect: Dialect, word: &[u8], assignment: bool, utf8: bool) {
    match assignment.then(|| word.iter().position(|&b| b == b'=')).flatten() {
        Some(eq) => {
            line.extend_from_slice(&word[..=eq]);
            crate::trace::push_xtrace_word(line, &word[eq + 1..], dialect, true, utf8);
        }
        None => crate::trace::push_xtrace_word(line, word, dialect, false, utf8),
    }
}

/// Whether a locale name (`LANG`, `LC_ALL`, `LC_CTYPE`) is one of UTF-8.
pub(super) fn names_utf8(locale: &[u8]) -> bool {
    let lower = locale.to_ascii_lowercase();
    lower.windows(5).any(|w| w == b"utf-8") || lower.windows(4).any(|w| w == b"utf8")
}

/// What the dialect's `echo` builtin writes for these arguments.
///
/// dash: `-n` only as the first argument, backslash escapes always. busybox ash and bash (whose
/// `xpg_echo` is off, POSIX mode or not): leading arguments made of `-` and the letters `n`, `e`, `E`
/// are options, escapes only after `-e`; `\c` then ends all output in all three.
pub fn echo_output(dialect: Dialect, args: &[Word]) -> Vec<u8> {
    if dialect == Dialect::Dash {
        return builtins::echo_output(args);
    }
    let (mut newline, mut escapes) = (true, false);
    let mut rest = args;
    while let Some(first) = rest.first() {
        let letters = first.strip_prefix(b"-").unwrap_or_default();
        if letters.is_empty() || !letters.iter().all(|b| b"neE".contains(b)) {
            break;
        }
        for &b in letters {
            match b {
                b'n' => newline = false,
                b'e' => escapes = true,
                _ => escapes = false,
            }
        }
        rest = &rest[1..];
    }
    let mut out = Vec::new();
    for (i, arg) in rest.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if !escapes {
            out.extend_from_slice(arg);
        } else if !unescape_e(dialect, arg, &mut out) {
            return out;
        }
    }
    if newline {
        out.push(b'\n');
    }
    out
}

/// `echo -e`'s escapes in ash and bash: the C ones, `\e`, `\xHH`, `\0` with up to three octal
/// digits; busybox also reads `\NNN` without the 0 (bash leaves `\1`…`\7` as they are). False
/// when `\c` stopped all output.
fn unescape_e(dialect: Dialect, s: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != b'\\' || i == s.len() {
            out.push(c);
            continue;
        }
        let e = s[i];
        i += 1;
        let byte = match e {
            b'c' => return false,
            b'\\' => b'\\',
            b'a' => 7,
            b'b' => 8,
            b'e' | b'E' if dialect == Dialect::Bash || e == b'e' => 27,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 11,
            b'x' if s.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let n = s[i..].iter().take(2).take_while(|d| d.is_ascii_hexdigit()).count();
                let v = u8::from_str_radix(std::str::from_utf8(&s[i..i + n]).unwrap_or("0"), 16).unwrap_or(0);
                i += n;
                v
            }
            b'0'..=b'7' if e == b'0' || dialect == Dialect::Ash => {
                // After `\0` up to three more digits; busybox's `\NNN` counts its first digit.
                let mut v = u32::from(e - b'0');
                let max = if e == b'0' { 3 } else { 2 };
                let n = s[i..].iter().take(max).take_while(|d| (b'0'..=b'7').contains(d)).count();
                for d in &s[i..i + n] {
                    v = v * 8 + u32::from(d - b'0');
                }
                i += n;
                v as u8
            }
            _ => {
                out.push(b'\\');
                out.push(e);
                continue;
            }
        };
        out.push(byte);
    }
    true
}

/// An error the shell reports itself, in words any dialect can give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ShellError<'a> {
    /// A command found nowhere on PATH.
    NotFound(&'a [u8]),
    /// `[`'s complaint (its dash wording: `Illegal number: x`, `argument expected`, …).
    Test(builtins::TestError),
    /// `kill -0 PID` of no process.
    NoSuchProcess(&'a [u8]),
    /// `kill -0 WORD` of a word that is no pid.
    KillNotPid(&'a [u8]),
    /// `shift N` past the last parameter.
    ShiftTooMany(&'a [u8]),
    /// `shift N` of something that is not a number.
    ShiftNotNumber(&'a [u8]),
    /// A variable in `$((…))` that is not a number.
    ArithNotNumber(&'a [u8]),
}

/// How a shell reports an error: the line it writes (the caller adds nothing but the newline)
/// given `$0` and the script line; `None` where that shell says nothing.
pub(super) fn error_line(dialect: Dialect, arg0: &[u8], line: u32, error: &ShellError) -> Option<Word> {
    // dash: `$0: N: …`; bash and ash: `$0: line N: …`; busybox's builtins speak as their applet, `sh: …`.
    let script = |msg: &[u8]| -> Word {
        let at = match dialect {
            Dialect::Dash => format!(": {line}: "),
            _ => format!(": line {line}: "),
        };
        [arg0, at.as_bytes(), msg].concat()
    };
    let applet = |msg: &[u8]| -> Word { [b"sh: ".as_slice(), msg].concat() };
    let text = |parts: &[&[u8]]| parts.concat();
    Some(match (dialect, error) {
        (Dialect::Bash, ShellError::NotFound(name)) => script(&text(&[name, b": command not found"])),
        (_, ShellError::NotFound(name)) => script(&text(&[name, b": not found"])),
        (Dialect::Ash, ShellError::Test(e)) => applet(&test_message(dialect, e)),
        (_, ShellError::Test(e)) => script(&text(&[b"[: ", &test_message(dialect, e)])),
        // dash's `kill` ends its message with a newline of its own: a blank line follows.
        (Dialect::Dash, ShellError::NoSuchProcess(_)) => script(b"kill: No such process\n"),
        (Dialect::Bash, ShellError::NoSuchProcess(pid)) => script(&text(&[b"kill: (", pid, b") - No such process"])),
        (Dialect::Ash, ShellError::NoSuchProcess(pid)) => {
            applet(&text(&[b"can't kill pid ", pid, b": No such process"]))
        }
        (Dialect::Dash, ShellError::KillNotPid(w)) => script(&text(&[b"kill: Illegal number: ", w])),
        (Dialect::Bash, ShellError::KillNotPid(b"")) => script(b"kill: `': not a pid or valid job spec"),
        (Dialect::Bash, ShellError::KillNotPid(w)) => {
            script(&text(&[b"kill: ", w, b": arguments must be process or job IDs"]))
        }
        (Dialect::Ash, ShellError::KillNotPid(w)) => applet(&text(&[b"invalid number '", w, b"'"])),
        (Dialect::Dash, ShellError::ShiftTooMany(_)) => script(b"shift: can't shift that many"),
        (Dialect::Bash, ShellError::ShiftTooMany(n)) => script(&text(&[b"shift: ", n, b": shift count out of range"])),
        (Dialect::Ash, ShellError::ShiftTooMany(_)) => return None,
        (Dialect::Dash, ShellError::ShiftNotNumber(n)) => script(&text(&[b"shift: Illegal number: ", n])),
        (Dialect::Bash, ShellError::ShiftNotNumber(n)) => {
            script(&text(&[b"shift: ", n, b": numeric argument required"]))
        }
        (Dialect::Ash, ShellError::ShiftNotNumber(n)) => {
            [arg0, format!(": shift: line {line}: Illegal number: ").as_bytes(), n].concat()
        }
        (_, ShellError::ArithNotNumber(v)) => script(&text(&[b"Illegal number: ", v])),
    })
}

/// What `kill -0 WORD` does with a WORD that is no pid: the error to report, if any, and the
/// status. dash refuses it with 2, bash and busybox with 1; busybox takes an empty word for no pid
/// at all and succeeds.
pub(super) fn kill_refuses(dialect: Dialect, word: &[u8]) -> Option<(Option<ShellError<'_>>, i32)> {
    let digits = word.strip_prefix(b"-").unwrap_or(word);
    if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(match dialect {
        Dialect::Dash => (Some(ShellError::KillNotPid(word)), 2),
        Dialect::Ash if word.is_empty() => (None, 0),
        _ => (Some(ShellError::KillNotPid(word)), 1),
    })
}

/// The condition context inside `$(…)` whose shell is in `outer`: dash starts afresh (`set -e`
/// applies inside, even in an `if`), bash keeps its caller's (`X=$(false; echo after) && …` runs
/// `after`), and busybox ash never applies `set -e` inside a substitution.
pub(super) fn subst_cond_depth(dialect: Dialect, outer: u32) -> u32 {
    match dialect {
        Dialect::Dash => 0,
        Dialect::Bash => outer,
        Dialect::Ash => outer.max(1),
    }
}

/// The status of `command -v NAME` for a NAME found nowhere: 127, but 1 in bash.
pub(super) fn command_v_missing(dialect: Dialect) -> i32 {
    match dialect {
        Dialect::Bash => 1,
        _ => 127,
    }
}

/// `[`'s complaint in the dialect's words. weave's own `[` lines always have a known operator and
/// their operands quoted, so of its errors only a bad number can reach weave's users: that one is
/// worded as each shell words it (bash `x: integer expression expected`; busybox `x: bad number`, a
/// bare `bad number` for an empty operand, `out of range` past 64 bits), the others as dash does.
fn test_message(dialect: Dialect, error: &builtins::TestError) -> Vec<u8> {
    use builtins::TestError::IllegalNumber;
    match (dialect, error) {
        (Dialect::Bash, IllegalNumber(w)) => [w.as_slice(), b": integer expression expected"].concat(),
        (Dialect::Ash, IllegalNumber(w)) if w.is_empty() => b"bad number".to_vec(),
        (Dialect::Ash, IllegalNumber(w)) if is_long_number(w) => [w.as_slice(), b": out of range"].concat(),
        (Dialect::Ash, IllegalNumber(w)) => [w.as_slice(), b": bad number"].concat(),
        _ => error.dash(),
    }
}

/// Digits (after an optional sign and blanks) too many for 64 bits.
fn is_long_number(w: &[u8]) -> bool {
    let t = w.trim_ascii();
    let digits = t.strip_prefix(b"-").or_else(|| t.strip_prefix(b"+")).unwrap_or(t);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// What `shift N` past the end does: dash's is a special builtin's error, which ends the script
/// with 2; bash and ash only fail with 1 (which `set -e` then acts on).
pub(super) fn shift_too_many_exits(dialect: Dialect) -> Option<i32> {
    match dialect {
        Dialect::Dash => Some(2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(d: Dialect, args: &[&str]) -> Vec<u8> {
        echo_output(d, &args.iter().map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>())
    }

    #[test]
    fn ash_and_bash_echo_leave_escapes_alone_without_e() {
        for d in [Dialect::Ash, Dialect::Bash] {
            assert_eq!(echo(d, &["a\\cb"]), b"a\\cb\n", "{d:?}");
            assert_eq!(echo(d, &["x\\ty", "p q", ""]), b"x\\ty p q \n");
            assert_eq!(echo(d, &["-n", "n"]), b"n");
            assert_eq!(echo(d, &["-e", "e\\tz"]), b"e\tz\n");
            assert_eq!(echo(d, &["-en", "a\\cb", "c"]), b"a");
            assert_eq!(echo(d, &["-eE", "a\\tb"]), b"a\\tb\n");
            assert_eq!(echo(d, &["-e"]), b"\n");
            assert_eq!(echo(d, &["--", "x"]), b"-- x\n");
            assert_eq!(echo(d, &["-x", "-n"]), b"-x -n\n");
            assert_eq!(echo(d, &["-e", "\\0101\\x41"]), b"AA\n");
        }
        assert_eq!(echo(Dialect::Dash, &["a\\cb"]), b"a");
        assert_eq!(echo(Dialect::Dash, &["-e"]), b"-e\n");
        assert_eq!(echo(Dialect::Ash, &["-e", "\\101"]), b"A\n");
        assert_eq!(echo(Dialect::Bash, &["-e", "\\101"]), b"\\101\n");
    }

    #[test]
    fn each_shell_words_its_errors() {
        let err = |d, e: &ShellError| String::from_utf8(error_line(d, b"t.sh", 10, e).unwrap_or_default()).unwrap();
        let nosuch = ShellError::NotFound(b"nosuch");
        assert_eq!(err(Dialect::Dash, &nosuch), "t.sh: 10: nosuch: not found");
        assert_eq!(err(Dialect::Ash, &nosuch), "t.sh: line 10: nosuch: not found");
        assert_eq!(err(Dialect::Bash, &nosuch), "t.sh: line 10: nosuch: command not found");
        let kill = ShellError::NoSuchProcess(b"999999");
        assert_eq!(err(Dialect::Dash, &kill), "t.sh: 10: kill: No such process\n");
        assert_eq!(err(Dialect::Ash, &kill), "sh: can't kill pid 999999: No such process");
        assert_eq!(err(Dialect::Bash, &kill), "t.sh: line 10: kill: (999999) - No such process");
        for (d, word, message, status) in [
            (Dialect::Dash, "", "t.sh: 10: kill: Illegal number: ", 2),
            (Dialect::Dash, "abc", "t.sh: 10: kill: Illegal number: abc", 2),
            (Dialect::Bash, "", "t.sh: line 10: kill: `': not a pid or valid job spec", 1),
            (Dialect::Bash, "1x", "t.sh: line 10: kill: 1x: arguments must be process or job IDs", 1),
            (Dialect::Ash, "abc", "sh: invalid number 'abc'", 1),
            (Dialect::Ash, "", "", 0),
        ] {
            let (error, got) = kill_refuses(d, word.as_bytes()).expect(word);
            assert_eq!(got, status, "{d:?} {word:?}");
            assert_eq!(error.map(|e| err(d, &e)).unwrap_or_default(), message, "{d:?} {word:?}");
        }
        assert_eq!(kill_refuses(Dialect::Ash, b"-5"), None);
        let shift = ShellError::ShiftTooMany(b"5");
        assert_eq!(err(Dialect::Dash, &shift), "t.sh: 10: shift: can't shift that many");
        assert_eq!(err(Dialect::Bash, &shift), "t.sh: line 10: shift: 5: shift count out of range");
        assert_eq!(err(Dialect::Ash, &shift), "");
        use builtins::TestError::IllegalNumber;
        let number = |d, w: &str| String::from_utf8(test_message(d, &IllegalNumber(w.into()))).unwrap();
        assert_eq!(number(Dialect::Ash, "99999999999999999999"), "99999999999999999999: out of range");
        assert_eq!(number(Dialect::Ash, ""), "bad number");
        assert_eq!(number(Dialect::Ash, "1x"), "1x: bad number");
        assert_eq!(number(Dialect::Bash, "1x"), "1x: integer expression expected");
        assert_eq!(number(Dialect::Dash, "1x"), "Illegal number: 1x");
    }

    #[test]
    fn bash_marks_substitutions_with_ps4s_first_character() {
        let nesting = |d, ps4: &[u8], n| {
            let mut line = b"x".to_vec();
            push_nesting(&mut line, d, ps4, n);
            line
        };
        assert_eq!(nesting(Dialect::Bash, b"+ ", 2), b"x++");
        assert_eq!(nesting(Dialect::Bash, b"+ ", 0), b"x");
        assert_eq!(nesting(Dialect::Bash, b"", 2), b"x");
        assert_eq!(nesting(Dialect::Ash, b"+ ", 2), b"x");
        assert_eq!(nesting(Dialect::Dash, b"+ ", 1), b"x");
    }
}
