//! The `meshc` command: a thin shell over the `meshc` library. It reads files, calls
//! `meshc::compile`, prints values and diagnostics, and sets the exit code
//! (0: success, 1: errors in the input, 2: usage or I/O problem).

mod files;
mod lsp;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use files::{files_under, load, write_dir};
use meshc::{compile, Compilation};

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The command line, parsed by clap: `meshc COMMAND --help` describes each command.
#[derive(Parser)]
#[command(
    name = "meshc",
    version,
    about = "Compile msh service definitions into Kubernetes and Istio objects",
    long_about = "Compile msh service definitions into Kubernetes and Istio objects.\n\n\
        A PATH is a directory (its .msh files form the package; its subdirectories may be \
        imported with `import \"./dir\"`) or one or more .msh files compiled together.",
    after_help = "Exit status: 0 success, 1 errors in the input, 2 usage or I/O problem.\n\
        Documentation: docs/ in the repository (language.md, lowering.md, diagnostics.md).",
    arg_required_else_help = true,
    propagate_version = true
)]
struct Cli {
    /// Colour the diagnostics: auto colours a terminal unless NO_COLOR is set
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    /// The most values (struct fields, list elements) evaluation may build before it stops with
    /// E0215; each costs up to about 1.6 KB (the default suits meshes of about 20,000 services)
    #[arg(long, global = true, value_name = "N", default_value_t = meshc::Limits::default().values)]
    max_values: usize,
    /// Set a tag: the fields marked `@tag(NAME)` take VALUE (repeat for several tags)
    #[arg(short = 't', long = "tag", global = true, value_name = "NAME=VALUE", value_parser = parse_tag)]
    tags: Vec<(String, String)>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write every Kubernetes and Istio object of the services
    #[command(
        long_about = "Write every Kubernetes and Istio object of the services: multi-document \
        YAML (or a JSON List) on stdout, or one file per object in DIR (-o), replaced whole and \
        atomically. Nothing is written when there is an error."
    )]
    Build {
        /// A directory, or .msh files
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// Write one file per object into DIR instead of stdout
        #[arg(short, long = "output", value_name = "DIR")]
        output: Option<String>,
        /// The format of the objects
        #[arg(long, value_enum, default_value_t = DataFormat::Yaml)]
        format: DataFormat,
        /// How diagnostics are printed (on stderr)
        #[arg(long, value_enum, default_value_t = DiagFormat::Text)]
        diagnostics: DiagFormat,
        /// Also write the guardrails as ValidatingAdmissionPolicies and their bindings
        /// (Kubernetes >= 1.30) to FILE, bound to the mesh's namespaces
        #[arg(long, value_name = "FILE")]
        admission: Option<String>,
        /// What the admission bindings do: deny errors and warn of warnings, warn of all, or
        /// only audit (the rollout goes audit, warn, deny)
        #[arg(long, value_enum, default_value_t = AdmissionModeArg::Deny, requires = "admission")]
        admission_mode: AdmissionModeArg,
    },
    /// Check a package (types, schemas, guardrails) and print the diagnostics
    #[command(
        long_about = "Check a package: types, schemas, guardrails. Prints the diagnostics: as \
        text on stderr, or as JSON (--format json) or a SARIF 2.1.0 log for code scanning \
        (--format sarif) on stdout."
    )]
    Check {
        /// A directory, or .msh files
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// The format of the diagnostics
        #[arg(long, value_enum, default_value_t = DiagFormat::Text)]
        format: DiagFormat,
        /// Where docs/diagnostics.md is published (an absolute URL): each SARIF rule links to
        /// its section (`URL#e0201`)
        #[arg(long, value_name = "URL")]
        docs_url: Option<String>,
    },
    /// Run the guardrails on any Kubernetes and Istio manifests
    #[command(
        long_about = "Run meshc's guardrails on manifests that meshc did not generate, or that         were edited since: YAML or JSON files, or directories of them. Each finding has the code,         message and help of the msh guardrail it mirrors, at the file, line and column of the         YAML. Prints the diagnostics as text on stderr, or as JSON (--format json) or a SARIF         2.1.0 log (--format sarif) on stdout. Exit 1 when there is an error. With --against DIR         (the objects applied now), a change of an immutable field (a Deployment's selector,         headless <-> ClusterIP) is an error too. An object silences a rule with the annotation         `allow.meshc.dev/CODE: \"why\"`."
    )]
    Vet {
        /// Manifest files (.yaml, .yml, .json) or directories of them
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// The manifests applied now (files or a directory), to find immutable-field changes
        #[arg(long, value_name = "PATH")]
        against: Vec<String>,
        /// An msh package whose policies (constraints on `services`, `check` blocks, in its
        /// files that declare no service) apply to the manifests read back into services
        #[arg(long, value_name = "DIR")]
        policy: Option<String>,
        /// The format of the diagnostics
        #[arg(long, value_enum, default_value_t = DiagFormat::Text)]
        format: DiagFormat,
        /// Where docs/diagnostics.md is published (an absolute URL): each SARIF rule links to
        /// its section (`URL#e0303`)
        #[arg(long, value_name = "URL")]
        docs_url: Option<String>,
    },
    /// Print the evaluated value of a package
    Eval {
        /// A directory, or .msh files
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// The format of the value
        #[arg(long, value_enum, default_value_t = DataFormat::Yaml)]
        format: DataFormat,
        /// How diagnostics are printed (on stderr)
        #[arg(long, value_enum, default_value_t = DiagFormat::Text)]
        diagnostics: DiagFormat,
    },
    /// Compare two sets of objects and the migrations their changes need
    #[command(
        long_about = "Compare two sets of objects: manifest files or directories of them, or an \
        msh package (built). Reports what is added, removed and changed (with the old and new \
        values), and the immutable fields (a Deployment's selector, headless <-> ClusterIP) that \
        need a migration: exit 1 when there is one."
    )]
    Diff {
        /// The objects before: manifests, or an msh package
        old: String,
        /// The objects after: manifests, or an msh package
        new: String,
        /// A tag for the old side only, in place of the -t of the same name (`meshc diff app
        /// app --old-tag env=staging -t env=prod`: what promoting staging to prod changes)
        #[arg(long = "old-tag", value_name = "NAME=VALUE", value_parser = parse_tag)]
        old_tags: Vec<(String, String)>,
    },
    /// Format msh files in the one canonical layout
    #[command(
        long_about = "Format msh files in place, in the one canonical layout (there are no \
        options): tabs, one space around operators, the values of consecutive one-line fields \
        aligned, comments kept. A DIR formats every .msh file under it (the current directory \
        when no PATH is given); `-` formats standard input to standard output. A file with \
        syntax errors is reported and left untouched. With --check nothing is written: the \
        files that are not formatted are listed, and the exit status is 1 if there is one."
    )]
    Fmt {
        /// Files or directories, or `-` for standard input
        #[arg(value_name = "PATH")]
        paths: Vec<String>,
        /// List the files that are not formatted, change nothing, exit 1 if there is one
        #[arg(long)]
        check: bool,
    },
    /// Explain where a generated field came from
    #[command(
        long_about = "Explain where a field of a generated object came from: its value, the \
        lowering rule that produced it (with its section of docs/lowering.md), and each input of \
        the rule with its value and the file, line and column it was written at — the \
        service's own line, the platform's policy or the standard library's default. \
        Example: meshc explain examples/shop Deployment/shop/cart-stable \
        spec.template.spec.terminationGracePeriodSeconds"
    )]
    Explain {
        /// A directory, or .msh files
        #[arg(value_name = "PATH")]
        path: String,
        /// The object: KIND/NAMESPACE/NAME (as `meshc build` names it)
        #[arg(value_name = "KIND/NAMESPACE/NAME")]
        object: String,
        /// The field: a dotted path (`spec.template.spec.terminationGracePeriodSeconds`; list
        /// elements by index); empty for the whole object
        #[arg(value_name = "FIELD.PATH", default_value = "")]
        field: String,
    },
    /// Print msh that rebuilds existing Kubernetes and Istio manifests
    #[command(
        long_about = "Print msh that rebuilds existing manifests (YAML or JSON files, or the \
        .yaml/.yml/.json files under a directory): one service per app (a worker when no \
        Service selects it), its versions from the `version` label and the VirtualService's \
        weights, with images, commands, the port and protocol, env, probes, resources, volumes, \
        replicas and autoscaling. What msh does not model is listed on stderr, one note per \
        field or object."
    )]
    Import {
        /// Manifest files or directories
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
    /// Serve the Language Server Protocol on stdin and stdout, for editors
    #[command(
        long_about = "Serve the Language Server Protocol on stdin and stdout, for editors: \
        diagnostics as you type (the same as meshc check, guardrails included), formatting, \
        hover (a field's declaration and documentation) and completion (the fields of a \
        service, worker or mesh block; service names in deps). Editors start it themselves."
    )]
    Lsp,
    /// Print a completion script for a shell
    #[command(long_about = "Print a completion script for a shell, e.g. \
        `meshc completions bash > ~/.local/share/bash-completion/completions/meshc`.")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DataFormat {
    Yaml,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AdmissionModeArg {
    /// Errors are denied; warnings are returned to the client and audited
    Deny,
    /// Every violation is returned as a warning and audited; nothing is denied
    Warn,
    /// Every violation is only written to the audit log
    Audit,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiagFormat {
    Text,
    Json,
    /// A SARIF 2.1.0 log, for GitHub code scanning
    Sarif,
}

/// How diagnostics are shown: paths as the user gave them, colour or not.
struct Show {
    color: bool,
    /// The package root as given on the command line ("" for the current directory).
    root: String,
    /// The address of docs/diagnostics.md, for the SARIF rules' help links.
    docs_url: Option<String>,
}

impl Show {
    fn new(when: ColorWhen, root: String) -> Show {
        use std::io::IsTerminal;
        let color = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stderr().is_terminal()
            }
        };
        Show {
            color,
            root,
            docs_url: None,
        }
    }
    fn render(&self) -> meshc::Render {
        meshc::Render {
            color: self.color,
            path_prefix: self.root.clone(),
        }
    }
}

