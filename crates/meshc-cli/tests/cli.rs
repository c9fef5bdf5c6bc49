//! The `meshc` command as a user runs it: outputs, exit codes, and `-o DIR` written
//! atomically (on any error nothing in DIR changes).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn meshc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const GOOD: &str = "service api {\n\timage: \"api:1\"\n\tpublic: true\n}\n";
const BAD: &str = "service api {\n\timage: \"api:1\"\n\tport: 0\n}\n";

fn listing(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn build_prints_yaml_and_json_deterministically() {
    let d = scratch("stdout");
    std::fs::write(d.join("a.msh"), GOOD).unwrap();
    let a = meshc(&["build", "a.msh"], &d);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let b = meshc(&["build", "a.msh"], &d);
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8(a.stdout).unwrap();
    assert!(text.starts_with("---\napiVersion: v1\nkind: Namespace\n"));
    assert_eq!(
        text.matches("\n---\n").count() + 1,
        text.matches("apiVersion: ").count() - 1
    );
    let j = meshc(&["build", "--format", "json", "a.msh"], &d);
    let list: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["kind"] == "Deployment"));
}

#[test]
fn exit_codes() {
    let d = scratch("codes");
    std::fs::write(d.join("good.msh"), GOOD).unwrap();
    std::fs::write(d.join("bad.msh"), BAD).unwrap();
    assert_eq!(meshc(&["check", "good.msh"], &d).status.code(), Some(0));
    let bad = meshc(&["check", "bad.msh"], &d);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("error[E0201]"));
    assert_eq!(meshc(&["check", "missing.msh"], &d).status.code(), Some(2));
    assert_eq!(meshc(&["frobnicate"], &d).status.code(), Some(2));
    assert_eq!(
        meshc(&["build", "--format", "xml", "good.msh"], &d)
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn output_directory_is_replaced_atomically() {
    let d = scratch("outdir");
    std::fs::write(d.join("good.msh"), GOOD).unwrap();
    std::fs::write(d.join("bad.msh"), BAD).unwrap();
    let out = d.join("out");

    let first = meshc(&["build", "-o", "out", "good.msh"], &d);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let files = listing(&out);
    assert!(files
        .iter()
        .any(|(n, _)| n.ends_with("-deployment-api-api-stable.yaml")));
    assert!(files.iter().any(|(n, _)| n == ".meshc-output"));
    assert!(files
        .iter()
        .any(|(n, _)| n == "000-namespace-cluster-api.yaml"));

    // An error leaves the directory exactly as it was.
    let failed = meshc(&["build", "-o", "out", "bad.msh"], &d);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(listing(&out), files);

    // A successful build replaces it whole, and leaves nothing beside it.
    std::fs::write(d.join("good.msh"), GOOD.replace("api:1", "api:2")).unwrap();
    assert!(meshc(&["build", "-o", "out", "good.msh"], &d)
        .status
        .success());
    let again = listing(&out);
    assert_ne!(again, files);
    assert!(again.iter().any(|(_, t)| t.contains("image: api:2")));
    let siblings: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        siblings
            .iter()
            .all(|n| !n.contains("meshc-new") && !n.contains("meshc-old")),
        "{siblings:?}"
    );

    // A directory meshc did not write is never replaced.
    let mine = d.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "keep me").unwrap();
    let refused = meshc(&["build", "-o", "mine", "good.msh"], &d);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(mine.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn diff_reports_migrations_and_exits_1_on_an_immutable_change() {
    let d = scratch("diff");
    std::fs::create_dir_all(d.join("new")).unwrap();
    std::fs::write(d.join("new/a.msh"), GOOD).unwrap();
    std::fs::write(
        d.join("old.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: api}\nspec: {clusterIP: None, selector: {app: api}}\n",
    )
    .unwrap();
    let out = meshc(&["diff", "old.yaml", "new"], &d);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("~ Service api/api\n"), "{text}");
    assert!(
        text.contains("    spec.clusterIP: \"None\" → (none)\n"),
        "the old and new values: {text}"
    );
    assert!(text.contains("+ Deployment api/api-stable"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[E0330]"));
    // A build compared with its own output: nothing changes.
    assert!(meshc(&["build", "-o", "out", "new"], &d).status.success());
    let same = meshc(&["diff", "out", "new"], &d);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(String::from_utf8_lossy(&same.stdout).starts_with("0 added, 0 removed, 0 changed"));
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_version_and_usage_errors() {
    let d = scratch("usage");
    let v = meshc(&["--version"], &d);
    assert_eq!(v.status.code(), Some(0));
    assert_eq!(
        text(&v.stdout),
        format!("meshc {}\n", env!("CARGO_PKG_VERSION"))
    );
    for cmd in ["build", "check", "eval", "diff", "completions"] {
        let h = meshc(&[cmd, "--help"], &d);
        assert_eq!(h.status.code(), Some(0), "{cmd} --help");
        assert!(
            text(&h.stdout).contains(&format!("Usage: meshc {cmd}")),
            "{cmd}"
        );
    }
    assert!(text(&meshc(&["build", "--help"], &d).stdout).contains("--output <DIR>"));
    // A misspelt command or flag: a did-you-mean, a short message pointing to --help, exit 2.
    let typo = meshc(&["bild", "x.msh"], &d);
    assert_eq!(typo.status.code(), Some(2));
    let err = text(&typo.stderr);
    assert!(err.contains("'build'") && err.contains("--help"), "{err}");
    assert!(err.lines().count() < 10, "a short usage error: {err}");
    let flag = meshc(&["build", "--fromat", "json", "x.msh"], &d);
    assert_eq!(flag.status.code(), Some(2));
    assert!(text(&flag.stderr).contains("'--format'"));
    let bad = meshc(&["build", "--format", "xml", "x.msh"], &d);
    assert!(text(&bad.stderr).contains("[possible values: yaml, json]"));
    // No arguments: the help, exit 2.
    assert_eq!(meshc(&[], &d).status.code(), Some(2));
}

#[test]
fn diagnostics_name_files_as_given_and_colour_on_request() {
    let d = scratch("paths");
    std::fs::create_dir_all(d.join("err/typo")).unwrap();
    std::fs::write(d.join("err/typo/s.msh"), BAD).unwrap();
    for args in [
        &["check", "err/typo/s.msh"][..],
        &["check", "err/typo"][..],
        &["check", "err/typo/"][..],
    ] {
        let out = meshc(args, &d);
        assert_eq!(out.status.code(), Some(1));
        let err = text(&out.stderr);
        assert!(err.contains("┌─ err/typo/s.msh:3:"), "{args:?}: {err}");
        assert!(!err.contains('\x1b'), "no colour when not a terminal");
    }
    let json = meshc(&["check", "--format", "json", "err/typo/s.msh"], &d);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["labels"][0]["file"], "err/typo/s.msh");
    let colour = meshc(&["check", "--color", "always", "err/typo/s.msh"], &d);
    assert!(text(&colour.stderr).contains("\x1b[1;31merror[E0201]"));
}

#[test]
fn an_empty_directory_is_a_usage_error_naming_it() {
    let d = scratch("empty");
    std::fs::create_dir_all(d.join("nothing")).unwrap();
    let out = meshc(&["check", "nothing"], &d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("nothing has no .msh files"));
}

#[test]
fn completions_for_each_shell() {
    let d = scratch("completions");
    for shell in ["bash", "zsh", "fish"] {
        let out = meshc(&["completions", shell], &d);
        assert_eq!(out.status.code(), Some(0));
        let script = text(&out.stdout);
        assert!(
            script.contains("meshc") && script.contains("build"),
            "{shell}"
        );
    }
}

#[test]
fn only_the_package_and_its_imports_are_read_and_links_stay_inside() {
    use std::os::unix::fs::symlink;
    let d = scratch("links");
    let pkg = d.join("pkg");
    std::fs::create_dir_all(pkg.join("lib")).unwrap();
    std::fs::write(pkg.join("a.msh"), "import \"./lib\"\nx: lib.#Port\n").unwrap();
    std::fs::write(pkg.join("lib/port.msh"), "package lib\n#Port: 80\n").unwrap();
    // Siblings the package does not import: broken source, and links that loop. Never read.
    std::fs::create_dir_all(pkg.join("other")).unwrap();
    std::fs::write(pkg.join("other/broken.msh"), "this is not msh {{{\n").unwrap();
    for l in ["x", "y", "z"] {
        symlink(".", pkg.join("other").join(l)).unwrap();
    }
    let ok = meshc(&["eval", "pkg"], &d);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(text(&ok.stdout), "x: 80\n");
    let one = meshc(&["eval", "pkg/a.msh"], &d);
    assert_eq!(text(&one.stdout), "x: 80\n", "{}", text(&one.stderr));
    // A link inside the root to inside the root is followed.
    symlink("lib", pkg.join("lib2")).unwrap();
    std::fs::write(pkg.join("a.msh"), "import lib \"./lib2\"\nx: lib.#Port\n").unwrap();
    assert_eq!(text(&meshc(&["eval", "pkg"], &d).stdout), "x: 80\n");
    // A link that leads outside the root is refused, named, and nothing of it is shown.
    std::fs::write(d.join("secret.txt"), "password: hunter2\n").unwrap();
    symlink(d.join("secret.txt"), pkg.join("evil.msh")).unwrap();
    let evil = meshc(&["check", "pkg"], &d);
    assert_eq!(evil.status.code(), Some(2));
    let err = text(&evil.stderr);
    assert!(
        err.contains("evil.msh leads outside the package root"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));
    std::fs::remove_file(pkg.join("evil.msh")).unwrap();
    symlink(d.join("outside"), pkg.join("lib3")).unwrap();
    std::fs::create_dir_all(d.join("outside")).unwrap();
    std::fs::write(d.join("outside/o.msh"), "package lib\n#Port: 1\n").unwrap();
    std::fs::write(pkg.join("a.msh"), "import lib \"./lib3\"\nx: lib.#Port\n").unwrap();
    let out = meshc(&["check", "pkg"], &d);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("lib3 leads outside the package root"));
}

#[test]
fn manifest_directories_with_link_loops_are_walked_once() {
    use std::os::unix::fs::symlink;
    let d = scratch("loops");
    std::fs::create_dir_all(d.join("new")).unwrap();
    std::fs::write(d.join("new/a.msh"), GOOD).unwrap();
    assert!(meshc(&["build", "-o", "out", "new"], &d).status.success());
    for l in ["x", "y", "z"] {
        symlink(".", d.join("out").join(l)).unwrap();
    }
    let same = meshc(&["diff", "out", "new"], &d);
    assert_eq!(same.status.code(), Some(0), "{}", text(&same.stderr));
    assert!(text(&same.stdout).starts_with("0 added, 0 removed, 0 changed"));
}

fn leftovers(d: &Path) -> Vec<String> {
    std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("meshc-new") || n.contains("meshc-old"))
        .collect()
}

#[test]
fn output_directory_refuses_links_and_cleans_up_after_killed_builds() {
    use std::os::unix::fs::symlink;
    let d = scratch("outdir2");
    std::fs::write(d.join("good.msh"), GOOD).unwrap();
    // A symbolic link is not replaced by a directory.
    std::fs::create_dir_all(d.join("real")).unwrap();
    symlink("real", d.join("link")).unwrap();
    let refused = meshc(&["build", "-o", "link", "good.msh"], &d);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("link is a symbolic link"));
    assert!(std::fs::symlink_metadata(d.join("link"))
        .unwrap()
        .file_type()
        .is_symlink());
    // What a killed build left (its process gone) is removed by the next one.
    let stale = d.join(".out.meshc-new-4000000");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join(".meshc-output"), "").unwrap();
    std::fs::write(stale.join("000-half.yaml"), "kind: Half\n").unwrap();
    assert!(meshc(&["build", "-o", "out", "good.msh"], &d)
        .status
        .success());
    assert_eq!(leftovers(&d), Vec::<String>::new());
}

