//! The structural invariants of ARCHITECTURE.md that are properties of the code rather than of
//! its output: which crate may depend on which, and which crate may touch the outside world.

mod common;

use common::files_with;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Rust sources of a crate's `src/`, comments removed, with their paths.
fn sources(krate: &str) -> Vec<(String, String)> {
    let out: Vec<(String, String)> = files_with(&root().join(krate).join("src"), "rs")
        .into_iter()
        .map(|e| {
            let text = std::fs::read_to_string(&e).unwrap();
            let code: Vec<&str> = text
                .lines()
                .map(|l| l.find("//").map_or(l, |i| &l[..i]))
                .collect();
            (e.display().to_string(), code.join("\n"))
        })
        .collect();
    assert!(!out.is_empty(), "{krate} has sources");
    out
}

/// The project crates a crate depends on (normal dependencies).
fn project_dependencies(krate: &str) -> Vec<String> {
    let toml = std::fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && line.starts_with("meshc") {
            let name = line.split(['=', ' ', '.']).next().unwrap().to_string();
            out.push(name);
        }
    }
    out.sort();
    out
}

#[test]
fn dependencies_point_one_way() {
    let expect: &[(&str, &[&str])] = &[
        ("crates/meshc-syntax", &[]),
        ("crates/meshc-eval", &["meshc-syntax"]),
        ("crates/meshc-lower", &["meshc-eval", "meshc-syntax"]),
        (
            "crates/meshc",
            &["meshc-eval", "meshc-lower", "meshc-syntax"],
        ),
        ("crates/meshc-cli", &["meshc"]),
        ("wasm", &["meshc"]),
    ];
    for (krate, deps) in expect {
        assert_eq!(project_dependencies(krate), *deps, "{krate}'s dependencies");
    }
}

#[test]
fn the_library_touches_no_file_system_clock_or_environment() {
    let forbidden = [
        "std::fs",
        "std::env",
        "std::time",
        "std::process",
        "std::net",
        "std::thread",
        "Instant::",
        "SystemTime",
        "File::",
        "getrandom",
        "rand::",
    ];
    for krate in [
        "crates/meshc-syntax",
        "crates/meshc-eval",
        "crates/meshc-lower",
        "crates/meshc",
    ] {
        for (path, code) in sources(krate) {
            // Unit tests may read fixtures.
            let code = code.split("#[cfg(test)]").next().unwrap();
            for f in forbidden {
                assert!(!code.contains(f), "{path} uses `{f}`");
            }
            // Threads only through rayon, only with the `parallel` feature.
            let lines: Vec<&str> = code.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.contains("rayon::") {
                    let before = &lines[i.saturating_sub(3)..i];
                    assert!(
                        before
                            .iter()
                            .any(|l| l.contains("cfg(feature = \"parallel\")")),
                        "{path}:{}: rayon outside the `parallel` feature",
                        i + 1
                    );
                }
            }
        }
    }
}

#[test]
fn yaml_is_written_in_one_place() {
    let mut writers = Vec::new();
    for krate in [
        "crates/meshc-syntax",
        "crates/meshc-eval",
        "crates/meshc-lower",
        "crates/meshc",
        "crates/meshc-cli",
        "wasm",
    ] {
        for (path, code) in sources(krate) {
            if code.contains("yaml_serde::to_") || code.contains("yaml_serde::Serializer") {
                writers.push(path);
            }
        }
    }
    // Manifests are written by the library's one writer (`to_yaml`, which the direct writer
    // of `yaml.rs` matches byte for byte and falls back to); the evaluator's `yaml.Marshal`
    // writes YAML text as a value of the language (a string), not a manifest.
    writers.retain(|p| !p.ends_with("crates/meshc-eval/src/packages/encoding.rs"));
    assert_eq!(writers.len(), 1, "YAML writers: {writers:?}");
    assert!(writers[0].ends_with("crates/meshc/src/lib.rs"));
}