/// Prints the diagnostics: as text on stderr, or as JSON — on stdout for `check`, whose
/// output they are, on stderr for `build` and `eval`, whose stdout holds their result.
fn print_diagnostics(c: &Compilation, format: DiagFormat, json_on_stdout: bool, show: &Show) {
    if format != DiagFormat::Text {
        let j = if format == DiagFormat::Sarif {
            c.diagnostics_sarif_with(&show.render(), show.docs_url.as_deref())
        } else {
            serde_json::to_string_pretty(&c.diagnostics_json_with(&show.render())).expect("json")
        };
        if json_on_stdout {
            println!("{j}");
        } else {
            eprintln!("{j}");
        }
    } else if !c.diagnostics.is_empty() {
        eprint!("{}", c.render_diagnostics_with(&show.render()));
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

/// The manifest files of `paths` (files, or directories searched for .yaml/.yml/.json), named
/// as given.
fn read_manifest_files(paths: &[String]) -> Result<meshc::Sources, String> {
    let mut out = meshc::Sources::new();
    for path in paths {
        for f in files::files_or_dir(path, &["yaml", "yml", "json"])? {
            let text = std::fs::read_to_string(&f)
                .map_err(|e| format!("cannot read {}: {e}", f.display()))?;
            out.insert(f.display().to_string(), text);
        }
    }
    Ok(out)
}

/// `meshc vet`: the guardrails on manifests.
fn run_vet(
    paths: &[String],
    against: &[String],
    policy: Option<&str>,
    format: DiagFormat,
    docs_url: Option<String>,
    color: ColorWhen,
) -> ExitCode {
    let (files, before) = match (read_manifest_files(paths), read_manifest_files(against)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("meshc: {e}");
            return ExitCode::from(2);
        }
    };
    if files.is_empty() {
        eprintln!(
            "meshc: no manifests (.yaml, .yml, .json) in {}",
            paths.join(", ")
        );
        return ExitCode::from(2);
    }
    let policy = match policy.map(|p| load(&[p.to_string()])) {
        None => meshc::Sources::new(),
        Some(Ok((sources, _, _))) => sources,
        Some(Err(e)) => {
            eprintln!("meshc: {e}");
            return ExitCode::from(2);
        }
    };
    let c = meshc::vet(
        &files,
        &meshc::VetOptions {
            against: before,
            policy,
        },
    );
    let show = Show {
        docs_url,
        ..Show::new(color, String::new())
    };
    print_diagnostics(&c, format, true, &show);
    if c.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `meshc import`: manifests to msh on stdout, notes on stderr.
fn run_import(paths: &[String]) -> ExitCode {
    let mut objects = Vec::new();
    for path in paths {
        let files = match files::files_or_dir(path, &["yaml", "yml", "json"]) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("meshc: {e}");
                return ExitCode::from(2);
            }
        };
        for f in files {
            let text = match std::fs::read_to_string(&f) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("meshc: cannot read {}: {e}", f.display());
                    return ExitCode::from(2);
                }
            };
            match meshc::read_manifests(&text) {
                Ok(o) => objects.extend(o),
                Err(e) => {
                    eprintln!("meshc: {}: {e}", f.display());
                    return ExitCode::from(1);
                }
            }
        }
    }
    let imported = meshc::import(&objects);
    if imported.msh.trim().is_empty() {
        for n in &imported.notes {
            eprintln!("note: {n}");
        }
        eprintln!(
            "meshc: nothing to import from {}: no Deployment, custom resource definition or other object",
            paths.join(", ")
        );
        return ExitCode::from(1);
    }
    for n in &imported.notes {
        eprintln!("note: {n}");
    }
    write_stdout(Some(imported.msh))
}

