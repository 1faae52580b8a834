//! docker's client as its version reads a command line: which flags a subcommand has (the table
//! in `flags.txt`), how each family of versions parses them, and what it says when a word is
//! wrong. Four families differ in what a user sees:
//!
//! | versions  | parser               | unknown flag                                     | exit |
//! |-----------|----------------------|--------------------------------------------------|------|
//! | 1.0-1.4   | docker's own (mflag) | the error, then the subcommand's whole usage      | 2    |
//! | 1.5-1.9   | mflag                | the error, then `See 'docker run --help'.`        | 2    |
//! | 1.10-1.11 | mflag                | as 1.5-1.9                                        | 125  |
//! | 1.12-1.13 | cobra (pflag)        | `unknown flag: --x`, then `See 'docker run --help'.` | 125 |
//!
//! A version the table does not cover (after 1.13) is read with 1.13's flags, and a flag 1.13
//! lacks is answered as not modeled rather than as an error that version may not give.

use super::super::Reply;
use std::sync::OnceLock;

/// The flag table, compiled in and read on the first docker call that needs it.
const FLAGS: &str = include_str!("flags.txt");
/// The usage texts docker 1.0-1.4 print on a flag error, and 1.5-1.11 on `run --help`.
const USAGE: &str = include_str!("usage.txt");

/// The newest minor release the table describes.
pub const NEWEST: u32 = 13;

/// How a family of client versions reads flags and reports a wrong one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// 1.0-1.4: mflag; a flag error prints the subcommand's usage and exits 2.
    Usage,
    /// 1.5-1.9: mflag; a flag error points at `--help` and exits 2.
    Hint,
    /// 1.10-1.11: as [`Family::Hint`], exit 125.
    Hint125,
    /// 1.12-1.13: cobra and pflag.
    Cobra,
}

/// What a spelling takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Value,
    Int,
    Uint,
}

/// A check docker's parser makes of a flag's value as it reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// An absolute path in the container (`-v`'s part after the first colon).
    Path,
    Ip,
    /// `name:alias`.
    Link,
    /// `name[:alias]` (1.7 on).
    Links,
    /// `NAME=value`, or a variable's name alone.
    Env,
    /// `[SOURCE:]TARGET[:ro|rw]` with an absolute target: what surely passes; any other value is
    /// not modeled (1.8 and 1.9 check modes and sources in words not measured).
    Mount,
    /// `name:ip`.
    Host,
    /// STDIN, STDOUT or STDERR, in any case.
    Stream,
    /// A DNS domain (or `.`).
    Domain,
    /// One the model does not make: any value there is not modeled.
    Unmodeled,
}

/// A range of minor releases of docker 1.x: from `from` up to, not including, `until`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Minors {
    pub from: u32,
    pub until: Option<u32>,
}

impl Minors {
    pub fn holds(&self, minor: u32) -> bool {
        minor >= self.from && self.until.is_none_or(|u| minor < u)
    }
}

/// One row of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spelling {
    pub command: &'static str,
    /// The long name of the flag this spelling stands for.
    pub flag: &'static str,
    pub kind: Kind,
    pub versions: Minors,
    pub spelling: &'static str,
    /// Releases in which a use prints the deprecation warning.
    pub deprecated: Option<Minors>,
    /// The warning says "will be removed" instead of naming `flag` as the replacement.
    pub removed: bool,
    /// What the parser checks of a value, in which releases.
    pub checked: Option<(Check, Minors)>,
}

impl Spelling {
    /// A value its releases all take (none for a bool): what tests and random draws give it.
    pub fn sample_value(&self) -> Option<&'static str> {
        Some(match (self.kind, self.checked.map(|(c, _)| c)) {
            (Kind::Bool, _) => return None,
            (Kind::Int | Kind::Uint, _) => "512",
            (_, Some(Check::Path | Check::Mount)) => "/srv:/srv",
            (_, Some(Check::Ip)) => "10.2.0.9",
            (_, Some(Check::Link | Check::Links)) => "db:db",
            (_, Some(Check::Host)) => "db:10.2.0.9",
            (_, Some(Check::Stream)) => "stdout",
            (_, Some(Check::Domain)) => "weave.local",
            _ => "v",
        })
    }

    /// The warning docker prints for a deprecated spelling (the same text from 1.0 to 1.11).
    pub fn warning(&self) -> String {
        match self.removed {
            true => format!("Warning: '{}' is deprecated, it will be removed soon. See usage.\n", self.spelling),
            false => format!(
                "Warning: '{}' is deprecated, it will be replaced by '{}' soon. See usage.\n",
                self.spelling, self.flag
            ),
        }
    }
}

fn minors(text: &str) -> Option<Minors> {
    let minor = |v: &str| v.strip_prefix("1.")?.parse().ok();
    let (from, until) = text.split_once('-')?;
    let until = match until {
        "" => None,
        u => Some(minor(u)?),
    };
    Some(Minors { from: minor(from)?, until })
}

fn row(line: &'static str) -> Option<Spelling> {
    let words: Vec<&'static str> = line.split_whitespace().collect();
    let [command, flag, kind, versions, spelling, deprecated, checked] = words[..] else { return None };
    let kind = match kind {
        "bool" => Kind::Bool,
        "value" => Kind::Value,
        "int" => Kind::Int,
        "uint" => Kind::Uint,
        _ => return None,
    };
    let checked = match checked.split_once('@') {
        None if checked == "-" => None,
        None => return None,
        Some((check, releases)) => {
            let check = match check {
                "path" => Check::Path,
                "ip" => Check::Ip,
                "link" => Check::Link,
                "links" => Check::Links,
                "env" => Check::Env,
                "mount" => Check::Mount,
                "host" => Check::Host,
                "stream" => Check::Stream,
                "domain" => Check::Domain,
                "unmodeled" => Check::Unmodeled,
                _ => return None,
            };
            Some((check, minors(releases)?))
        }
    };
    let versions = minors(versions)?;
    let (deprecated, removed) = match deprecated.strip_suffix('!') {
        Some(d) => (d, true),
        None => (deprecated, false),
    };
    let deprecated = match deprecated {
        "-" => None,
        "all" => Some(versions),
        d => Some(minors(d)?),
    };
    Some(Spelling { command, flag, kind, versions, spelling, deprecated, removed, checked })
}

/// The table's rows, or the first line that is not one (a test holds the file to this).
pub fn parse_table(text: &'static str) -> Result<Vec<Spelling>, &'static str> {
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| row(l).ok_or(l)).collect()
}

/// The table (empty were a row unreadable, which the test `the_table_reads_whole` rules out).
pub fn table() -> &'static [Spelling] {
    static TABLE: OnceLock<Vec<Spelling>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(FLAGS).unwrap_or_default())
}

