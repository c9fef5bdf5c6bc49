//! The parser against its specification: `grammar/msh.pest`, run by pest, must accept exactly
//! the inputs the hand-written parser accepts — every msh file of the repository, edits of them,
//! token soup, and the corners listed below.

use meshc_syntax::{codes, parse_file};
use pest::Parser;
use proptest::prelude::*;
use std::path::Path;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/msh.pest"]
struct Spec;

/// Whether the specification accepts `text`.
fn spec_accepts(text: &str) -> bool {
    Spec::parse(Rule::file, text).is_ok()
}

/// Whether the parser accepts `text` (`None`: refused before parsing, for its nesting).
fn parser_accepts(text: &str) -> Option<bool> {
    let (_, diags) = parse_file(0, text);
    if diags
        .iter()
        .any(|d| d.code == codes::TOO_DEEP && d.message.starts_with("brackets"))
    {
        return None;
    }
    // (`...` before the end of a list is reported with the syntax errors, but the grammar
    // leaves it to the parser.)
    Some(
        !diags
            .iter()
            .any(|d| d.code == codes::SYNTAX && d.message.starts_with("syntax error")),
    )
}

fn agree(text: &str) -> Result<(), String> {
    match parser_accepts(text) {
        None => Ok(()),
        Some(p) if p == spec_accepts(text) => Ok(()),
        Some(p) => Err(format!(
            "the parser {} and the grammar {} this input:\n{text}\n{text:?}",
            if p { "accepts" } else { "rejects" },
            if p { "rejects" } else { "accepts" },
        )),
    }
}

