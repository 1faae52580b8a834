//! The lexer and the shallow parser behind [`super::Source`]: tokens with byte offsets, then simple
//! commands, functions and `&&`/`||` operators read off them with a stack of open compound commands.

/// A word as the shell splits it, with the quoted parts at its top level (not inside `$(…)`).
#[derive(Clone, Debug)]
pub(crate) struct Word {
    pub start: usize,
    pub end: usize,
    pub quotes: Vec<Quote>,
    /// No quote, escape or expansion: the shell sees the text as written.
    pub plain: bool,
}

/// One `'…'` or `"…"` at a word's top level.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Quote {
    pub open: usize,
    pub close: usize,
    /// Holds literal text, or nothing at all (`""`): something a string mutant can change.
    pub literal: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Redir {
    pub start: usize,
    /// End of the target word (of the operator when the target is missing).
    pub end: usize,
    pub op: &'static str,
    /// A here-document's last line (its delimiter's), once its body is read.
    pub body_last: Option<usize>,
    /// A here-document's first byte, and whether its body runs command substitutions (an unquoted
    /// delimiter, and `$(` or a backquote in it).
    pub body: Option<(usize, bool)>,
}

#[derive(Clone, Debug)]
enum Tok {
    Word(Word),
    Redir(Redir),
    Op(&'static str, usize),
    Newline,
}

/// A simple command with what the mutants need of it.
#[derive(Clone, Debug)]
pub(crate) struct Command {
    pub start: usize,
    pub end: usize,
    pub first_line: usize,
    pub last_line: usize,
    pub words: Vec<Word>,
    pub redirs: Vec<Redir>,
    /// The `!` reserved word before it, as a byte range.
    pub bang: Option<(usize, usize)>,
    /// Not a simple command but text whose command substitutions the shell runs and traces at its
    /// lines: a compound command's here-document body, or a word of a `for` or `case` head. No mutant
    /// touches it.
    pub runs_only: bool,
}

impl Command {
    pub fn has_heredoc(&self) -> bool {
        self.redirs.iter().any(|r| r.op.starts_with("<<"))
    }
}

pub(crate) struct Parsed {
    pub commands: Vec<Command>,
    /// (name, start line, end line)
    pub functions: Vec<(String, usize, usize)>,
    /// Byte offsets of top-level `&&` and `||`.
    pub and_or: Vec<usize>,
    /// Every word's byte range, for telling whether a name is used.
    pub words: Vec<(usize, usize)>,
}

/// Line (1-based) of byte `b`, given each line's starting byte.
pub(crate) fn line_of(starts: &[usize], b: usize) -> usize {
    starts.partition_point(|&s| s <= b).max(1)
}

fn is_meta(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')')
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
    toks: Vec<Tok>,
    /// Here-documents whose bodies start after the next newline: (token index, delimiter, `<<-`,
    /// delimiter quoted).
    pending: Vec<(usize, Vec<u8>, bool, bool)>,
    want_delim: Option<(usize, bool)>,
}