/// The usage blocks: (subcommand, version keys, text).
pub fn usage_blocks() -> &'static [(&'static str, Vec<&'static str>, &'static str)] {
    static BLOCKS: OnceLock<Vec<(&'static str, Vec<&'static str>, &'static str)>> = OnceLock::new();
    BLOCKS.get_or_init(|| {
        let mut blocks = Vec::new();
        let mut rest = USAGE;
        while let Some(at) = rest.find("=== ").filter(|&at| at == 0 || rest.as_bytes()[at - 1] == b'\n') {
            let after = &rest[at + 4..];
            let header_end = after.find('\n').unwrap_or(after.len());
            let mut header = after[..header_end].split_whitespace();
            let body = &after[(header_end + 1).min(after.len())..];
            let body_end = body.find("\n=== ").map(|e| e + 1).unwrap_or(body.len());
            if let Some(command) = header.next() {
                blocks.push((command, header.collect(), &body[..body_end]));
            }
            rest = &body[body_end..];
        }
        blocks
    })
}

/// One docker client: its version (major 1, minor, patch) as `docker -v` names it, and the name it
/// was invoked by (its hints say `See '<name> run --help'.`).
#[derive(Clone, Debug)]
pub struct Client {
    version: Option<(u32, u32)>,
    patch: u32,
    full: String,
    argv0: String,
}

/// The three numbers of a `Docker version X.Y.Z...` line.
pub fn version_numbers(line: &str) -> Option<(u32, u32, u32)> {
    let v = line.strip_prefix("Docker version ")?;
    let mut parts = v.splitn(4, |c: char| !c.is_ascii_digit());
    let mut next = || parts.next()?.parse().ok();
    Some((next()?, next()?, next()?))
}

impl Client {
    /// The client whose `docker -v` prints `version_output`, invoked as `argv0`.
    pub fn new(version_output: &str, argv0: &[u8]) -> Client {
        let numbers = version_numbers(version_output);
        Client {
            version: numbers.map(|(major, minor, _)| (major, minor)),
            patch: numbers.map_or(0, |(_, _, patch)| patch),
            full: numbers.map(|(a, b, c)| format!("{a}.{b}.{c}")).unwrap_or_default(),
            argv0: String::from_utf8_lossy(argv0).into_owned(),
        }
    }

    /// The minor release whose flags this client has, and whether the table covers it exactly.
    fn minor(&self) -> Option<(u32, bool)> {
        match self.version? {
            (1, m) if m <= NEWEST => Some((m, true)),
            (1, _) => Some((NEWEST, false)),
            (major, _) if major > 1 => Some((NEWEST, false)),
            _ => None,
        }
    }

    /// Whether the table describes this release (1.0 to 1.13).
    pub fn covered(&self) -> bool {
        self.minor().is_some_and(|(_, covered)| covered)
    }

    /// The name the client was invoked by.
    pub fn argv0(&self) -> &str {
        &self.argv0
    }

    /// (major, minor) for the answers that differ by release: 1.6, the documented world's, where
    /// `docker -v` names none (such a client's calls are not modeled before their flags are read,
    /// see [`Client::parse`]).
    pub fn release(&self) -> (u32, u32) {
        self.version.unwrap_or((1, 6))
    }

    /// The third number of the release.
    pub fn patch(&self) -> u32 {
        self.patch
    }

    /// (major, minor), for the model's version-dependent answers; `None` when `docker -v` names
    /// no version.
    pub fn version(&self) -> Option<(u32, u32)> {
        self.version
    }

    pub fn family(&self) -> Option<Family> {
        Some(match self.minor()?.0 {
            0..=4 => Family::Usage,
            5..=9 => Family::Hint,
            10..=11 => Family::Hint125,
            _ => Family::Cobra,
        })
    }

    /// The family that reads `command`'s flags: 1.12 still reads `inspect`'s with mflag.
    fn family_of(&self, command: &str) -> Option<Family> {
        match (self.family()?, command) {
            (Family::Cobra, "inspect") if self.version == Some((1, 12)) => Some(Family::Hint125),
            (family, _) => Some(family),
        }
    }

    /// The subcommand's usage block for this version: exact release first, then its minor.
    pub fn usage(&self, command: &str) -> Option<&'static str> {
        let (1, minor) = self.version? else { return None };
        let minor_key = format!("1.{minor}");
        let blocks = usage_blocks();
        let find = |key: &str| blocks.iter().find(|(c, keys, _)| *c == command && keys.contains(&key));
        find(&self.full).or_else(|| find(&minor_key)).map(|(_, _, text)| *text)
    }

    /// Reads `args`, the words after `docker COMMAND`, as this client does: the flags it set, in
    /// order, and the words after them; or the answer the client gives instead (an error, a
    /// usage, or not modeled).
    pub fn parse<'a>(&self, command: &str, args: &'a [Vec<u8>]) -> Result<Flags<'a>, Reply> {
        let Some((minor, covered)) = self.minor() else {
            let words = [format!("docker {command}").into_bytes()].into_iter().chain(args.iter().cloned());
            let mut reply = Reply::not_modeled_call(&words.collect::<Vec<_>>());
            reply.stderr.splice(reply.stderr.len() - 1.., *b" (a client whose `docker -v` names no version)\n");
            return Err(reply);
        };
        let rows: Vec<&Spelling> = table().iter().filter(|s| s.command == command && s.versions.holds(minor)).collect();
        let mut reader = Reader { client: self, command, rows, minor, covered, args, at: 0, flags: Flags::default() };
        let read = match self.family_of(command) {
            Some(Family::Cobra) => reader.pflag(command != "run"),
            _ => reader.mflag(),
        };
        match read {
            Ok(()) => Ok(reader.flags),
            // What was printed before the error stays before it.
            Err(mut reply) => {
                reply.stderr.splice(0..0, reader.flags.warnings);
                Err(reply)
            }
        }
    }

    /// The answer to a flag error `message` (without its newline), as this client gives it.
    fn flag_error(&self, command: &str, message: &str) -> Reply {
        // mflag names the client as it was invoked; cobra by its command's name.
        let name = if self.family_of(command) == Some(Family::Cobra) { "docker" } else { &self.argv0 };
        let hint = format!("See '{name} {command} --help'.\n");
        let (stderr, status) = match self.family_of(command) {
            Some(Family::Usage) => match self.usage(command) {
                Some(usage) => (format!("{message}\n{usage}"), 2),
                None => return Reply::not_modeled(&format!("the usage text of docker {command}, {}", self.full)),
            },
            Some(Family::Hint) => (format!("{message}\n{hint}"), 2),
            // cobra's first releases exit 1 for a flag error of these (measured on 1.12.0).
            Some(Family::Cobra)
                if matches!(command, "ps" | "rm" | "pull" | "images")
                    && self.version == Some((1, 12))
                    && self.patch < 2 =>
            {
                (format!("{message}\n{hint}"), 1)
            }
            _ => (format!("{message}\n{hint}"), 125),
        };
        Reply { stderr: stderr.into_bytes(), status, ..Reply::default() }
    }

    /// What `--help` (or mflag's `-help`, `-h` where `-h` is not a flag) answers.
    fn help(&self, command: &str) -> Reply {
        match (self.family(), self.usage(command)) {
            (Some(Family::Usage), Some(usage)) => Reply { stderr: usage.into(), status: 2, ..Reply::default() },
            (Some(Family::Hint | Family::Hint125), Some(usage)) => Reply { stdout: usage.into(), ..Reply::default() },
            _ => Reply::not_modeled(&format!("docker {command} --help, {}", self.full)),
        }
    }
}

