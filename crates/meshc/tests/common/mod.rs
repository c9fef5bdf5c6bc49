//! Shared by the integration tests: the `.txtar` case format.

/// A `.txtar` case: a comment, then `-- NAME --` sections.
pub struct Case {
    pub comment: String,
    pub files: Vec<(String, String)>,
}

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
