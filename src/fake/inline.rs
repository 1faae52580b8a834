//! The spec run with the fakes answering in memory: how the in-process subject runs weave, and how
//! the fake docker runs the weaveexec image's `--local` commands, in the same world.

use super::{answer, log::Call, materialize, materialize_since, registry, Shown, State};
use crate::fs::Fs;
use crate::spec::shell::{Command, Host, Io, Outcome, Shape, Shell, Word};
use crate::spec::weave;
use crate::trace::{Kind, Line, Trace};
use crate::world::World;

/// The fakes as a [`Host`]: each call is answered by the model and logged in memory.
pub struct FakeHost<'a> {
    pub world: &'a World,
    pub state: &'a mut State,
    pub calls: Vec<Call>,
    /// The filesystem as the run sees it.
    pub fs: &'a mut dyn Fs,
    /// Where the run sees the host's `/proc` (`/hostproc` inside weaveexec).
    pub procfs: Vec<u8>,
    /// `$$`.
    pub pid: u32,
    /// Whether `fs` holds the run's starting files yet: they are laid out ([`initial_fs`]) when the
    /// run first looks at a file, so a run that never does (most of the client side) skips it.
    laid_out: bool,
    /// What `fs` was last made to show of the state.
    shown: Shown,
    /// Whether a call changed the world.
    pub changed: bool,
    /// Names `/` holds beyond the host's own: a container's mount points.
    pub root_extras: Vec<Word>,
}

impl<'a> FakeHost<'a> {
    /// A host whose filesystem `fs` is laid out from the world on first use, with procfs at
    /// `procfs` and the shell's own `PROCFS/$$/ns/net`.
    pub fn new(world: &'a World, state: &'a mut State, fs: &'a mut dyn Fs, procfs: &[u8], pid: u32) -> FakeHost<'a> {
        FakeHost {
            world,
            state,
            calls: Vec::new(),
            fs,
            procfs: procfs.to_vec(),
            pid,
            laid_out: false,
            shown: Shown::default(),
            changed: false,
            root_extras: Vec::new(),
        }
    }

    fn lay_out(&mut self) {
        if !self.laid_out {
            self.laid_out = true;
            initial_fs(self.world, self.state, &mut *self.fs, &self.procfs, Some(self.pid));
            self.shown = Shown::of(self.state);
        }
    }
}

/// Lays out the files a run starts with: the state's (see [`materialize`]) with procfs at
/// `procfs`, `PROCFS/SELF/ns/net` of the run's own shell in the host's namespace, `/tmp`, and
/// `/var/run/netns` when the world's host has it. The same on disk for a sandbox as in memory.
pub fn initial_fs(world: &World, state: &mut State, fs: &mut dyn Fs, procfs: &[u8], self_pid: Option<u32>) {
    state.parts(world);
    let _ = fs.mkdir_p(b"/tmp");
    let _ = fs.mkdir_p(procfs);
    if let Some(pid) = self_pid {
        let dir = [procfs, b"/", pid.to_string().as_bytes(), b"/ns"].concat();
        let link = [dir.as_slice(), b"/net"].concat();
        let _ = fs.mkdir_p(&dir);
        if fs.kind(&link).is_none() {
            let _ = fs.symlink(format!("net:[{}]", super::net::HOST_NETNS_INODE).as_bytes(), &link);
        }
    }
    if world.host.netns_dir {
        let _ = fs.mkdir_p(b"/var/run/netns");
    }
    materialize(state, fs, procfs);
}

/// `$$` of the spec in-process: no process of its own, so a number no real shell of a sandbox has
/// (above the kernel's default pid_max of 32768).
pub const IN_PROCESS_PID: u32 = 39999;

/// Utilities a sandbox's PATH holds besides the fakes: harmless ones, linked from the host (the
/// sandbox links these; `command -v` in-process finds them).
pub const UTILITIES: &[&str] = &[
    "sed", "grep", "cut", "tr", "cat", "head", "tail", "readlink", "printf", "echo", "true", "false", "wc", "sort",
    "uniq", "rm", "mkdir", "ln", "sh",
];

impl Host for FakeHost<'_> {
    fn fs(&mut self) -> &mut dyn crate::spec::shell::Fs {
        self.lay_out();
        &mut *self.fs
    }

    fn pid(&self) -> u32 {
        self.pid
    }

    /// The shell itself, and pid 1: every system has one, so a world container given pid 1 is one
    /// a sandboxed script (run as root, as the local side must be) finds alive too. The world's
    /// other containers are not processes here.
    fn alive(&self, pid: &[u8]) -> bool {
        pid == self.pid.to_string().as_bytes() || pid == b"1"
    }

    /// A sandbox's PATH holds the fakes and the allowed utilities, in its `bin/`.
    fn find(&mut self, name: &[u8], _env: &[(Word, Word)]) -> Option<Word> {
        let known =
            registry::find_installed(self.world, name).is_some() || UTILITIES.iter().any(|n| n.as_bytes() == name);
        known.then(|| [b"/weavetrace/bin/".as_slice(), name].concat())
    }