/// Every msh source of the repository: files, and the `.msh` sections of test cases.
fn corpus() -> Vec<(String, String)> {
    fn walk(p: &Path, out: &mut Vec<(String, String)>) {
        if p.is_dir() {
            let mut entries: Vec<_> = std::fs::read_dir(p)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            entries.sort();
            for e in entries {
                walk(&e, out);
            }
            return;
        }
        let name = p.display().to_string();
        if name.ends_with(".msh") {
            out.push((name, std::fs::read_to_string(p).unwrap()));
        } else if name.ends_with(".txtar") {
            let text = std::fs::read_to_string(p).unwrap();
            let mut cur: Option<(String, String)> = None;
            for line in text.lines() {
                if let Some(h) = line.strip_prefix("-- ").and_then(|l| l.strip_suffix(" --")) {
                    out.extend(cur.take().filter(|c| c.0.ends_with(".msh")));
                    cur = Some((format!("{name}:{h}"), String::new()));
                } else if let Some(c) = cur.as_mut() {
                    c.1.push_str(line);
                    c.1.push('\n');
                }
            }
            out.extend(cur.take().filter(|c| c.0.ends_with(".msh")));
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in ["examples", "stdlib", "tests/cases", "fuzz/regressions"] {
        walk(&root.join(dir), &mut out);
    }
    assert!(out.len() > 100, "the corpus is the repository's msh files");
    out
}

#[test]
fn every_repository_file() {
    for (name, text) in corpus() {
        if let Err(e) = agree(&text) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn corners() {
    // (input, accepted)
    let cases = [
        ("letter: 1", true),
        ("letter = 1", true),
        ("let x = 1\ny: x", true),
        ("let x == 1", false),
        ("service a {}", true),
        ("servicea {}", true), // the field reference `servicea` and an empty struct
        ("service: 1", true),
        ("service \"a\" {}", true),
        ("service Bad_Name {}", true), // parsed; E0103 later
        ("service \"a {}", true),      // a bad name `"a`; E0103 later
        ("worker w {}", true),
        ("check \"t\" {}", true),
        ("check: 1", true),
        ("checks \"t\" {}", true), // `checks`, then a string, then a struct
        ("for x in [1] {}", true),
        ("format: 1", true),
        ("x: [for i inn {i}]", false),
        ("x: [for k, v in {a: 1} {v}]", true),
        ("x: [if true {1}]", true),
        ("a: b.c", true),
        ("a: b .c", false),
        ("a: b. c", true),
        ("a: b[1]", true),
        ("a: b [1]", true), // the field `a: b`, then the list `[1]`
        ("a: b [1 2]", false),
        ("a: b[1, 2]", false),
        ("a: len(b)", true),
        ("a: len (b)", true), // the field `a: len`, then `(b)`
        ("a: len(b,)", true),
        ("a: 1.x", true),
        ("a: 1.5Gi", true),
        ("a: b: c: 1", true),
        ("a: b?: c!: 1", true),
        ("a ? : 1", true),
        ("\"a-b\": 1", true),
        ("\"a\\(x)\": 1", true),
        ("(x): 1", true),
        ("(x)", true),
        ("[string]: int", true),
        ("[N=string]: {n: N}", true),
        ("[N=string]", false),
        ("[1, 2]", true),
        ("[x]?: 1", false),
        ("a: [...int]", true),
        ("a: [1, ...]", true),
        ("a: [...,]", true),
        ("a: {...}", true),
        ("a: *1 | 2", true),
        ("a: >=1 & <=5", true),
        ("a: !=\"\"", true),
        ("a: =~\"^x\"", true),
        ("a: _|_", true),
        ("a: _ | _", true),
        ("a: 1 || 2 && 3", true),
        ("a: 1 // c\n+ 2", true),
        ("a: \"x\ny\"", false),
        ("a: \"\\q\"", false),
        ("a: \"\\u00e9\"", true),
        ("a: \"\\u00\"", false),
        ("a: 1,, b: 2", false),
        ("a: 1, b: 2,", true),
        (
            "package p\nimport \"mesh\"\nimport (m \"./m\"\n\"x\")\na: 1",
            true,
        ),
        ("packagep", true), // the reference `packagep`
        ("a: 1\nimport \"mesh\"", false),
        ("import\"mesh\"", true),
        ("import \"a\\(b)\"", false),
        ("\u{FEFF}a: 1\r\n", true),
        ("a: null, b: true, c: nullx", true),
        ("null: 1", true),
        ("if: 1, for: {in: 2}, let: 3", true),
        ("a: b.if", true),
        ("if x: 1", false),
        ("X=a: 1, b: X", true),
        ("X=\"a-b\": 1", true),
        ("X=(k): 1", true),
        ("X=[string]: 1", false),
        ("a: X={b: X.c, c: 1}", true),
        ("a: {if x {b: 1} else {c: 2}}", true),
        ("a: {try {b: c? + d?.e, f: g[1]?}}", true),
        ("a: {try x = b? if x > 0 {c: x} else {d: 0}}", true),
        ("a: [try v = b? {v}, for x in y try {x?}]", true),
        ("try: 1, b: try", true),
        ("a: b ?", false),
        ("a: {try x == 1 {}}", true),
        ("a: [for x in y {x} fallback {0}]", true),
        ("a: {if x {b: 1}\nelse: 2}", true),
        ("a: {if x {b: 1} else}", true),
        ("a: {if x {b: 1} else {c: 2} else {d: 3}}", true),
        ("a: #\"c:\\d \"q\" \\#(b)\"#", true),
        ("a: ##\"x\"#y\"##", true),
        ("a: #\"x\"", false),
        ("a: #\"\\#q\"#", false),
        ("a: \"\"\"\n\tx \\(y)\n\t\"\"\"", true),
        ("a: \"\"\" x\n\"\"\"", false),
        ("a: #\"\"\"\n\\n\n\"\"\"#", true),
        ("a: \"\"\"\nx", false),
        ("a: X=b", true),
        ("a: X=b: 1", true),
        ("X={c: 1}", true),
        ("X=[1]", true),
        ("a: X=", false),
        ("X=Y=a: 1", false),
        ("n =~\"x\"", true),
        ("_#A: {b: int}, c: _#A", true),
        ("a: l[1:2], b: l[:2], c: l[1:], d: l[:]", true),
        ("a: l[]", false),
        ("a: 1e-3, b: 2.5E+6", true),
        ("a: 1e- 3", true),
        ("a: 1 @tag(env, type=int) @b()", true),
        ("a: 1 @x(\"y)\" [1, (2)] {z})", true),
        ("a: 1 @x(])", false),
        ("a: 1 @x(", false),
        ("a: 1 @x (y)", false),
        ("@extern(file)\na: 1", true),
        ("@experiment(x)\npackage p\nimport \"list\"\na: 1", true),
        ("@experiment(x)\n@b()\nimport \"list\"", true),
        ("package p\n@x()\nimport \"list\"", false),
        ("a: {@attr(x)}", true),
        ("#A: {b: int}", true),
        ("a: #A.b", true),
        ("a: x.#B", true),
        ("a: }", false),
        ("{", false),
        ("a: (1", false),
    ];
    for (text, accepted) in cases {
        assert_eq!(
            parser_accepts(text),
            Some(accepted),
            "the parser on {text:?}"
        );
        assert_eq!(spec_accepts(text), accepted, "the grammar on {text:?}");
    }
}

/// The number of cases of each property: `n`, or `PROPTEST_CASES` when set.
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
}

const TOKENS: &[&str] = &[
    "{", "}", "[", "]", "(", ")", ":", ",", "\"", "|", "&", "*", "-", "!", "?", "...", "\n", " ",
    "a", "#A", "1", "for", "if", "let", "in", "service", "x.y", "\\(", "=", "// c\n", "\u{FEFF}",
    "_|_", ">=", "==", "\"s\"", "5m", "1.5", ".", "check", "import", "null", "len(",
];

include!("support/edits.rs");

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn edited_repository_files(
        file in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..4),
    ) {
        let corpus = CORPUS.with(|c| c.clone());
        let (_, text) = &corpus[file.index(corpus.len())];
        let text = window(text, edits[0].0);
        let edited = edit(text, &edits, TOKENS);
        prop_assert!(agree(&edited).is_ok(), "{}", agree(&edited).unwrap_err());
    }

    #[test]
    fn token_soup(tokens in prop::collection::vec(any::<prop::sample::Index>(), 0..40)) {
        let text: String = tokens.iter().map(|i| TOKENS[i.index(TOKENS.len())]).collect();
        prop_assert!(agree(&text).is_ok(), "{}", agree(&text).unwrap_err());
    }
}

thread_local! {
    static CORPUS: std::rc::Rc<Vec<(String, String)>> = std::rc::Rc::new(corpus());
}
