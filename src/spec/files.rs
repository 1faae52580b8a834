//! The file utilities the local side runs (`rm -f`, `mkdir -p`, `ln -s`, `readlink`, and the
//! `sh -c "echo N >FILE && ..."` of `configure_arp_cache`), modeled over the shell's [`Fs`]: the
//! in-process spec has no files of its own, and the process spec's are the sandbox's.
//!
//! Messages are GNU coreutils' and dash's, which the sandbox links in.

use super::shell::{Fs, UtilityOutput, Word};

/// A file utility: arguments (without the name) and the filesystem it works on.
pub type FileUtility = fn(args: &[Word], fs: &mut dyn Fs) -> UtilityOutput;

fn failed(msg: String, status: i32) -> UtilityOutput {
    UtilityOutput { stderr: msg.into_bytes(), status, ..UtilityOutput::default() }
}

fn show(w: &[u8]) -> String {
    String::from_utf8_lossy(w).into_owned()
}

/// One operand failed: its message, and status 1 for the whole command, which goes on.
fn complain(out: &mut UtilityOutput, message: String) {
    out.stderr.extend(message.into_bytes());
    out.status = 1;
}

/// Splits `-x`-style options (all given first) from operands.
fn options(args: &[Word]) -> (Vec<u8>, &[Word]) {
    let mut flags = Vec::new();
    let mut i = 0;
    while i < args.len() && args[i].len() > 1 && args[i][0] == b'-' {
        if args[i] == b"--" {
            i += 1;
            break;
        }
        flags.extend_from_slice(&args[i][1..]);
        i += 1;
    }
    (flags, &args[i..])
}

/// `rm [-f] PATH...`: files and links (directories need -r, which the script never passes).
pub fn rm(args: &[Word], fs: &mut dyn Fs) -> UtilityOutput {
    let (flags, paths) = options(args);
    let force = flags.contains(&b'f');
    if paths.is_empty() && !force {
        return failed("rm: missing operand\nTry 'rm --help' for more information.\n".into(), 1);
    }
    let mut out = UtilityOutput::default();
    for p in paths {
        match fs.kind(p) {
            None if force => {}
            None => complain(&mut out, format!("rm: cannot remove '{}': No such file or directory\n", show(p))),
            Some(crate::fs::FileKind::Dir) if !flags.contains(&b'r') => {
                complain(&mut out, format!("rm: cannot remove '{}': Is a directory\n", show(p)))
            }
            Some(_) => {
                if let Err(e) = fs.remove(p) {
                    complain(&mut out, format!("rm: cannot remove '{}': {e}\n", show(p)));
                }
            }
        }
    }
    out
}

/// `mkdir -p DIR...`.
pub fn mkdir(args: &[Word], fs: &mut dyn Fs) -> UtilityOutput {
    let (_, dirs) = options(args);
    let mut out = UtilityOutput::default();
    for d in dirs {
        if let Err(e) = fs.mkdir_p(d) {
            complain(&mut out, format!("mkdir: cannot create directory '{}': {e}\n", show(d)));
        }
    }
    out
}

/// `ln -s TARGET LINK`, or `ln -s TARGET... DIR` (links named after the targets, inside DIR).
pub fn ln(args: &[Word], fs: &mut dyn Fs) -> UtilityOutput {
    let (_, operands) = options(args);
    let (link, targets) = match operands {
        [] | [_] => return failed("ln: missing file operand\nTry 'ln --help' for more information.\n".into(), 1),
        [target, link] if !fs.is_dir(link) => (link.clone(), std::slice::from_ref(target)),
        [targets @ .., dir] => {
            if !fs.is_dir(dir) {
                let why = if fs.kind(dir).is_some() { "Not a directory" } else { "No such file or directory" };
                return failed(format!("ln: target '{}': {why}\n", show(dir)), 1);
            }
            (dir.clone(), targets)
        }
    };
    let mut out = UtilityOutput::default();
    for target in targets {
        let path = if fs.is_dir(&link) {
            let name = target.rsplit(|&b| b == b'/').next().unwrap_or(target);
            // GNU ln joins a directory written with its slash without adding another.
            let sep: &[u8] = if link.ends_with(b"/") { b"" } else { b"/" };
            [link.as_slice(), sep, name].concat()
        } else {
            link.clone()
        };
        if let Err(e) = fs.symlink(target, &path) {
            complain(&mut out, format!("ln: failed to create symbolic link '{}': {e}\n", show(&path)));
        }
    }
    out
}

/// `readlink PATH`: the link's target, or nothing and status 1.
pub fn readlink(args: &[Word], fs: &mut dyn Fs) -> UtilityOutput {
    let (_, paths) = options(args);
    let mut out = UtilityOutput::default();
    for p in paths {
        match fs.read_link(p) {
            Some(mut target) => {
                target.push(b'\n');
                out.stdout.extend(target);
            }
            None => out.status = 1,
        }
    }
    out
}

/// One `echo VALUE >FILE` of a `sh -c` script, and the script line it is on (dash's error
/// messages name it).
pub struct EchoTo<'a> {
    pub value: &'a str,
    pub path: &'a str,
    pub line: usize,
}

