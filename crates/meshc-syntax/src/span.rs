//! Source positions. A [`Span`] is a byte range in one file of a [`SourceMap`]; line and column
//! numbers are computed only when a diagnostic is shown (see [`SourceMap::line_col`]).

use serde::Serialize;

/// Index of a file in a [`SourceMap`].
pub type FileId = u32;

/// A byte range `start..end` in file `file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// The span of bytes `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span that covers both (same file assumed; otherwise `self`).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    /// The byte range, for indexing the file's text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One source file: its path (as the caller named it) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The file's name: its path relative to the package root, or `<stdlib>/…`.
    pub name: String,
    /// The file's text.
    pub text: String,
}

/// All files of a compilation, user files and the embedded standard library alike.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
        });
        (self.files.len() - 1) as FileId
    }
    /// The file `id` (which must have been added).
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id as usize]
    }
    /// Every file, in the order added (their ids).
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
    /// The source text a span covers (empty if out of range).
    pub fn text(&self, span: Span) -> &str {
        let t = &self.get(span.file).text;
        t.get(span.range()).unwrap_or("")
    }
    /// 1-based line and column (in characters) of a byte offset. Linear in the offset:
    /// called only when a diagnostic is rendered.
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        let text = &self.get(file).text;
        let offset = (offset as usize).min(text.len());
        let before = &text[..floor_char_boundary(text, offset)];
        let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
