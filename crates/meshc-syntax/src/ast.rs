//! The syntax tree. Every node carries the [`Span`] it was parsed from.
//!
//! The tree is purely syntactic: names are not resolved and nothing is evaluated. The only
//! rewriting done by the parser is sugar: `service NAME { … }` becomes the field
//! `services: NAME: { … }`, and a label chain `a: b: c: v` becomes nested single-field structs.

use crate::lit::Lit;
use crate::span::{FileId, Span};

/// An expression and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What the expression is.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal: `42`, `"s"`, `500m`, `30s`, `70%`, `true`, `null`.
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
    /// `X=value`: a name for the value of the field (or struct) it is written in, visible in
    /// the value.
    Alias(Ident, Box<Expr>),
    /// `x?`: a reference that may be absent; inside a `try` comprehension, its absence (or an
    /// error in the expression holding it) means the comprehension yields nothing.
    OptionalRef(Box<Expr>),
    /// `x[i:j]`, `x[:j]`, `x[i:]`: the elements of a list from `i` up to `j`.
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `f(a, b)`: builtins only.
    Call(Box<Ident>, Vec<Expr>),
    /// `-x`, `+x`, `!x`.
    Unary(UnOp, Box<Expr>),
    /// `>=1`, `!=""`, `=~"re"`: a constraint on the value it is unified with.
    Bound(BoundOp, Box<Expr>),
    /// `a + b`, `a == b`, `a && b`, ….
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a & b & …`
    Unify(Vec<Expr>),
    /// `a | *b | …`; the bool marks a default.
    Disj(Vec<(Expr, bool)>),
    /// `"a\(x)b"`
    Interp(Vec<StrPart>),
    /// `{ … }`
    Struct(StructLit),
    /// `[ … ]`
    List(ListLit),
}

/// A piece of an interpolated string.
#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    /// Literal text, escapes decoded.
    Text(String),
    /// `\(expr)`: the expression's concrete value, as text.
    Expr(Expr),
}

/// A name and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// A prefix operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `!`
    Not,
}

/// The operator of a bound (`>=1`, `=~"re"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoundOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `!=`
    Ne,
    /// `=~`: matches the regular expression.
    Match,
    /// `!~`: does not match the regular expression.
    NotMatch,
}

