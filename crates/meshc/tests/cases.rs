//! Data-driven cases: every `tests/cases/**/*.txtar` file holds the input files and the
//! expected output of one compilation (see tests/README.md for the format).
//! `UPDATE_EXPECT=1 cargo test -p meshc --test cases` rewrites the expected sections.

mod common;

use common::{files_with, parse_archive, write_archive};
use meshc::{compile, Options, Sources};
use std::path::{Path, PathBuf};

const OUTPUTS: &[&str] = &[
    "value.yaml",
    "value.json",
    "manifests.yaml",
    "diagnostics",
    "diagnostics.json",
];

fn run_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut case = parse_archive(&text);
    let mut sources = Sources::new();
    let mut entry = Vec::new();
    for (name, body) in &case.files {
        if OUTPUTS.contains(&name.as_str()) {
            continue;
        }
        sources.insert(name.clone(), body.clone());
        if case
            .comment
            .lines()
            .any(|l| l.trim() == format!("entry: {name}"))
        {
            entry.push(name.clone());
        }
    }
    // `tag: NAME=VALUE` lines in the comment: what `-t NAME=VALUE` gives.
    let tags = case
        .comment
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tag: "))
        .filter_map(|t| t.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let c = compile(
        &sources,
        &Options {
            entry,
            tags,
            ..Options::default()
        },
    );
    let actual = |name: &str| -> String {
        match name {
            "value.yaml" => c.value_yaml().unwrap_or_default(),
            "value.json" => c.value_json().unwrap_or_default(),
            "manifests.yaml" => c.manifests_yaml().unwrap_or_default(),
            "diagnostics" => c.render_diagnostics(),
            "diagnostics.json" => {
                serde_json::to_string_pretty(&c.diagnostics_json()).unwrap() + "\n"
            }
            _ => unreachable!(),
        }
    };
    let update = std::env::var("UPDATE_EXPECT").is_ok();
    let mut failures = Vec::new();
    // ARCHITECTURE.md: every diagnostic has a stable code and points at the source.
    for d in &c.diagnostics {
        // A tag given on the command line that no file declares has no place in the source.
        let from_command_line = d.code == "E0110" && d.message.starts_with("unknown tag");
        if d.primary_span().is_none() && !from_command_line {
            failures.push(format!("{} has no primary span: {}", d.code, d.message));
        }
    }
    let mut has_output = false;
    for (name, body) in case.files.iter_mut() {
        if !OUTPUTS.contains(&name.as_str()) {
            continue;
        }
        has_output = true;
        let got = actual(name);
        if *body != got {
            if update {
                *body = got;
            } else {
                failures.push(format!(
                    "--- {name}: expected\n{body}--- {name}: actual\n{got}"
                ));
            }
        }
    }
    // Every case pins its diagnostics: a case without a `diagnostics` section expects none.
    if !case.files.iter().any(|(n, _)| n.starts_with("diagnostics")) {
        let d = c.render_diagnostics();
        if !d.is_empty() {
            if update {
                case.files.push(("diagnostics".into(), d));
            } else {
                failures.push(format!("unexpected diagnostics:\n{d}"));
            }
        }
    }
    if !has_output && !update {
        failures.push("the case has no expected output section".into());
    }
    if update {
        std::fs::write(path, write_archive(&case)).map_err(|e| e.to_string())?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

#[test]
fn cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cases");
    let files = files_with(&root, "txtar");
    assert!(
        files.len() >= 60,
        "expected at least 60 cases, found {}",
        files.len()
    );
    let mut failed = Vec::new();
    for f in &files {
        if let Err(e) = run_case(f) {
            failed.push(format!("=== {}\n{e}", f.display()));
        }
    }
    println!("{} cases, {} failed", files.len(), failed.len());
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        files.len(),
        failed.join("\n")
    );
}

/// Every example compiles without an error, and twice to the same bytes.
#[test]
fn examples_compile_clean_and_deterministically() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    for dir in dirs {
        let mut sources = Sources::new();
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) == Some("msh") {
                sources.insert(
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    std::fs::read_to_string(&p).unwrap(),
                );
            }
        }
        let a = compile(&sources, &Options::default());
        assert!(a.ok(), "{}:\n{}", dir.display(), a.render_diagnostics());
        let b = compile(&sources, &Options::default());
        assert_eq!(a.value_yaml(), b.value_yaml());
        assert_eq!(a.render_diagnostics(), b.render_diagnostics());
    }
}

/// Every diagnostic code is documented in docs/diagnostics.md and has a case in tests/cases/errors.
#[test]
fn every_code_is_documented_and_tested() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(base.join("docs/diagnostics.md")).unwrap();
    let names = |dir: &str| -> Vec<String> {
        std::fs::read_dir(base.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    let cases = names("tests/cases/errors");
    // `meshc diff` works on objects, not msh: its codes are tested in tests/diff.rs.
    let diff_tests = std::fs::read_to_string(base.join("crates/meshc/tests/diff.rs")).unwrap();
    // `meshc vet` works on manifests: its codes have cases in tests/vet.
    let vet_cases = names("tests/vet");
    // Every code constant is in `codes::ALL` (which SARIF's rules and this test read).
    let diag = std::fs::read_to_string(base.join("crates/meshc-syntax/src/diag.rs")).unwrap();
    let declared = diag
        .lines()
        .filter(|l| l.trim_start().starts_with("pub const") && l.contains(": &str = \""))
        .count();
    assert_eq!(
        declared,
        meshc::codes::ALL.len(),
        "a code is missing from codes::ALL"
    );
    for (code, _) in meshc::codes::ALL {
        assert!(
            doc.contains(&format!("`{code}`")),
            "{code} is not in docs/diagnostics.md"
        );
        assert!(
            cases.iter().chain(&vet_cases).any(|c| c.contains(code))
                || diff_tests.contains(&format!("\"{code}\"")),
            "{code} has no case in tests/cases/errors, tests/vet nor in tests/diff.rs"
        );
    }
}