#[test]
fn an_interrupted_build_leaves_the_output_directory_whole() {
    let d = scratch("sigint");
    // A mesh large enough that writing its files takes a while.
    let mut src = String::new();
    for i in 0..400 {
        src += &format!("service s{i} {{\n\timage: \"s:1\"\n\tpublic: true\n}}\n");
    }
    std::fs::write(d.join("mesh.msh"), &src).unwrap();
    std::fs::write(d.join("small.msh"), GOOD).unwrap();
    assert!(meshc(&["build", "-o", "out", "small.msh"], &d)
        .status
        .success());
    let before = listing(&d.join("out"));
    for delay_ms in [50u64, 200, 400, 800] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
            .args(["build", "-o", "out", "mesh.msh"])
            .current_dir(&d)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        unsafe_kill_int(child.id());
        let status = child.wait().unwrap();
        // Interrupted: the old output, whole; finished first: the new one, whole. Never a mix,
        // never a temporary directory left behind.
        let now = listing(&d.join("out"));
        if status.success() {
            assert!(
                now.len() > 400 * 5,
                "{delay_ms} ms: the new output is complete"
            );
            break;
        }
        assert_eq!(
            now, before,
            "{delay_ms} ms: interrupted ({status}), the output is unchanged"
        );
        assert_eq!(leftovers(&d), Vec::<String>::new(), "{delay_ms} ms");
    }
    assert_eq!(leftovers(&d), Vec::<String>::new());
}