    fn exec(&mut self, cmd: &Command) -> Outcome {
        let env = |k: &str| cmd.env.iter().find(|(n, _)| n.as_slice() == k.as_bytes()).map(|(_, v)| v.clone());
        let stdin = cmd.stdin.map(<[u8]>::to_vec).unwrap_or_default();
        match answer(self.world, self.state, &mut *self.fs, cmd.argv, &env, stdin) {
            Some((reply, call)) => {
                self.calls.push(call);
                self.changed |= reply.changed;
                // Not laid out yet, the files will show the state as it is then.
                if reply.changed && self.laid_out {
                    self.shown = materialize_since(Some(&self.shown), self.state, &mut *self.fs, &self.procfs);
                }
                let stderr = if cmd.quiet { Vec::new() } else { reply.stderr };
                Outcome { status: reply.status, stdout: reply.stdout, stderr, not_found: false }
            }
            // The rest of PATH is plain utilities, which the spec models itself.
            None => Outcome { status: 127, not_found: true, ..Outcome::default() },
        }
    }
}

/// Buffers output, remembering where each pipeline element's trace lines start.
#[derive(Default)]
pub struct BufferIo {
    /// stderr as the lines a reader of its bytes finds, kept when asked for (`Some`): the shell
    /// says what each trace line is, so the bytes need not be read back. `None` again once stderr
    /// holds what only reading tells (see [`BufferIo::trace_lines`]).
    pub lines: Option<Vec<Line>>,
    /// A message's last bytes, not yet ended by a newline.
    partial: Vec<u8>,
    /// How stderr is read back (its dialect and PS4), where lines are kept.
    reading: Option<(crate::trace::Dialect, Vec<u8>)>,
    pub stderr: Vec<u8>,
    pub stdout: Vec<u8>,
    /// Both streams, in the order written.
    pub terminal: Vec<u8>,
    /// (offset in stderr of a trace line, its pipeline and element)
    pub marks: Vec<(usize, (u32, u32))>,
    /// stderr without the trace: what the run writes there without `-x`.
    pub messages: Vec<u8>,
}

impl BufferIo {
    /// A buffer that keeps stderr's lines too, as a reader of its bytes in `dialect` with `ps4`
    /// would find them.
    pub fn keeping_lines(dialect: crate::trace::Dialect, ps4: &[u8]) -> BufferIo {
        BufferIo { lines: Some(Vec::new()), reading: Some((dialect, ps4.to_vec())), ..BufferIo::default() }
    }

    /// stderr's lines, exactly as reading its bytes in the buffer's dialect with its PS4 finds
    /// them, when the buffer kept them; `None` where only reading tells (a message run into a
    /// trace line, a message line that starts with PS4, an ash line of one empty word, an empty
    /// PS4), and the caller reads the bytes.
    pub fn trace_lines(&mut self) -> Option<Vec<Line>> {
        let ps4 = self.reading.as_ref().map(|(_, p)| p.as_slice()).filter(|p| !p.is_empty())?;
        let mut lines = self.lines.take()?;
        if !self.partial.is_empty() {
            lines.push(Line::plain(std::mem::take(&mut self.partial), Kind::Output, false));
        }
        let readable = lines.iter().all(|l| l.kind != Kind::Output || !l.bytes.starts_with(ps4));
        readable.then_some(lines)
    }

    fn push_trace(&mut self, line: &[u8], pipeline: Option<(u32, u32)>) {
        if let Some(p) = pipeline {
            self.marks.push((self.stderr.len(), p));
        }
        self.stderr.extend_from_slice(line);
        self.stderr.push(b'\n');
        self.terminal.extend_from_slice(line);
        self.terminal.push(b'\n');
    }

    fn push_message(&mut self, bytes: &[u8]) {
        self.stderr.extend_from_slice(bytes);
        self.terminal.extend_from_slice(bytes);
        self.messages.extend_from_slice(bytes);
    }

    /// Bytes holding trace lines written through a redirection, kept as lines by reading them
    /// back, which gives what reading the whole stderr would where they start and end a line.
    fn keep_read(&mut self, bytes: &[u8], marks: &[crate::spec::shell::Mark]) {
        let Some((dialect, ps4)) = self.reading.as_ref() else { return };
        if self.lines.is_none() {
            return;
        }
        if !self.partial.is_empty() || !bytes.ends_with(b"\n") {
            self.lines = None;
            return;
        }
        let pipelines: Vec<(usize, (u32, u32))> = marks.iter().filter_map(|&(at, _, p)| Some((at, p?))).collect();
        let read = read_lines(bytes, *dialect, ps4, &pipelines);
        self.lines.get_or_insert_with(Vec::new).extend(read.lines);
    }

    fn keep_message(&mut self, bytes: &[u8]) {
        let Some(lines) = self.lines.as_mut() else { return };
        let mut rest = bytes;
        while let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let mut body = std::mem::take(&mut self.partial);
            body.extend_from_slice(&rest[..i]);
            lines.push(Line::plain(body, Kind::Output, true));
            rest = &rest[i + 1..];
        }
        self.partial.extend_from_slice(rest);
    }
}

