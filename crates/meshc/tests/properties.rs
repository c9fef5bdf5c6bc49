//! Property tests of the language core: unification laws, file-order independence, and
//! robustness (no panic, no stack overflow, no hang) on arbitrary and pathological input.

use meshc::{compile, Options, Sources};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The number of cases of each property: `n`, or `PROPTEST_CASES` when set (scripts/fuzz
/// runs the properties long, from random seeds).
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
}

/// The outcome of compiling, normalised: the value with map keys sorted, or "error".
fn outcome(files: &[(&str, String)]) -> String {
    let mut sources = Sources::new();
    for (p, t) in files {
        sources.insert(p.to_string(), t.clone());
    }
    let c = compile(&sources, &Options::default());
    match c.value_json() {
        Some(j) if c.ok() => {
            let v: serde_json::Value = serde_json::from_str(&j).unwrap();
            sorted(v).to_string()
        }
        _ => "error".into(),
    }
}

fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let b: BTreeMap<String, serde_json::Value> =
                m.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            serde_json::Value::Object(b.into_iter().collect())
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

fn one(src: String) -> String {
    outcome(&[("a.msh", src)])
}

/// msh values: scalars, constraints, disjunctions with defaults, structs and lists.
fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0i64..4).prop_map(|i| i.to_string()),
        prop_oneof![Just("\"a\""), Just("\"b\"")].prop_map(String::from),
        Just("int".to_string()),
        Just("string".to_string()),
        Just(">=1".to_string()),
        Just("<=2".to_string()),
        Just("!=3".to_string()),
        Just("_".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        Just("500m".to_string()),
        Just("quantity".to_string()),
        Just("1.0".to_string()),
        Just("1000m".to_string()),
        Just("float".to_string()),
        Just("number".to_string()),
        Just("duration".to_string()),
        Just("*1 | 1.0".to_string()),
        Just("*1 | 2".to_string()),
        Just("1 | *2 | 3".to_string()),
        Just("\"a\" | \"b\"".to_string()),
        Just("*\"a\" | string".to_string()),
    ];
    leaf.prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(
                (prop_oneof![Just("x"), Just("y"), Just("z")], inner.clone()),
                0..3
            )
            .prop_map(|fs| {
                let body: Vec<String> = fs.into_iter().map(|(l, v)| format!("{l}: {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(|xs| format!("[{}]", xs.join(", "))),
            (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) & ({b})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(96), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn unification_is_commutative(a in value(), b in value()) {
        prop_assert_eq!(one(format!("r: ({a}) & ({b})\n")), one(format!("r: ({b}) & ({a})\n")));
    }

    #[test]
    fn unification_is_associative(a in value(), b in value(), c in value()) {
        prop_assert_eq!(one(format!("r: (({a}) & ({b})) & ({c})\n")), one(format!("r: ({a}) & (({b}) & ({c}))\n")));
    }

    #[test]
    fn unification_is_idempotent(a in value()) {
        prop_assert_eq!(one(format!("r: ({a}) & ({a})\n")), one(format!("r: {a}\n")));
    }

    #[test]
    fn file_order_never_changes_the_result(
        fields in prop::collection::vec((prop_oneof![Just("a"), Just("b"), Just("c")], value()), 1..6),
        split in 0usize..6,
        rotate in 0usize..3,
    ) {
        let lines: Vec<String> = fields.iter().map(|(l, v)| format!("{l}: {v}\n")).collect();
        let cut = split.min(lines.len());
        let parts = [lines[..cut].concat(), lines[cut..].concat(), "d: a\n".to_string()];
        let named = |order: [usize; 3]| -> Vec<(&'static str, String)> {
            vec![("f0.msh", parts[order[0]].clone()), ("f1.msh", parts[order[1]].clone()), ("f2.msh", parts[order[2]].clone())]
        };
        let base = outcome(&named([0, 1, 2]));
        let perm = match rotate { 0 => [2, 0, 1], 1 => [1, 2, 0], _ => [2, 1, 0] };
        prop_assert_eq!(base, outcome(&named(perm)));
    }

    #[test]
    fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
        let _ = one(s);
    }

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = one(String::from_utf8_lossy(&bytes).into_owned());
    }

    #[test]
    fn never_panics_on_mutated_programs(
        which in 0usize..SAMPLES.len(),
        edits in prop::collection::vec((0usize..10_000, 0usize..8, 0usize..4, "[{}\\[\\]():,&|*\"#a-z0-9 \n.=!<>_-]{0,6}"), 1..5),
    ) {
        let mut text = SAMPLES[which].to_string();
        for (at, len, kind, ins) in edits {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) { at -= 1; }
            let mut end = (at + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            match kind {
                0 => { text.replace_range(at..end, ""); }
                1 => { text.insert_str(at, &ins); }
                2 => { text.replace_range(at..end, &ins); }
                _ => { let dup = text[at..end].to_string(); text.insert_str(at, &dup); }
            }
        }
        let _ = one(text);
    }
}

const SAMPLES: &[&str] = &[
    include_str!("../../../stdlib/mesh.msh"),
    r#"
service checkout {
    namespace: "shop"
    image: "ghcr.io/acme/checkout:1.4.2"
    protocol: "grpc"
    port: 5050
    resources: { cpu: 500m, memory: 256Mi }
    autoscale: { min: 3, max: 30, cpu: 70% }
    deps: ["payment", "cart", "shop/currency", "api.stripe.com:443"]
    versions: {
        stable: { image: "ghcr.io/acme/checkout:1.4.2", weight: 90 }
        canary: { image: "ghcr.io/acme/checkout:1.5.0", weight: 10 }
    }
    load: { peakRps: 10000, requestsPerCall: 2 }
}
check "canary weight is small" {
    for name, s in services if s.versions != _|_ {
        if s.versions.canary != _|_ {
            s.versions.canary.weight <= 25 || warn("\(name): too large")
        }
    }
}
"#,
    r#"
#S: {a: int, b?: string, c: *"d" | string, ...}
let k = 3
x: #S & {a: k}
xs: [for i, v in [1, 2, 3] if v > 1 {v * k}]
m: {for n, v in x if n != "c" {"\(n)-key": v}}
p: [Name=_]: {name: Name}
p: one: {}
y: x.a + len(xs) * 2
"#,
];

fn has_code(src: &str, code: &str) -> bool {
    let mut sources = Sources::new();
    sources.insert("a.msh".into(), src.into());
    let c = compile(&sources, &Options::default());
    c.diagnostics.iter().any(|d| d.code == code)
}

#[test]
fn deep_brackets_are_a_clear_error() {
    let n = 100_000;
    assert!(has_code(
        &format!("a: {}{}\n", "[".repeat(n), "]".repeat(n)),
        "E0107"
    ));
    assert!(has_code(
        &format!("a: {}1{}\n", "{b: ".repeat(n), "}".repeat(n)),
        "E0107"
    ));
    assert!(has_code(
        &format!("a: {}1{}\n", "(".repeat(n), ")".repeat(n)),
        "E0107"
    ));
}

#[test]
fn long_chains_are_a_clear_error() {
    assert!(has_code(&format!("a: {}1\n", "-".repeat(100_000)), "E0107"));
    assert!(has_code(
        &format!("a: {}\n", vec!["1"; 50_000].join(" + ")),
        "E0107"
    ));
    let labels: Vec<String> = (0..50_000).map(|i| format!("l{i}")).collect();
    assert!(has_code(&format!("{}: 1\n", labels.join(": ")), "E0107"));
}

#[test]
fn deep_reference_chains_are_a_clear_error() {
    let n = 20_000;
    let mut src: String = (0..n).map(|i| format!("a{i}: a{}\n", i + 1)).collect();
    src.push_str(&format!("a{n}: 1\n"));
    assert!(has_code(&src, "E0215"));
    let mut nested: String = (0..n)
        .map(|i| format!("s{i}: {{x: s{}}}\n", i + 1))
        .collect();
    nested.push_str(&format!("s{n}: 1\n"));
    assert!(has_code(&nested, "E0215"));
    let clauses: String = (0..5_000).map(|i| format!("for x{i} in [1] ")).collect();
    assert!(has_code(&format!("r: [{clauses}{{1}}]\n"), "E0215"));
}

#[test]
fn huge_disjunctions_are_a_clear_error() {
    let alts: Vec<String> = (0..1_000).map(|i| i.to_string()).collect();
    assert!(has_code(&format!("a: {}\n", alts.join(" | ")), "E0215"));
}

/// Input nested just under the limits evaluates (no stack overflow), on a test thread's
/// default stack.
#[test]
fn nesting_under_the_limits_evaluates() {
    let n = 99;
    for src in [
        format!("a: {}1{}\n", "{b: ".repeat(n), "}".repeat(n)),
        format!("a: {}1{}\n", "(".repeat(n), ")".repeat(n)),
        format!("a: {}{}\n", "[".repeat(n), "]".repeat(n)),
        format!("a: {}\n", vec!["1"; 150].join(" + ")),
    ] {
        let out = one(src.clone());
        assert_ne!(out, "error", "{}", &src[..40]);
    }
}

/// The first E0215 message of compiling `src` under `limits`, if any.
fn limit_message(src: &str, limits: meshc::Limits) -> Option<String> {
    let mut sources = Sources::new();
    sources.insert("a.msh".into(), src.to_string());
    let options = Options {
        limits,
        ..Options::default()
    };
    let c = compile(&sources, &options);
    c.diagnostics
        .iter()
        .find(|d| d.code == "E0215")
        .map(|d| d.message.clone())
}

const SMALL: meshc::Limits = meshc::Limits {
    values: 20_000,
    exported: 40_000,
    string_bytes: 1 << 20,
};

/// Inputs that once allocated until the process aborted end in E0215 naming what grew.
#[test]
fn memory_is_bounded_by_the_limits() {
    let doubling: String = std::iter::once("a0: {x: 1}\n".to_string())
        .chain((1..40).map(|i| format!("a{i}: {{l: a{}, r: a{}}}\n", i - 1, i - 1)))
        .collect();
    let m = limit_message(&doubling, SMALL).expect("doubling structure stops");
    assert!(m.contains("values") || m.contains("parts"), "{m}");

    let strings: String = std::iter::once("s0: \"xxxxxxxxxx\"\n".to_string())
        .chain((1..40).map(|i| format!("s{i}: s{} + s{}\n", i - 1, i - 1)))
        .collect();
    assert!(limit_message(&strings, SMALL)
        .expect("doubling strings stop")
        .contains("bytes of strings"));
    let interpolated: String = std::iter::once("s0: \"xxxxxxxxxx\"\n".to_string())
        .chain((1..40).map(|i| format!("s{i}: \"\\(s{})\\(s{})\"\n", i - 1, i - 1)))
        .collect();
    assert!(limit_message(&interpolated, SMALL)
        .expect("interpolation stops")
        .contains("bytes of strings"));

    let nested = "l: [1,2,3,4,5,6,7,8,9,10]\nr: [for a in l for b in l for c in l for d in l for e in l for f in l {a}]\n";
    let m = limit_message(nested, SMALL).expect("nested comprehensions stop");
    assert!(
        m.contains("yields") || m.contains("names") || m.contains("values"),
        "{m}"
    );

    // Writing out a value shared at every level: evaluation is cheap, its export is not.
    let shared: String = std::iter::once("a0: [1, 2, 3, 4]\n".to_string())
        .chain((1..30).map(|i| format!("a{i}: [a{}, a{}]\n", i - 1, i - 1)))
        .collect();
    assert!(limit_message(&shared, SMALL).is_some());

    // The same programs, small, evaluate under the same limits.
    assert_eq!(
        limit_message("a0: {x: 1}\na1: {l: a0, r: a0}\n", SMALL),
        None
    );
    assert_eq!(limit_message("s0: \"x\"\ns1: s0 + s0\n", SMALL), None);
}

/// Random programs never get past the limits unreported: whatever they build, the counts stay
/// within the bounds or the compilation reports E0215.
#[test]
fn tiny_limits_never_panic_and_bound_the_output() {
    let tiny = meshc::Limits {
        values: 50,
        exported: 60,
        string_bytes: 64,
    };
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: cases(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&prop::collection::vec(value(), 1..6), |vals| {
            let src: String = vals
                .iter()
                .enumerate()
                .map(|(i, v)| format!("f{i}: {v}\nc{i}: [f{i}, f{i}, f{i}]\n"))
                .collect();
            let mut sources = Sources::new();
            sources.insert("a.msh".into(), src);
            let c = compile(
                &sources,
                &Options {
                    limits: tiny,
                    ..Options::default()
                },
            );
            // Either it fits (and has a value or other errors) or E0215 says why.
            if let Some(j) = c.value_json() {
                prop_assert!(j.len() < 200_000);
            }
            Ok(())
        })
        .unwrap();
}
