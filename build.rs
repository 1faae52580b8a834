//! Links the two binaries that are exec'd once per call or per case — `weavetrace-fake` (every
//! command a subject runs) and `weave` (the spec as a process) — statically and position-dependent,
//! where the platform allows it. Such a binary starts without the dynamic loader and without
//! relocating itself, and that start is the harness's floor (measured on x86_64 with `cargo bench`:
//! a fake call costs 1.62-1.76x an exec of /bin/true linked as usual, 0.91-0.94x linked so).
//!
//! Rust links glibc statically only through `+crt-static`, a flag that would reach every crate and
//! needs an explicit `--target` to stay off proc macros. So instead, only these two binaries get
//! link arguments: `-static -no-pie`, and a search directory whose `libc.so`, `libm.so`, ... are
//! linker scripts naming the static archives, so that the `-lc` rustc passes after `-Bdynamic` finds
//! them first. Where static archives are missing (no libc6-dev's `libc.a`, glibc-static on Fedora),
//! where the build crosses to another target with no linker named for it, or where the build already asks for `crt-static`,
//! the binaries are linked as usual: slower to start, never broken.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binaries that get the fast start.
const FAST_START: [&str; 2] = ["weavetrace-fake", "weave"];

/// The libraries rustc links a std binary on Linux with glibc against, and the archives each
/// stands for in a static link (the unwinder: `libgcc_eh` with `libgcc`, for `-lgcc_s`).
const LIBRARIES: [(&str, &[&str]); 7] = [
    ("gcc_s", &["libgcc_eh.a", "libgcc.a"]),
    ("util", &["libutil.a"]),
    ("rt", &["librt.a"]),
    ("pthread", &["libpthread.a"]),
    ("m", &["libm.a"]),
    ("dl", &["libdl.a"]),
    ("c", &["libc.a"]),
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=WEAVETRACE_DYNAMIC");
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    // A cross build is left alone unless its linker is named (then that linker finds its archives).
    let linker = std::env::var("RUSTC_LINKER").ok();
    let linkable = var("TARGET") == var("HOST") || linker.is_some();
    let gnu_linux = var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu";
    let already_static = var("CARGO_CFG_TARGET_FEATURE").split(',').any(|f| f == "crt-static");
    // WEAVETRACE_DYNAMIC=1 links as usual, to compare or to debug.
    if !(linkable && gnu_linux) || already_static || std::env::var_os("WEAVETRACE_DYNAMIC").is_some() {
        return;
    }
    let linker = linker.unwrap_or_else(|| "cc".to_string());
    let dir = PathBuf::from(var("OUT_DIR")).join("static-libs");
    match write_shims(&linker, &dir) {
        Ok(()) => {
            for bin in FAST_START {
                for arg in [format!("-L{}", dir.display()), "-static".into(), "-no-pie".into()] {
                    println!("cargo::rustc-link-arg-bin={bin}={arg}");
                }
            }
        }
        Err(missing) => {
            println!("cargo::warning=weavetrace-fake and weave are linked as usual (slower to start): {missing}")
        }
    }
}

/// Writes `libNAME.so` linker scripts into `dir` naming the static archives; the first archive
/// the linker cannot find is the error.
fn write_shims(linker: &str, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, archives) in LIBRARIES {
        let paths = archives.iter().map(|a| archive(linker, a)).collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let script =
            format!("/* {name}, linked statically: see weavetrace's build.rs */\nGROUP ( {} )\n", names.join(" "));
        let shim = dir.join(format!("lib{name}.so"));
        std::fs::write(&shim, script).map_err(|e| format!("{}: {e}", shim.display()))?;
    }
    Ok(())
}

/// Where the linker finds the archive `file`, as it answers `-print-file-name` (which echoes the
/// bare name back when it finds nothing).
fn archive(linker: &str, file: &str) -> Result<PathBuf, String> {
    let out = Command::new(linker)
        .arg(format!("-print-file-name={file}"))
        .output()
        .map_err(|e| format!("cannot ask {linker} where {file} is: {e}"))?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    match path.is_absolute() && path.is_file() {
        true => path.canonicalize().map_err(|e| format!("{}: {e}", path.display())),
        false => Err(format!("no static {file} on this machine")),
    }
}
