//! Shared by the integration tests: the `.txtar` case format.

/// A `.txtar` case: a comment, then `-- NAME --` sections.
pub struct Case {
    pub comment: String,
    pub files: Vec<(String, String)>,
}

#[allow(dead_code)]
pub fn parse_archive(text: &str) -> Case {
    let mut comment = String::new();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_end_matches('\n');
        if let Some(name) = t.strip_prefix("-- ").and_then(|r| r.strip_suffix(" --")) {
            files.push((name.to_string(), String::new()));
        } else if let Some((_, body)) = files.last_mut() {
            body.push_str(line);
        } else {
            comment.push_str(line);
        }
    }
    Case { comment, files }
}

#[allow(dead_code)]
pub fn write_archive(c: &Case) -> String {
    let mut out = c.comment.clone();
    for (name, body) in &c.files {
        out.push_str(&format!("-- {name} --\n"));
        out.push_str(body);
        if !body.is_empty() && !body.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The files under `dir` (recursively, in name order) whose extension is `ext`.
#[allow(dead_code)]
pub fn files_with(dir: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for e in entries {
        if e.is_dir() {
            out.extend(files_with(&e, ext));
        } else if e.extension().is_some_and(|x| x == ext) {
            out.push(e);
        }
    }
    out
}

/// The text of the section `name` of a case.
#[allow(dead_code)]
pub fn section(case: &Case, name: &str) -> String {
    case.files
        .iter()
        .find(|f| f.0 == name)
        .unwrap_or_else(|| panic!("the case has no `{name}` section"))
        .1
        .clone()
}

/// Compares the section `name` with `actual`: with `UPDATE_EXPECT` set it is rewritten (and
/// `true` says the case changed), otherwise a difference is a failure of `path`.
#[allow(dead_code)]
pub fn expect_section(
    case: &mut Case,
    name: &str,
    actual: &str,
    path: &std::path::Path,
    failures: &mut Vec<String>,
) -> bool {
    let expected = case
        .files
        .iter_mut()
        .find(|f| f.0 == name)
        .unwrap_or_else(|| panic!("{}: no `{name}` section", path.display()));
    if expected.1 == actual {
        return false;
    }
    if std::env::var("UPDATE_EXPECT").is_ok() {
        expected.1 = actual.to_string();
        return true;
    }
    failures.push(format!(
        "{}: {name}:\n--- expected\n{}--- actual\n{actual}",
        path.display(),
        expected.1
    ));
    false
}
