//! The command's file system: reading a package (only regular files inside its root, only the
//! directories it imports), walking manifest directories, and writing `-o DIR` atomically.
//!
//! A symbolic link is followed only when it leads to a place inside the package root; any
//! other link is refused with a message naming it. Directories are visited once each (by
//! their real path), so no arrangement of links can make a walk loop.

use meshc::{Compilation, Options, Sources};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// Marks a directory written by `meshc build -o`, which a later build may replace.
const MARKER: &str = ".meshc-output";

/// The directory being written, removed if the process is interrupted (SIGINT, SIGTERM).
static WRITING: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Removes, on SIGINT or SIGTERM, the directory being written, then exits 130.
fn clean_up_on_signal() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            // Held until the process exits: the writer cannot start the swap meanwhile.
            let guard = WRITING.lock();
            if let Ok(Some(tmp)) = guard.as_deref() {
                let _ = std::fs::remove_dir_all(tmp);
            }
            std::process::exit(130);
        });
    });
}

/// Whether the process `pid` runs (Linux: /proc; elsewhere assumed gone).
fn running(pid: u32) -> bool {
    pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
}

/// Removes what an interrupted or killed earlier build left beside `dir`: its temporary
/// directories (`.DIR.meshc-new-PID`, `.DIR.meshc-old-PID`, names no one else uses) whose
/// process is gone.
fn remove_leftovers(parent: &Path, base: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name
            .strip_prefix(&format!(".{base}.meshc-new-"))
            .or_else(|| name.strip_prefix(&format!(".{base}.meshc-old-")))
        else {
            continue;
        };
        let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if let Ok(pid) = rest.parse::<u32>() {
            if is_dir && !running(pid) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Puts `new` in the place of `dir` in one step where the system can: Linux swaps the two
/// directories atomically (renameat2 RENAME_EXCHANGE), so `dir` is never missing; `new` then
/// holds the old files. Returns false where the swap is not available.
#[cfg(target_os = "linux")]
fn exchange(new: &Path, dir: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(new.as_os_str().as_bytes()),
        CString::new(dir.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are NUL-terminated C strings that outlive the call; the syscall reads
    // them only.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    r == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_new: &Path, _dir: &Path) -> bool {
    false
}

/// Writes one file per object into `dir`, atomically: the files go to a new sibling directory
/// which then takes the place of `dir` (swapped in one step on Linux; elsewhere `dir` is moved
/// aside, then replaced, a moment in which it is missing). On any error, or when interrupted,
/// `dir` is left as it was and the new directory is removed. `dir` must be a directory meshc
/// wrote (or empty, or missing), not a symbolic link.
pub fn write_dir(dir: &Path, c: &Compilation) -> Result<usize, String> {
    if let Ok(meta) = std::fs::symlink_metadata(dir) {
        if meta.file_type().is_symlink() {
            return Err(format!(
                "{} is a symbolic link: not replacing it (give the directory it leads to)",
                dir.display()
            ));
        }
        if !meta.is_dir() {
            return Err(format!("{} exists and is not a directory", dir.display()));
        }
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        if entries.next().is_some() && !dir.join(MARKER).exists() {
            return Err(format!(
                "{} is not empty and was not written by meshc: not replacing it",
                dir.display()
            ));
        }
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let base = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("-o needs a directory name")?;
    remove_leftovers(parent, base);
    let tmp = parent.join(format!(".{base}.meshc-new-{}", std::process::id()));
    let old = parent.join(format!(".{base}.meshc-old-{}", std::process::id()));
    clean_up_on_signal();
    *WRITING.lock().map_err(|_| "internal: lock")? = Some(tmp.clone());
    let result = (|| -> Result<usize, String> {
        std::fs::create_dir_all(&tmp)
            .map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
        // The marker first: a directory left by a killed build is recognisable as meshc's.
        std::fs::write(
            tmp.join(MARKER),
            "written by meshc build; replaced whole by the next build\n",
        )
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        let width = c.objects.len().to_string().len().max(3);
        for (i, o) in c.objects.iter().enumerate() {
            let ns = o.namespace.as_deref().unwrap_or("cluster");
            let file = format!("{i:0width$}-{}-{ns}-{}.yaml", o.kind.to_lowercase(), o.name);
            let yaml = meshc::object_to_yaml(o);
            // Each file is written under the lock, so that a signal's clean-up never races a
            // write into the directory it removes.
            let _writing = WRITING.lock().map_err(|_| "internal: lock")?;
            std::fs::write(tmp.join(file), yaml)
                .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        }
        // The swap holds the lock: a signal arriving now waits until `dir` is whole again (and
        // one that arrived first holds it until the process exits, so the swap never starts).
        let mut writing = WRITING.lock().map_err(|_| "internal: lock")?;
        let aside = if dir.exists() {
            if exchange(&tmp, dir) {
                tmp.clone()
            } else {
                std::fs::rename(dir, &old)
                    .map_err(|e| format!("cannot move {} aside: {e}", dir.display()))?;
                if let Err(e) = std::fs::rename(&tmp, dir) {
                    let _ = std::fs::rename(&old, dir);
                    return Err(format!(
                        "cannot move the new files into {}: {e}",
                        dir.display()
                    ));
                }
                old.clone()
            }
        } else {
            std::fs::rename(&tmp, dir)
                .map_err(|e| format!("cannot move the new files into {}: {e}", dir.display()))?;
            PathBuf::new()
        };
        *writing = None;
        drop(writing);
        // The previous output; if this is interrupted, the next build removes the rest.
        if !aside.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&aside);
        }
        Ok(c.objects.len())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        if let Ok(mut w) = WRITING.lock() {
            *w = None;
        }
    }
    result
}

/// Replaces a file's text: written beside it, then renamed over it (the file is never half
/// written; its permissions are kept).
pub fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    // Through a link, the file it names is replaced, not the link.
    let path = &std::fs::canonicalize(path)?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.meshc-fmt-{}", std::process::id()));
    let result = (|| {
        std::fs::write(&tmp, text)?;
        std::fs::set_permissions(&tmp, std::fs::metadata(path)?.permissions())?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes a file whole: beside it, then renamed over it (or into place when it is new).
pub fn replace_or_create(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("meshc-new-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// A file named on the command line, or the files with these extensions under a directory.
pub fn files_or_dir(path: &str, exts: &[&str]) -> Result<Vec<PathBuf>, String> {
    let p = Path::new(path);
    if p.is_dir() {
        files_under(p, exts)
    } else {
        Ok(vec![p.to_path_buf()])
    }
}
