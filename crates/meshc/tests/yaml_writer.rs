//! meshc's direct YAML writer (`json_to_yaml`, `manifest_stream`) writes byte for byte what
//! `yaml_serde` writes, and what it writes reads back as the value it was given.

use proptest::prelude::*;
use serde_json::{json, Map, Number, Value};

/// Pieces that exercise every branch of the scalar styles: indicators at the start, in the
/// middle and at the end, spaces, quotes, things YAML reads as numbers, booleans or null.
const PIECES: &[&str] = &[
    "a",
    "web",
    "api-1",
    "0",
    "007",
    "-1",
    "+1",
    "1.5",
    "1e3",
    ".5",
    "5.",
    "0x1F",
    "0o7",
    "0b1",
    "-0x1",
    "0x",
    "1_000",
    "inf",
    ".inf",
    "-.inf",
    ".nan",
    "NaN",
    "null",
    "Null",
    "~",
    "true",
    "False",
    "yes",
    "on",
    " ",
    "  ",
    ":",
    ": ",
    "-",
    "- ",
    "--",
    "---",
    "...",
    "?",
    "? ",
    "#",
    " #",
    "'",
    "\"",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    "\\",
    "/",
    ".",
    "=",
    "istio.io/rev",
    "http://a:80/b",
    "a: b",
    "a #b",
    "a#b",
    "100m",
    "128Mi",
    "1.0",
    "12:30",
    "2026-11-27",
    "*.svc.cluster.local",
];

/// Characters the fast path leaves to yaml_serde (line breaks, tabs, non-ASCII, controls).
const OTHERS: &[&str] = &[
    "\n", "\t", "é", "\u{2028}", "\u{85}", "\u{feff}", "\r", "\u{7f}", "\u{0}", "x\n",
];

fn text() -> impl Strategy<Value = String> {
    // One string in fifty has a character of OTHERS, so that most values take the fast path.
    prop_oneof![
        49 => prop::collection::vec(prop::sample::select(PIECES), 0..4).prop_map(|p| p.concat()),
        1 => (prop::sample::select(PIECES), prop::sample::select(OTHERS)).prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number),
        (-1000i32..1000).prop_map(|i| Value::from(f64::from(i) / 8.0)),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn the_writer_writes_what_yaml_serde_writes(v in value()) {
        prop_assert_eq!(meshc::json_to_yaml(&v), meshc::to_yaml(&v));
    }

    #[test]
    fn a_stream_reads_back_as_its_objects(vs in prop::collection::vec(value(), 1..4)) {
        // A document is a mapping, as an object is.
        let objects: Vec<Value> = vs.into_iter().map(|v| json!({"v": v})).collect();
        let stream = meshc::manifest_stream(&objects);
        let back = meshc::read_manifests(&stream).unwrap();
        // YAML has no distinct float/integer for a float with an integral value; compare
        // after a JSON round trip of both sides' numbers.
        prop_assert_eq!(normalize(&Value::Array(back)), normalize(&Value::Array(objects)));
    }

    /// A compilation's objects keep their JSON text and are written from it (without making a
    /// value of it): the same stream as their values give, with any value in them.
    #[test]
    fn objects_are_written_from_their_text_as_from_their_values(
        vs in prop::collection::vec(value(), 1..4),
    ) {
        let values: Vec<Value> = vs
            .into_iter()
            .enumerate()
            .map(|(i, v)| json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": format!("c{i}")}, "data": v}))
            .collect();
        let c = meshc::Compilation {
            sources: meshc::SourceMap::new(),
            value: None,
            diagnostics: Vec::new(),
            objects: values
                .iter()
                .map(|v| meshc::Object::from_json(None, v.to_string()).unwrap())
                .collect(),
            edges: Vec::new(),
        };
        let stream = meshc::manifest_stream(&values);
        prop_assert_eq!(c.manifests_yaml(), Some(stream.clone()));
        let mut written = Vec::new();
        prop_assert!(c.write_manifests_yaml(&mut written).unwrap());
        prop_assert_eq!(String::from_utf8(written).unwrap(), stream);
        for (o, v) in c.objects.iter().zip(&values) {
            prop_assert_eq!(meshc::object_to_yaml(o), meshc::json_to_yaml(v));
            prop_assert_eq!(&o.value(), v);
            prop_assert_eq!(o.json(), v.to_string());
        }
    }
}

fn normalize(v: &Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => Value::from(f as i64),
            _ => v.clone(),
        },
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        _ => v.clone(),
    }
}

/// Layouts written out: nesting of every kind, as the objects of a mesh have them.
#[test]
fn nested_layouts() {
    let v = json!({
        "apiVersion": "apps/v1",
        "metadata": {"name": "web", "labels": {"app": "web", "version": "1.0"}, "annotations": {}},
        "spec": {
            "ports": [{"name": "http", "port": 80}, {"port": 8080, "targetPort": "http"}],
            "empty": [],
            "matrix": [[1, 2], [], [{"a": [3]}], {}],
            "args": ["--port", "8080", "-v", ""],
            "weight": 0.5,
            "quoted": ["true", "007", "a: b", " x", "x ", "#x", "- x", "it's"],
        }
    });
    let yaml = meshc::json_to_yaml(&v);
    assert_eq!(yaml, meshc::to_yaml(&v));
    assert!(
        yaml.contains("ports:\n  - name: http\n    port: 80\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("matrix:\n  - - 1\n    - 2\n  - []\n  - - a:\n      - 3\n  - {}\n"),
        "{yaml}"
    );
    assert!(yaml.contains("\n  - it's\n"), "{yaml}");
    assert!(yaml.contains("\n  - 'x '\n"), "{yaml}");
}