impl BoundOp {
    /// The operator as written.
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

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~`
    Match,
    /// `!~`
    NotMatch,
    /// `&&`
    And,
    /// `||`
    Or,
}

impl BinOp {
    /// The operator as written.
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
    /// The declarations, in source order.
    pub decls: Vec<Decl>,
    /// Where it was written.
    pub span: Span,
    /// Whether a declaration binds a name otherwise than by a field — a `let`, a field alias,
    /// an embedded alias (`binds`) — so that a reference need not look (most literals have
    /// none). Set by [`StructLit::new`] from `decls`.
    pub binds_others: bool,
}

impl StructLit {
    /// A literal of these declarations.
    pub fn new(decls: Vec<Decl>, span: Span) -> StructLit {
        let binds_others = decls.iter().any(|d| other_binding(d).is_some());
        StructLit {
            decls,
            span,
            binds_others,
        }
    }

    /// The declaration of a regular or definition field named `name` in this literal.
    pub fn declares(&self, name: &str) -> bool {
        self.decls
            .iter()
            .any(|d| matches!(d, Decl::Field(f) if !f.label.quoted && f.label.name() == Some(name)))
    }
    /// Whether this literal binds `name` otherwise than by a field: a `let`, a field alias
    /// (`name=label: v`) or an embedded alias (`name={…}`). One pass, and none for a literal
    /// that binds nothing so (`binds_others`); `let_decl`, `aliased` and `embeds_alias` say
    /// which.
    pub fn binds(&self, name: &str) -> bool {
        self.binds_others && self.decls.iter().any(|d| other_binding(d) == Some(name))
    }
    /// The label of the field that the alias `name` (`name=label: v`) names in this literal.
    pub fn aliased(&self, name: &str) -> Option<&str> {
        self.decls.iter().find_map(|d| match d {
            Decl::Field(f) if f.label.alias.as_ref().is_some_and(|a| a.name == name) => {
                f.label.name()
            }
            _ => None,
        })
    }

    /// Whether this literal embeds a value aliased `name` (`X={…}`): X names the struct.
    pub fn embeds_alias(&self, name: &str) -> bool {
        self.decls.iter().any(|d| {
            matches!(d, Decl::Embed(Expr { kind: ExprKind::Alias(a, _), .. }) if a.name == name)
        })
    }

    /// The `let` declaration named `name` in this literal.
    pub fn let_decl(&self, name: &str) -> Option<&LetClause> {
        self.decls.iter().find_map(|d| match d {
            Decl::Let(l) if l.name.name == name => Some(l),
            _ => None,
        })
    }
}

/// The name a declaration binds otherwise than by a field: a `let`, a field alias, an
/// embedded alias.
fn other_binding(d: &Decl) -> Option<&str> {
    match d {
        Decl::Let(l) => Some(&l.name.name),
        Decl::Field(f) => f.label.alias.as_ref().map(|a| a.name.as_str()),
        Decl::Embed(Expr {
            kind: ExprKind::Alias(a, _),
            ..
        }) => Some(&a.name),
        _ => None,
    }
}

/// A declaration in a struct.
#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    /// `label: value`
    Field(Field),
    /// `let name = value`
    Let(LetClause),
    /// `for …`/`if …` clauses and a struct body.
    Comprehension(Comprehension),
    /// An expression standing alone in a struct: unified with the struct itself.
    Embed(Expr),
    /// `...`: the struct stays open even inside a definition.
    Ellipsis(Span),
    /// `check "title" { … }` (top level only).
    Check(Check),
    /// `@name(…)` standing alone: an attribute of the enclosing struct or file.
    Attr(Attr),
}

/// An attribute: `@name(args)`, metadata for tools (`@tag(env)` sets a field from the command
/// line). Its arguments are kept as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    /// The name after `@`.
    pub name: String,
    /// The text between the parentheses, as written.
    pub args: String,
    /// Where it was written.
    pub span: Span,
}

impl Attr {
    /// The arguments split at top-level commas, trimmed (`@tag(env, type=int)` gives
    /// `["env", "type=int"]`).
    pub fn arg_list(&self) -> Vec<&str> {
        let (mut out, mut depth, mut start, mut quoted) = (Vec::new(), 0i32, 0, false);
        let b = self.args.as_bytes();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b'(' | b'[' | b'{' if !quoted => depth += 1,
                b')' | b']' | b'}' if !quoted => depth -= 1,
                b',' if !quoted && depth == 0 => {
                    out.push(self.args[start..i].trim());
                    start = i + 1;
                }
                _ => {}
            }
            i += 1;
        }
        let last = self.args[start..].trim();
        if !last.is_empty() || !out.is_empty() {
            out.push(last);
        }
        out
    }
}

/// A field declaration: `label: value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The label (name, pattern or computed) and its optionality.
    pub label: Label,
    /// The value.
    pub value: Expr,
    /// Where it was written.
    pub span: Span,
    /// Set for the fields that `service NAME { … }` expands to.
    pub from_service: bool,
    /// The attributes written after the value (`@tag(env)`).
    pub attrs: Vec<Attr>,
}

/// Whether a field is optional, required or regular.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Opt {
    /// `a?: T`: constrains `a` only if it is present.
    Optional,
    /// `a!: T`: must be given a value elsewhere.
    Required,
    /// `a: T`
    Regular,
}

/// A field's label.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    /// A name, a pattern or a computed label.
    pub kind: LabelKind,
    /// `?`, `!` or neither.
    pub opt: Opt,
    /// Written as a string (`"x": 1`): as in CUE, a quoted label declares the field but binds
    /// no identifier (`x` in its scope does not refer to it).
    pub quoted: bool,
    /// `X=label`: a name for the field, visible where the label's own name is (and where it
    /// is shadowed, or could never be written: `X="a-b": 1`). Boxed, as in the pattern: few
    /// labels have one, and every field of a large program holds a label.
    pub alias: Option<Box<Ident>>,
    /// Where it was written.
    pub span: Span,
}