impl Io for BufferIo {
    fn xtrace_shaped(&mut self, line: Word, pipeline: Option<(u32, u32)>, shape: Shape<'_>) {
        // A message left open runs into this line, which a reader takes for the message's; ash
        // writes a lone empty word as nothing, which reads as no word at all.
        let lone_empty = shape.words.is_some_and(|w| w.len() == 1 && w[0].is_empty());
        if !self.partial.is_empty() || lone_empty {
            self.lines = None;
        }
        self.push_trace(&line, pipeline);
        let Some(lines) = self.lines.as_mut() else { return };
        let kind = if shape.head { Kind::BashOnly } else { Kind::Xtrace };
        // Unquoted (a dash word, a bash head), a newline ends the line for a reader: what follows
        // it reads as other lines.
        let mut bytes = line;
        let cut = shape.words.is_none().then(|| bytes.iter().position(|&b| b == b'\n')).flatten();
        let rest = cut.map(|at| bytes.split_off(at));
        let words = shape.words.map(|w| w.iter().map(|w| w.to_vec()).collect());
        let pipeline = pipeline.filter(|_| kind == Kind::Xtrace);
        lines.push(Line { bytes, kind, eol: true, pipeline, depth: shape.depth, ps4: shape.ps4, words });
        for cont in rest.iter().flat_map(|r| r[1..].split(|&b| b == b'\n')) {
            lines.push(Line::plain(cont.to_vec(), Kind::Output, true));
        }
    }

    fn xtrace(&mut self, line: Word, pipeline: Option<(u32, u32)>) {
        // Unshaped: only reading the bytes tells the line.
        self.lines = None;
        self.push_trace(&line, pipeline);
    }

    fn stderr(&mut self, bytes: &[u8]) {
        self.keep_message(bytes);
        self.push_message(bytes);
    }

    fn stderr_marked(&mut self, bytes: &[u8], marks: &[crate::spec::shell::Mark]) {
        if marks.is_empty() {
            return self.stderr(bytes);
        }
        self.keep_read(bytes, marks);
        let mut from = 0;
        // Marks are in order and inside `bytes`; one that is not is dropped, not trusted.
        for &(at, len, pipeline) in marks.iter().filter(|&&(at, len, _)| at + len <= bytes.len()) {
            if at < from {
                continue;
            }
            if let Some(p) = pipeline {
                self.marks.push((self.stderr.len() + at - from, p));
            }
            self.messages.extend_from_slice(bytes.get(from..at).unwrap_or_default());
            self.stderr.extend_from_slice(bytes.get(from..at + len).unwrap_or_default());
            self.terminal.extend_from_slice(bytes.get(from..at + len).unwrap_or_default());
            from = at + len;
        }
        self.push_message(bytes.get(from..).unwrap_or_default());
    }

    fn stdout(&mut self, bytes: &[u8]) {
        self.stdout.extend_from_slice(bytes);
        self.terminal.extend_from_slice(bytes);
    }
}

/// One run of the spec in memory: what it wrote, how it ended, the calls it made.
pub struct SpecRun {
    pub io: BufferIo,
    /// The exit status.
    pub status: i32,
    pub calls: Vec<Call>,
}

/// Runs the spec of weave with `args` and `env` (its whole environment) on `host`: its world,
/// state (which the calls change), filesystem and pid. The calls go to the result; with
/// `keep_lines` (the run's PS4), stderr's lines too (see [`BufferIo::trace_lines`]).
pub fn run_spec(
    host: &mut FakeHost,
    arg0: &[u8],
    dialect: crate::trace::Dialect,
    env: Vec<(Word, Word)>,
    args: Vec<Word>,
    cwd: &std::path::Path,
    keep_lines: Option<&[u8]>,
) -> SpecRun {
    let mut io = match keep_lines {
        Some(ps4) => BufferIo::keeping_lines(dialect, ps4),
        None => BufferIo::default(),
    };
    let root_extras = host.root_extras.clone();
    let status = {
        let mut sh = Shell::new(host, &mut io, arg0.to_vec(), env, args);
        sh.set_root_extras(root_extras);
        sh.set_cwd(cwd.to_path_buf());
        sh.set_dialect(dialect);
        weave::main(&mut sh) & 0xff
    };
    SpecRun { io, status, calls: std::mem::take(&mut host.calls) }
}

/// `bytes` of stderr read back in `dialect` with `ps4` as lines, those that start at `marks`'
/// offsets marked with their pipeline.
pub fn read_lines(bytes: &[u8], dialect: crate::trace::Dialect, ps4: &[u8], marks: &[(usize, (u32, u32))]) -> Trace {
    let mut trace = crate::trace::parse(bytes, dialect, ps4);
    let mut offset = 0;
    let mut next = marks.iter().peekable();
    for line in &mut trace.lines {
        while let Some(&&(at, id)) = next.peek() {
            if at < offset {
                next.next();
                continue;
            }
            if at == offset && line.kind == Kind::Xtrace {
                line.pipeline = Some(id);
                next.next();
            }
            break;
        }
        offset += line.bytes.len() + usize::from(line.eol);
    }
    trace
}
