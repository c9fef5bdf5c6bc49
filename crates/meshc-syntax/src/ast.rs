//! The syntax tree. Every node carries the [`Span`] it was parsed from.
//!
//! The tree is purely syntactic: names are not resolved and nothing is evaluated. The only
//! rewriting done by the parser is sugar: `service NAME { … }` becomes the field
//! `services: NAME: { … }`, and a label chain `a: b: c: v` becomes nested single-field structs.

use crate::lit::Lit;
use crate::span::{FileId, Span};

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Lit(Lit),
    /// `_`: any value.
    Top,
    /// `_|_`: no value.
    Bottom,
    /// A reference: an identifier, a definition name (`#Service`) or a predeclared type (`int`).
    Ident(String),
    /// `x.name`
    Select(Box<Expr>, Ident),
    /// `x[i]`
    Index(Box<Expr>, Box<Expr>),
    /// `f(a, b)`: builtins only.
    Call(Ident, Vec<Expr>),
    Unary(UnOp, Box<Expr>),
    /// `>=1`, `!=""`, `=~"re"`: a constraint on the value it is unified with.
    Bound(BoundOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a & b & …`
    Unify(Vec<Expr>),
    /// `a | *b | …`; the bool marks a default.
    Disj(Vec<(Expr, bool)>),
    /// `"a\(x)b"`
    Interp(Vec<StrPart>),
    Struct(StructLit),
    List(ListLit),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Text(String),
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Plus,
    Not,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoundOp {
    Lt,
    Le,
    Gt,
    Ge,
    Ne,
    Match,
    NotMatch,
}

impl BoundOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BoundOp::Lt => "<",
            BoundOp::Le => "<=",
            BoundOp::Gt => ">",
            BoundOp::Ge => ">=",
            BoundOp::Ne => "!=",
            BoundOp::Match => "=~",
            BoundOp::NotMatch => "!~",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Match,
    NotMatch,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Match => "=~",
            BinOp::NotMatch => "!~",
            BinOp::And => "&&",
            BinOp::Or => "||",
        }
    }
}

/// `{ decl… }`
#[derive(Clone, Debug, PartialEq)]
pub struct StructLit {
    pub decls: Vec<Decl>,
    pub span: Span,
}

impl StructLit {
    /// The declaration of a regular or definition field named `name` in this literal.
    pub fn declares(&self, name: &str) -> bool {
        self.decls
            .iter()
            .any(|d| matches!(d, Decl::Field(f) if f.label.name() == Some(name)))
    }
    pub fn let_decl(&self, name: &str) -> Option<&LetClause> {
        self.decls.iter().find_map(|d| match d {
            Decl::Let(l) if l.name.name == name => Some(l),
            _ => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    Field(Field),
    Let(LetClause),
    Comprehension(Comprehension),
    /// An expression standing alone in a struct: unified with the struct itself.
    Embed(Expr),
    /// `...`: the struct stays open even inside a definition.
    Ellipsis(Span),
    /// `check "title" { … }` (top level only).
    Check(Check),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub label: Label,
    pub value: Expr,
    pub span: Span,
    /// Set for the fields that `service NAME { … }` expands to.
    pub from_service: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Opt {
    /// `a?: T`: constrains `a` only if it is present.
    Optional,
    /// `a!: T`: must be given a value elsewhere.
    Required,
    /// `a: T`
    Regular,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub kind: LabelKind,
    pub opt: Opt,
    pub span: Span,
}

impl Label {
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            LabelKind::Name(n) => Some(n),
            LabelKind::Pattern { .. } | LabelKind::Dynamic(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum LabelKind {
    /// A field name (`port`, `"redis-cart"`) or a definition (`#Service`).
    Name(String),
    /// `"\(expr)"` or `(expr)`: a label computed from a concrete string.
    Dynamic(Box<Expr>),
    /// `[Alias=pattern]`: applies to every field whose label matches `pattern`.
    Pattern {
        alias: Option<Ident>,
        pattern: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct LetClause {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    pub clauses: Vec<Clause>,
    pub body: StructLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    For {
        key: Option<Ident>,
        value: Ident,
        source: Expr,
        span: Span,
    },
    If(Expr),
    Let(LetClause),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListLit {
    pub elems: Vec<ListElem>,
    /// `...T` at the end: more elements may follow, each unified with `T` (`_` when bare).
    pub tail: Option<Box<Expr>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ListElem {
    Expr(Expr),
    Comprehension(Comprehension),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub title: String,
    pub body: StructLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The name the package is known by in this file.
    pub name: Ident,
    pub path: String,
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    pub id: FileId,
    pub package: Option<Ident>,
    pub imports: Vec<Import>,
    /// The top-level declarations, as a struct literal spanning the file.
    pub body: StructLit,
    /// Whether the file uses the `service NAME { … }` form.
    pub has_service: bool,
}
