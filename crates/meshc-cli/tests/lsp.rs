//! `meshc lsp` driven over stdio with real Language Server Protocol messages, as an editor
//! sends them: initialize, open a file, change it, hover, complete, format, shut down.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            input,
            output,
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.input, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.input.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.output.read_line(&mut line).unwrap() > 0,
                "the server closed"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.output.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m["id"] == json!(id) {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.recv();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn an_editor_session() {
    let dir = scratch("lsp");
    // A second file of the package, on disk only: its service is a known dependency.
    std::fs::write(
        dir.join("db.msh"),
        "service db {\n\timage: \"db:1\"\n\tpublic: true\n}\n",
    )
    .unwrap();
    let path = dir.join("api.msh");
    let uri = format!("file://{}", path.display());
    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": format!("file://{}", dir.display()), "capabilities": {}}),
    );
    assert_eq!(init["capabilities"]["documentFormattingProvider"], true);
    assert_eq!(init["capabilities"]["hoverProvider"], true);
    c.notify("initialized", json!({}));

    // Open a file with a misspelled field: the same E0205 as `meshc check`, with its help.
    let text = "service api {\n\timage: \"api:1\"\n\tprotocl: \"grpc\"\n\tdeps: [\"db\"]\n\tpublic: true\n}\n";
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "msh", "version": 1, "text": text}}),
    );
    let diags = c.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "E0205");
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 2, "character": 1})
    );
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `protocol`?"));

    // Fix it: the diagnostics clear. A guardrail (E0303: weights) appears as typed.
    let fixed = text.replace("protocl", "protocol");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());
    let weights = fixed.replace(
        "\tpublic: true\n",
        "\tpublic: true\n\tversions: {a: {weight: 50}, b: {weight: 40}}\n",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": weights}]}),
    );
    let diags = c.diagnostics(&uri);
    assert!(diags.iter().any(|d| d["code"] == "E0303"), "{diags:?}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());

    // Hover on `protocol`: its declaration and documentation from the standard library.
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 3}}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("protocol:") && shown.contains("#Service"),
        "{shown}"
    );
    assert!(shown.contains("The protocol the service speaks"), "{shown}");
    // ... and the evaluated value of the field.
    assert!(
        shown.contains("services.api.protocol = \"grpc\""),
        "{shown}"
    );

    // Completion inside a nested block: the fields of a probe.
    let probed = fixed.replace(
        "\tpublic: true\n",
        "\tpublic: true\n\tprobes: {readiness: {\n\t\t\n\t}}\n",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": probed}]}),
    );
    c.diagnostics(&uri);
    let in_probe = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 2}}),
    );
    let fields: Vec<&str> = in_probe
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"http") && fields.contains(&"initialDelay"),
        "{fields:?}"
    );
    // Inside a patch: the fields of the Kubernetes schema (through `apps.#Deployment` into
    // core's PodSpec), in a list element too (a container); hover shows the schema's doc.
    let patched = fixed.replace(
        "\tpublic: true\n",
        "\tpublic: true\n\tpatch: deployment: spec: template: spec: {\n\t\tpriorityClassName: \"x\"\n\t\tcontainers: [{\n\t\t\t\n\t\t}]\n\t}\n",
    );
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"text": patched}]}),
    );
    c.diagnostics(&uri);
    let labels = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let in_spec = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 2}}),
    );
    let fields = labels(&in_spec);
    assert!(
        fields.iter().any(|f| f == "topologySpreadConstraints")
            && fields.iter().any(|f| f == "nodeSelector"),
        "{fields:?}"
    );
    let in_container = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 8, "character": 3}}),
    );
    let fields = labels(&in_container);
    assert!(
        fields.iter().any(|f| f == "image") && fields.iter().any(|f| f == "livenessProbe"),
        "{fields:?}"
    );
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 5}}),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("priorityClassName?: string"), "{shown}");
    assert!(shown.contains("#PodSpec"), "{shown}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": fixed}]}),
    );
    c.diagnostics(&uri);

    // Completion: the fields of #Service in the service block; the services in `deps`.
    let in_block = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}}),
    );
    let labels: Vec<&str> = in_block
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for f in ["image", "port", "protocol", "versions", "autoscale", "deps"] {
        assert!(labels.contains(&f), "{f} in {labels:?}");
    }
    let in_deps = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 8}}),
    );
    let names: Vec<&str> = in_deps
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["api", "db"]);

    // Go to definition: the service named in `deps` is declared in db.msh.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 10}}),
    );
    assert_eq!(
        def["uri"],
        format!("file://{}", dir.join("db.msh").display())
    );
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 8}));

    // Go to definition on a field label: its declaration in (a copy of) the standard library.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": 3}}),
    );
    let target = def["uri"]
        .as_str()
        .unwrap()
        .strip_prefix("file://")
        .unwrap()
        .to_string();
    let stdlib = std::fs::read_to_string(&target).unwrap();
    let line = def["range"]["start"]["line"].as_u64().unwrap() as usize;
    assert!(
        stdlib
            .lines()
            .nth(line)
            .unwrap()
            .trim_start()
            .starts_with("protocol:"),
        "{def}"
    );

    // Rename `db` (from its name in deps): its declaration in db.msh and the entry here.
    let edit = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 10}, "newName": "store"}),
    );
    let db_uri = format!("file://{}", dir.join("db.msh").display());
    assert_eq!(edit["changes"][&db_uri][0]["newText"], "store");
    assert_eq!(
        edit["changes"][&db_uri][0]["range"]["start"],
        json!({"line": 0, "character": 8})
    );
    assert_eq!(
        edit["changes"][&uri][0]["range"]["start"],
        json!({"line": 3, "character": 9})
    );
    let id = c.next_id;
    c.next_id += 1;
    c.send(json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/rename",
        "params": {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 10}, "newName": "Bad_Name"}}));
    let refused = loop {
        let m = c.recv();
        if m["id"] == json!(id) {
            break m;
        }
    };
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not a service name"));

    // Formatting: one edit, the text `meshc fmt` writes.
    let messy = "service api {\n  image:\"api:1\"\n  protocol: \"grpc\"\n  deps: [\"db\"]\n  public: true\n}\n";
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": messy}]}),
    );
    c.diagnostics(&uri);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": false}}),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["newText"],
        "service api {\n\timage:    \"api:1\"\n\tprotocol: \"grpc\"\n\tdeps:     [\"db\"]\n\tpublic:   true\n}\n"
    );

    // Shut down and exit cleanly.
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
}
