//! The iptables tables of a host and the iptables 1.4.21 language over them. Here, below the fakes,
//! because a world's `host.iptables` lines are checked by applying them when the world is loaded;
//! the fakes' `iptables` answers with the same code.

use super::addr::Cidr;
use serde::{Deserialize, Serialize};

/// An iptables chain: a built-in one has a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Each rule as `iptables -S` words after `-A CHAIN`.
    #[serde(default)]
    pub rules: Vec<Vec<String>>,
}

/// An iptables table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub chains: Vec<Chain>,
}

/// The built-in chains of each table of a 3.16 kernel, in hook order.
const TABLES: [(&str, &[&str]); 4] = [
    ("filter", &["INPUT", "FORWARD", "OUTPUT"]),
    ("nat", &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]),
    ("mangle", &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]),
    ("raw", &["PREROUTING", "OUTPUT"]),
];

/// The tables of a host with no rules: every built-in chain with policy ACCEPT.
pub fn empty_tables() -> Vec<Table> {
    TABLES
        .iter()
        .map(|(name, chains)| Table {
            name: name.to_string(),
            chains: chains
                .iter()
                .map(|c| Chain { name: c.to_string(), policy: Some("ACCEPT".into()), rules: Vec::new() })
                .collect(),
        })
        .collect()
}

/// The tables a world's `iptables` lines make from the empty ones, and the first line that does
/// not apply, with why (it is left out, the rest applied).
pub fn world_tables(lines: &[String]) -> (Vec<Table>, Option<(&str, String)>) {
    let mut tables = empty_tables();
    let mut first_failure = None;
    for line in lines {
        if let Err(e) = apply_world_rule(&mut tables, line) {
            first_failure.get_or_insert((line.as_str(), e));
        }
    }
    (tables, first_failure)
}

/// Applies one of the world's `iptables` lines (`-t nat -N WEAVE`); on failure, why.
fn apply_world_rule(tables: &mut [Table], line: &str) -> Result<(), String> {
    let words = shell_words::split(line).map_err(|e| e.to_string())?;
    let mut argv = vec![b"iptables".to_vec()];
    argv.extend(words.into_iter().map(String::into_bytes));
    let r = iptables(tables, true, &argv);
    if r.status == 0 {
        Ok(())
    } else {
        Err(r.stderr.lines().next().unwrap_or_default().to_string())
    }
}

/// What an `iptables` call writes and exits with; the fakes turn it into their reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

fn reply(stdout: String) -> Output {
    Output { stdout, ..Output::default() }
}

fn fail(stderr: String, status: i32) -> Output {
    Output { stderr, status, ..Output::default() }
}

fn text(w: &[u8]) -> String {
    String::from_utf8_lossy(w).into_owned()
}

const IPT: &str = "iptables v1.4.21";
const IPT_TRY: &str = "Try `iptables -h' or 'iptables --help' for more information.\n";

fn no_chain() -> Output {
    fail("iptables: No chain/target/match by that name.\n".into(), 1)
}

/// The targets of the kernel's modules, which need no chain of that name.
const TARGETS: [&str; 12] =
    ["ACCEPT", "DROP", "RETURN", "QUEUE", "REJECT", "LOG", "MASQUERADE", "SNAT", "DNAT", "REDIRECT", "MARK", "NOTRACK"];

/// A rule's words in the order and form `iptables -S` prints them: addresses masked, the
/// interface and protocol matches first, the target last.
fn canonical_rule(words: &[&[u8]]) -> Result<Vec<String>, Output> {
    const ORDER: [&str; 5] = ["-s", "-d", "-i", "-o", "-p"];
    let mut fixed: [Option<(bool, String)>; 5] = Default::default();
    let mut middle = Vec::new();
    let mut target = Vec::new();
    let mut negate = false;
    let mut i = 0;
    while i < words.len() {
        let w = text(words[i]);
        i += 1;
        if w == "!" {
            negate = true;
            continue;
        }
        let short = match w.as_str() {
            "-s" | "--source" | "--src" => Some(0),
            "-d" | "--destination" | "--dst" => Some(1),
            "-i" | "--in-interface" => Some(2),
            "-o" | "--out-interface" => Some(3),
            "-p" | "--protocol" => Some(4),
            _ => None,
        };
        if let Some(k) = short {
            let Some(v) = words.get(i).map(|v| text(v)) else {
                return Err(fail(format!("{IPT}: option \"{w}\" requires an argument\n{IPT_TRY}"), 2));
            };
            i += 1;
            let v = if k < 2 {
                match Cidr::parse(&v) {
                    Some(c) => c.network().to_string(),
                    None => return Err(fail(format!("{IPT}: host/network `{v}' not found\n{IPT_TRY}"), 2)),
                }
            } else {
                v
            };
            fixed[k] = Some((negate, v));
            negate = false;
            continue;
        }
        if w == "-j" || w == "--jump" || !target.is_empty() {
            target.push(if w == "--jump" { "-j".to_string() } else { w });
        } else {
            if negate {
                middle.push("!".to_string());
            }
            middle.push(w);
        }
        negate = false;
    }
    let mut out = Vec::new();
    for (k, f) in fixed.into_iter().enumerate() {
        if let Some((neg, v)) = f {
            if neg {
                out.push("!".to_string());
            }
            out.push(ORDER[k].to_string());
            out.push(v);
        }
    }
    out.extend(middle);
    out.extend(target);
    Ok(out)
}