/// The writes of a script that is a chain of `echo VALUE >FILE` joined by `&&` (all configure_arp_cache
/// asks of a child shell); `Err` with the first part that is something else.
pub fn echo_chain(script: &str) -> Result<Vec<EchoTo<'_>>, &str> {
    let mut line = 1;
    let mut writes = Vec::new();
    for part in script.split("&&") {
        let lead = part.len() - part.trim_start().len();
        line += part[..lead].matches('\n').count();
        let (value, path) = match part.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["echo", value, target] if target.starts_with('>') => (*value, &target[1..]),
            ["echo", value, ">", target] => (*value, *target),
            _ => return Err(part.trim()),
        };
        writes.push(EchoTo { value, path, line });
        line += part[lead..].matches('\n').count();
    }
    Ok(writes)
}

/// `sh -c SCRIPT` where the script is an [`echo_chain`]; anything else is refused rather than
/// guessed at.
pub fn sh(args: &[Word], fs: &mut dyn Fs) -> UtilityOutput {
    let [flag, script] = args else {
        return failed("sh: only `sh -c SCRIPT` is modeled\n".into(), 2);
    };
    if flag != b"-c" {
        return failed("sh: only `sh -c SCRIPT` is modeled\n".into(), 2);
    }
    let text = String::from_utf8_lossy(script);
    let writes = match echo_chain(&text) {
        Ok(writes) => writes,
        Err(part) => return failed(format!("sh: only `echo VALUE >FILE && ...` is modeled, not {part:?}\n"), 2),
    };
    for EchoTo { value, path, line } in writes {
        if let Err(e) = fs.write(path.as_bytes(), format!("{value}\n").as_bytes()) {
            // dash's words for a redirection it cannot open.
            let why = if e == crate::fs::ENOENT { "Directory nonexistent" } else { e };
            return failed(format!("sh: {line}: cannot create {path}: {why}\n"), 2);
        }
    }
    UtilityOutput::default()
}

/// The modeled file utility of this name.
pub fn by_name(name: &[u8]) -> Option<FileUtility> {
    Some(match name {
        b"rm" => rm,
        b"mkdir" => mkdir,
        b"ln" => ln,
        b"readlink" => readlink,
        b"sh" => sh,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::MemFs;

    fn ws(list: &[&str]) -> Vec<Word> {
        list.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn the_netns_link_dance() {
        let mut fs = MemFs::default();
        fs.mkdir_p(b"/proc/40001/ns").unwrap();
        fs.symlink(b"net:[4026532200]", b"/proc/40001/ns/net").unwrap();
        assert_eq!(mkdir(&ws(&["-p", "/var/run/netns"]), &mut fs).status, 0);
        assert_eq!(rm(&ws(&["-f", "/var/run/netns/40001"]), &mut fs).status, 0);
        assert_eq!(ln(&ws(&["-s", "/proc/40001/ns/net", "/var/run/netns/40001"]), &mut fs).status, 0);
        let again = ln(&ws(&["-s", "/proc/40001/ns/net", "/var/run/netns/40001"]), &mut fs);
        assert_eq!(again.stderr, b"ln: failed to create symbolic link '/var/run/netns/40001': File exists\n");
        assert_eq!(readlink(&ws(&["/proc/40001/ns/net"]), &mut fs).stdout, b"net:[4026532200]\n");
        assert_eq!(readlink(&ws(&["/proc/1/ns/net"]), &mut fs).status, 1);
        // A PROCFS with a space splits: three operands, the last no directory.
        let r = ln(&ws(&["-s", "/proc", "x/40001/ns/net", "/var/run/netns/7"]), &mut fs);
        assert_eq!(r.stderr, b"ln: target '/var/run/netns/7': No such file or directory\n");
        assert_eq!(ln(&ws(&["-s", "/proc/40001/ns/net", "/var/run/netns"]), &mut fs).status, 0);
        assert_eq!(fs.read_link(b"/var/run/netns/net"), Some(b"/proc/40001/ns/net".to_vec()));
        // Into a directory named with its slash (an empty pid): measured with coreutils 9.1.
        let again = ln(&ws(&["-s", "/proc//ns/net", "/var/run/netns/"]), &mut fs);
        assert_eq!(again.stderr, b"ln: failed to create symbolic link '/var/run/netns/net': File exists\n");
    }

    #[test]
    fn sh_writes_the_arp_settings_or_says_why_not() {
        let mut fs = MemFs::default();
        let script = "echo 5 >/proc/sys/net/ipv4/neigh/weave/base_reachable_time &&\n   echo 1 >/proc/sys/net/ipv4/neigh/weave/ucast_solicit";
        let r = sh(&[b"-c".to_vec(), script.as_bytes().to_vec()], &mut fs);
        assert_eq!(
            String::from_utf8_lossy(&r.stderr),
            "sh: 1: cannot create /proc/sys/net/ipv4/neigh/weave/base_reachable_time: Directory nonexistent\n"
        );
        fs.mkdir_p(b"/proc/sys/net/ipv4/neigh/weave").unwrap();
        assert_eq!(sh(&[b"-c".to_vec(), script.as_bytes().to_vec()], &mut fs).status, 0);
        assert_eq!(fs.read(b"/proc/sys/net/ipv4/neigh/weave/ucast_solicit"), Ok(b"1\n".to_vec()));
    }
}
