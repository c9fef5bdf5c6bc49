//! The command's file system: reading a package (only regular files inside its root, only the
//! directories it imports), walking manifest directories, and writing `-o DIR` atomically.
//!
//! A symbolic link is followed only when it leads to a place inside the package root; any
//! other link is refused with a message naming it. Directories are visited once each (by
//! their real path), so no arrangement of links can make a walk loop.

use meshc::{Options, Sources};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Reads inside one root directory.
struct Root {
    /// The root as the user gave it ("" for the current directory).
    given: PathBuf,
    /// Its real path, which everything read must be inside.
    real: PathBuf,
}

impl Root {
    fn new(given: &Path) -> Result<Root, String> {
        let at = if given.as_os_str().is_empty() {
            Path::new(".")
        } else {
            given
        };
        let real =
            std::fs::canonicalize(at).map_err(|e| format!("cannot read {}: {e}", at.display()))?;
        Ok(Root {
            given: given.to_path_buf(),
            real,
        })
    }

    /// The real path of `p`, which must be inside the root (links followed).
    fn inside(&self, p: &Path) -> Result<PathBuf, String> {
        let real =
            std::fs::canonicalize(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        if !real.starts_with(&self.real) {
            let root = if self.given.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &self.given
            };
            return Err(format!(
                "{} leads outside the package root {} (to {}): meshc reads only files inside the root",
                p.display(),
                root.display(),
                real.display()
            ));
        }
        Ok(real)
    }

    /// The text of a regular file inside the root.
    fn read(&self, p: &Path) -> Result<String, String> {
        let link = std::fs::symlink_metadata(p)
            .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        if link.file_type().is_symlink() {
            self.inside(p)?;
        }
        let meta = std::fs::metadata(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        if !meta.is_file() {
            return Err(format!("{} is not a regular file", p.display()));
        }
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    }

    /// The `.msh` files directly in `dir` (not below it), sorted.
    fn msh_files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        self.inside(dir)?;
        let mut out = Vec::new();
        for e in
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        {
            let e = e.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) != Some("msh") {
                continue;
            }
            let kind = e
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if kind.is_symlink() {
                self.inside(&p)?;
                if std::fs::metadata(&p).map(|m| m.is_file()).unwrap_or(false) {
                    out.push(p);
                }
            } else if kind.is_file() {
                out.push(p);
            }
        }
        out.sort();
        Ok(out)
    }
}

/// A path relative to `root`, `/`-separated (the library's file names).
pub fn relative(root: &Path, p: &Path) -> Option<String> {
    let rel = if root.as_os_str().is_empty() {
        p
    } else {
        p.strip_prefix(root).ok()?
    };
    Some(
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

/// Reads a package: a directory (its top-level .msh files are the main package), or files
/// (the main package; their directory is the root). Then the directories they import, and
/// those these import, each once — no other directory is read. Also returns the root as the
/// user gave it, which diagnostics put before the files' names.
pub fn load(paths: &[String]) -> Result<(Sources, Options, String), String> {
    if paths.is_empty() {
        return Err("no input: give a directory or .msh files".into());
    }
    let mut sources = Sources::new();
    let mut options = Options::default();
    let given_dir = paths.len() == 1 && Path::new(&paths[0]).is_dir();
    let root_path = if given_dir {
        PathBuf::from(&paths[0])
    } else {
        Path::new(&paths[0])
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    let root = Root::new(&root_path)?;
    let mut queue: Vec<String> = Vec::new();
    if given_dir {
        for p in root.msh_files(&root_path)? {
            let rel = relative(&root_path, &p).ok_or("a file outside the root")?;
            sources.insert(rel.clone(), root.read(&p)?);
            queue.push(rel);
        }
        if sources.is_empty() {
            return Err(format!("{} has no .msh files", paths[0]));
        }
    } else {
        for p in paths {
            let path = Path::new(p);
            if path.is_dir() {
                return Err(format!("{p} is a directory: give one directory, or files"));
            }
            let rel = relative(&root_path, path)
                .ok_or_else(|| format!("{p} is not in the directory of {}", paths[0]))?;
            sources.insert(rel.clone(), root.read(path)?);
            options.entry.push(rel.clone());
            queue.push(rel);
        }
    }
    let mut read_dirs: HashSet<String> = HashSet::new();
    while let Some(file) = queue.pop() {
        for dir in meshc::imports_of(&file, &sources[&file]) {
            if !read_dirs.insert(dir.clone()) {
                continue;
            }
            let path = root_path.join(&dir);
            if !path.is_dir() {
                continue; // compiling reports the missing directory, with the import's span
            }
            for p in root.msh_files(&path)? {
                let rel = relative(&root_path, &p).ok_or("a file outside the root")?;
                if !sources.contains_key(&rel) {
                    sources.insert(rel.clone(), root.read(&p)?);
                    queue.push(rel);
                }
            }
        }
    }
    Ok((sources, options, root_path.to_string_lossy().into_owned()))
}

fn skip_dir(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with('.') || name == "node_modules" || name == "target"
}

/// The files below `dir` (sorted, at most 16 levels deep, skipping hidden directories,
/// node_modules and target) whose extension is one of `exts`. Links are followed only inside
/// `dir`; each directory is visited once.
pub fn files_under(dir: &Path, exts: &[&str]) -> Result<Vec<PathBuf>, String> {
    fn walk(
        root: &Root,
        dir: &Path,
        exts: &[&str],
        depth: usize,
        seen: &mut HashSet<PathBuf>,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), String> {
        if depth > 16 || !seen.insert(root.inside(dir)?) {
            return Ok(());
        }
        for e in
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        {
            let e = e.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let p = e.path();
            let kind = e
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if kind.is_symlink() {
                root.inside(&p)?;
            }
            let meta =
                std::fs::metadata(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            if meta.is_dir() {
                if !skip_dir(&p) {
                    walk(root, &p, exts, depth + 1, seen, out)?;
                }
            } else if meta.is_file()
                && p.extension()
                    .and_then(|x| x.to_str())
                    .is_some_and(|x| exts.contains(&x))
            {
                out.push(p);
            }
        }
        Ok(())
    }
    let root = Root::new(dir)?;
    let mut out = Vec::new();
    walk(&root, dir, exts, 0, &mut HashSet::new(), &mut out)?;
    out.sort();
    Ok(out)
}