/// What a flag was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Bool(bool),
    Text(&'a [u8]),
}

/// A command line's flags as a client read them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Flags<'a> {
    /// Each flag given (by its long name) and its value, in order.
    pub set: Vec<(&'static str, Value<'a>)>,
    /// The words that are not flags: from the first non-flag on (mflag, and cobra's `run`), or
    /// every one (cobra's other subcommands, which read flags anywhere).
    pub operands: Vec<&'a [u8]>,
    /// The words from where reading stopped: the image and its command, for `run`.
    pub rest: &'a [Vec<u8>],
    /// Deprecation warnings, in the order the flags came.
    pub warnings: Vec<u8>,
}

impl<'a> Flags<'a> {
    /// Whether a boolean flag ended up true.
    pub fn on(&self, flag: &str) -> bool {
        self.set.iter().rev().find(|(f, _)| *f == flag).is_some_and(|(_, v)| *v == Value::Bool(true))
    }

    /// Every value given to `flag`, in order.
    pub fn values(&self, flag: &'a str) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.set.iter().filter(move |(f, _)| *f == flag).filter_map(|(_, v)| match v {
            Value::Text(t) => Some(*t),
            Value::Bool(_) => None,
        })
    }

    /// The last value given to `flag`.
    pub fn last(&self, flag: &'a str) -> Option<&'a [u8]> {
        self.values(flag).last()
    }

    /// Any flag other than `allowed`: what the model does not act on.
    pub fn other_than(&self, allowed: &[&str]) -> Option<&'static str> {
        self.set.iter().map(|(f, _)| *f).find(|f| !allowed.contains(f))
    }
}

/// Go's `%q` of a value made of printable ASCII; `None` for what Go would escape otherwise.
fn go_quote(v: &[u8]) -> Option<String> {
    let mut quoted = String::from("\"");
    for &b in v {
        match b {
            b'"' | b'\\' => {
                quoted.push('\\');
                quoted.push(b as char);
            }
            b' '..=b'~' => quoted.push(b as char),
            _ => return None,
        }
    }
    quoted.push('"');
    Some(quoted)
}

/// docker's test of a DNS search domain: a letter somewhere, dot-separated labels of letters,
/// digits and inner dashes (any number of them), an optional final dot, under 255 bytes.
fn is_domain(text: &str) -> bool {
    static DOMAIN: OnceLock<regex::Regex> = OnceLock::new();
    let domain = DOMAIN.get_or_init(|| {
        let label = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])";
        regex::Regex::new(&format!(r"^(:?{label}(:?\.{label})*)\.?\s*$")).expect("a valid pattern")
    });
    text.contains(|c: char| c.is_ascii_alphabetic())
        && domain.captures(text).is_some_and(|c| c.get(1).is_some_and(|m| m.len() < 255))
}

/// Go's `strconv.ParseBool`.
fn go_bool(v: &[u8]) -> Option<bool> {
    match v {
        b"1" | b"t" | b"T" | b"TRUE" | b"true" | b"True" => Some(true),
        b"0" | b"f" | b"F" | b"FALSE" | b"false" | b"False" => Some(false),
        _ => None,
    }
}

/// What Go's `strconv.ParseInt(v, 0, 64)` (or `ParseUint(v, 0, 64)`, unsigned) makes of `v`: a
/// number, `invalid syntax` or `value out of range` (the Go of docker's releases: no `_`).
fn go_int(v: &[u8], signed: bool) -> Result<(), &'static str> {
    let (negative, digits) = match (signed, v) {
        (true, [b'-', rest @ ..]) => (true, rest),
        (true, [b'+', rest @ ..]) => (false, rest),
        _ => (false, v),
    };
    let (radix, body) = match digits {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', rest @ ..] if !rest.is_empty() => (8, rest),
        _ => (10, digits),
    };
    let mut n: u128 = 0;
    for &b in body {
        let Some(d) = (b as char).to_digit(radix) else { return Err("invalid syntax") };
        // Past 2^64 every further digit stays out of range; the syntax is still read to the end.
        n = (n * u128::from(radix) + u128::from(d)).min(1 << 65);
    }
    let limit: u128 = match (signed, negative) {
        (false, _) => u128::from(u64::MAX),
        (true, false) => i64::MAX as u128,
        (true, true) => 1 << 63,
    };
    match (body.is_empty(), n > limit) {
        (true, _) => Err("invalid syntax"),
        (false, true) => Err("value out of range"),
        (false, false) => Ok(()),
    }
}

/// What a flag lacked: a boolean its `=value` is not, or a value at the end of the line.
enum Wanting<'a> {
    Boolean(&'a [u8]),
    Argument,
}

/// One pass over a command line.
struct Reader<'c, 'a> {
    client: &'c Client,
    command: &'c str,
    rows: Vec<&'static Spelling>,
    minor: u32,
    covered: bool,
    args: &'a [Vec<u8>],
    at: usize,
    flags: Flags<'a>,
}

