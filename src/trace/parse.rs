//! Reading a trace back from bytes.

use super::words::{assignment_prefix, scan, Quoting};
use super::{Dialect, Kind, Line, ParseError, Trace};

/// Reads the stderr of a `sh -x` run by the given shell. `ps4` is PS4 as the shell expanded it (one
/// level); an empty `ps4` makes every line output, as a shell with an empty PS4 writes no prefix.
/// Every byte ends up in exactly one line, so `to_bytes()` gives `bytes` back.
pub fn parse(bytes: &[u8], dialect: Dialect, ps4: &[u8]) -> Trace {
    match dialect {
        Dialect::Dash => parse_dash(bytes, ps4),
        Dialect::Ash => parse_quoted(bytes, ps4, Quoting::Ash),
        Dialect::Bash => parse_quoted(bytes, ps4, Quoting::Bash),
    }
}

/// Splits dash's stderr into lines; a line that starts with `ps4` is a trace line.
///
/// dash quotes nothing, so a line cannot be split back into words reliably (a word may hold spaces or
/// newlines): lines are compared as whole byte strings, and exact argv comes from the fakes' log.
pub fn parse_dash(bytes: &[u8], ps4: &[u8]) -> Trace {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (body, eol, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        let line = if !ps4.is_empty() && body.starts_with(ps4) {
            Line { depth: 1, ps4: 0..ps4.len(), ..plain_line(body, Kind::Xtrace, eol) }
        } else {
            plain_line(body, Kind::Output, eol)
        };
        lines.push(line);
        rest = next;
    }
    Trace { lines, dialect: Dialect::Dash }
}

fn plain_line(bytes: &[u8], kind: Kind, eol: bool) -> Line {
    Line::plain(bytes.to_vec(), kind, eol)
}

/// ash and bash: a trace line is read as words, and may run over several physical lines when a quoted
/// word holds a newline. If it does not read, only its first physical line is marked unparsed and
/// reading goes on from the next one, so one stray quote cannot swallow the lines after it.
fn parse_quoted(bytes: &[u8], ps4: &[u8], q: Quoting) -> Trace {
    let mut lines = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        let (phys, eol) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (rest.len(), false),
        };
        let prefix = match q {
            _ if ps4.is_empty() => None,
            Quoting::Ash => rest[..phys].starts_with(ps4).then_some((1, 0)),
            Quoting::Bash => bash_prefix(&rest[..phys], ps4),
        };
        let line = match prefix {
            None => plain_line(&rest[..phys], Kind::Output, eol),
            Some((depth, at)) => {
                let body = at + ps4.len();
                let marked = |kind| Line { depth, ps4: at..body, ..plain_line(&rest[..phys], kind, eol) };
                if q == Quoting::Bash && bash_only(&rest[body..phys]) {
                    marked(Kind::BashOnly)
                } else {
                    match scan(&rest[body..], q) {
                        Ok(s) => Line {
                            bytes: rest[..body + s.len].to_vec(),
                            kind: Kind::Xtrace,
                            eol: s.eol,
                            pipeline: None,
                            depth,
                            ps4: at..body,
                            words: Some(s.words),
                        },
                        Err(e) => {
                            // Failing past the first newline means a quote crossed it: reading the first
                            // physical line alone names that quote.
                            let e = if body + e.at > phys { scan(&rest[body..phys], q).err().unwrap_or(e) } else { e };
                            let at = (body + e.at).min(phys);
                            marked(Kind::Unparsed(ParseError { at, ..e }))
                        }
                    }
                }
            }
        };
        pos += line.bytes.len() + usize::from(line.eol);
        lines.push(line);
    }
    Trace { lines, dialect: if q == Quoting::Ash { Dialect::Ash } else { Dialect::Bash } }
}

/// bash's prefix: PS4's first character once more per nesting level (`++ ` inside `$(…)`). Gives the
/// depth and where the last, whole PS4 starts. The character is the first UTF-8 character (a UTF-8
/// locale) or, failing that, the first byte (the C locale). When the command itself starts with that
/// character and PS4 has nothing after it (`PS4=+`), the longest run is taken as nesting.
pub(super) fn bash_prefix(line: &[u8], ps4: &[u8]) -> Option<(u32, usize)> {
    if ps4.is_empty() {
        return None;
    }
    let char_len = (1..=ps4.len().min(4)).find(|&n| std::str::from_utf8(&ps4[..n]).is_ok()).unwrap_or(1);
    let mut found = None;
    for unit in [&ps4[..char_len], &ps4[..1]] {
        let mut k = 0;
        loop {
            let at = k * unit.len();
            if line[at..].starts_with(ps4) {
                found = Some((u32::try_from(k + 1).unwrap_or(u32::MAX), at));
            }
            if !line[at..].starts_with(unit) {
                break;
            }
            k += 1;
        }
        if found.is_some() {
            break;
        }
    }
    found
}