/// Sends SIGINT to a process.
fn unsafe_kill_int(pid: u32) {
    let _ = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status();
}

#[test]
fn fmt_rewrites_in_place_checks_and_refuses_broken_files() {
    let d = scratch("fmt");
    let messy = "service api {\n  image:\"api:1\" // the image\n  public : true\n}\n";
    let tidy = "service api {\n\timage:  \"api:1\" // the image\n\tpublic: true\n}\n";
    std::fs::create_dir_all(d.join("sub")).unwrap();
    std::fs::write(d.join("a.msh"), messy).unwrap();
    std::fs::write(d.join("sub/b.msh"), messy).unwrap();
    std::fs::write(d.join("tidy.msh"), tidy).unwrap();
    std::fs::write(d.join("broken.msh"), "a: {\n").unwrap();
    std::fs::write(d.join("notes.txt"), messy).unwrap();

    // --check lists the files it would change and changes nothing; the broken one is reported.
    let check = meshc(
        &["fmt", "--check", "a.msh", "sub", "tidy.msh", "broken.msh"],
        &d,
    );
    assert_eq!(check.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&check.stdout);
    assert!(
        listed.contains("a.msh") && listed.contains("b.msh"),
        "{listed}"
    );
    assert!(!listed.contains("tidy.msh"));
    assert!(String::from_utf8_lossy(&check.stderr).contains("error[E0101]"));
    assert_eq!(std::fs::read_to_string(d.join("a.msh")).unwrap(), messy);

    // Without --check: the files are rewritten, the broken one is left as it was (exit 1).
    let run = meshc(&["fmt"], &d);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert_eq!(std::fs::read_to_string(d.join("a.msh")).unwrap(), tidy);
    assert_eq!(std::fs::read_to_string(d.join("sub/b.msh")).unwrap(), tidy);
    assert_eq!(
        std::fs::read_to_string(d.join("broken.msh")).unwrap(),
        "a: {\n"
    );
    assert_eq!(std::fs::read_to_string(d.join("notes.txt")).unwrap(), messy);
    std::fs::remove_file(d.join("broken.msh")).unwrap();
    assert_eq!(meshc(&["fmt", "--check"], &d).status.code(), Some(0));
    assert!(!std::fs::read_dir(&d)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().contains("meshc-fmt")));

    // `-`: standard input to standard output.
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshc"))
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(messy.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), tidy);
}