impl<'a> Reader<'_, 'a> {
    fn find(&self, spelling: &[u8]) -> Option<&'static Spelling> {
        self.rows.iter().copied().find(|s| s.spelling.as_bytes() == spelling)
    }

    /// A flag this client lacks: its error, or, past the table's releases, not modeled.
    fn unknown(&self, message: &str, word: &[u8]) -> Reply {
        if !self.covered {
            return Reply::not_modeled(&format!(
                "docker {} {} (a flag docker 1.{NEWEST} lacks, of a newer client)",
                self.command,
                String::from_utf8_lossy(word)
            ));
        }
        self.client.flag_error(self.command, message)
    }

    /// The value a flag of `kind` takes: the one given after `=`, or the next word; what it
    /// lacked instead, for each parser to word.
    fn take_value(&mut self, kind: Kind, given: Option<&'a [u8]>) -> Result<Value<'a>, Wanting<'a>> {
        match (kind, given) {
            (Kind::Bool, None) => Ok(Value::Bool(true)),
            (Kind::Bool, Some(v)) => go_bool(v).map(Value::Bool).ok_or(Wanting::Boolean(v)),
            (_, Some(v)) => Ok(Value::Text(v)),
            (_, None) => self.next_word().map(Value::Text).ok_or(Wanting::Argument),
        }
    }

    fn next_word(&mut self) -> Option<&'a [u8]> {
        let w = self.args.get(self.at)?;
        self.at += 1;
        Some(w)
    }

    /// Records a flag, after the warning its spelling prints in this release.
    fn set(&mut self, s: &'static Spelling, value: Value<'a>) {
        if s.deprecated.is_some_and(|d| d.holds(self.minor)) {
            self.flags.warnings.extend_from_slice(s.warning().as_bytes());
        }
        self.flags.set.push((s.flag, value));
    }

    /// docker's own flag parser (1.0-1.11): flags until the first word that is not one, `--`
    /// ending them; `--name=value` with one pair of quotes stripped from the value; an unknown
    /// single-dash word read again as one-letter flags.
    fn mflag(&mut self) -> Result<(), Reply> {
        while let Some(word) = self.args.get(self.at) {
            if word.len() < 2 || word[0] != b'-' {
                break;
            }
            self.at += 1;
            if word == b"--" {
                break;
            }
            let name = &word[1..];
            if name[0] == b'=' {
                return Err(self.failed(vec![format!("bad flag syntax: {}", String::from_utf8_lossy(word))]));
            }
            let (name, value) = match name.iter().position(|&b| b == b'=') {
                Some(eq) => (&name[..eq], Some(&name[eq + 1..])),
                None => (name, None),
            };
            // mflag's quote trimming slices out of bounds on a lone quote (and on an empty value
            // in 1.0.0): the client panics, which the model does not write.
            if matches!(value, Some(b"\"" | b"'")) || (value == Some(b"") && self.client.full == "1.0.0") {
                return Err(Reply::not_modeled_call(&[format!("docker {}", self.command).into_bytes(), word.clone()]));
            }
            let value = value.map(trim_quotes);
            let mut errors = Vec::new();
            match self.mflag_one(name, value)? {
                Ok(true) => continue,
                Ok(false) => {}
                Err(message) => return Err(self.failed(vec![message])),
            }
            // Not a flag: a long name fails; a short word is read again letter by letter, and a
            // letter that fails reports itself (1.0-1.4 stop there), then the word.
            let message = format!("flag provided but not defined: -{}", String::from_utf8_lossy(name));
            if name.len() > 1 && name[0] != b'-' {
                let mut every = true;
                for &letter in name {
                    match self.mflag_one(&[letter], None)? {
                        Ok(true) => continue,
                        Ok(false) => {}
                        Err(inner) => errors.push(inner),
                    }
                    every = false;
                    break;
                }
                if every {
                    continue;
                }
            }
            errors.push(message);
            return Err(self.failed(errors));
        }
        self.flags.rest = &self.args[self.at..];
        self.flags.operands = self.flags.rest.iter().map(Vec::as_slice).collect();
        self.help_last()
    }

    /// mflag's answer to its errors, each reported as it happens: with the usage (which exits at
    /// the first, 1.0-1.4) or a hint after each.
    fn failed(&self, errors: Vec<String>) -> Reply {
        let mut reply = Reply::default();
        for message in &errors {
            let one = self.client.flag_error(self.command, message);
            reply.stderr.extend_from_slice(&one.stderr);
            reply.status = one.status;
            if one.unmodeled || self.client.family() == Some(Family::Usage) {
                return Reply { stderr: reply.stderr, ..one };
            }
        }
        reply
    }

    /// One mflag name (`-name` is `name`, `--rm` is `-rm`): whether it is a flag (its value
    /// taken), the error docker reports for it, or the client's whole answer instead.
    fn mflag_one(&mut self, name: &[u8], value: Option<&'a [u8]>) -> Result<Result<bool, String>, Reply> {
        let spelling = [b"-", name].concat();
        let shown = String::from_utf8_lossy(&spelling).into_owned();
        let Some(s) = self.find(&spelling) else {
            // 1.0-1.4 have no --help flag: these names print the usage.
            if matches!(name, b"-help" | b"help" | b"h") {
                return Err(self.client.help(self.command));
            }
            return Ok(Ok(false));
        };
        let value = match self.take_value(s.kind, value) {
            Ok(value) => value,
            Err(Wanting::Boolean(v)) => {
                let quoted = go_quote(v).ok_or_else(|| self.unquotable(&shown, v))?;
                let why = format!("strconv.ParseBool: parsing {quoted}: invalid syntax");
                return Ok(Err(format!("invalid boolean value {quoted} for  {shown}: {why}")));
            }
            Err(Wanting::Argument) => return Ok(Err(format!("flag needs an argument: {shown}"))),
        };
        if let Value::Text(v) = value {
            if let Some(why) = self.invalid(s, v)? {
                let quoted = go_quote(v).unwrap_or_default();
                return Ok(Err(format!("invalid value {quoted} for flag {shown}: {why}")));
            }
        }
        self.set(s, value);
        Ok(Ok(true))
    }

    /// Why docker's flag parser refuses a value, for the values it checks as it reads them; a
    /// check the model does not make is not modeled.
    fn invalid(&self, s: &Spelling, v: &[u8]) -> Result<Option<String>, Reply> {
        let checked = s.checked.filter(|(_, r)| r.holds(self.minor)).map(|(c, _)| c);
        if checked.is_none() && !matches!(s.kind, Kind::Int | Kind::Uint) {
            return Ok(None);
        }
        // Go quotes what it refuses; the model writes that quoting for printable ASCII only.
        let Some(quoted) = go_quote(v) else { return Err(self.unquotable(s.spelling, v)) };
        let quote = |t: &str| go_quote(t.as_bytes()).unwrap_or_default();
        let text = String::from_utf8_lossy(v);
        let number = |parse: &str, why: &str| Some(format!("strconv.{parse}: parsing {quoted}: {why}"));
        match s.kind {
            Kind::Int => {
                if let Err(why) = go_int(v, true) {
                    return Ok(number("ParseInt", why));
                }
            }
            Kind::Uint => {
                if let Err(why) = go_int(v, false) {
                    return Ok(number("ParseUint", why));
                }
            }
            _ => {}
        }
        let Some(check) = checked else { return Ok(None) };
        let ip = |t: &str| t.trim().parse::<std::net::IpAddr>().is_ok();
        let why = match check {
            Check::Unmodeled => {
                return Err(Reply::not_modeled(&format!(
                    "docker {} {} {text}: the check docker {} makes of its value",
                    self.command, s.spelling, self.client.full
                )));
            }
            Check::Path => {
                let container = text.split_once(':').map_or(&*text, |(_, c)| c);
                if text.matches(':').count() > 2 {
                    Some(format!("bad format for volumes: {text}"))
                } else {
                    (!container.starts_with('/')).then(|| format!("{container} is not an absolute path"))
                }
            }
            Check::Ip => (!ip(&text)).then(|| format!("{text} is not an ip address")),
            Check::Links => (text.matches(':').count() > 1).then(|| format!("bad format for links: {text}")),
            Check::Env => {
                let name_only = !text.contains('=');
                let valid = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                (name_only && !valid).then(|| {
                    format!("poorly formatted environment: variable '{text}' is not a valid environment variable")
                })
            }
            Check::Mount => {
                let parts: Vec<&str> = text.split(':').collect();
                let sure = match parts[..] {
                    [target] => target.starts_with('/'),
                    [source, target] => !source.is_empty() && target.starts_with('/'),
                    [source, target, mode] => {
                        !source.is_empty() && target.starts_with('/') && matches!(mode, "ro" | "rw")
                    }
                    _ => false,
                };
                if !sure {
                    return Err(Reply::not_modeled(&format!(
                        "docker {} {} {text}: the check docker {} makes of such a value",
                        self.command, s.spelling, self.client.full
                    )));
                }
                None
            }
            Check::Link => (text.matches(':').count() != 1)
                .then(|| format!("Invalid format to parse.  {text} should match template name:alias")),
            Check::Host if self.minor < 6 => {
                let parts: Vec<&str> = text.split(':').collect();
                (parts.len() != 2 || parts[0].is_empty() || !ip(parts[1]))
                    .then(|| format!("bad format for add-host: {text}"))
            }
            Check::Host => match text.split_once(':') {
                Some(("", _)) | None => Some(format!("bad format for add-host: {quoted}")),
                Some((_, address)) if !ip(address) => {
                    Some(format!("invalid IP address in add-host: {}", quote(address)))
                }
                Some(_) => None,
            },
            Check::Domain => {
                let trimmed = text.trim_matches(' ');
                // `.` (no search domain) is allowed from 1.2.
                let dot = trimmed == "." && self.minor >= 2;
                (!dot && !is_domain(trimmed)).then(|| format!("{trimmed} is not a valid domain"))
            }
            Check::Stream => {
                // 1.0 and 1.1 take the names in lower case only.
                let name = if self.minor <= 1 { text.to_string() } else { text.to_ascii_lowercase() };
                (!matches!(name.as_str(), "stdin" | "stdout" | "stderr")).then(|| match self.minor {
                    0..=1 => format!("Unsupported stream name: {text}"),
                    2..=7 => "valid streams are STDIN, STDOUT and STDERR.".into(),
                    _ => "valid streams are STDIN, STDOUT and STDERR".into(),
                })
            }
        };
        Ok(why)
    }

    /// A refused value Go would quote with escapes the model does not write.
    fn unquotable(&self, shown: &str, v: &[u8]) -> Reply {
        Reply::not_modeled(&format!(
            "docker {} {shown} {}: docker's quoting of a refused value with control or non-ASCII bytes",
            self.command,
            String::from_utf8_lossy(v)
        ))
    }

    /// From 1.5, `--help` is a flag like the others: the usage comes once every flag has been
    /// read, so a wrong flag anywhere is reported instead.
    fn help_last(&self) -> Result<(), Reply> {
        match self.flags.on("--help") {
            true => Err(self.client.help(self.command)),
            false => Ok(()),
        }
    }

    /// cobra's pflag (1.12-1.13): `--long[=value]`, `-abc` as letters, a letter's value the rest
    /// of its word or the next word; `interspersed`: flags may follow the operands.
    fn pflag(&mut self, interspersed: bool) -> Result<(), Reply> {
        while let Some(word) = self.args.get(self.at) {
            self.at += 1;
            if word == b"--" {
                self.flags.rest = &self.args[self.at..];
                self.flags.operands.extend(self.flags.rest.iter().map(Vec::as_slice));
                break;
            }
            if word.len() < 2 || word[0] != b'-' {
                if interspersed {
                    self.flags.operands.push(word);
                    continue;
                }
                self.flags.rest = &self.args[self.at - 1..];
                self.flags.operands.extend(self.flags.rest.iter().map(Vec::as_slice));
                break;
            }
            if word.starts_with(b"--") {
                if matches!(word.get(2), None | Some(b'-' | b'=')) {
                    let message = format!("bad flag syntax: {}", String::from_utf8_lossy(word));
                    return Err(self.client.flag_error(self.command, &message));
                }
                let (name, value) = match word.iter().position(|&b| b == b'=') {
                    Some(eq) => (&word[..eq], Some(&word[eq + 1..])),
                    None => (&word[..], None),
                };
                let shown = String::from_utf8_lossy(name).into_owned();
                let Some(s) = self.find(name) else {
                    return Err(self.unknown(&format!("unknown flag: {shown}"), word));
                };
                let value = match self.take_value(s.kind, value) {
                    Ok(value) => value,
                    Err(Wanting::Boolean(v)) => {
                        let quoted = go_quote(v).ok_or_else(|| self.unquotable(&shown, v))?;
                        let word = String::from_utf8_lossy(word);
                        let why = format!("strconv.ParseBool: parsing {quoted}: invalid syntax");
                        let message = format!("invalid argument {quoted} for {word}: {why}");
                        return Err(self.client.flag_error(self.command, &message));
                    }
                    Err(Wanting::Argument) => {
                        let message = format!("flag needs an argument: {shown}");
                        return Err(self.client.flag_error(self.command, &message));
                    }
                };
                self.pflag_set(s, value, &String::from_utf8_lossy(word))?;
                continue;
            }
            let letters = &word[1..];
            let mut i = 0;
            while i < letters.len() {
                let letter = letters[i];
                let Some(s) = self.find(&[b'-', letter]) else {
                    // cobra answers `-h` with its help, after a deprecation line: not modeled.
                    if letter == b'h' {
                        return Err(Reply::not_modeled_call(std::slice::from_ref(word)));
                    }
                    // pflag names the letters from the unknown one on.
                    let message = format!(
                        "unknown shorthand flag: '{}' in -{}",
                        letter as char,
                        String::from_utf8_lossy(&letters[i..])
                    );
                    return Err(self.unknown(&message, word));
                };
                // cobra names a letter's flag by the word from that letter on.
                let shown = String::from_utf8_lossy(&letters[i..]).into_owned();
                let rest = &letters[i + 1..];
                if s.kind == Kind::Bool {
                    match rest.strip_prefix(b"=") {
                        Some(v) => match go_bool(v) {
                            Some(b) => {
                                self.pflag_set(s, Value::Bool(b), &shown)?;
                                break;
                            }
                            None => return Err(Reply::not_modeled_call(std::slice::from_ref(word))),
                        },
                        None => self.pflag_set(s, Value::Bool(true), &shown)?,
                    }
                    i += 1;
                    continue;
                }
                let value = match rest {
                    [] => match self.next_word() {
                        Some(v) => v,
                        None => {
                            let message = format!("flag needs an argument: '{}' in -{shown}", letter as char);
                            return Err(self.client.flag_error(self.command, &message));
                        }
                    },
                    // `=` goes only when something follows it: `-c=` gives `=`.
                    [b'=', v @ ..] if !v.is_empty() => v,
                    v => v,
                };
                self.pflag_set(s, Value::Text(value), &shown)?;
                break;
            }
        }
        self.help_last()
    }

    /// Records a flag pflag read, `shown` as cobra names it in an error (a long flag as written,
    /// a letter alone); a value docker checks and refuses is its error.
    fn pflag_set(&mut self, s: &'static Spelling, value: Value<'a>, shown: &str) -> Result<(), Reply> {
        if let Value::Text(v) = value {
            if let Some(why) = self.invalid(s, v)? {
                let quoted = go_quote(v).unwrap_or_default();
                let message = format!("invalid argument {quoted} for {shown}: {why}");
                return Err(self.client.flag_error(self.command, &message));
            }
        }
        self.set(s, value);
        Ok(())
    }
}

