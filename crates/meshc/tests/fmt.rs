//! The formatter: `tests/fmt/*.txtar` pairs (`in.msh` formats to `out.msh`;
//! `UPDATE_EXPECT=1` rewrites `out.msh`), and over every msh source of the repository and
//! edits of them: formatting is idempotent, keeps every comment, and never changes meaning —
//! the syntax tree is the same but for positions, and every example, case and generated mesh
//! evaluates to the same value with the same diagnostics.

mod common;

use common::{expect_section, files_with, parse_archive, section, write_archive};
use meshc::{compile, format, Options, Sources};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The syntax tree of `text` with every position removed.
fn tree(text: &str) -> String {
    let (file, diags) = meshc_syntax::parse_file(0, text);
    let mut s = format!(
        "{:?} {:?} {:?}",
        file.package.map(|p| p.name),
        file.imports
            .iter()
            .map(|i| (&i.name.name, &i.path))
            .collect::<Vec<_>>(),
        file.body.decls
    );
    // `Span { file: 0, start: 1, end: 2 }` → ``
    while let Some(i) = s.find("Span {") {
        let j = i + s[i..].find('}').unwrap() + 1;
        s.replace_range(i..j, "");
    }
    s + &format!(" {:?}", diags.iter().map(|d| d.code).collect::<Vec<_>>())
}

/// The comments of a text, in order.
fn comments(text: &str) -> Vec<String> {
    meshc_syntax::format::comments(text)
        .into_iter()
        .map(|(s, e)| text[s..e].to_string())
        .collect()
}

/// Checks one text: idempotent, comments kept, same tree. `Ok(false)` when it does not parse.
fn check_text(name: &str, text: &str) -> Result<bool, String> {
    let Ok(once) = format(text) else {
        return Ok(false);
    };
    let twice =
        format(&once).map_err(|d| format!("{name}: the output does not parse: {d:?}\n{once}"))?;
    if twice != once {
        return Err(format!(
            "{name}: not idempotent:\n--- input\n{text}\n--- once\n{once}--- twice\n{twice}"
        ));
    }
    if comments(text) != comments(&once) {
        return Err(format!(
            "{name}: comments changed:\n{text}\n--- formatted\n{once}"
        ));
    }
    if tree(text) != tree(&once) {
        return Err(format!(
            "{name}: the tree changed:\n{text}\n--- formatted\n{once}"
        ));
    }
    Ok(true)
}

/// The outcome of compiling: the value (or manifests) and the diagnostics without positions.
fn outcome(sources: &Sources) -> String {
    let c = compile(sources, &Options::default());
    let diags: Vec<String> = c
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    format!("{:?}\n{:?}", c.value_json(), diags)
}

fn formatted(sources: &Sources) -> Sources {
    sources
        .iter()
        .map(|(k, v)| {
            let v = if k.ends_with(".msh") {
                format(v).unwrap_or_else(|_| v.clone())
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

#[test]
fn pairs() {
    let paths = files_with(&root().join("tests/fmt"), "txtar");
    assert!(!paths.is_empty());
    let mut failures = Vec::new();
    for path in paths {
        let mut case = parse_archive(&std::fs::read_to_string(&path).unwrap());
        let input = section(&case, "in.msh");
        let got = match format(&input) {
            Ok(t) => t,
            Err(d) => {
                let why: Vec<String> = d.iter().map(|d| d.message.clone()).collect();
                format!("(refused: {})\n", why.join("; "))
            }
        };
        if expect_section(&mut case, "out.msh", &got, &path, &mut failures) {
            std::fs::write(&path, write_archive(&case)).unwrap();
        }
        if let Err(e) = check_text(&path.display().to_string(), &input) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every msh source of the repository: standalone files and the files of test cases.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["examples", "stdlib", "fuzz/regressions"] {
        let paths = files_with(&root().join(dir), "msh");
        for p in paths {
            out.push((
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
    let cases = files_with(&root().join("tests"), "txtar");
    for p in cases {
        let case = parse_archive(&std::fs::read_to_string(&p).unwrap());
        for (name, body) in case.files {
            if name.ends_with(".msh") {
                out.push((format!("{}:{name}", p.display()), body));
            }
        }
    }
    out
}

#[test]
fn every_repository_file_is_formatted_without_change_of_meaning() {
    let mut formatted_any = 0;
    for (name, text) in corpus() {
        if check_text(&name, &text).unwrap_or_else(|e| panic!("{e}")) {
            formatted_any += 1;
        }
    }
    assert!(formatted_any > 100);
}

#[test]
fn examples_and_the_standard_library_are_formatted() {
    let mut paths = files_with(&root().join("examples"), "msh");
    paths.extend(files_with(&root().join("stdlib"), "msh"));
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        assert_eq!(
            format(&text).unwrap(),
            text,
            "{} is not formatted: run meshc fmt",
            p.display()
        );
    }
}

#[test]
fn every_example_and_case_evaluates_the_same_once_formatted() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut packages: Vec<(String, Sources)> = Vec::new();
    for dir in dirs {
        let paths = files_with(&dir, "msh");
        let sources = paths
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(&dir).unwrap().display().to_string();
                (rel, std::fs::read_to_string(p).unwrap())
            })
            .collect();
        packages.push((dir.display().to_string(), sources));
    }
    let cases = files_with(&root().join("tests/cases"), "txtar");
    for p in cases {
        let case = parse_archive(&std::fs::read_to_string(&p).unwrap());
        let sources = case
            .files
            .into_iter()
            .filter(|(n, _)| n.ends_with(".msh"))
            .collect();
        packages.push((p.display().to_string(), sources));
    }
    // A generated mesh.
    let mut mesh = String::new();
    for i in 0..50 {
        mesh.push_str(&format!(
            "service s{i} {{\n\timage: \"r/s{i}:1\" // the image\n\tprotocol: \"grpc\"\n\tdeps: [\"s{}\",\n\t\t\"s{}\"]\n\tversions: {{stable: {{weight: 90}}, canary: {{weight: 10}}}}\n}}\n",
            (i + 1) % 50,
            (i + 7) % 50
        ));
    }
    packages.push((
        "generated mesh".into(),
        [("mesh.msh".to_string(), mesh)].into_iter().collect(),
    ));
    for (name, sources) in packages {
        assert_eq!(outcome(&sources), outcome(&formatted(&sources)), "{name}");
    }
}

fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ":",
    ",",
    "\n",
    " ",
    "\n\n",
    "a",
    "1",
    "\"s\"",
    "// c\n",
    " // c\n",
    "|",
    "&",
    "*",
    "-",
    "+",
    "...",
    "x.y",
    "for x in [1] ",
    "if true ",
    "let z = 1\n",
    "?",
    "\t",
];

include!("../../meshc-syntax/tests/support/edits.rs");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(500)))]

    /// Edited repository files: whatever parses formats idempotently, with the same comments
    /// and the same tree.
    #[test]
    fn edited_files_format_without_change_of_meaning(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..4),
    ) {
        let corpus = CORPUS.with(|c| c.clone());
        let (name, text) = &corpus[file.index(corpus.len())];
        let t = edit(window(text, edits[0].0), &edits, TOKENS);
        let r = check_text(name, &t);
        prop_assert!(r.is_ok(), "{}", r.unwrap_err());
    }
}

thread_local! {
    static CORPUS: std::rc::Rc<Vec<(String, String)>> = std::rc::Rc::new(corpus());
}