/// `check --format sarif` on every error case: one result per diagnostic, at its primary label,
/// each rule defined; and (with `MESHC_VALIDATE=1`, as scripts/test runs it) every log valid
/// against the SARIF 2.1.0 schema.
#[test]
fn check_writes_sarif_that_validates_against_the_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let d = scratch("sarif");
    let mut logs = Vec::new();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("tests/cases/errors"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    for (n, case) in cases.iter().enumerate() {
        let text = std::fs::read_to_string(case).unwrap();
        let dir = d.join(format!("case{n}"));
        let mut name: Option<String> = None;
        let mut files: Vec<(String, String)> = Vec::new();
        for line in text.split_inclusive('\n') {
            let t = line.trim_end_matches('\n');
            if let Some(h) = t.strip_prefix("-- ").and_then(|r| r.strip_suffix(" --")) {
                name = Some(h.to_string());
                files.push((h.to_string(), String::new()));
            } else if name.is_some() {
                files.last_mut().unwrap().1.push_str(line);
            }
        }
        let msh: Vec<_> = files.iter().filter(|f| f.0.ends_with(".msh")).collect();
        if msh.is_empty() || msh.iter().any(|f| f.0.contains('/')) {
            continue;
        }
        std::fs::create_dir_all(&dir).unwrap();
        for (f, body) in &msh {
            std::fs::write(dir.join(f), body).unwrap();
        }
        let docs = "https://docs.example.org/meshc/diagnostics.html";
        let sarif = meshc(
            &["check", "--format", "sarif", "--docs-url", docs, "."],
            &dir,
        );
        let json = meshc(&["check", "--format", "json", "."], &dir);
        assert_eq!(
            sarif.status.code(),
            json.status.code(),
            "{}",
            case.display()
        );
        let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
        let diags: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            diags.as_array().unwrap().len(),
            "{}",
            case.display()
        );
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for (r, d) in results.iter().zip(diags.as_array().unwrap()) {
            assert_eq!(r["ruleId"], d["code"]);
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], d["code"]);
            let code = d["code"].as_str().unwrap().to_lowercase();
            assert_eq!(rules[i]["helpUri"], format!("{docs}#{code}"));
            let primary = d["labels"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["primary"] == true);
            if let Some(p) = primary {
                let region = &r["locations"][0]["physicalLocation"]["region"];
                assert_eq!(region["startLine"], p["start_line"]);
                assert_eq!(region["startColumn"], p["start_column"]);
            }
        }
        let path = d.join(format!("case{n}.sarif"));
        std::fs::write(&path, &sarif.stdout).unwrap();
        logs.push(path);
    }
    assert!(logs.len() > 30, "the error cases give SARIF logs");
    if std::env::var("MESHC_VALIDATE").as_deref() != Ok("1") {
        println!("SARIF schema validation skipped: run scripts/test (or set MESHC_VALIDATE=1 with tests/validate installed)");
        return;
    }
    let out = Command::new("node")
        .arg(root.join("tests/validate/sarif.cjs"))
        .args(&logs)
        .output()
        .expect("node");
    assert!(out.status.success(), "{}", text(&out.stdout));
}

