//! `meshc import`: every `tests/import/*.txtar` holds manifests (`in.yaml`), the msh they import
//! to (`out.msh`) and the notes on what was not imported (`notes`); `UPDATE_EXPECT=1` rewrites
//! the expected sections. The imported msh must compile without errors and build a Deployment
//! for every Deployment of the input (named after its app and version, with its image).

mod common;

use common::{expect_section, files_with, parse_archive, section, write_archive};
use meshc::{compile, import, read_manifests, Options, Sources};
use std::path::Path;

#[test]
fn imports() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/import");
    let paths = files_with(&dir, "txtar");
    assert!(!paths.is_empty());
    let mut failures = Vec::new();
    for path in paths {
        let mut case = parse_archive(&std::fs::read_to_string(&path).unwrap());
        let objects = read_manifests(&section(&case, "in.yaml")).unwrap();
        let got = import(&objects);
        let notes = got.notes.join("\n") + "\n";
        let out = expect_section(&mut case, "out.msh", &got.msh, &path, &mut failures);
        if expect_section(&mut case, "notes", &notes, &path, &mut failures) || out {
            std::fs::write(&path, write_archive(&case)).unwrap();
        }
        // The output compiles, and builds a Deployment for every Deployment of the input
        // (same name, same image).
        let mut sources = Sources::new();
        sources.insert("imported.msh".into(), got.msh.clone());
        let c = compile(&sources, &Options::default());
        if !c.ok() {
            failures.push(format!(
                "{}: the imported msh does not compile:\n{}",
                path.display(),
                c.render_diagnostics()
            ));
            continue;
        }
        let built: Vec<serde_json::Value> = c.objects.iter().map(|o| o.value()).collect();
        for d in objects.iter().filter(|o| o["kind"] == "Deployment") {
            // Named after the app and version (a worker's after the app; a note says so when that
            // is a new name).
            let labels = &d["spec"]["template"]["metadata"]["labels"];
            let name = format!(
                "{}-{}",
                labels["app"].as_str().unwrap(),
                labels["version"].as_str().unwrap_or("stable")
            );
            let image = &d["spec"]["template"]["spec"]["containers"][0]["image"];
            let app = labels["app"].as_str().unwrap();
            let found = built.iter().any(|b| {
                b["kind"] == "Deployment"
                    && (b["metadata"]["name"] == name.as_str() || b["metadata"]["name"] == app)
                    && b["spec"]["template"]["spec"]["containers"]
                        .as_array()
                        .is_some_and(|cs| cs.iter().any(|c| &c["image"] == image))
            });
            if !found {
                failures.push(format!(
                    "{}: no Deployment {name} with image {image} is built",
                    path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