impl Lexer<'_> {
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn run(&mut self) {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\\' if self.at(self.i + 1) == b'\n' => self.i += 2,
                b'#' => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b'\n' => {
                    self.toks.push(Tok::Newline);
                    self.i += 1;
                    self.bodies();
                }
                b';' | b'&' | b'|' => {
                    let op = match (c, self.at(self.i + 1)) {
                        (b';', b';') => ";;",
                        (b'&', b'&') => "&&",
                        (b'|', b'|') => "||",
                        (b';', _) => ";",
                        (b'&', _) => "&",
                        _ => "|",
                    };
                    self.toks.push(Tok::Op(op, self.i));
                    self.i += op.len();
                }
                b'(' => {
                    self.toks.push(Tok::Op("(", self.i));
                    self.i += 1;
                }
                b')' => {
                    self.toks.push(Tok::Op(")", self.i));
                    self.i += 1;
                }
                b'<' | b'>' => self.redir(self.i),
                _ => {
                    let start = self.i;
                    let word = self.word();
                    let digits = self.s[start..word.end].iter().all(u8::is_ascii_digit);
                    if digits && matches!(self.at(self.i), b'<' | b'>') {
                        self.redir(start);
                    } else {
                        self.push_word(word);
                    }
                }
            }
        }
    }

    fn push_word(&mut self, word: Word) {
        if let Some((tok, strip)) = self.want_delim.take() {
            // The delimiter is the word with its quotes and escapes removed.
            let raw = &self.s[word.start..word.end];
            let delim: Vec<u8> = raw.iter().copied().filter(|c| !matches!(c, b'\'' | b'"' | b'\\')).collect();
            let quoted = raw.len() != delim.len();
            self.pending.push((tok, delim, strip, quoted));
        }
        self.toks.push(Tok::Word(word));
    }

    fn redir(&mut self, start: usize) {
        const OPS: [&str; 9] = ["<<-", "<<", "<>", "<&", "<", ">>", ">&", ">|", ">"];
        let rest = &self.s[self.i..];
        let op = OPS.iter().find(|op| rest.starts_with(op.as_bytes())).copied().unwrap_or(">");
        self.i += op.len();
        if op.starts_with("<<") {
            self.want_delim = Some((self.toks.len(), op == "<<-"));
        }
        self.toks.push(Tok::Redir(Redir { start, end: self.i, op, body_last: None, body: None }));
    }

    /// Reads the bodies of the here-documents opened on the line just ended.
    fn bodies(&mut self) {
        for (tok, delim, strip, quoted) in std::mem::take(&mut self.pending) {
            let first = self.i;
            let mut last = self.i;
            while self.i < self.s.len() {
                let eol = self.s[self.i..].iter().position(|&c| c == b'\n').map_or(self.s.len(), |p| self.i + p);
                let mut line = &self.s[self.i..eol];
                if strip {
                    while let [b'\t', rest @ ..] = line {
                        line = rest;
                    }
                }
                last = self.i;
                self.i = (eol + 1).min(self.s.len());
                if line == delim.as_slice() {
                    break;
                }
            }
            let runs = !quoted && self.s[first..last].windows(2).any(|w| w == b"$(" || w[0] == b'`');
            if let Some(Tok::Redir(r)) = self.toks.get_mut(tok) {
                r.body_last = Some(last);
                r.body = Some((first, runs));
            }
        }
    }

    fn word(&mut self) -> Word {
        let start = self.i;
        let mut quotes = Vec::new();
        let mut plain = true;
        while self.i < self.s.len() && !is_meta(self.s[self.i]) {
            match self.s[self.i] {
                b'\\' => {
                    plain = false;
                    self.i += 2;
                }
                b'\'' => {
                    plain = false;
                    let open = self.i;
                    self.i = self.single(self.i + 1);
                    quotes.push(Quote { open, close: self.i - 1, literal: true });
                }
                b'"' => {
                    plain = false;
                    let open = self.i;
                    let (close, literal) = self.double(self.i + 1);
                    self.i = close + 1;
                    quotes.push(Quote { open, close, literal });
                }
                b'$' | b'`' => {
                    plain = false;
                    self.i = self.expansion(self.i);
                }
                _ => self.i += 1,
            }
        }
        self.i = self.i.min(self.s.len());
        Word { start, end: self.i, quotes, plain }
    }

    /// After a `'`: the index past the closing one.
    fn single(&self, mut i: usize) -> usize {
        while i < self.s.len() && self.s[i] != b'\'' {
            i += 1;
        }
        (i + 1).min(self.s.len())
    }

    /// After a `"`: the closing quote's index, and whether the string holds literal text or nothing.
    fn double(&self, mut i: usize) -> (usize, bool) {
        let open = i;
        let mut literal = false;
        while i < self.s.len() && self.s[i] != b'"' {
            match self.s[i] {
                b'\\' => {
                    literal = true;
                    i += 2;
                }
                b'$' | b'`' => {
                    let next = self.expansion(i);
                    literal |= next == i + 1; // a lone `$` is literal
                    i = next;
                }
                _ => {
                    literal = true;
                    i += 1;
                }
            }
        }
        let close = i.min(self.s.len());
        (close, literal || close == open)
    }

    /// At a `$` or a backquote: the index past the expansion it starts.
    fn expansion(&self, i: usize) -> usize {
        if self.s[i] == b'`' {
            let mut j = i + 1;
            while j < self.s.len() && self.s[j] != b'`' {
                j += if self.s[j] == b'\\' { 2 } else { 1 };
            }
            return (j + 1).min(self.s.len());
        }
        match self.at(i + 1) {
            b'(' if self.at(i + 2) == b'(' => self.nested(i + 3, 2, b'(', b')'),
            b'(' => self.nested(i + 2, 1, b'(', b')'),
            b'{' => self.nested(i + 2, 1, b'{', b'}'),
            c if is_name(c) && !c.is_ascii_digit() => {
                let mut j = i + 1;
                while is_name(self.at(j)) {
                    j += 1;
                }
                j
            }
            c if c.is_ascii_digit() || b"@*#?-$!".contains(&c) && c != 0 => i + 2,
            _ => i + 1,
        }
    }

    /// Inside `$(`, `$((` or `${`: the index past the bracket that closes it, quotes and nested
    /// expansions skipped (a `)` ending a case pattern inside `$(…)` is beyond this reading).
    fn nested(&self, mut i: usize, mut depth: usize, open: u8, close: u8) -> usize {
        while i < self.s.len() {
            let c = self.s[i];
            match c {
                b'\\' => i += 2,
                b'\'' => i = self.single(i + 1),
                b'"' => i = self.double(i + 1).0 + 1,
                b'$' | b'`' => i = self.expansion(i),
                b'#' if open == b'(' && (i == 0 || is_meta(self.s[i - 1])) => {
                    while i < self.s.len() && self.s[i] != b'\n' {
                        i += 1;
                    }
                }
                _ if c == open => {
                    depth += 1;
                    i += 1;
                }
                _ if c == close => {
                    depth -= 1;
                    i += 1;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => i += 1,
            }
        }
        self.s.len()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Brace,
    Paren,
    If,
    Loop,
    /// `true` while reading patterns (after `in` or `;;`), `false` in a branch's commands.
    Case(bool),
}

struct Frame {
    kind: Kind,
    func: Option<usize>,
}

/// Reads `text` into commands, functions and `&&`/`||` operators. Never fails: what does not
/// parse is read as well as it can be.
pub(crate) fn parse(text: &str, starts: &[usize]) -> Parsed {
    let s = text.as_bytes();
    let mut lx = Lexer { s, i: 0, toks: Vec::new(), pending: Vec::new(), want_delim: None };
    lx.run();
    let toks = lx.toks;
    let line = |b: usize| line_of(starts, b);

    let mut out = Parsed { commands: Vec::new(), functions: Vec::new(), and_or: Vec::new(), words: Vec::new() };
    let mut stack: Vec<Frame> = Vec::new();
    let mut cur: Option<Command> = None;
    let mut cmd_start = true;
    let mut await_target = false;
    let mut pending_func: Option<usize> = None;
    let mut for_head: Option<usize> = None;
    let mut case_head: Option<bool> = None; // Some(false): expects the word, Some(true): expects `in`
    let mut bang: Option<(usize, usize)> = None;

    let finish = |cur: &mut Option<Command>, out: &mut Parsed| {
        if let Some(mut c) = cur.take() {
            let body = c.redirs.iter().filter_map(|r| r.body_last).max();
            c.first_line = line(c.start);
            c.last_line = line(c.end.saturating_sub(1).max(c.start)).max(body.map_or(0, line));
            out.commands.push(c);
        }
    };
    let close = |stack: &mut Vec<Frame>, out: &mut Parsed, want: fn(Kind) -> bool, at: usize| {
        if let Some(pos) = stack.iter().rposition(|f| want(f.kind)) {
            for f in stack.drain(pos..) {
                if let Some(i) = f.func {
                    out.functions[i].2 = line(at);
                }
            }
        }
    };
    let push = |stack: &mut Vec<Frame>, pending: &mut Option<usize>, kind: Kind| {
        stack.push(Frame { kind, func: pending.take() });
    };

    let mut j = 0;
    while j < toks.len() {
        let tok = &toks[j];
        j += 1;
        let in_patterns = matches!(stack.last(), Some(Frame { kind: Kind::Case(true), .. }));
        match tok {
            Tok::Word(w) => {
                out.words.push((w.start, w.end));
                let text = &text[w.start..w.end];
                if await_target {
                    await_target = false;
                    if let Some(r) = cur.as_mut().and_then(|c| c.redirs.last_mut()) {
                        r.end = w.end;
                        if let Some(c) = cur.as_mut() {
                            c.end = c.end.max(w.end);
                        }
                    }
                    continue;
                }
                let runs = |out: &mut Parsed| {
                    if text.contains("$(") || text.contains('`') {
                        out.commands.push(Command {
                            start: w.start,
                            end: w.end,
                            first_line: line(w.start),
                            last_line: line(w.end - 1),
                            words: Vec::new(),
                            redirs: Vec::new(),
                            bang: None,
                            runs_only: true,
                        });
                    }
                };
                if let Some(n) = for_head {
                    runs(&mut out);
                    for_head = if n == 1 && text == "do" { None } else { Some(n + 1) };
                    continue;
                }
                if let Some(expect_in) = case_head {
                    runs(&mut out);
                    if expect_in {
                        case_head = None;
                        if let Some(f) = stack.last_mut() {
                            f.kind = Kind::Case(true);
                        }
                    } else {
                        case_head = Some(true);
                    }
                    continue;
                }
                if in_patterns {
                    if text == "esac" {
                        close(&mut stack, &mut out, |k| matches!(k, Kind::Case(_)), w.start);
                        cmd_start = false;
                    }
                    continue;
                }
                if let Some(c) = cur.as_mut() {
                    c.end = w.end;
                    c.words.push(w.clone());
                    continue;
                }
                if cmd_start {
                    let closer: Option<fn(Kind) -> bool> = match text {
                        "}" => Some(|k| k == Kind::Brace),
                        "fi" => Some(|k| k == Kind::If),
                        "done" => Some(|k| k == Kind::Loop),
                        "esac" => Some(|k| matches!(k, Kind::Case(_))),
                        _ => None,
                    };
                    if let Some(want) = closer {
                        close(&mut stack, &mut out, want, w.start);
                        cmd_start = false;
                        continue;
                    }
                    match text {
                        "{" => push(&mut stack, &mut pending_func, Kind::Brace),
                        "if" => push(&mut stack, &mut pending_func, Kind::If),
                        "while" | "until" => push(&mut stack, &mut pending_func, Kind::Loop),
                        "for" => {
                            push(&mut stack, &mut pending_func, Kind::Loop);
                            for_head = Some(0);
                        }
                        "case" => {
                            push(&mut stack, &mut pending_func, Kind::Case(false));
                            case_head = Some(false);
                        }
                        "then" | "else" | "elif" | "do" => {}
                        "!" => bang = Some((w.start, w.end)),
                        _ => {
                            let def = matches!(toks.get(j), Some(Tok::Op("(", _)))
                                && matches!(toks.get(j + 1), Some(Tok::Op(")", _)))
                                && w.plain;
                            if def {
                                out.functions.push((text.to_string(), line(w.start), line(w.start)));
                                pending_func = Some(out.functions.len() - 1);
                                j += 2;
                                continue;
                            }
                            pending_func = None;
                            cur = Some(Command {
                                start: w.start,
                                end: w.end,
                                first_line: 0,
                                last_line: 0,
                                words: vec![w.clone()],
                                redirs: Vec::new(),
                                bang: bang.take(),
                                runs_only: false,
                            });
                            cmd_start = false;
                        }
                    }
                }
                // A word right after a closing keyword is a syntax error; nothing to record.
            }
            Tok::Redir(r) => {
                if in_patterns {
                    continue;
                }
                await_target = true;
                if cur.is_none() && cmd_start {
                    pending_func = None;
                    cur = Some(Command {
                        start: r.start,
                        end: r.end,
                        first_line: 0,
                        last_line: 0,
                        words: Vec::new(),
                        redirs: Vec::new(),
                        bang: bang.take(),
                        runs_only: false,
                    });
                    cmd_start = false;
                }
                // Redirections of a compound command (`done >file`) belong to no simple command.
                if let Some(c) = cur.as_mut() {
                    c.end = c.end.max(r.end);
                    c.redirs.push(r.clone());
                } else if let (Some((first, true)), Some(last)) = (r.body, r.body_last) {
                    out.commands.push(Command {
                        start: first,
                        end: last,
                        first_line: line(first),
                        last_line: line(last),
                        words: Vec::new(),
                        redirs: Vec::new(),
                        bang: None,
                        runs_only: true,
                    });
                }
            }
            Tok::Newline | Tok::Op(..) => {
                let (op, at) = match tok {
                    Tok::Op(op, at) => (*op, *at),
                    _ => ("\n", 0),
                };
                await_target = false;
                if for_head.is_some() && matches!(op, ";" | "\n") {
                    for_head = None;
                    cmd_start = true;
                    continue;
                }
                if case_head.is_some() || for_head.is_some() {
                    continue;
                }
                if in_patterns {
                    if op == ")" {
                        if let Some(f) = stack.last_mut() {
                            f.kind = Kind::Case(false);
                        }
                        cmd_start = true;
                    }
                    continue;
                }
                finish(&mut cur, &mut out);
                bang = None;
                match op {
                    ";;" => {
                        if let Some(pos) = stack.iter().rposition(|f| matches!(f.kind, Kind::Case(_))) {
                            stack.truncate(pos + 1);
                            stack[pos].kind = Kind::Case(true);
                        }
                        cmd_start = true;
                    }
                    "(" => {
                        push(&mut stack, &mut pending_func, Kind::Paren);
                        cmd_start = true;
                    }
                    ")" => {
                        close(&mut stack, &mut out, |k| k == Kind::Paren, at);
                        cmd_start = false;
                    }
                    "&&" | "||" => {
                        out.and_or.push(at);
                        cmd_start = true;
                    }
                    _ => cmd_start = true,
                }
            }
        }
    }
    finish(&mut cur, &mut out);
    let last = starts.len();
    for f in stack {
        if let Some(i) = f.func {
            out.functions[i].2 = last;
        }
    }
    out
}