/// A bash trace line that is not a list of quoted words: compound commands' heads and array
/// assignments, which bash prints as source-like text (`+ for k in "a b"`, `+ arr=(1 "2 3")`).
/// A simple command named `for`, `case` or `select` (run as `\for`) would look the same.
pub(super) fn bash_only(body: &[u8]) -> bool {
    const HEADS: [&[u8]; 5] = [b"for ", b"case ", b"select ", b"[[ ", b"(("];
    HEADS.iter().any(|h| body.starts_with(h)) || assignment_prefix(body).is_some_and(|n| body.get(n) == Some(&b'('))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_bytes_and_tells_kinds() {
        let input = b"+ set -e\nERROR: no\n+ exit 1";
        let t = parse_dash(input, b"+ ");
        assert_eq!(t.lines.len(), 3);
        assert_eq!(t.lines[0].kind, Kind::Xtrace);
        assert_eq!(t.lines[1].kind, Kind::Output);
        assert!(!t.lines[2].eol);
        assert_eq!(t.to_bytes(), input);
    }

    #[test]
    fn empty_lines_survive() {
        let input = b"\n\n+ x\n";
        assert_eq!(parse_dash(input, b"+ ").to_bytes(), input);
        assert_eq!(parse_dash(input, b"+ ").lines.len(), 3);
    }

    use crate::trace::{dash_form, Reason};

    /// Parses, checks the round trip, and gives the trace.
    fn read(input: &[u8], dialect: Dialect, ps4: &[u8]) -> Trace {
        let t = parse(input, dialect, ps4);
        assert_eq!(t.to_bytes(), input);
        t
    }

    fn words(line: &Line) -> Vec<&[u8]> {
        line.words.as_ref().expect("words").iter().map(Vec::as_slice).collect()
    }

    /// The dash forms of a trace's lines (other lines as they are), each with its newline.
    fn dash_forms(t: &Trace) -> Vec<u8> {
        let mut out = Vec::new();
        for line in &t.lines {
            out.extend(dash_form(line).unwrap_or_else(|| line.bytes.clone()));
            out.push(b'\n');
        }
        out
    }

    // `sh -x -c 'echo "a b" "" x; X=$(echo in); [ a = b ]'` under each shell.
    const DASH_BASIC: &[u8] = b"+ echo a b  x\n+ echo in\n+ X=in\n+ [ a = b ]\n";
    const ASH_BASIC: &[u8] = b"+ echo 'a b'  x\n+ echo 'in'\n+ X=in\n+ '[' a '=' b ]\n";
    const BASH_BASIC: &[u8] = b"+ echo 'a b' '' x\n++ echo in\n+ X=in\n+ '[' a = b ']'\n";

    #[test]
    fn dash_through_parse_is_parse_dash() {
        let t = read(DASH_BASIC, Dialect::Dash, b"+ ");
        assert_eq!(t, parse_dash(DASH_BASIC, b"+ "));
        assert!(t.lines.iter().all(|l| l.kind == Kind::Xtrace && l.depth == 1 && l.words.is_none()));
        assert_eq!(t.lines[0].ps4, 0..2);
        assert_eq!(dash_forms(&t), DASH_BASIC);
        assert_eq!(dash_form(&Line::xtrace(b"+ x".to_vec())), Some(b"+ x".to_vec()));
        let out = parse_dash(b"oops\n", b"+ ");
        assert_eq!((out.lines[0].depth, dash_form(&out.lines[0])), (0, None));
    }

    #[test]
    fn ash_and_bash_map_onto_dash() {
        let ash = read(ASH_BASIC, Dialect::Ash, b"+ ");
        assert_eq!(words(&ash.lines[0]), [&b"echo"[..], b"a b", b"", b"x"]);
        assert_eq!(words(&ash.lines[3]), [&b"["[..], b"a", b"=", b"b", b"]"]);
        assert_eq!(dash_forms(&ash), DASH_BASIC);

        let bash = read(BASH_BASIC, Dialect::Bash, b"+ ");
        assert_eq!(words(&bash.lines[0]), [&b"echo"[..], b"a b", b"", b"x"]);
        assert_eq!(bash.lines.iter().map(|l| l.depth).collect::<Vec<_>>(), [1, 2, 1, 1]);
        assert_eq!(bash.lines[1].ps4, 1..3);
        assert_eq!(dash_forms(&bash), DASH_BASIC);
    }

    #[test]
    fn ash_quotes_and_empty_words() {
        // busybox sh -x -c 'echo "it'"'"'s" "'"'"'" "a'"''"'b"; echo x "" ""; "" x 2>/dev/null; >/dev/null'
        let t = read(b"+ echo 'it'\"'\"'s' ''\"'\" 'a'\"''\"'b'\n+ echo x  \n+  x\n+ \n", Dialect::Ash, b"+ ");
        assert_eq!(words(&t.lines[0]), [&b"echo"[..], b"it's", b"'", b"a''b"]);
        assert_eq!(words(&t.lines[1]), [&b"echo"[..], b"x", b"", b""]);
        assert_eq!(words(&t.lines[2]), [&b""[..], b"x"]);
        assert!(words(&t.lines[3]).is_empty());
        // dash prints the same: `+ echo x  `, `+  x`, `+ `.
        assert_eq!(dash_form(&t.lines[1]).unwrap(), b"+ echo x  ");
        assert_eq!(dash_form(&t.lines[2]).unwrap(), b"+  x");
        assert_eq!(dash_form(&t.lines[3]).unwrap(), b"+ ");
    }

    #[test]
    fn ash_newlines_output_assignments() {
        // busybox sh -x -c 'echo "l1⏎l2"; echo ok >&2; X= Y="a b" true; export E=2'
        let t = read(b"+ echo 'l1\nl2'\n+ echo ok\nok\n+ X= Y='a b' true\n+ export 'E=2'\n", Dialect::Ash, b"+ ");
        assert_eq!(t.lines.len(), 5);
        assert_eq!(t.lines[0].bytes, b"+ echo 'l1\nl2'");
        assert_eq!(words(&t.lines[0]), [&b"echo"[..], b"l1\nl2"]);
        assert_eq!(dash_form(&t.lines[0]).unwrap(), b"+ echo l1\nl2");
        assert_eq!(t.lines[2].kind, Kind::Output);
        assert_eq!(words(&t.lines[3]), [&b"X="[..], b"Y=a b", b"true"]);
        assert_eq!(words(&t.lines[4]), [&b"export"[..], b"E=2"]);
    }

    #[test]
    fn ash_high_and_control_bytes_keywords_no_final_newline() {
        // busybox sh -x -c 'echo "$(printf "\001\033\177\377\t")" "é" a%b "~x" for [[; printf "no newline" >&2'
        let input =
            b"+ printf '\\001\\033\\177\\377\\t'\n+ echo '\x01\x1b\x7f\xff\t' '\xc3\xa9' 'a%b' '~x' 'for' '[['\n\
            + printf 'no newline'\nno newline";
        let t = read(input, Dialect::Ash, b"+ ");
        assert_eq!(words(&t.lines[0]), [&b"printf"[..], b"\\001\\033\\177\\377\\t"]);
        let echo = [&b"echo"[..], b"\x01\x1b\x7f\xff\t", b"\xc3\xa9", b"a%b", b"~x", b"for", b"[["];
        assert_eq!(words(&t.lines[1]), echo);
        let last = &t.lines[3];
        assert_eq!((last.kind, last.eol, last.bytes.as_slice()), (Kind::Output, false, &b"no newline"[..]));
    }

    #[test]
    fn bash_quotes_and_newlines() {
        // bash -x -c 'echo "it'"'"'s" "'"'"'" "a'"''"'b"; echo x "" ""'
        let t = read(b"+ echo 'it'\\''s' \\' 'a'\\'''\\''b'\n+ echo x '' ''\n", Dialect::Bash, b"+ ");
        assert_eq!(words(&t.lines[0]), [&b"echo"[..], b"it's", b"'", b"a''b"]);
        assert_eq!(words(&t.lines[1]), [&b"echo"[..], b"x", b"", b""]);
        // bash -x -c 'echo "l1⏎l2"; echo ok >&2; A=1 B="x y" true arg; x[1]="v w"; declare -A m; m["a b"]=1'
        let input = b"+ echo 'l1\nl2'\n+ echo ok\nok\n+ A=1\n+ B='x y'\n+ true arg\n+ x[1]='v w'\n+ declare -A m\n\
            + m[\"a b\"]=1\n";
        let t = read(input, Dialect::Bash, b"+ ");
        assert_eq!(words(&t.lines[0]), [&b"echo"[..], b"l1\nl2"]);
        assert_eq!(t.lines[2].kind, Kind::Output);
        // One dash line `+ A=1 B=x y true arg` is three bash lines.
        assert_eq!(words(&t.lines[4]), [b"B=x y"]);
        assert_eq!(words(&t.lines[6]), [b"x[1]=v w"]);
        assert_eq!(words(&t.lines[8]), [b"m[\"a b\"]=1"]);
    }

    #[test]
    fn bash_unprintable_bytes() {
        // bash -x -c 'echo "$(printf "\001\002\033\a\b\f\v\177")" "$(printf "\377")" é "$(printf "\001\t")"
        //   "~x" x~ a%b; printf "no newline" >&2', in a UTF-8 locale
        let input = b"++ printf '\\001\\002\\033\\a\\b\\f\\v\\177'\n++ printf '\\377'\n++ printf '\\001\\t'\n\
            + echo $'\\001\\002\\E\\a\\b\\f\\v\\177' $'\\377' \xc3\xa9 '\x01\t' '~x' x~ a%b\n\
            + printf 'no newline'\nno newline";
        let t = read(input, Dialect::Bash, b"+ ");
        let echo =
            [&b"echo"[..], b"\x01\x02\x1b\x07\x08\x0c\x0b\x7f", b"\xff", b"\xc3\xa9", b"\x01\t", b"~x", b"x~", b"a%b"];
        assert_eq!(words(&t.lines[3]), echo);
        assert!(!t.lines[5].eol && t.lines[5].kind == Kind::Output);
        // The same é in the C locale: LC_ALL=C bash -x -c 'echo é'
        let t = read(b"+ echo $'\\303\\251'\n", Dialect::Bash, b"+ ");
        assert_eq!(dash_form(&t.lines[0]).unwrap(), b"+ echo \xc3\xa9");
    }

    #[test]
    fn bash_nesting() {
        // bash -x -c 'Y=$(echo $(echo deep)); eval "echo \"a b\""'
        let input = b"+++ echo deep\n++ echo deep\n+ Y=deep\n+ eval 'echo \"a b\"'\n++ echo 'a b'\n";
        let t = read(input, Dialect::Bash, b"+ ");
        assert_eq!(t.lines.iter().map(|l| l.depth).collect::<Vec<_>>(), [3, 2, 1, 1, 2]);
        assert_eq!(dash_forms(&t), b"+ echo deep\n+ echo deep\n+ Y=deep\n+ eval echo \"a b\"\n+ echo a b\n");
        // bash -c 'PS4="é> "; set -x; echo $(echo $(echo a))': the whole UTF-8 character repeats.
        let ps4 = "é> ".as_bytes();
        let input = b"\xc3\xa9\xc3\xa9\xc3\xa9> echo a\n\xc3\xa9\xc3\xa9> echo a\n\xc3\xa9> echo a\n";
        let t = read(input, Dialect::Bash, ps4);
        assert_eq!(t.lines.iter().map(|l| l.depth).collect::<Vec<_>>(), [3, 2, 1]);
        assert_eq!(dash_form(&t.lines[0]).unwrap(), "é> echo a".as_bytes());
        // bash -c 'PS4="+"; set -x; echo $(echo "+x")'
        let t = read(b"++echo +x\n+echo +x\n", Dialect::Bash, b"+");
        assert_eq!((t.lines[0].depth, t.lines[1].depth), (2, 1));
        assert_eq!(words(&t.lines[0]), [&b"echo"[..], b"+x"]);
    }

    #[test]
    fn bash_only_lines() {
        // bash -x -c 'for k in "a b"; do :; done; case "x y" in x*) :;; esac; [[ "a b" == a\ * ]];
        //   (( x = 1 + 2 )); arr=(1 "2 3"); arr+=(x)'
        let input = b"+ for k in \"a b\"\n+ :\n+ case \"x y\" in\n+ :\n+ [[ a b == a\\ * ]]\n+ ((  x = 1 + 2  ))\n\
            + arr=(1 \"2 3\")\n+ arr+=(x)\n";
        let t = read(input, Dialect::Bash, b"+ ");
        let kinds: Vec<_> = t.lines.iter().map(|l| l.kind).collect();
        let (o, x) = (Kind::BashOnly, Kind::Xtrace);
        assert_eq!(kinds, [o, x, o, x, o, o, o, o]);
        let only = t.lines.iter().filter(|l| l.kind == o);
        assert!(only.clone().all(|l| l.depth == 1 && l.words.is_none() && dash_form(l).is_none()));
    }

    #[test]
    fn unparsed_lines_are_kept_and_marked() {
        // A real bash line cut off inside its quote: only its first physical line is unparsed.
        let t = read(b"+ echo 'l1\nl2", Dialect::Bash, b"+ ");
        assert_eq!(t.lines[0].bytes, b"+ echo 'l1");
        assert_eq!(t.lines[0].kind, Kind::Unparsed(ParseError { reason: Reason::UnterminatedQuote, at: 7 }));
        assert_eq!((t.lines[1].kind, t.lines[1].eol), (Kind::Output, false));
        // A stray quote does not swallow the lines after it: its line is unparsed, the next one reads.
        let t = read(b"+ echo 'a\n+ echo 'b c'\n", Dialect::Ash, b"+ ");
        assert_eq!(t.lines[0].kind, Kind::Unparsed(ParseError { reason: Reason::UnterminatedQuote, at: 7 }));
        assert_eq!(words(&t.lines[1]), [&b"echo"[..], b"b c"]);
        // An escape bash never writes.
        let t = read(b"+ echo $'\\q'\n+ echo ok\n", Dialect::Bash, b"+ ");
        assert_eq!(t.lines[0].kind, Kind::Unparsed(ParseError { reason: Reason::BadEscape, at: 9 }));
        assert_eq!(t.lines[0].bytes, b"+ echo $'\\q'");
        assert_eq!(t.lines[1].kind, Kind::Xtrace);
        // Program stderr that starts like PS4 but is not quoted the shell's way.
        let t = read(b"+ added (line)\n", Dialect::Bash, b"+ ");
        assert_eq!(t.lines[0].kind, Kind::Unparsed(ParseError { reason: Reason::Unexpected(b'('), at: 8 }));
        assert!(dash_form(&t.lines[0]).is_none());
        let e = ParseError { reason: Reason::Unexpected(b'('), at: 8 };
        assert_eq!(e.to_string(), "byte '(' at 8 would have been quoted");
    }

    #[test]
    fn empty_ps4_reads_everything_as_output() {
        for d in [Dialect::Dash, Dialect::Ash, Dialect::Bash] {
            assert!(read(b"echo a\n", d, b"").lines.iter().all(|l| l.kind == Kind::Output));
        }
    }

    /// Random bytes, rich in quotes, escapes, spaces, newlines and PS4 characters: no panic, and the
    /// bytes come back.
    #[test]
    fn random_bytes_round_trip() {
        const ALPHABET: &[u8] = b"+ + +'\"\\$\n\n x=[]()a\x00\x7f\xc3\xa9\xff01E";
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let input: Vec<u8> = (0..len).map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize]).collect();
            for d in [Dialect::Dash, Dialect::Ash, Dialect::Bash] {
                for ps4 in [&b"+ "[..], b"+", b"\xc3\xa9", b"\xff+"] {
                    let t = parse(&input, d, ps4);
                    assert_eq!(t.to_bytes(), input, "{d:?} {ps4:?} {input:?}");
                    for line in &t.lines {
                        let _ = dash_form(line);
                        if let Kind::Unparsed(e) = line.kind {
                            assert!(e.at <= line.bytes.len());
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod ash_pipeline_tests {
    use super::*;

    #[test]
    fn ash_pieces_run_together_in_a_pipeline_read_as_dash_would_have_written_them() {
        // uname | sed '...': ash's pieces interleaved, the sed script quoted in one piece.
        let ash = b"+ + uname -s -r\nsed -n -e 's|^x y|z|p'\n+ echo 'weave must be run as '\"'\"'root'\"'\"''\nmust be 'root'\n";
        let t = parse(ash, Dialect::Ash, b"+ ");
        assert_eq!(t.dialect, Dialect::Ash);
        assert_eq!(
            String::from_utf8(t.dash_view_in(&[(1, 2)])).unwrap(),
            "+ + uname -s -r\nsed -n -e s|^x y|z|p\n+ echo weave must be run as 'root'\nmust be 'root'\n"
        );
        // Outside a pipeline's lines, output keeps its quotes.
        assert!(String::from_utf8(t.dash_view()).unwrap().contains("sed -n -e 's|^x y|z|p'"));
    }
}
