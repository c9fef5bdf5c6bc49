//! An object's head — `apiVersion`, `kind`, `metadata.name`, `metadata.namespace` — read from
//! its compact JSON text without parsing the rest: the typed structs write these first, so
//! that the scan stops after a few dozen bytes of a text of several kilobytes (a full parse
//! of every object was ~4% of a build's time).

/// What the head of an object says (a field it lacks is empty, or `None`).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Head {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

impl Head {
    /// The head read from a whole value (what the scan must agree with).
    pub(crate) fn of_value(value: &serde_json::Value) -> Head {
        let text = |v: &serde_json::Value| v.as_str().map(String::from);
        Head {
            api_version: text(&value["apiVersion"]).unwrap_or_default(),
            kind: text(&value["kind"]).unwrap_or_default(),
            name: text(&value["metadata"]["name"]).unwrap_or_default(),
            namespace: text(&value["metadata"]["namespace"]),
        }
    }
}

/// An object that knows its head without being written out: the typed objects the lowering
/// builds. Their text is then not scanned for it (a scan reads through the labels and
/// annotations, which come before the name: a tenth of the time of lowering).
pub(crate) trait Headed {
    /// The head, or `None` when only the text tells it.
    fn head(&self) -> Option<Head>;
}

fn of_meta(
    api_version: &str,
    kind: &str,
    m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
) -> Option<Head> {
    Some(Head {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        name: m.name.clone().unwrap_or_default(),
        namespace: m.namespace.clone(),
    })
}

impl<S> Headed for crate::istio::IstioObject<S> {
    fn head(&self) -> Option<Head> {
        of_meta(&self.api_version, &self.kind, &self.metadata)
    }
}

/// The Kubernetes API's own types: their apiVersion and kind are constants.
macro_rules! headed {
    ($($t:ty),* $(,)?) => {$(
        impl Headed for $t {
            fn head(&self) -> Option<Head> {
                use k8s_openapi::Resource;
                of_meta(<$t>::API_VERSION, <$t>::KIND, &self.metadata)
            }
        }
    )*};
}

headed!(
    k8s_openapi::api::apps::v1::Deployment,
    k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler,
    k8s_openapi::api::core::v1::Namespace,
    k8s_openapi::api::core::v1::Service,
    k8s_openapi::api::core::v1::ServiceAccount,
    k8s_openapi::api::networking::v1::NetworkPolicy,
    k8s_openapi::api::policy::v1::PodDisruptionBudget,
);

/// An object written in the program (`objects:`): its text tells.
impl Headed for meshc_eval::Node {
    fn head(&self) -> Option<Head> {
        None
    }
}

/// The head of the JSON object `json`; `None` when the text is not what a serializer writes
/// of an object compactly (the caller then parses it in full).
pub(crate) fn scan(json: &str) -> Option<Head> {
    let mut r = Reader {
        b: json.as_bytes(),
        i: 0,
    };
    let mut head = Head::default();
    let (mut api, mut kind, mut meta) = (false, false, false);
    r.eat(b'{')?;
    if r.peek()? == b'}' {
        return Some(head);
    }
    loop {
        let key = r.string()?;
        r.eat(b':')?;
        match key.as_str() {
            "apiVersion" if r.peek()? == b'"' => {
                head.api_version = r.string()?;
                api = true;
            }
            "kind" if r.peek()? == b'"' => {
                head.kind = r.string()?;
                kind = true;
            }
            "metadata" if r.peek()? == b'{' => {
                r.eat(b'{')?;
                if r.peek()? != b'}' {
                    loop {
                        let key = r.string()?;
                        r.eat(b':')?;
                        match key.as_str() {
                            "name" if r.peek()? == b'"' => head.name = r.string()?,
                            "namespace" if r.peek()? == b'"' => head.namespace = Some(r.string()?),
                            _ => r.skip()?,
                        }
                        if !r.next_entry()? {
                            break;
                        }
                    }
                }
                r.eat(b'}')?;
                meta = true;
            }
            _ => r.skip()?,
        }
        if api && kind && meta {
            return Some(head);
        }
        if !r.next_entry()? {
            return Some(head);
        }
    }
}

struct Reader<'t> {
    b: &'t [u8],
    i: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// After a value in an object: `true` past a `,`, `false` at the closing `}` (not eaten).
    fn next_entry(&mut self) -> Option<bool> {
        match self.peek()? {
            b',' => {
                self.i += 1;
                Some(true)
            }
            b'}' => Some(false),
            _ => None,
        }
    }

    /// Passes over a string, its quotes included; whether it has an escape.
    fn skip_string(&mut self) -> Option<bool> {
        self.eat(b'"')?;
        let mut escaped = false;
        loop {
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                _ => self.i += 1,
            }
        }
        self.i += 1;
        Some(escaped)
    }

    /// A string, decoded (escapes through serde_json, which the text came from).
    fn string(&mut self) -> Option<String> {
        let start = self.i;
        let escaped = self.skip_string()?;
        let raw = std::str::from_utf8(self.b.get(start..self.i)?).ok()?;
        if escaped {
            serde_json::from_str(raw).ok()
        } else {
            Some(raw[1..raw.len() - 1].to_string())
        }
    }

    /// Skips one value of compact JSON.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match self.peek()? {
                b'"' => {
                    self.skip_string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.i += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.i += 1;
                }
                // A number, `true`, `false` or `null`: up to the next delimiter. Anything else
                // (white space: text not written compactly) is left to the full parse.
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => loop {
                    match self.peek()? {
                        b',' | b'}' | b']' => break,
                        b'-' | b'+' | b'.' | b'0'..=b'9' | b'a'..=b'z' | b'E' => self.i += 1,
                        _ => return None,
                    }
                },
                _ => return None,
            }
            if depth == 0 && matches!(self.peek()?, b',' | b'}' | b']') {
                return Some(());
            }
            // Inside a container, separators are passed over.
            if depth > 0 && matches!(self.peek()?, b',' | b':') {
                self.i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_scan_reads_what_a_full_parse_reads() {
        let cases = [
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "n"}, "spec": {}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"annotations": {"x": "{\"}"}, "labels": {"app": "a"}, "name": "a\"b\\c", "namespace": "ns"}, "spec": {"replicas": 2, "list": [1, [2, {"k": "v"}], -3.5e2, true, null]}}),
            json!({"spec": {"a": [1, 2, {"b": "c]"}]}, "kind": "K", "metadata": {"name": "late"}, "apiVersion": "x/v1"}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ü-ns", "labels": {}}}),
            json!({"kind": "NoApiVersion", "metadata": {}}),
            json!({"apiVersion": 3, "kind": ["weird"], "metadata": "x"}),
            json!({}),
        ];
        // Text written with white space is not scanned (the full parse reads it).
        assert_eq!(scan("{\"kind\": \"a,b\", \"x\": 1}"), None);
        for v in &cases {
            let text = serde_json::to_string(v).unwrap();
            assert_eq!(scan(&text), Some(Head::of_value(v)), "{text}");
        }
    }

    #[test]
    fn text_that_is_not_an_object_is_left_to_the_full_parse() {
        for text in ["", "[]", "{\"kind\"", "{\"kind\":\"a", "\"s\"", "{\"a\":[}"] {
            assert!(scan(text).is_none_or(|h| h == Head::default()), "{text}");
        }
    }
}