impl Label {
    /// The name, for a named label.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            LabelKind::Name(n) => Some(n),
            LabelKind::Pattern { .. } | LabelKind::Dynamic(_) => None,
        }
    }
}

/// The kinds of label.
#[derive(Clone, Debug, PartialEq)]
pub enum LabelKind {
    /// A field name (`port`, `"redis-cart"`) or a definition (`#Service`).
    Name(String),
    /// `"\(expr)"` or `(expr)`: a label computed from a concrete string.
    Dynamic(Box<Expr>),
    /// `[Alias=pattern]`: applies to every field whose label matches `pattern`.
    Pattern {
        /// The name the matched label is bound to.
        alias: Option<Box<Ident>>,
        /// The constraint a label must meet.
        pattern: Box<Expr>,
    },
}

/// `let name = value`: a name for a value, not a field.
#[derive(Clone, Debug, PartialEq)]
pub struct LetClause {
    /// The name.
    pub name: Ident,
    /// The value.
    pub value: Expr,
    /// Where it was written.
    pub span: Span,
}

/// A comprehension: clauses and the struct they produce for each binding.
#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    /// The `for`, `if` and `let` clauses, in order.
    pub clauses: Vec<Clause>,
    /// The struct produced for each binding.
    pub body: StructLit,
    /// `else { … }` / `fallback { … }`: the struct produced when the clauses give no binding.
    pub fallback: Option<Box<Fallback>>,
    /// Where it was written.
    pub span: Span,
}

/// What a comprehension produces when its clauses give no binding.
#[derive(Clone, Debug, PartialEq)]
pub struct Fallback {
    /// `else` or `fallback`, as written.
    pub keyword: String,
    /// The struct produced.
    pub body: StructLit,
}

/// A clause of a comprehension.
#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    /// `for key, value in source`
    For {
        /// The name bound to each label or index, if given.
        key: Option<Ident>,
        /// The name bound to each value.
        value: Ident,
        /// The struct or list iterated.
        source: Expr,
        /// Where it was written.
        span: Span,
    },
    /// `if cond`
    If(Expr),
    /// `let name = value`
    Let(LetClause),
    /// `try` (the body's `x?` references must be present) or `try name = value` (the value,
    /// with its `x?` references, must be present; it is bound to `name`).
    Try {
        /// The value bound, if any.
        binding: Option<LetClause>,
        /// Where it was written.
        span: Span,
    },
}

/// `[ … ]`
#[derive(Clone, Debug, PartialEq)]
pub struct ListLit {
    /// The elements, in order.
    pub elems: Vec<ListElem>,
    /// `...T` at the end: more elements may follow, each unified with `T` (`_` when bare).
    pub tail: Option<Box<Expr>>,
    /// Where it was written.
    pub span: Span,
}

/// An element of a list literal.
#[derive(Clone, Debug, PartialEq)]
pub enum ListElem {
    /// A value.
    Expr(Expr),
    /// A comprehension producing elements.
    Comprehension(Comprehension),
}

/// `check "title" { … }`: a guardrail written in msh.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The title, shown in the diagnostics it reports.
    pub title: String,
    /// The body: its `warn(…)`/`error(…)` findings are reported.
    pub body: StructLit,
    /// Where it was written.
    pub span: Span,
}

/// `import name "path"`
#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    /// The name the package is known by in this file.
    pub name: Ident,
    /// The path: `mesh` (the stdlib) or `./dir`.
    pub path: String,
    /// Where it was written.
    pub span: Span,
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The file's id in the source map.
    pub id: FileId,
    /// The `package` clause, if any.
    pub package: Option<Ident>,
    /// The imports, in order.
    pub imports: Vec<Import>,
    /// The top-level declarations, as a struct literal spanning the file.
    pub body: StructLit,
    /// Whether the file uses the `service NAME { … }` form.
    pub has_service: bool,
}