/// The pre-commit hooks run real meshc commands.
#[test]
fn pre_commit_hooks_name_real_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let hooks = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let entries: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.trim().strip_prefix("entry: "))
        .collect();
    assert_eq!(entries.len(), 2);
    for e in entries {
        let args: Vec<&str> = e.split_whitespace().skip(1).chain(["--help"]).collect();
        assert_eq!(meshc(&args, &root).status.code(), Some(0), "{e}");
    }
}

#[test]
fn import_prints_msh_and_notes() {
    let d = scratch("import");
    std::fs::create_dir_all(d.join("k8s")).unwrap();
    std::fs::write(
        d.join("k8s/app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api-v1, namespace: web}\nspec:\n  selector: {matchLabels: {app: api}}\n  template:\n    metadata: {labels: {app: api, version: v1}}\n    spec:\n      nodeSelector: {pool: a}\n      containers: [{name: api, image: \"api:1\"}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: web}\nspec:\n  selector: {app: api}\n  ports: [{name: http, port: 8080}]\n",
    )
    .unwrap();
    let out = meshc(&["import", "k8s"], &d);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let msh = text(&out.stdout);
    assert!(
        msh.starts_with("service api {\n\tnamespace: \"web\""),
        "{msh}"
    );
    assert!(
        text(&out.stderr).contains("note: Deployment web/api-v1: spec.template.spec.nodeSelector")
    );
    // What it prints compiles.
    std::fs::write(d.join("api.msh"), &msh).unwrap();
    assert_eq!(meshc(&["check", "api.msh"], &d).status.code(), Some(0));
    // Nothing to import (a Secret's data stays out of msh), or not manifests: exit 1; a
    // missing file: exit 2.
    std::fs::write(
        d.join("secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\nstringData: {a: b}\n",
    )
    .unwrap();
    assert_eq!(meshc(&["import", "secret.yaml"], &d).status.code(), Some(1));
    assert_eq!(
        meshc(&["import", "missing.yaml"], &d).status.code(),
        Some(2)
    );
}

#[test]
fn explain_names_the_rule_and_where_each_input_was_written() {
    let d = scratch("explain");
    std::fs::write(
        d.join("mesh.msh"),
        "mesh: {kubernetes: \"1.30\", istio: \"1.24\"}\nservice api {\n\timage: \"api:1\"\n\tpublic: true\n\tlifecycle: drainDelay: 20s\n}\n",
    )
    .unwrap();
    let out = meshc(
        &[
            "explain",
            ".",
            "Deployment/api/api-stable",
            "spec.template.spec.terminationGracePeriodSeconds",
        ],
        &d,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    assert!(t.starts_with("value:\n  80\n"), "{t}");
    assert!(
        t.contains("docs: docs/lowering.md, \"The computations\""),
        "{t}"
    );
    // The user's drain delay, at its line; the stdlib's defaults for the others.
    assert!(
        t.contains("services.api.lifecycle.drainDelay") && t.contains("(mesh.msh:5:"),
        "{t}"
    );
    assert!(
        t.contains("services.api.lifecycle.drainTime") && t.contains("<stdlib>/mesh.msh:"),
        "{t}"
    );
    // Every declaration that took part: the user's line and the stdlib's default.
    assert!(t.contains("mesh.msh:5:13: drainDelay: 20s"), "{t}");
    assert!(
        t.contains(": drainDelay:             *30s | duration & >=0s"),
        "{t}"
    );
    // The HPA's metric: the Kubernetes target is an input.
    let hpa = meshc(
        &[
            "explain",
            ".",
            "HorizontalPodAutoscaler/api/api-stable",
            "spec.metrics",
        ],
        &d,
    );
    let t = text(&hpa.stdout);
    assert!(
        t.contains("ContainerResource") && t.contains("mesh.kubernetes"),
        "{t}"
    );
    assert!(t.contains("\"1.30\"  (mesh.msh:1:"), "{t}");
    // An object that was not generated: exit 1, with the ones of that kind.
    let bad = meshc(&["explain", ".", "Deployment/api/nope", "spec"], &d);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("Deployment/api/api-stable"),
        "{}",
        text(&bad.stderr)
    );
    let bad_field = meshc(
        &["explain", ".", "Deployment/api/api-stable", "spec.nothing"],
        &d,
    );
    assert_eq!(bad_field.status.code(), Some(1));
}

#[test]
fn vet_reports_at_yaml_positions_and_build_writes_admission_policies() {
    let d = scratch("vet");
    std::fs::create_dir_all(d.join("svc")).unwrap();
    std::fs::write(d.join("svc/a.msh"), GOOD).unwrap();
    // meshc's own output passes; the admission policies are written beside it.
    let built = meshc(
        &["build", "-o", "out", "--admission", "policies.yaml", "svc"],
        &d,
    );
    assert!(built.status.success(), "{}", text(&built.stderr));
    let policies = std::fs::read_to_string(d.join("policies.yaml")).unwrap();
    assert!(policies.contains("kind: ValidatingAdmissionPolicyBinding"));
    assert!(policies.contains("- Deny"));
    let clean = meshc(&["vet", "out"], &d);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    // A policy package: its constraints apply to the services read back from the manifests.
    std::fs::create_dir_all(d.join("policy")).unwrap();
    std::fs::write(
        d.join("policy/p.msh"),
        "import \"mesh\"\nservices: [_]: mesh.#Service & {autoscale: min: >=3}\n",
    )
    .unwrap();
    let policed = meshc(&["vet", "--policy", "policy", "out"], &d);
    assert_eq!(policed.status.code(), Some(1), "{}", text(&policed.stderr));
    assert!(
        text(&policed.stderr).contains("policy: `api`"),
        "{}",
        text(&policed.stderr)
    );
    // A hand-edited VirtualService: the finding at its line and column, exit 1.
    std::fs::write(
        d.join("vs.yaml"),
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: api}\nspec:\n  http:\n  - route:\n    - destination: {host: api, subset: a}\n      weight: 60\n    - destination: {host: api, subset: b}\n      weight: 60\n    retries: {attempts: 2, retryOn: connect-failure}\n",
    )
    .unwrap();
    let out = meshc(&["vet", "vs.yaml"], &d);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("error[E0303]"), "{err}");
    assert!(err.contains("vs.yaml:8:15"), "{err}");
    let sarif = meshc(&["vet", "--format", "sarif", "vs.yaml"], &d);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "E0303");
    // The warn mode denies nothing; a directory with no manifests is a usage error.
    assert!(meshc(
        &[
            "build",
            "--admission",
            "warn.yaml",
            "--admission-mode",
            "warn",
            "svc"
        ],
        &d
    )
    .status
    .success());
    assert!(!std::fs::read_to_string(d.join("warn.yaml"))
        .unwrap()
        .contains("- Deny"));
    std::fs::create_dir_all(d.join("empty")).unwrap();
    assert_eq!(meshc(&["vet", "empty"], &d).status.code(), Some(2));
}