/// `meshc fmt`: formats files in place (or lists them with `--check`).
fn run_fmt(mut paths: Vec<String>, check: bool, color: ColorWhen) -> ExitCode {
    if paths.is_empty() {
        paths.push(".".into());
    }
    let show = Show::new(color, String::new());
    let (mut bad, mut unformatted) = (false, false);
    let report = |name: &str, text: &str, diags: Vec<meshc::Diagnostic>| {
        let mut map = meshc::SourceMap::default();
        map.add(name, text);
        eprint!(
            "{}",
            meshc::render_diagnostics_with(&map, &diags, &show.render())
        );
    };
    for path in &paths {
        if path == "-" {
            let mut text = String::new();
            if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                eprintln!("meshc: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            match meshc::format(&text) {
                Ok(out) if check => {
                    if out != text {
                        println!("<stdin>");
                        unformatted = true;
                    }
                }
                Ok(out) => {
                    if let Err(e) = std::io::stdout().write_all(out.as_bytes()) {
                        eprintln!("meshc: cannot write: {e}");
                        return ExitCode::from(2);
                    }
                }
                Err(diags) => {
                    report("<stdin>", &text, diags);
                    bad = true;
                }
            }
            continue;
        }
        let files = match files::files_or_dir(path, &["msh"]) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("meshc: {e}");
                return ExitCode::from(2);
            }
        };
        for file in files {
            let name = file.display().to_string();
            let text = match std::fs::read_to_string(&file) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("meshc: cannot read {name}: {e}");
                    return ExitCode::from(2);
                }
            };
            match meshc::format(&text) {
                Ok(out) if out == text => {}
                Ok(_) if check => {
                    println!("{name}");
                    unformatted = true;
                }
                Ok(out) => {
                    if let Err(e) = files::replace_file(&file, &out) {
                        eprintln!("meshc: cannot write {name}: {e}");
                        return ExitCode::from(2);
                    }
                }
                Err(diags) => {
                    report(&name, &text, diags);
                    bad = true;
                }
            }
        }
    }
    if bad || unformatted {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The objects of one side of `meshc diff`: an msh package (built), or manifests.
fn diff_side(
    path: &str,
    settings: &Settings,
    color: ColorWhen,
) -> Result<Vec<serde_json::Value>, String> {
    let p = Path::new(path);
    let is_msh_dir = p.is_dir()
        && std::fs::read_dir(p)
            .map_err(|e| format!("cannot read {path}: {e}"))?
            .flatten()
            .any(|e| e.path().extension().and_then(|x| x.to_str()) == Some("msh"));
    if is_msh_dir || path.ends_with(".msh") {
        let (sources, mut options, root) = load(&[path.to_string()])?;
        options.limits = settings.limits;
        options.tags = settings.tags.clone();
        let c = compile(&sources, &options);
        if !c.ok() {
            eprint!(
                "{}",
                c.render_diagnostics_with(&Show::new(color, root).render())
            );
            return Err(format!("{path} does not build"));
        }
        return Ok(c.objects.iter().map(|o| o.value()).collect());
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

/// The options of the command line that reach the compiler.
#[derive(Clone)]
struct Settings {
    limits: meshc::Limits,
    tags: Vec<(String, String)>,
}

/// `NAME=VALUE`, for `-t`.
fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not NAME=VALUE")),
    }
}

fn run_diff(
    (old, old_settings): (&str, &Settings),
    (new, settings): (&str, &Settings),
    color: ColorWhen,
) -> ExitCode {
    let (a, b) = match (
        diff_side(old, old_settings, color),
        diff_side(new, settings, color),
    ) {
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
    for (k, changes) in &r.changed {
        out += &format!("~ {}\n", meshc::show_object(k));
        for c in changes {
            out += &format!("    {c}\n");
        }
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
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version print on stdout and succeed; a usage error prints a short
            // message pointing to --help and exits 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let color = cli.color;
    let settings = Settings {
        limits: meshc::Limits {
            values: cli.max_values,
            exported: cli.max_values.saturating_mul(2),
            ..meshc::Limits::default()
        },
        tags: cli.tags,
    };
    match cli.command {
        Cmd::Diff { old, new, old_tags } => {
            let mut old_settings = settings.clone();
            for (k, v) in old_tags {
                old_settings.tags.retain(|(n, _)| *n != k);
                old_settings.tags.push((k, v));
            }
            run_diff((&old, &old_settings), (&new, &settings), color)
        }
        Cmd::Vet {
            paths,
            against,
            policy,
            format,
            docs_url,
        } => run_vet(&paths, &against, policy.as_deref(), format, docs_url, color),
        Cmd::Fmt { paths, check } => run_fmt(paths, check, color),
        Cmd::Lsp => lsp::run(),
        Cmd::Import { paths } => run_import(&paths),
        Cmd::Explain {
            path,
            object,
            field,
        } => compile_and(
            std::slice::from_ref(&path),
            color,
            &settings,
            (DiagFormat::Text, false, None),
            |c| match meshc::explain(c, &object, &field) {
                Ok(e) => write_stdout(Some(e.to_string())),
                Err(why) => {
                    eprintln!("meshc: {why}");
                    ExitCode::from(1)
                }
            },
        ),
        Cmd::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "meshc", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
        Cmd::Check {
            paths,
            format,
            docs_url,
        } => compile_and(&paths, color, &settings, (format, true, docs_url), |_| {
            ExitCode::SUCCESS
        }),
        Cmd::Eval {
            paths,
            format,
            diagnostics,
        } => compile_and(&paths, color, &settings, (diagnostics, false, None), |c| {
            write_stdout(match format {
                DataFormat::Json => c.value_json(),
                DataFormat::Yaml => c.value_yaml(),
            })
        }),
        Cmd::Build {
            paths,
            output,
            format,
            diagnostics,
            admission,
            admission_mode,
        } => compile_and(&paths, color, &settings, (diagnostics, false, None), |c| {
            if c.objects.is_empty() {
                eprintln!("meshc: no services to build: declare one with `service NAME {{ … }}`");
                return ExitCode::from(1);
            }
            if let Some(file) = &admission {
                let mode = match admission_mode {
                    AdmissionModeArg::Deny => meshc::AdmissionMode::Deny,
                    AdmissionModeArg::Warn => meshc::AdmissionMode::Warn,
                    AdmissionModeArg::Audit => meshc::AdmissionMode::Audit,
                };
                let policies = c.admission_policies(mode);
                let text = meshc::manifest_stream(policies.iter());
                if let Err(e) = files::replace_or_create(Path::new(file), &text) {
                    eprintln!("meshc: cannot write {file}: {e}");
                    return ExitCode::from(2);
                }
                eprintln!(
                    "meshc: wrote {} admission objects to {file}",
                    policies.len()
                );
            }
            if let Some(dir) = &output {
                return match write_dir(Path::new(dir), c) {
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
            match format {
                DataFormat::Json => write_stdout(c.manifests_json()),
                // Written as it is made: 10,000 services are ~100 MB of YAML.
                DataFormat::Yaml => {
                    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                    match c.write_manifests_yaml(&mut stdout) {
                        Ok(_) => ExitCode::SUCCESS,
                        Err(_) => ExitCode::from(2),
                    }
                }
            }
        }),
    }
}

/// Loads and compiles the package at `paths`, prints the diagnostics (`diags`: their format,
/// and whether JSON goes to stdout), and, when there is no error, hands the result to `then`.
fn compile_and(
    paths: &[String],
    color: ColorWhen,
    settings: &Settings,
    diags: (DiagFormat, bool, Option<String>),
    then: impl FnOnce(&Compilation) -> ExitCode,
) -> ExitCode {
    let (sources, mut options, root) = match load(paths) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("meshc: {e}");
            return ExitCode::from(2);
        }
    };
    options.limits = settings.limits;
    options.tags = settings.tags.clone();
    // Deep (but legal) input recurses: give the compiler a generous stack.
    let c = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || compile(&sources, &options))
        .expect("spawn the compiler thread")
        .join()
        .expect("the compiler does not panic");
    let show = Show {
        docs_url: diags.2,
        ..Show::new(color, root)
    };
    print_diagnostics(&c, diags.0, diags.1, &show);
    let code = if c.ok() { then(&c) } else { ExitCode::from(1) };
    // The process ends here: its memory goes back to the system at once, without freeing each
    // of the compilation's values (a tenth of the time of a large build).
    std::mem::forget(c);
    code
}

fn write_stdout(text: Option<String>) -> ExitCode {
    if let Some(text) = text {
        let mut stdout = std::io::stdout().lock();
        if stdout.write_all(text.as_bytes()).is_err() {
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
