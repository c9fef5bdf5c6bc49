//! The `meshc` command: a thin shell over the `meshc` library. It reads files, calls
//! `meshc::compile`, prints values and diagnostics, and sets the exit code
//! (0: success, 1: errors in the input, 2: usage or I/O problem).

use meshc::{compile, Compilation, Options, Sources};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
meshc: compile msh service definitions

usage:
  meshc build [-o DIR] [--format yaml|json] PATH...
                    write every Kubernetes and Istio object of the services: multi-document
                    YAML (or a JSON List) on stdout, or one file per object in DIR
  meshc check [--format text|json] PATH...
                    check a package: types, schemas, guardrails; print the diagnostics
                    (text on stderr, or JSON on stdout)
  meshc eval  [--format yaml|json] PATH...
                    print the evaluated value
  meshc diff OLD NEW
                    compare two sets of objects (manifest files or directories of them, or
                    an msh package, which is built); report what is added, removed and changed,
                    and the immutable fields (a Deployment's selector, headless ↔ ClusterIP)
                    that need a migration (exit 1 when there is one)
  meshc help        this text

--diagnostics text|json  how build and eval print diagnostics (on stderr; default text).

PATH is a directory (its .msh files form the package; subdirectories may be imported
with import \"./dir\") or one or more .msh files compiled together.
Exit status: 0 success, 1 errors in the input, 2 usage or I/O problem.
";

struct Args {
    cmd: String,
    paths: Vec<String>,
    /// The output format of the command.
    format: Option<String>,
    /// How diagnostics are printed.
    diagnostics: String,
    out_dir: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let cmd = it.next().ok_or("no command given")?;
    let mut a = Args {
        cmd,
        paths: Vec::new(),
        format: None,
        diagnostics: "text".into(),
        out_dir: None,
    };
    while let Some(x) = it.next() {
        let (flag, inline) = match x.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (x.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--format" => a.format = Some(value("--format")?),
            "--diagnostics" => a.diagnostics = value("--diagnostics")?,
            "-o" | "--output" => a.out_dir = Some(value("-o")?),
            s if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}")),
            _ => a.paths.push(x),
        }
    }
    let formats: &[&str] = match a.cmd.as_str() {
        "check" => &["text", "json"],
        _ => &["yaml", "json"],
    };
    if let Some(f) = &a.format {
        if !formats.contains(&f.as_str()) {
            return Err(format!(
                "--format of `{}` is {}, not {f}",
                a.cmd,
                formats.join(" or ")
            ));
        }
    }
    if !matches!(a.diagnostics.as_str(), "text" | "json") {
        return Err(format!(
            "--diagnostics must be text or json, not {}",
            a.diagnostics
        ));
    }
    if a.out_dir.is_some() && a.cmd != "build" {
        return Err("-o DIR is for `meshc build`".into());
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
        read_tree(&root, &root, &mut sources)?;
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
            read_tree(&rootdir, &p, &mut sources)?;
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

/// The files below `dir` (sorted, at most 16 levels deep, skipping hidden directories,
/// node_modules and target) whose extension is one of `exts`.
fn files_under(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, String> {
    fn walk(dir: &Path, exts: &[&str], depth: usize, out: &mut Vec<PathBuf>) -> Result<(), String> {
        if depth > 16 {
            return Ok(());
        }
        for e in std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .flatten()
        {
            let p = e.path();
            if p.is_dir() {
                if !skip_dir(&p) {
                    walk(&p, exts, depth + 1, out)?;
                }
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| exts.contains(&x))
            {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, exts, 0, &mut out)?;
    out.sort();
    Ok(out)
}

fn read_tree(root: &Path, dir: &Path, out: &mut Sources) -> Result<(), String> {
    for p in files_under(dir, &["msh"])? {
        let text =
            std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        out.insert(relative(root, &p).ok_or("path outside root")?, text);
    }
    Ok(())
}

/// Prints the diagnostics: as text on stderr, or as JSON — on stdout for `check`, whose
/// output they are, on stderr for `build` and `eval`, whose stdout holds their result.
fn print_diagnostics(c: &Compilation, format: &str, json_on_stdout: bool) {
    if format == "json" {
        let j = serde_json::to_string_pretty(&c.diagnostics_json()).expect("json");
        if json_on_stdout {
            println!("{j}");
        } else {
            eprintln!("{j}");
        }
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

/// Marks a directory written by `meshc build -o`, which a later build may replace.
const MARKER: &str = ".meshc-output";

/// Writes one file per object into `dir`, atomically: the files go to a new sibling directory
/// which then takes the place of `dir`. On any error `dir` is left as it was.
fn write_dir(dir: &Path, c: &Compilation) -> Result<usize, String> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(format!("{} exists and is not a directory", dir.display()));
        }
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() && !dir.join(MARKER).exists() {
            return Err(format!(
                "{} is not empty and was not written by meshc: not replacing it",
                dir.display()
            ));
        }
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("-o needs a directory name")?;
    let tmp = parent.join(format!(".{base}.meshc-new-{}", std::process::id()));
    let old = parent.join(format!(".{base}.meshc-old-{}", std::process::id()));
    let result = (|| -> Result<usize, String> {
        std::fs::create_dir_all(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        let width = c.objects.len().to_string().len().max(3);
        for (i, o) in c.objects.iter().enumerate() {
            let ns = o.namespace.as_deref().unwrap_or("cluster");
            let file = format!("{i:0width$}-{}-{ns}-{}.yaml", o.kind.to_lowercase(), o.name);
            std::fs::write(tmp.join(file), meshc::to_yaml(&o.value))
                .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        }
        std::fs::write(
            tmp.join(MARKER),
            "written by meshc build; replaced whole by the next build\n",
        )
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        if dir.exists() {
            std::fs::rename(dir, &old)
                .map_err(|e| format!("cannot move {} aside: {e}", dir.display()))?;
        }
        if let Err(e) = std::fs::rename(&tmp, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(format!(
                "cannot move the new files into {}: {e}",
                dir.display()
            ));
        }
        let _ = std::fs::remove_dir_all(&old);
        Ok(c.objects.len())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// The objects of one side of `meshc diff`: an msh package (built), or manifests.
fn diff_side(path: &str) -> Result<Vec<serde_json::Value>, String> {
    let p = Path::new(path);
    let is_msh_dir = p.is_dir()
        && std::fs::read_dir(p)
            .map_err(|e| format!("cannot read {path}: {e}"))?
            .flatten()
            .any(|e| e.path().extension().and_then(|x| x.to_str()) == Some("msh"));
    if is_msh_dir || path.ends_with(".msh") {
        let (sources, options) = load(&[path.to_string()])?;
        let c = compile(&sources, &options);
        if !c.ok() {
            eprint!("{}", c.render_diagnostics());
            return Err(format!("{path} does not build"));
        }
        return Ok(c.objects.iter().map(|o| o.value.clone()).collect());
    }
    let files = if p.is_dir() {
        files_under(p, &["yaml", "yml", "json"])?
    } else {
        vec![p.to_path_buf()]
    };
    let mut out = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        out.extend(meshc::read_manifests(&text).map_err(|e| format!("{}: {e}", f.display()))?);
    }
    Ok(out)
}

fn run_diff(paths: &[String]) -> ExitCode {
    let [old, new] = paths else {
        eprintln!("meshc: diff takes two paths: OLD NEW");
        return ExitCode::from(2);
    };
    let (a, b) = match (diff_side(old), diff_side(new)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("meshc: {e}");
            return ExitCode::from(2);
        }
    };
    let r = meshc::diff(&a, &b);
    let mut out = format!(
        "{} added, {} removed, {} changed, {} unchanged\n",
        r.added.len(),
        r.removed.len(),
        r.changed.len(),
        r.unchanged
    );
    for k in &r.added {
        out += &format!("+ {}\n", meshc::show_object(k));
    }
    for k in &r.removed {
        out += &format!("- {}\n", meshc::show_object(k));
    }
    for (k, paths) in &r.changed {
        out += &format!("~ {}: {}\n", meshc::show_object(k), paths.join(", "));
    }
    print!("{out}");
    if !r.diagnostics.is_empty() {
        eprint!(
            "{}",
            meshc::render_diagnostics(&meshc::SourceMap::new(), &r.diagnostics)
        );
    }
    if r.diagnostics.iter().any(|d| d.is_error()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
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
        "diff" => run_diff(&args.paths),
        "check" | "eval" | "build" => {
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
            let diag_format = if args.cmd == "check" {
                args.format.as_deref().unwrap_or("text")
            } else {
                args.diagnostics.as_str()
            };
            print_diagnostics(&c, diag_format, args.cmd == "check");
            if !c.ok() {
                return ExitCode::from(1);
            }
            let json = args.format.as_deref() == Some("json");
            let text = match args.cmd.as_str() {
                "eval" => {
                    if json {
                        c.value_json()
                    } else {
                        c.value_yaml()
                    }
                }
                "build" => {
                    if c.objects.is_empty() {
                        eprintln!(
                            "meshc: no services to build: declare one with `service NAME {{ … }}`"
                        );
                        return ExitCode::from(1);
                    }
                    if let Some(dir) = &args.out_dir {
                        return match write_dir(Path::new(dir), &c) {
                            Ok(n) => {
                                eprintln!("meshc: wrote {n} objects to {dir}");
                                ExitCode::SUCCESS
                            }
                            Err(e) => {
                                eprintln!("meshc: {e}");
                                ExitCode::from(2)
                            }
                        };
                    }
                    if json {
                        c.manifests_json()
                    } else {
                        c.manifests_yaml()
                    }
                }
                _ => None,
            };
            if let Some(text) = text {
                let mut stdout = std::io::stdout().lock();
                if stdout.write_all(text.as_bytes()).is_err() {
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