#[test]
fn tags_set_fields_on_every_command_and_diff_compares_two_settings() {
    let d = scratch("tags");
    let src = "env: *\"dev\" | \"prod\" @tag(env)\nservice api {\n\timage: \"api:1\"\n\tpublic: true\n\tautoscale: {min: {dev: 1, prod: 3}[env], max: 6}\n}\n";
    std::fs::write(d.join("a.msh"), src).unwrap();
    let dev = meshc(&["eval", "a.msh"], &d);
    assert!(
        text(&dev.stdout).starts_with("env: dev\n"),
        "{}",
        text(&dev.stderr)
    );
    let prod = meshc(&["eval", "-t", "env=prod", "a.msh"], &d);
    assert!(
        text(&prod.stdout).starts_with("env: prod\n"),
        "{}",
        text(&prod.stderr)
    );
    // The tag may come after the subcommand, or before it.
    let build = meshc(&["-t", "env=prod", "build", "a.msh"], &d);
    assert!(text(&build.stdout).contains("minReplicas: 3"));
    assert_eq!(
        meshc(&["check", "--tag", "env=prod", "a.msh"], &d)
            .status
            .code(),
        Some(0)
    );
    // An unknown tag, a value the field refuses, a malformed flag.
    let unknown = meshc(&["check", "-t", "region=eu", "a.msh"], &d);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("error[E0110]: unknown tag `region`"));
    let refused = meshc(&["check", "-t", "env=qa", "a.msh"], &d);
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        meshc(&["check", "-t", "env", "a.msh"], &d).status.code(),
        Some(2)
    );
    // What promoting dev to prod changes.
    let diff = meshc(
        &[
            "diff",
            "a.msh",
            "a.msh",
            "--old-tag",
            "env=dev",
            "-t",
            "env=prod",
        ],
        &d,
    );
    let out = text(&diff.stdout);
    assert!(out.contains("spec.minReplicas: 1 → 3"), "{out}");
    let same = meshc(&["diff", "a.msh", "a.msh", "-t", "env=prod"], &d);
    assert!(text(&same.stdout).starts_with("0 added, 0 removed, 0 changed"));
}