fn table_mut<'a>(tables: &'a mut [Table], name: &str) -> Option<&'a mut Table> {
    tables.iter_mut().find(|t| t.name == name)
}

/// `iptables ARGS` over `tables`; `w_ok` says whether this iptables knows `-w`.
pub fn iptables(tables: &mut [Table], w_ok: bool, argv: &[Vec<u8>]) -> Output {
    let mut table = "filter".to_string();
    let mut command: Option<(String, Option<String>)> = None;
    let mut rest: Vec<&[u8]> = Vec::new();
    let mut i = 1;
    while i < argv.len() {
        let w = argv[i].as_slice();
        i += 1;
        match w {
            b"-w" | b"--wait" => {
                if !w_ok {
                    return fail(format!("{IPT}: unknown option \"{}\"\n{IPT_TRY}", text(w)), 2);
                }
            }
            b"-t" | b"--table" => match argv.get(i) {
                Some(t) => {
                    table = text(t);
                    i += 1;
                }
                None => return fail(format!("{IPT}: option \"{}\" requires an argument\n{IPT_TRY}", text(w)), 2),
            },
            _ if command.is_none() && w.len() >= 2 && w[0] == b'-' => {
                let name = match w {
                    b"-S" | b"--list-rules" => "-S",
                    b"-A" | b"--append" => "-A",
                    b"-C" | b"--check" => "-C",
                    b"-D" | b"--delete" => "-D",
                    b"-I" | b"--insert" => "-I",
                    b"-N" | b"--new-chain" => "-N",
                    b"-F" | b"--flush" => "-F",
                    b"-X" | b"--delete-chain" => "-X",
                    _ => {
                        rest.push(w);
                        continue;
                    }
                };
                // The chain is optional for -S, -F and -X.
                let chain = match argv.get(i) {
                    Some(c) if !c.starts_with(b"-") || !matches!(name, "-S" | "-F" | "-X") => {
                        i += 1;
                        Some(text(c))
                    }
                    _ => None,
                };
                command = Some((name.to_string(), chain));
            }
            _ => rest.push(w),
        }
    }
    let Some((command, chain)) = command else {
        return fail(format!("{IPT}: no command specified\n{IPT_TRY}"), 2);
    };
    let Some(t) = tables.iter().position(|t| t.name == table) else {
        return fail(
                format!(
                    "{IPT}: can't initialize iptables table `{table}': Table does not exist (do you need to insmod?)\nPerhaps iptables or your kernel needs to be upgraded.\n"
                ),
                3,
            );
    };
    let needs_chain = matches!(command.as_str(), "-A" | "-C" | "-D" | "-I" | "-N");
    if needs_chain && chain.is_none() {
        return fail(format!("{IPT}: option \"{command}\" requires an argument\n{IPT_TRY}"), 2);
    }
    match command.as_str() {
        "-S" => {
            if !rest.is_empty() {
                return fail(format!("{IPT}: Illegal option `{}' with this command\n{IPT_TRY}", text(rest[0])), 2);
            }
            let tab = &tables[t];
            if let Some(c) = &chain {
                if !tab.chains.iter().any(|x| &x.name == c) {
                    return no_chain();
                }
            }
            reply(rules_s(tab, chain.as_deref()))
        }
        "-N" => {
            let c = chain.unwrap_or_default();
            let tab = table_mut(tables, &table).expect("found above");
            if tab.chains.iter().any(|x| x.name == c) {
                return fail("iptables: Chain already exists.\n".into(), 1);
            }
            tab.chains.push(Chain { name: c, policy: None, rules: Vec::new() });
            Output::default()
        }
        "-F" | "-X" => {
            let tab = table_mut(tables, &table).expect("found above");
            let chosen: Vec<usize> = match &chain {
                Some(c) => match tab.chains.iter().position(|x| &x.name == c) {
                    Some(p) => vec![p],
                    None => return no_chain(),
                },
                None => (0..tab.chains.len()).collect(),
            };
            if command == "-F" {
                for p in chosen {
                    tab.chains[p].rules.clear();
                }
                return Output::default();
            }
            let names: Vec<String> = chosen
                .iter()
                .map(|&p| tab.chains[p].name.clone())
                .filter(|n| chain.is_some() || !is_builtin(tab, n))
                .collect();
            for n in &names {
                if is_builtin(tab, n) {
                    return fail("iptables: Invalid argument. Run `dmesg' for more information.\n".into(), 1);
                }
                let c = tab.chains.iter().find(|x| &x.name == n).expect("listed");
                if !c.rules.is_empty() {
                    return fail("iptables: Directory not empty.\n".into(), 1);
                }
                let referenced = tab.chains.iter().any(|x| {
                    x.rules.iter().any(|r| r.windows(2).any(|p| (p[0] == "-j" || p[0] == "-g") && &p[1] == n))
                });
                if referenced {
                    return fail("iptables: Too many links.\n".into(), 1);
                }
            }
            tab.chains.retain(|x| !names.contains(&x.name));
            Output::default()
        }
        _ => {
            let chain = chain.unwrap_or_default();
            let mut words = rest;
            let mut position = None;
            if command == "-I" || command == "-D" {
                if let Some(n) =
                    words.first().and_then(|w| std::str::from_utf8(w).ok()).and_then(|w| w.parse::<usize>().ok())
                {
                    position = Some(n);
                    words.remove(0);
                }
            }
            let rule = match canonical_rule(&words) {
                Ok(r) => r,
                Err(r) => return r,
            };
            let tab = table_mut(tables, &table).expect("found above");
            let user: Vec<String> = tab.chains.iter().filter(|c| c.policy.is_none()).map(|c| c.name.clone()).collect();
            let Some(c) = tab.chains.iter_mut().find(|x| x.name == chain) else { return no_chain() };
            if let Some(p) = rule.iter().position(|w| w == "-j" || w == "-g") {
                let target = rule.get(p + 1).cloned().unwrap_or_default();
                if !TARGETS.contains(&target.as_str()) && !user.contains(&target) {
                    return no_chain();
                }
            }
            let found = c.rules.iter().position(|r| *r == rule);
            match command.as_str() {
                "-A" => c.rules.push(rule),
                "-I" => {
                    let at = position.unwrap_or(1).saturating_sub(1);
                    if at > c.rules.len() {
                        return fail("iptables: Index of insertion too big.\n".into(), 1);
                    }
                    c.rules.insert(at, rule);
                }
                "-C" if found.is_none() => {
                    return fail("iptables: Bad rule (does a matching rule exist in that chain?).\n".into(), 1)
                }
                "-D" => match (position, found) {
                    (Some(n), _) if words.is_empty() => {
                        if n == 0 || n > c.rules.len() {
                            return fail("iptables: Index of deletion too big.\n".into(), 1);
                        }
                        c.rules.remove(n - 1);
                    }
                    (_, Some(p)) => {
                        c.rules.remove(p);
                    }
                    _ => return fail("iptables: Bad rule (does a matching rule exist in that chain?).\n".into(), 1),
                },
                _ => {}
            }
            Output::default()
        }
    }
}

fn is_builtin(tab: &Table, chain: &str) -> bool {
    tab.chains.iter().any(|c| c.name == chain && c.policy.is_some())
}

/// `iptables -S [CHAIN]` of a table: policies, then user chains (sorted), then the rules.
pub fn rules_s(tab: &Table, only: Option<&str>) -> String {
    let mut chains: Vec<&Chain> = tab.chains.iter().filter(|c| c.policy.is_some()).collect();
    let mut user: Vec<&Chain> = tab.chains.iter().filter(|c| c.policy.is_none()).collect();
    user.sort_by(|a, b| a.name.cmp(&b.name));
    chains.extend(user);
    let chains: Vec<&Chain> = chains.into_iter().filter(|c| only.is_none_or(|o| o == c.name)).collect();
    let mut out = String::new();
    for c in &chains {
        match &c.policy {
            Some(p) => out.push_str(&format!("-P {} {p}\n", c.name)),
            None => out.push_str(&format!("-N {}\n", c.name)),
        }
    }
    for c in &chains {
        for r in &c.rules {
            out.push_str(&format!("-A {} {}\n", c.name, r.join(" ")));
        }
    }
    out
}