/// mflag's `trimQuotes`: one pair of matching quotes around a value goes.
fn trim_quotes(v: &[u8]) -> &[u8] {
    match v {
        [q @ (b'"' | b'\''), inner @ .., last] if last == q => inner,
        _ => v,
    }
}

/// Reads a command line with every release's flags, never failing: for showing a call, not for
/// answering one (an unknown flag is taken to have no value).
pub fn read_any<'a>(command: &str, args: &'a [Vec<u8>]) -> Flags<'a> {
    let mut flags = Flags::default();
    let mut i = 0;
    let spelling = |w: &[u8]| table().iter().find(|s| s.command == command && s.spelling.as_bytes() == w);
    while let Some(word) = args.get(i) {
        if word.len() < 2 || word[0] != b'-' {
            break;
        }
        i += 1;
        if word == b"--" {
            break;
        }
        let (name, value) = match word.iter().position(|&b| b == b'=') {
            Some(eq) => (&word[..eq], Some(trim_quotes(&word[eq + 1..]))),
            None => (&word[..], None),
        };
        if let Some(s) = spelling(name) {
            let value = match (s.kind, value) {
                (Kind::Bool, v) => Value::Bool(v.and_then(go_bool).unwrap_or(true)),
                (_, Some(v)) => Value::Text(v),
                (_, None) => match args.get(i) {
                    Some(v) => {
                        i += 1;
                        Value::Text(v)
                    }
                    None => continue,
                },
            };
            flags.set.push((s.flag, value));
            continue;
        }
        if word.starts_with(b"--") {
            continue;
        }
        // A word no row names is read as letters (`-ti`, `-dp 80`, `-dp80:80`): the first that
        // takes a value takes the rest of the word, or else the next word.
        for (at, &letter) in word.iter().enumerate().skip(1) {
            let Some(s) = spelling(&[b'-', letter]) else { continue };
            if s.kind == Kind::Bool {
                flags.set.push((s.flag, Value::Bool(true)));
                continue;
            }
            let rest = &word[at + 1..];
            let glued = rest.strip_prefix(b"=").filter(|v| !v.is_empty()).unwrap_or(rest);
            if !glued.is_empty() {
                flags.set.push((s.flag, Value::Text(glued)));
            } else if let Some(v) = args.get(i) {
                i += 1;
                flags.set.push((s.flag, Value::Text(v)));
            }
            break;
        }
    }
    flags.rest = &args[i..];
    flags.operands = flags.rest.iter().map(Vec::as_slice).collect();
    flags
}

