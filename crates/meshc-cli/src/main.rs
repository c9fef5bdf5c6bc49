//! The `meshc` command: a thin shell over the `meshc` library. It reads files, calls
//! `meshc::compile`, prints values and diagnostics, and sets the exit code
//! (0: success, 1: errors in the input, 2: usage or I/O problem).

use meshc::{compile, Compilation, Options, Sources};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
meshc: compile msh service definitions

usage:
  meshc check [--format text|json] PATH...    check a package (a directory, or files)
  meshc eval  [--out yaml|json] [--format text|json] PATH...
                                               print the evaluated value
  meshc help                                   this text

PATH is a directory (its .msh files form the package; subdirectories may be imported
with import \"./dir\") or one or more .msh files compiled together.
Exit status: 0 success, 1 errors in the input, 2 usage or I/O problem.
";

struct Args {
    cmd: String,
    paths: Vec<String>,
    format: String,
    out: String,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("no command given")?;
    let mut a = Args {
        cmd,
        paths: Vec::new(),
        format: "text".into(),
        out: "yaml".into(),
    };
    while let Some(x) = it.next() {
        match x.as_str() {
            "--format" => a.format = it.next().ok_or("--format needs a value")?,
            "--out" | "-O" => a.out = it.next().ok_or("--out needs a value")?,
            s if s.starts_with("--format=") => a.format = s["--format=".len()..].into(),
            s if s.starts_with("--out=") => a.out = s["--out=".len()..].into(),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            _ => a.paths.push(x),
        }
    }
    if !matches!(a.format.as_str(), "text" | "json") {
        return Err(format!("--format must be text or json, not {}", a.format));
    }
    if !matches!(a.out.as_str(), "yaml" | "json") {
        return Err(format!("--out must be yaml or json, not {}", a.out));
    }
    Ok(a)
}

/// Reads the package: a directory (every .msh below it, the top level being the main
/// package), or files (the main package; their directory is the root for imports).
fn load(paths: &[String]) -> Result<(Sources, Options), String> {
    if paths.is_empty() {
        return Err("no input: give a directory or .msh files".into());
    }
    let mut sources = Sources::new();
    let mut options = Options::default();
    if paths.len() == 1 && Path::new(&paths[0]).is_dir() {
        let root = PathBuf::from(&paths[0]);
        read_tree(&root, &root, &mut sources, 0)?;
        return Ok((sources, options));
    }
    let root = paths
        .iter()
        .map(|p| {
            Path::new(p)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        })
        .next()
        .unwrap_or_default();
    for p in paths {
        let path = Path::new(p);
        if path.is_dir() {
            return Err(format!("{p} is a directory: give one directory, or files"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {p}: {e}"))?;
        let rel = relative(&root, path)
            .ok_or_else(|| format!("{p} is not in the directory of {}", paths[0]))?;
        sources.insert(rel.clone(), text);
        options.entry.push(rel);
    }
    // Directories below the root may be imported.
    let rootdir = if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root.clone()
    };
    for entry in std::fs::read_dir(&rootdir)
        .map_err(|e| format!("cannot read {}: {e}", rootdir.display()))?
        .flatten()
    {
        let p = entry.path();
        if p.is_dir() && !skip_dir(&p) {
            read_tree(&rootdir, &p, &mut sources, 1)?;
        }
    }
    Ok((sources, options))
}

fn skip_dir(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with('.') || name == "node_modules" || name == "target"
}

fn relative(root: &Path, p: &Path) -> Option<String> {
    let rel = if root.as_os_str().is_empty() {
        p
    } else {
        p.strip_prefix(root).ok()?
    };
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn read_tree(root: &Path, dir: &Path, out: &mut Sources, depth: usize) -> Result<(), String> {
    if depth > 16 {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if !skip_dir(&p) {
                read_tree(root, &p, out, depth + 1)?;
            }
        } else if p.extension().and_then(|e| e.to_str()) == Some("msh") {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            out.insert(relative(root, &p).ok_or("path outside root")?, text);
        }
    }
    Ok(())
}

fn print_diagnostics(c: &Compilation, format: &str) {
    if format == "json" {
        let j = serde_json::to_string_pretty(&c.diagnostics_json()).expect("json");
        eprintln!("{j}");
    } else if !c.diagnostics.is_empty() {
        eprint!("{}", c.render_diagnostics());
        let (e, w) = (c.errors(), c.warnings());
        if e > 0 {
            eprintln!(
                "{e} error{}, {w} warning{}",
                if e == 1 { "" } else { "s" },
                if w == 1 { "" } else { "s" }
            );
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("meshc: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match args.cmd.as_str() {
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        "check" | "eval" => {
            let (sources, options) = match load(&args.paths) {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("meshc: {e}");
                    return ExitCode::from(2);
                }
            };
            // Deep (but legal) input recurses: give the compiler a generous stack.
            let c = std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn(move || compile(&sources, &options))
                .expect("spawn the compiler thread")
                .join()
                .expect("the compiler does not panic");
            print_diagnostics(&c, &args.format);
            if !c.ok() {
                return ExitCode::from(1);
            }
            if args.cmd == "eval" {
                let text = if args.out == "json" {
                    c.value_json()
                } else {
                    c.value_yaml()
                };
                let mut stdout = std::io::stdout().lock();
                if stdout
                    .write_all(text.unwrap_or_default().as_bytes())
                    .is_err()
                {
                    return ExitCode::from(2);
                }
            }
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("meshc: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