/// Whether a `docker run` flag word (`--name`, `-ti`, `--net=host`) takes the next word as its
/// value in some release: for showing a call's words in their groups.
pub fn run_flag_takes_value(word: &[u8]) -> bool {
    if word.len() < 2 || word[0] != b'-' || word.contains(&b'=') {
        return false;
    }
    let takes =
        |w: &[u8]| table().iter().any(|s| s.command == "run" && s.spelling.as_bytes() == w && s.kind != Kind::Bool);
    if word.starts_with(b"--") || table().iter().any(|s| s.command == "run" && s.spelling.as_bytes() == word) {
        return takes(word);
    }
    // Letters grouped (`-ti`, `-dit`): only the last may take a value.
    takes(&[b'-', word[word.len() - 1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A release of each family, and one at each edge the table names.
    const RELEASES: [&str; 9] = ["1.0.1", "1.3.1", "1.4.1", "1.5.0", "1.6.2", "1.9.1", "1.10.3", "1.12.6", "1.13.1"];

    fn client(release: &str) -> Client {
        Client::new(&format!("Docker version {release}, build 0000000"), b"docker")
    }

    fn words(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|w| w.as_bytes().to_vec()).collect()
    }

    fn answer(release: &str, command: &str, line: &str) -> Result<(String, Vec<&'static str>), (String, String, i32)> {
        let args = words(line);
        match client(release).parse(command, &args) {
            Ok(flags) => Ok((String::from_utf8(flags.warnings).unwrap(), flags.set.iter().map(|(f, _)| *f).collect())),
            Err(r) => {
                Err((String::from_utf8_lossy(&r.stdout).into(), String::from_utf8_lossy(&r.stderr).into(), r.status))
            }
        }
    }

    /// The unknown-flag answer each family documents (for 1.0-1.4, its first two lines: the
    /// usage follows).
    fn unknown_flag(release: &str, command: &str, word: &str) -> (String, i32) {
        let minor: u32 = release.split('.').nth(1).unwrap().parse().unwrap();
        let hint = format!("See 'docker {command} --help'.\n");
        match minor {
            0..=4 => (format!("flag provided but not defined: {word}\n\nUsage: docker {command} "), 2),
            5..=9 => (format!("flag provided but not defined: {word}\n{hint}"), 2),
            10..=11 => (format!("flag provided but not defined: {word}\n{hint}"), 125),
            _ => (format!("unknown flag: {word}\n{hint}"), 125),
        }
    }

    /// Whether any row spells `spelling` for `command` in release 1.`minor`.
    fn spelled(command: &str, spelling: &str, minor: u32) -> bool {
        table().iter().any(|s| s.command == command && s.spelling == spelling && s.versions.holds(minor))
    }

    #[test]
    fn the_table_reads_whole() {
        let rows = parse_table(FLAGS).unwrap_or_else(|line| panic!("not a row: {line}"));
        assert_eq!(rows.len(), table().len());
        for r in &rows {
            assert!(r.spelling.starts_with('-') && r.flag.starts_with("--"), "{r:?}");
            if let Some(d) = r.deprecated {
                assert!(
                    d.from >= r.versions.from && r.versions.until.is_none_or(|u| d.until.is_some_and(|du| du <= u)),
                    "{r:?}"
                );
            }
            let overlapping = rows.iter().filter(|o| {
                o.command == r.command
                    && o.spelling == r.spelling
                    && (r.versions.from..r.versions.until.unwrap_or(99)).any(|m| o.versions.holds(m))
            });
            assert_eq!(overlapping.count(), 1, "two rows for {} {} at once", r.command, r.spelling);
        }
    }

    /// Every row, in every release of the list: accepted (with docker's warning where it is
    /// deprecated) where the row holds, refused with the family's text where it does not.
    #[test]
    fn every_spelling_is_held_to_its_families_texts() {
        for release in RELEASES {
            let minor: u32 = release.split('.').nth(1).unwrap().parse().unwrap();
            for row in table() {
                let checked = row.checked.filter(|(_, r)| r.holds(minor)).map(|(c, _)| c);
                if checked == Some(Check::Unmodeled) {
                    continue;
                }
                let mut line = row.spelling.to_string();
                if let Some(value) = row.sample_value() {
                    line.push(' ');
                    line.push_str(value);
                }
                line.push_str(" operand");
                let got = answer(release, row.command, &line);
                let cobra = minor >= 12;
                let help = row.flag == "--help";
                if row.versions.holds(minor) && !help {
                    let warning = match row.deprecated.is_some_and(|d| d.holds(minor)) {
                        true => row.warning(),
                        false => String::new(),
                    };
                    assert_eq!(got, Ok((warning, vec![row.flag])), "{release}: {} {line}", row.command);
                } else if !spelled(row.command, row.spelling, minor)
                    && !help
                    && (row.spelling.starts_with("--") || !cobra)
                {
                    let (text, status) = unknown_flag(release, row.command, row.spelling);
                    let Err((_, stderr, got_status)) = &got else {
                        panic!("{release}: {} {line}: {got:?}", row.command)
                    };
                    if row.spelling.starts_with("--") || row.spelling.len() == 2 {
                        assert!(stderr.starts_with(&text), "{release}: {} {line}: {stderr}", row.command);
                    }
                    assert_eq!(*got_status, status, "{release}: {} {line}", row.command);
                }
            }
        }
    }

    #[test]
    fn each_family_answers_an_accepted_a_deprecated_and_an_unknown_flag_as_documented() {
        // Accepted: no words on stderr.
        for release in RELEASES {
            assert_eq!(answer(release, "run", "-d --name web ubuntu"), Ok((String::new(), vec!["--detach", "--name"])));
        }
        // Deprecated: the same warning from 1.0 to 1.11; then gone.
        let rm = "Warning: '-rm' is deprecated, it will be replaced by '--rm' soon. See usage.\n";
        for release in ["1.0.1", "1.3.1", "1.6.2"] {
            assert_eq!(answer(release, "run", "-rm ubuntu"), Ok((rm.to_string(), vec!["--rm"])));
        }
        let privileged =
            "Warning: '-privileged' is deprecated, it will be replaced by '--privileged' soon. See usage.\n";
        assert_eq!(answer("1.9.1", "run", "-privileged ubuntu"), Ok((privileged.to_string(), vec!["--privileged"])));
        let c = "Warning: '-c' is deprecated, it will be replaced by '--cpu-shares' soon. See usage.\n";
        assert_eq!(answer("1.10.3", "run", "-c 512 ubuntu"), Ok((c.to_string(), vec!["--cpu-shares"])));
        assert_eq!(answer("1.12.6", "run", "-c 512 ubuntu"), Ok((String::new(), vec!["--cpu-shares"])));
        let tree = "Warning: '-tree' is deprecated, it will be removed soon. See usage.\n";
        assert_eq!(answer("1.3.1", "images", "-tree"), Ok((tree.to_string(), vec!["--tree"])));
        // Unknown: each family's text and status.
        for release in RELEASES {
            let (text, status) = unknown_flag(release, "run", "--label");
            match answer(release, "run", "--label x ubuntu") {
                Err((_, stderr, got))
                    if release.starts_with("1.0") || release.starts_with("1.3") || release.starts_with("1.4") =>
                {
                    assert!(stderr.starts_with(&text), "{release}: {stderr}");
                    assert_eq!(got, status);
                }
                Err((_, stderr, got)) => assert_eq!((stderr, got), (text, status), "{release}"),
                Ok(flags) if release >= "1.6" || release.starts_with("1.1") => assert_eq!(flags.1, vec!["--label"]),
                Ok(flags) => panic!("{release} took --label: {flags:?}"),
            }
        }
        // `-rm` after its removal: mflag reads it again as letters, and names the word; pflag
        // names the first letter it lacks.
        assert_eq!(
            answer("1.7.0", "run", "-rm ubuntu"),
            Err((String::new(), "flag provided but not defined: -rm\nSee 'docker run --help'.\n".into(), 2))
        );
        assert_eq!(
            answer("1.10.3", "run", "-rm ubuntu"),
            Err((String::new(), "flag provided but not defined: -rm\nSee 'docker run --help'.\n".into(), 125))
        );
        assert_eq!(
            answer("1.13.1", "run", "-rm ubuntu"),
            Err((String::new(), "unknown shorthand flag: 'r' in -rm\nSee 'docker run --help'.\n".into(), 125))
        );
    }

    #[test]
    fn help_is_the_usage_on_stderr_before_1_5_and_on_stdout_after() {
        let usage = client("1.3.1").usage("run").unwrap();
        assert_eq!(answer("1.3.1", "run", "--help"), Err((String::new(), usage.to_string(), 2)));
        let usage = client("1.9.1").usage("run").unwrap();
        assert!(usage.starts_with("\nUsage:\tdocker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"));
        // From 1.5 the flags are read first: a wrong one wins over --help.
        assert_eq!(answer("1.9.1", "run", "--help ubuntu"), Err((usage.to_string(), String::new(), 0)));
        assert_eq!(answer("1.9.1", "run", "--help --bogus ubuntu").unwrap_err().2, 2);
        let warning = "Warning: '-help' is deprecated, it will be replaced by '--help' soon. See usage.\n";
        assert_eq!(answer("1.9.1", "run", "-help ubuntu"), Err((usage.to_string(), warning.to_string(), 0)));
        assert!(client("1.13.1").parse("run", &words("--help")).unwrap_err().unmodeled);
    }

    #[test]
    fn numbers_are_read_as_go_reads_them_in_range_and_out() {
        assert_eq!(go_int(b"1000000000000000000", true), Ok(()));
        assert_eq!(go_int(b"00000000000000000000001", true), Ok(()));
        assert_eq!(go_int(b"-0x8000000000000000", true), Ok(()));
        assert_eq!(go_int(b"0x8000000000000000", true), Err("value out of range"));
        assert_eq!(go_int(b"18446744073709551615", false), Ok(()));
        assert_eq!(go_int(b"-1", false), Err("invalid syntax"));
        assert_eq!(go_int(b"1_000", true), Err("invalid syntax"));
        assert_eq!(go_int(b"", true), Err("invalid syntax"));
        let out = "invalid value \"0x8000000000000000\" for flag -t: strconv.ParseInt: parsing \"0x8000000000000000\": value out of range\nSee 'docker stop --help'.\n";
        assert_eq!(answer("1.9.1", "stop", "-t 0x8000000000000000 c1"), Err((String::new(), out.into(), 2)));
    }

    #[test]
    fn what_a_real_client_crashes_on_or_cobra_words_its_own_way_is_as_measured() {
        // A lone quote after `=` panics every mflag client: not modeled.
        assert!(client("1.9.1").parse("run", &words("--name=' ubuntu")).unwrap_err().unmodeled);
        // cobra: `=` alone is the value; the letter that lacks a value is named with what follows.
        let c = "invalid argument \"=\" for c=: strconv.ParseInt: parsing \"=\": invalid syntax\nSee 'docker run --help'.\n";
        assert_eq!(answer("1.13.1", "run", "-c= busybox"), Err((String::new(), c.into(), 125)));
        let e = "flag needs an argument: 'e' in -e\nSee 'docker run --help'.\n";
        assert_eq!(answer("1.13.1", "run", "-de"), Err((String::new(), e.into(), 125)));
        let bad = "bad flag syntax: --=x\nSee 'docker run --help'.\n";
        assert_eq!(answer("1.13.1", "run", "--=x busybox"), Err((String::new(), bad.into(), 125)));
        assert!(client("1.13.1").parse("ps", &words("-h")).unwrap_err().unmodeled);
        // cobra's hint names `docker` however the client was invoked; mflag's, as invoked.
        let args = words("--bogus busybox");
        let by_path = |release: &str| Client::new(&format!("Docker version {release}, build 0"), b"/usr/bin/docker");
        assert!(String::from_utf8_lossy(&by_path("1.13.1").parse("run", &args).unwrap_err().stderr)
            .ends_with("See 'docker run --help'.\n"));
        assert!(String::from_utf8_lossy(&by_path("1.9.1").parse("run", &args).unwrap_err().stderr)
            .ends_with("See '/usr/bin/docker run --help'.\n"));
        // Checks measured on real clients: repeated dashes in a domain, `.` from 1.2, streams in
        // lower case only before 1.2, links from 1.7, variable names in 1.8.
        assert!(answer("1.9.1", "run", "--dns-search a--b.com busybox").is_ok());
        assert!(answer("1.1.2", "run", "--dns-search . busybox").is_err());
        assert!(answer("1.2.0", "run", "--dns-search . busybox").is_ok());
        assert!(answer("1.1.2", "run", "-a STDOUT busybox").is_err());
        assert!(answer("1.2.0", "run", "-a STDOUT busybox").is_ok());
        assert_eq!(answer("1.13.1", "run", "--link db:a:b busybox").unwrap_err().2, 125);
        assert_eq!(answer("1.8.3", "run", "-e --zzz busybox").unwrap_err().2, 2);
        assert!(answer("1.9.1", "run", "-e --zzz busybox").is_ok());
        assert!(client("1.9.1").parse("run", &words("-v /a:/b:bogus busybox")).unwrap_err().unmodeled);
        assert!(answer("1.9.1", "run", "-v /srv:/srv:ro busybox").is_ok());
    }

    #[test]
    fn shown_calls_read_a_value_glued_to_its_letter() {
        let args = words("-dp80:80 ubuntu sh");
        let flags = read_any("run", &args);
        assert_eq!(flags.last("--publish"), Some(&b"80:80"[..]));
        assert_eq!(flags.rest, &args[1..]);
        let args = words("-dp 80 ubuntu");
        assert_eq!(read_any("run", &args).rest, &args[2..]);
    }

    #[test]
    fn parsing_stops_at_the_image_and_at_double_dash_and_strips_one_pair_of_quotes() {
        let args = words("-ti --name='web' ubuntu --label x");
        let flags = client("1.3.1").parse("run", &args).unwrap();
        assert_eq!(flags.last("--name"), Some(&b"web"[..]));
        assert_eq!(flags.rest, &args[2..]);
        let args = words("-d -- --label");
        let flags = client("1.3.1").parse("run", &args).unwrap();
        assert_eq!(flags.rest, &args[2..]);
        // cobra reads flags after the names of every command but run.
        let args = words("web -f");
        let flags = client("1.13.1").parse("rm", &args).unwrap();
        assert!(flags.on("--force"));
        assert_eq!(flags.operands, vec![&b"web"[..]]);
        let flags = client("1.12.6").parse("run", &args).unwrap();
        assert_eq!(flags.rest, &args[..]);
        // A letter's value may be the rest of its word.
        let args = words("-dp80:80 ubuntu");
        let flags = client("1.13.1").parse("run", &args).unwrap();
        assert_eq!(flags.last("--publish"), Some(&b"80:80"[..]));
    }

    #[test]
    fn a_newer_client_keeps_1_13s_flags_and_leaves_the_rest_unmodeled() {
        let args = words("--mount type=bind ubuntu");
        let reply = client("17.03.1").parse("run", &args).unwrap_err();
        assert!(reply.unmodeled, "{reply:?}");
        assert!(client("17.03.1").parse("run", &words("--init ubuntu")).is_ok());
        let reply = Client::new("Docker vers", b"docker").parse("run", &words("ubuntu")).unwrap_err();
        assert!(reply.unmodeled);
    }

    #[test]
    fn every_usage_block_names_its_subcommand_and_only_flags_of_the_table() {
        for (command, keys, text) in usage_blocks() {
            let header = text.lines().find(|l| l.starts_with("Usage:")).unwrap_or_default();
            assert!(
                header.ends_with(&format!("docker {command}")) || header.contains(&format!("docker {command} ")),
                "{command} {keys:?}"
            );
            for key in keys {
                let minor: u32 = key.split('.').nth(1).unwrap().parse().unwrap();
                // Each option line names spellings the table has in that release.
                for line in text.lines().filter(|l| l.starts_with("  -")) {
                    // Names end at their default (`=false`) or, from 1.10, at the gap before the help.
                    let names = line.trim_start().split(['=', '\t']).next().unwrap().split("  ").next().unwrap();
                    for name in names.split(", ") {
                        let known = table()
                            .iter()
                            .any(|s| s.command == *command && s.spelling == name && s.versions.holds(minor));
                        assert!(known || name == "--help", "{command} {key}: {name} is not in the table");
                    }
                }
            }
        }
    }
}
