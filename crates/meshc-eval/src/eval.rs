//! The evaluator: a graph of vertices (one per field, list element or anonymous value), each the
//! unification of its conjuncts (an expression with the environment it was written in).
//!
//! Evaluation of a vertex has two phases, both lazy and memoised:
//! 1. *expansion* fixes its structure: struct literals add fields (arcs), references to struct
//!    vertices copy their conjuncts (so that references inside them see the final, unified
//!    struct), pattern constraints and comprehensions add conjuncts to arcs, disjunctions of
//!    structs are resolved by trial, and closedness is checked.
//! 2. *valuation* unifies its scalar conjuncts into one value.
//!
//! Each vertex is expanded and valued at most once, so evaluation is linear in the size of the
//! program and its output; a step budget and a depth limit turn pathological input into a
//! diagnostic.

use crate::value::*;
use crate::{Node, NodeKind, Program};
use indexmap::IndexMap;
use meshc_syntax::ast::*;
use meshc_syntax::codes;
use meshc_syntax::lit::{format_float, Duration, Lit, Quantity};
use meshc_syntax::{Diagnostic, FileId, Span};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

pub type EnvId = u32;
pub type CloseId = u32;

/// Deepest recursion of the evaluator before it gives up with a diagnostic.
pub const MAX_DEPTH: usize = 400;
/// Most evaluation steps for one program.
pub const MAX_STEPS: u64 = 50_000_000;
/// Most alternatives a disjunction may grow to.
pub const MAX_ALTS: usize = 256;

#[derive(Clone, Copy, Debug)]
enum Src<'a> {
    Expr(&'a Expr),
    Struct(&'a StructLit),
    /// What a comprehension yielded into a struct. It belongs to the vertex it was computed
    /// for: a reference to that vertex copies its conjuncts but not these (the comprehension
    /// runs again where the reference lands, against the fields there).
    Yield(&'a StructLit),
    File(&'a File),
}

impl Src<'_> {
    fn key(&self) -> usize {
        match self {
            Src::Expr(e) => *e as *const Expr as usize,
            Src::Struct(s) | Src::Yield(s) => *s as *const StructLit as usize,
            Src::File(f) => *f as *const File as usize,
        }
    }
    fn span(&self) -> Span {
        match self {
            Src::Expr(e) => e.span,
            Src::Struct(s) | Src::Yield(s) => s.span,
            Src::File(f) => f.body.span,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Conj<'a> {
    src: Src<'a>,
    env: EnvId,
    close: Option<CloseId>,
}

#[derive(Clone, Debug)]
enum Target {
    Vertex(VertexId),
    Value(Val),
}

#[derive(Clone, Debug)]
enum Frame<'a> {
    Root,
    File {
        file: &'a File,
        pkg: usize,
    },
    Struct {
        lit: &'a StructLit,
        vertex: VertexId,
    },
    Bind {
        name: &'a str,
        target: Target,
    },
    LetBind {
        clause: &'a LetClause,
    },
}

#[derive(Clone, Debug)]
struct Env<'a> {
    parent: Option<EnvId>,
    frame: Frame<'a>,
}

#[derive(Clone, Debug)]
struct Pattern<'a> {
    alias: Option<&'a str>,
    pattern: &'a Expr,
    value: &'a Expr,
    env: EnvId,
    close: Option<CloseId>,
    val: Option<Val>,
}

#[derive(Clone, Debug, Default)]
struct Closer {
    id: CloseId,
    labels: HashSet<Rc<str>>,
    patterns: Vec<usize>,
    open: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Fresh,
    Busy,
    Done,
}

#[derive(Debug, Default)]
struct Vertex<'a> {
    parent: Option<VertexId>,
    label: Rc<str>,
    conjs: Vec<Conj<'a>>,
    /// For vertices with many conjuncts, the keys of `conjs` (smaller ones scan the list).
    conj_keys: Option<HashSet<(usize, EnvId, Option<CloseId>)>>,
    arcs: IndexMap<Rc<str>, VertexId>,
    elems: Vec<VertexId>,
    is_struct: bool,
    is_list: bool,
    struct_span: Option<Span>,
    decl_span: Option<Span>,
    list_len: Option<(usize, Span)>,
    tails: Vec<(usize, Conj<'a>)>,
    patterns: Vec<Pattern<'a>>,
    cursor: usize,
    pats_applied: usize,
    closers: Vec<Closer>,
    scalars: Vec<Conj<'a>>,
    ref_vals: Vec<Val>,
    sdisj: Vec<Conj<'a>>,
    comps: Vec<(&'a Comprehension, EnvId, Option<CloseId>)>,
    regular: bool,
    required: bool,
    optional: bool,
    xs: Phase,
    es: Phase,
    value: Option<Val>,
    errors: Vec<Diagnostic>,
    redirect: Option<VertexId>,
    reported: bool,
}

struct CloseMeta {
    name: String,
    span: Span,
}

pub struct Evaluator<'a> {
    prog: &'a Program<'a>,
    vs: Vec<Vertex<'a>>,
    envs: Vec<Env<'a>>,
    roots: Vec<Option<VertexId>>,
    pkg_labels: Vec<HashSet<&'a str>>,
    file_envs: HashMap<FileId, EnvId>,
    lets: HashMap<(EnvId, usize), VertexId>,
    close_children: HashMap<(CloseId, Rc<str>), CloseId>,
    close_meta: Vec<CloseMeta>,
    label_sets: HashMap<usize, HashSet<&'a str>>,
    interned: HashSet<Rc<str>>,
    /// Vertices being expanded or valued, innermost last: the path of a cycle.
    active: Vec<VertexId>,
    depth: usize,
    steps: u64,
    /// The span of the last step, for limits reached where no span is at hand.
    last_span: Span,
    /// Bytes of strings built so far.
    string_bytes: usize,
    /// Parts of the value exported so far.
    exported: usize,
    halted: Option<Diagnostic>,
    pub(crate) diags: Vec<Diagnostic>,
    seen: HashSet<(&'static str, String, Option<Span>)>,
}

fn is_def(label: &str) -> bool {
    label.starts_with('#')
}
fn is_hidden(label: &str) -> bool {
    label.starts_with('_')
}

impl<'a> Evaluator<'a> {
    pub fn new(prog: &'a Program<'a>) -> Self {
        let mut ev = Evaluator {
            prog,
            vs: Vec::new(),
            envs: vec![Env {
                parent: None,
                frame: Frame::Root,
            }],
            roots: vec![None; prog.packages.len()],
            pkg_labels: Vec::new(),
            file_envs: HashMap::new(),
            lets: HashMap::new(),
            close_children: HashMap::new(),
            close_meta: Vec::new(),
            label_sets: HashMap::new(),
            interned: HashSet::new(),
            active: Vec::new(),
            depth: 0,
            steps: 0,
            last_span: Span::default(),
            string_bytes: 0,
            exported: 0,
            halted: None,
            diags: Vec::new(),
            seen: HashSet::new(),
        };
        for (i, p) in prog.packages.iter().enumerate() {
            let mut labels = HashSet::new();
            for f in &p.files {
                for d in &f.body.decls {
                    // A quoted label binds no identifier.
                    if let Decl::Field(fd) = d {
                        if let Some(n) = fd.label.name().filter(|_| !fd.label.quoted) {
                            labels.insert(n);
                        }
                    }
                }
                let env = ev.push_env(0, Frame::File { file: f, pkg: i });
                ev.file_envs.insert(f.id, env);
            }
            ev.pkg_labels.push(labels);
        }
        ev
    }

    // ---------------------------------------------------------------- plumbing

    fn push_env(&mut self, parent: EnvId, frame: Frame<'a>) -> EnvId {
        if self.envs.len() >= self.prog.limits.values && self.halted.is_none() {
            self.halt(
                Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "the program binds more than {} names (comprehension variables, lets)",
                        self.prog.limits.values
                    ),
                )
                .primary(self.last_span, "while evaluating this")
                .help(
                    "nested comprehensions multiply their bindings; the limit is `Limits::values`",
                ),
            );
        }
        self.envs.push(Env {
            parent: Some(parent),
            frame,
        });
        (self.envs.len() - 1) as EnvId
    }

    fn new_vertex(&mut self, parent: Option<VertexId>, label: Rc<str>) -> VertexId {
        if self.vs.len() >= self.prog.limits.values && self.halted.is_none() {
            self.halt(
                Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "the program builds more than {} values (struct fields and list elements)",
                        self.prog.limits.values
                    ),
                )
                .primary(self.last_span, "while evaluating this")
                .help("a comprehension or a chain of references multiplies values; the limit is `Limits::values`"),
            );
        }
        self.vs.push(Vertex {
            parent,
            label,
            ..Default::default()
        });
        (self.vs.len() - 1) as VertexId
    }

    fn res(&self, mut v: VertexId) -> VertexId {
        while let Some(r) = self.vs[v as usize].redirect {
            v = r;
        }
        v
    }

    fn vx(&mut self, v: VertexId) -> &mut Vertex<'a> {
        &mut self.vs[v as usize]
    }

    fn arc(&mut self, v: VertexId, label: &str) -> VertexId {
        if let Some(&a) = self.vs[v as usize].arcs.get(label) {
            return a;
        }
        let l = self.intern(label);
        let a = self.new_vertex(Some(v), l.clone());
        self.vx(v).arcs.insert(l, a);
        a
    }

    fn elem(&mut self, v: VertexId, i: usize) -> VertexId {
        while self.vs[v as usize].elems.len() <= i {
            let n = self.vs[v as usize].elems.len();
            let e = self.new_vertex(Some(v), Rc::from(n.to_string().as_str()));
            self.vx(v).elems.push(e);
        }
        self.vs[v as usize].elems[i]
    }

    fn add_conj(&mut self, v: VertexId, c: Conj<'a>) {
        let key = (c.src.key(), c.env, c.close);
        let vert = &mut self.vs[v as usize];
        let seen = match &mut vert.conj_keys {
            Some(keys) => !keys.insert(key),
            None => {
                let seen = vert
                    .conjs
                    .iter()
                    .any(|x| (x.src.key(), x.env, x.close) == key);
                if !seen && vert.conjs.len() >= 16 {
                    let mut keys: HashSet<_> = vert
                        .conjs
                        .iter()
                        .map(|x| (x.src.key(), x.env, x.close))
                        .collect();
                    keys.insert(key);
                    vert.conj_keys = Some(keys);
                }
                seen
            }
        };
        if seen {
            return;
        }
        vert.conjs.push(c);
        if vert.xs == Phase::Done {
            // A conjunct that arrives after expansion (a late pattern): expand it now.
            vert.value = None;
            vert.es = Phase::Fresh;
            self.expand_conj(v, c);
            self.apply_patterns(v);
        }
    }

    /// The fields of a vertex, copied so that the vertex may change while they are visited.
    fn arc_list(&self, v: VertexId) -> Vec<(Rc<str>, VertexId)> {
        self.vs[v as usize]
            .arcs
            .iter()
            .map(|(k, a)| (k.clone(), *a))
            .collect()
    }

    /// Path of a vertex for messages: `services.checkout.port`.
    pub(crate) fn path(&self, v: VertexId) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(v);
        while let Some(c) = cur {
            let vert = &self.vs[c as usize];
            if vert.parent.is_some() || !vert.label.is_empty() {
                let l = &vert.label;
                if (l
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#' || c == '$')
                    && !l.is_empty())
                    || vert.parent.is_none()
                {
                    parts.push(l.to_string());
                } else {
                    parts.push(format!("{:?}", l.as_ref()));
                }
            }
            cur = vert.parent;
        }
        parts.reverse();
        parts.join(".")
    }

    /// `Some(error)` when evaluation must stop: too deep, too many steps, or stopped before.
    /// The first such error halts the whole evaluation (and is always reported).
    fn guard(&mut self, span: Span) -> Option<Diagnostic> {
        if let Some(h) = &self.halted {
            return Some(h.clone());
        }
        let d = if self.steps >= MAX_STEPS {
            Diagnostic::error(codes::LIMIT, format!("evaluation took more than {MAX_STEPS} steps"))
                .primary(span, "while evaluating this")
                .help("the program is too large or builds values exponentially (for example through nested references that double at every level)")
        } else if self.depth > MAX_DEPTH {
            Diagnostic::error(
                codes::LIMIT,
                format!("evaluation nested more than {MAX_DEPTH} levels deep"),
            )
            .primary(span, "while evaluating this")
            .help("a chain of references, nested values or comprehensions is too long; shorten it")
        } else {
            self.steps += 1;
            self.last_span = span;
            return None;
        };
        self.halted = Some(d.clone());
        Some(d)
    }

    /// Stops evaluation with `d` (the first limit reached wins).
    fn halt(&mut self, d: Diagnostic) {
        if self.halted.is_none() {
            self.halted = Some(d);
        }
    }

    /// Counts `len` more bytes of built strings; an error past `Limits::string_bytes`.
    pub(crate) fn account_string(&mut self, len: usize, span: Span) -> Option<Val> {
        self.string_bytes += len;
        if self.string_bytes <= self.prog.limits.string_bytes {
            return None;
        }
        let d = Diagnostic::error(
            codes::LIMIT,
            format!(
                "the program builds more than {} bytes of strings",
                self.prog.limits.string_bytes
            ),
        )
        .primary(span, "this string")
        .help("strings that double at each step grow exponentially; the limit is `Limits::string_bytes`");
        self.halt(d.clone());
        Some(Val::bottom(d))
    }

    pub(crate) fn halted(&self) -> Option<&Diagnostic> {
        self.halted.as_ref()
    }

    fn user_file(&self, span: Span) -> bool {
        !self.prog.stdlib_files.contains(&span.file)
    }

    pub(crate) fn report(&mut self, d: Diagnostic) {
        let key = (d.code, d.message.clone(), d.primary_span());
        if self.seen.insert(key) {
            self.diags.push(d);
        }
    }

    // ---------------------------------------------------------------- packages

    pub(crate) fn root(&mut self, pkg: usize) -> VertexId {
        if let Some(r) = self.roots[pkg] {
            return r;
        }
        let r = self.new_vertex(None, Rc::from(""));
        self.roots[pkg] = Some(r);
        let files = self.prog.packages[pkg].files.clone();
        for f in files {
            let env = self.file_envs[&f.id];
            self.add_conj(
                r,
                Conj {
                    src: Src::File(f),
                    env,
                    close: None,
                },
            );
        }
        r
    }

    pub(crate) fn file_env(&self, f: FileId) -> EnvId {
        self.file_envs[&f]
    }

    // ---------------------------------------------------------------- expansion

    pub(crate) fn expand(&mut self, v: VertexId) {
        let v = self.res(v);
        if self.vs[v as usize].xs != Phase::Fresh {
            return;
        }
        let span = self.vs[v as usize]
            .conjs
            .first()
            .map(|c| c.src.span())
            .unwrap_or_default();
        if let Some(d) = self.guard(span) {
            self.vx(v).errors.push(d.clone());
            self.vx(v).value = Some(Val::bottom(d));
            self.vx(v).xs = Phase::Done;
            return;
        }
        grow(|| self.expand_body(v));
    }

    fn expand_body(&mut self, v: VertexId) {
        self.depth += 1;
        self.vx(v).xs = Phase::Busy;
        self.active.push(v);
        self.expand_pending(v);
        if !self.vs[v as usize].sdisj.is_empty() {
            self.resolve_struct_disj(v);
        } else {
            self.apply_patterns(v);
            loop {
                let comps = std::mem::take(&mut self.vx(v).comps);
                if comps.is_empty() {
                    break;
                }
                for (c, env, close) in comps {
                    self.run_comprehension(v, c, env, close);
                }
                self.expand_pending(v);
                self.apply_patterns(v);
            }
            self.finish_list(v);
            self.check_closed(v);
        }
        self.active.pop();
        self.vx(v).xs = Phase::Done;
        self.depth -= 1;
    }

    /// Expands the conjuncts not yet expanded (the list grows while it runs).
    fn expand_pending(&mut self, v: VertexId) {
        let mut i = self.vs[v as usize].cursor;
        while i < self.vs[v as usize].conjs.len() {
            let c = self.vs[v as usize].conjs[i];
            self.expand_conj(v, c);
            i += 1;
            self.vx(v).cursor = i;
        }
    }

    fn expand_conj(&mut self, v: VertexId, c: Conj<'a>) {
        match c.src {
            Src::File(f) => self.expand_decls(v, &f.body, c.env, c.close),
            Src::Struct(lit) | Src::Yield(lit) => {
                let env = self.push_env(c.env, Frame::Struct { lit, vertex: v });
                self.expand_decls(v, lit, env, c.close)
            }
            Src::Expr(e) => match &e.kind {
                ExprKind::Struct(lit) => {
                    let env = self.push_env(c.env, Frame::Struct { lit, vertex: v });
                    self.expand_decls(v, lit, env, c.close)
                }
                ExprKind::List(l) => self.expand_list(v, l, c),
                ExprKind::Unify(parts) => {
                    for p in parts {
                        self.add_conj(
                            v,
                            Conj {
                                src: Src::Expr(p),
                                ..c
                            },
                        );
                    }
                }
                ExprKind::Disj(alts) if self.is_structural_disj(alts, c.env) => {
                    self.vx(v).sdisj.push(c)
                }
                ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                    self.expand_ref(v, e, c)
                }
                _ => self.vx(v).scalars.push(c),
            },
        }
    }

    fn expand_ref(&mut self, v: VertexId, e: &'a Expr, c: Conj<'a>) {
        let target = self.resolve(e, c.env);
        let w = match target {
            Ok(Target::Vertex(w)) => w,
            Ok(Target::Value(val)) => match val.k {
                K::Vertex(w) => w,
                _ => {
                    self.vx(v).ref_vals.push(val);
                    return;
                }
            },
            Err(d) => {
                self.vx(v).ref_vals.push(Val::bottom(d));
                return;
            }
        };
        let w = self.res(w);
        let v = self.res(v);
        let structural_cycle = |ev: &mut Self| {
            let d = Diagnostic::error(codes::STRUCTURAL_CYCLE, format!("structural cycle: `{}` contains itself", ev.path(w)))
                .primary(e.span, "this reference makes the value infinite")
                .help("refer to a field of it instead, or to a definition that does not contain this field");
            ev.vx(v).ref_vals.push(Val::bottom(d));
        };
        // A struct that contains a reference to itself (or an ancestor) would be infinite.
        let mut anc = Some(v);
        while let Some(a) = anc {
            if a == w {
                return structural_cycle(self);
            }
            anc = self.vs[a as usize].parent;
        }
        self.expand(w);
        let w = self.res(w);
        // So would a copy of it (`r: a` where `a: {x: a}`): the reference is written inside
        // one of `w`'s own struct literals.
        if self.written_inside(c.env, w, e) {
            return structural_cycle(self);
        }
        if self.vs[w as usize].xs == Phase::Busy {
            let d = self.cycle_diag(&self.active.clone(), w, e.span);
            self.vx(v).ref_vals.push(Val::bottom(d));
            return;
        }
        let wv = &self.vs[w as usize];
        if wv.is_struct || wv.is_list {
            let def = ref_is_def(e);
            let close = if def {
                Some(c.close.unwrap_or_else(|| {
                    // A definition used by the stdlib (the prelude's `m.#Service`) is named
                    // as a user knows it, and shown where it is declared: the prelude's
                    // import alias is not the user's.
                    let (name, span) = if self.user_file(e.span) {
                        (ref_name(e), e.span)
                    } else {
                        let n = ref_name(e);
                        let short = n.rsplit('.').next().unwrap_or(&n).to_string();
                        (short, self.vs[w as usize].decl_span.unwrap_or(e.span))
                    };
                    self.new_close(name, span)
                }))
            } else {
                c.close
            };
            let grown = self.vs[v as usize].conjs.len()
                + self.vs[w as usize].conjs.len()
                + self.vs[v as usize].ref_vals.len()
                + self.vs[w as usize].ref_vals.len();
            if grown > self.prog.limits.values {
                let d = Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "`{}` is the unification of more than {} values",
                        self.path(v),
                        self.prog.limits.values
                    ),
                )
                .primary(e.span, "this reference adds to it")
                .help("references that repeat one another multiply what a field unifies; the limit is `Limits::values`");
                self.halt(d.clone());
                self.vx(v).ref_vals.push(Val::bottom(d));
                return;
            }
            // Only the conjuncts are copied: the values `w` got from its references come again
            // when those references are expanded here (copying them too would add each once
            // more per level of a reference chain: 2^n values for n levels).
            let conjs = self.vs[w as usize].conjs.clone();
            for wc in conjs {
                if matches!(wc.src, Src::Yield(_)) {
                    continue;
                }
                let nc = Conj {
                    close: if def { close } else { wc.close.or(close) },
                    ..wc
                };
                self.add_conj(v, nc);
            }
        } else {
            let val = self.value(w);
            match val.k {
                K::Vertex(x) if x != w => {
                    let conjs = self.vs[x as usize].conjs.clone();
                    for wc in conjs {
                        self.add_conj(v, wc);
                    }
                }
                _ => self.vx(v).ref_vals.push(val),
            }
        }
    }

    /// Whether `reference`, evaluated in `env`, was written inside one of the struct literals
    /// that `w` is the unification of, where it is always present (a regular field, list
    /// element or disjunct; not an optional field, a pattern, a list's tail or a comprehension:
    /// those recurse only as deep as the data they meet).
    fn written_inside(&self, env: EnvId, w: VertexId, reference: &Expr) -> bool {
        let conjs = &self.vs[w as usize].conjs;
        let is_conj_of_w = |lit: &StructLit| {
            conjs.iter().any(|c| match c.src {
                Src::Struct(l) => std::ptr::eq(l, lit),
                Src::Expr(e) => matches!(&e.kind, ExprKind::Struct(l) if std::ptr::eq(l, lit)),
                _ => false,
            })
        };
        let mut at = Some(env);
        while let Some(id) = at {
            let env = &self.envs[id as usize];
            if let Frame::Struct { lit, .. } = env.frame {
                if is_conj_of_w(lit) {
                    return always_present(lit, reference) == Some(true);
                }
            }
            at = env.parent;
        }
        false
    }

    fn cycle_diag(&self, stack: &[VertexId], w: VertexId, span: Span) -> Diagnostic {
        let start = stack.iter().position(|&x| x == w).unwrap_or(0);
        let mut names: Vec<String> = Vec::new();
        for &x in stack[start..].iter().chain(std::iter::once(&w)) {
            let p = self.path(x);
            if names.last() != Some(&p) {
                names.push(p);
            }
        }
        Diagnostic::error(
            codes::CYCLE,
            format!("reference cycle: {}", names.join(" → ")),
        )
        .primary(span, "this reference closes the cycle")
        .help("one of the values in the cycle must be given without referring back to the others")
    }

    fn new_close(&mut self, name: String, span: Span) -> CloseId {
        self.close_meta.push(CloseMeta { name, span });
        (self.close_meta.len() - 1) as CloseId
    }

    /// One shared `Rc<str>` per distinct label.
    fn intern(&mut self, s: &str) -> Rc<str> {
        if let Some(r) = self.interned.get(s) {
            return r.clone();
        }
        let r: Rc<str> = Rc::from(s);
        self.interned.insert(r.clone());
        r
    }

    fn child_close(&mut self, c: CloseId, label: &str) -> CloseId {
        let key = (c, self.intern(label));
        if let Some(&id) = self.close_children.get(&key) {
            return id;
        }
        let meta = &self.close_meta[c as usize];
        let name = format!("{}.{}", meta.name, label);
        let span = meta.span;
        let id = self.new_close(name, span);
        self.close_children.insert(key, id);
        id
    }

    fn closer(&mut self, v: VertexId, id: CloseId) -> usize {
        if let Some(i) = self.vs[v as usize].closers.iter().position(|c| c.id == id) {
            return i;
        }
        self.vx(v).closers.push(Closer {
            id,
            ..Default::default()
        });
        self.vs[v as usize].closers.len() - 1
    }

    fn expand_decls(
        &mut self,
        v: VertexId,
        lit: &'a StructLit,
        env: EnvId,
        close: Option<CloseId>,
    ) {
        {
            let vert = self.vx(v);
            vert.is_struct = true;
            if vert.struct_span.is_none() {
                vert.struct_span = Some(lit.span);
            }
        }
        let ci = close.map(|c| self.closer(v, c));
        for d in &lit.decls {
            match d {
                Decl::Field(f) => match &f.label.kind {
                    LabelKind::Name(n) => self.add_field(v, n, f, env, close, ci),
                    LabelKind::Dynamic(le) => {
                        let lv = self.eval_expr(le, env).default_value();
                        let name = match &lv.k {
                            K::Str(s) => s.clone(),
                            K::Bottom(d) => {
                                let d = (**d).clone();
                                self.vx(v).errors.push(d);
                                continue;
                            }
                            _ => {
                                let d = Diagnostic::error(
                                    codes::BAD_OPERAND,
                                    format!("a field label must be a concrete string, not {lv}"),
                                )
                                .primary(le.span, "this label");
                                self.vx(v).errors.push(d);
                                continue;
                            }
                        };
                        self.add_field(v, &name, f, env, close, ci);
                    }
                    LabelKind::Pattern { alias, pattern } => {
                        let pclose = close.map(|c| self.child_close(c, "[]"));
                        let vert = self.vx(v);
                        vert.patterns.push(Pattern {
                            alias: alias.as_ref().map(|a| a.name.as_str()),
                            pattern,
                            value: &f.value,
                            env,
                            close: pclose,
                            val: None,
                        });
                        let pi = vert.patterns.len() - 1;
                        if let Some(ci) = ci {
                            vert.closers[ci].patterns.push(pi);
                        }
                    }
                },
                Decl::Let(_) | Decl::Check(_) => {}
                Decl::Comprehension(c) => self.vx(v).comps.push((c, env, close)),
                Decl::Embed(e) => self.add_conj(
                    v,
                    Conj {
                        src: Src::Expr(e),
                        env,
                        close,
                    },
                ),
                Decl::Ellipsis(_) => {
                    if let Some(ci) = ci {
                        self.vx(v).closers[ci].open = true;
                    }
                }
            }
        }
    }

    /// Adds the field `f`, named `name`, of a struct literal expanded into `v`.
    fn add_field(
        &mut self,
        v: VertexId,
        name: &str,
        f: &'a Field,
        env: EnvId,
        close: Option<CloseId>,
        ci: Option<usize>,
    ) {
        if let Some(ci) = ci {
            let l = self.intern(name);
            self.vx(v).closers[ci].labels.insert(l);
        }
        let a = self.arc(v, name);
        let child_close = close.map(|c| self.child_close(c, name));
        let av = self.vx(a);
        match f.label.opt {
            Opt::Regular => av.regular = true,
            Opt::Required => av.required = true,
            Opt::Optional => av.optional = true,
        }
        // Prefer the span of a field written outside any definition: that is where the user
        // wrote it, and where a closedness error belongs.
        if av.decl_span.is_none() || (close.is_none() && f.label.opt == Opt::Regular) {
            av.decl_span = Some(f.label.span);
        }
        self.add_conj(
            a,
            Conj {
                src: Src::Expr(&f.value),
                env,
                close: child_close,
            },
        );
    }

    fn expand_list(&mut self, v: VertexId, l: &'a ListLit, c: Conj<'a>) {
        self.vx(v).is_list = true;
        let elem_close = c.close.map(|cl| self.child_close(cl, "[]"));
        let mut idx = 0;
        for el in &l.elems {
            match el {
                ListElem::Expr(e) => {
                    let ev = self.elem(v, idx);
                    self.vx(ev).regular = true;
                    self.add_conj(
                        ev,
                        Conj {
                            src: Src::Expr(e),
                            env: c.env,
                            close: elem_close,
                        },
                    );
                    idx += 1;
                }
                ListElem::Comprehension(comp) => {
                    let mut outs = Vec::new();
                    if let Err(d) = self.clauses(&comp.clauses, 0, c.env, &mut outs) {
                        self.vx(v).errors.push(d);
                    }
                    for env in outs {
                        let ev = self.elem(v, idx);
                        self.vx(ev).regular = true;
                        let src = match comp.body.decls.as_slice() {
                            [Decl::Embed(e)] => Src::Expr(e),
                            _ => Src::Struct(&comp.body),
                        };
                        self.add_conj(
                            ev,
                            Conj {
                                src,
                                env,
                                close: elem_close,
                            },
                        );
                        idx += 1;
                    }
                }
            }
        }
        match &l.tail {
            Some(t) => self.vx(v).tails.push((
                idx,
                Conj {
                    src: Src::Expr(t),
                    env: c.env,
                    close: elem_close,
                },
            )),
            None => {
                let prev = self.vs[v as usize].list_len;
                match prev {
                    Some((n, pspan)) if n != idx => {
                        let d = Diagnostic::error(
                            codes::LIST_LENGTH,
                            format!("conflicting list lengths {idx} and {n}"),
                        )
                        .primary(l.span, format!("a list of {idx}"))
                        .secondary(pspan, format!("a list of {n}"));
                        self.vx(v).errors.push(d);
                    }
                    Some(_) => {}
                    None => self.vx(v).list_len = Some((idx, l.span)),
                }
            }
        }
    }

    fn finish_list(&mut self, v: VertexId) {
        let vert = &self.vs[v as usize];
        if !vert.is_list {
            return;
        }
        let conflicted = vert.errors.iter().any(|e| e.code == codes::LIST_LENGTH);
        if let Some((n, span)) = vert.list_len {
            if vert.elems.len() > n && !conflicted {
                let d = Diagnostic::error(
                    codes::LIST_LENGTH,
                    format!(
                        "a list of {n} elements cannot hold {} elements",
                        vert.elems.len()
                    ),
                )
                .primary(span, format!("a closed list of {n}"));
                self.vx(v).errors.push(d);
            }
        }
        let tails = self.vs[v as usize].tails.clone();
        let elems = self.vs[v as usize].elems.clone();
        for (i, e) in elems.into_iter().enumerate() {
            for (start, t) in &tails {
                if i >= *start {
                    self.add_conj(e, *t);
                }
            }
        }
    }

    fn apply_patterns(&mut self, v: VertexId) {
        let npat = self.vs[v as usize].patterns.len();
        if npat == 0 {
            return;
        }
        let arcs = self.arc_list(v);
        for (label, a) in arcs {
            if is_def(&label) {
                continue;
            }
            let from = self.vs[a as usize].pats_applied;
            if from >= npat {
                continue;
            }
            self.vx(a).pats_applied = npat;
            for pi in from..npat {
                if self.pattern_matches(v, pi, &label) {
                    let p = self.vs[v as usize].patterns[pi].clone();
                    let lspan = self.vs[a as usize].decl_span.unwrap_or(p.pattern.span);
                    let env = match p.alias {
                        Some(name) => self.push_env(
                            p.env,
                            Frame::Bind {
                                name,
                                target: Target::Value(Val::new(K::Str(label.clone()), lspan)),
                            },
                        ),
                        None => p.env,
                    };
                    self.add_conj(
                        a,
                        Conj {
                            src: Src::Expr(p.value),
                            env,
                            close: p.close,
                        },
                    );
                }
            }
        }
    }

    fn pattern_val(&mut self, v: VertexId, pi: usize) -> Val {
        if let Some(val) = &self.vs[v as usize].patterns[pi].val {
            return val.clone();
        }
        let p = self.vs[v as usize].patterns[pi].clone();
        let val = self.eval_expr(p.pattern, p.env);
        self.vx(v).patterns[pi].val = Some(val.clone());
        val
    }

    fn pattern_matches(&mut self, v: VertexId, pi: usize, label: &Rc<str>) -> bool {
        let pv = self.pattern_val(v, pi);
        if matches!(pv.k, K::Top) {
            return true;
        }
        let lv = Val::new(K::Str(label.clone()), pv.span);
        !self.unify(&pv, &lv).is_bottom()
    }

    fn check_closed(&mut self, v: VertexId) {
        if self.vs[v as usize].closers.is_empty() {
            return;
        }
        let closers = self.vs[v as usize].closers.clone();
        let arcs = self.arc_list(v);
        for (label, a) in arcs {
            if is_def(&label) || is_hidden(&label) {
                continue;
            }
            for cl in &closers {
                if cl.open || cl.labels.contains(&label) {
                    continue;
                }
                let mut ok = false;
                for &pi in &cl.patterns {
                    if self.pattern_matches(v, pi, &label) {
                        ok = true;
                        break;
                    }
                }
                if ok {
                    continue;
                }
                let meta = &self.close_meta[cl.id as usize];
                let def_name = meta.name.clone();
                let def_span = meta.span;
                let span = self.vs[a as usize].decl_span.unwrap_or(def_span);
                let mut d = Diagnostic::error(
                    codes::NOT_ALLOWED,
                    format!("field `{label}` is not allowed in `{def_name}`"),
                )
                .primary(span, "not declared by the definition")
                .secondary(def_span, format!("`{def_name}` is closed"));
                let known: Vec<&str> = cl
                    .labels
                    .iter()
                    .map(|s| s.as_ref())
                    .filter(|l| !is_def(l))
                    .collect();
                if let Some(s) = crate::did_you_mean(&label, known.iter().copied()) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else {
                    let mut k = known.clone();
                    k.sort();
                    k.truncate(12);
                    if !k.is_empty() {
                        d = d.help(format!("the fields it declares: {}", k.join(", ")));
                    }
                }
                self.vx(v).errors.push(d);
                break;
            }
        }
    }

    fn is_structural_disj(&mut self, alts: &'a [(Expr, bool)], env: EnvId) -> bool {
        alts.iter().any(|(e, _)| self.is_structural(e, env))
    }

    fn is_structural(&mut self, e: &'a Expr, env: EnvId) -> bool {
        match &e.kind {
            ExprKind::Struct(_) | ExprKind::List(_) => true,
            ExprKind::Unify(parts) => parts.iter().any(|p| self.is_structural(p, env)),
            ExprKind::Disj(alts) => alts.iter().any(|(p, _)| self.is_structural(p, env)),
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                match self.resolve(e, env) {
                    Ok(Target::Vertex(w)) => {
                        let w = self.res(w);
                        if self.vs[w as usize].xs == Phase::Busy {
                            return false;
                        }
                        self.expand(w);
                        let w = self.res(w);
                        self.vs[w as usize].is_struct || self.vs[w as usize].is_list
                    }
                    Ok(Target::Value(v)) => matches!(v.k, K::Vertex(_)),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Resolves a disjunction that involves structs or lists: each alternative is tried with
    /// every other conjunct of the vertex; the ones that fail are dropped; the default decides
    /// between several survivors.
    fn resolve_struct_disj(&mut self, v: VertexId) {
        let d = self.vx(v).sdisj.remove(0);
        let Src::Expr(Expr {
            kind: ExprKind::Disj(alts),
            span,
        }) = d.src
        else {
            unreachable!()
        };
        let others: Vec<Conj<'a>> = self.vs[v as usize]
            .conjs
            .iter()
            .copied()
            .filter(|c| c.src.key() != d.src.key())
            .collect();
        let parent = self.vs[v as usize].parent;
        let label = self.vs[v as usize].label.clone();
        let flags = (
            self.vs[v as usize].regular,
            self.vs[v as usize].required,
            self.vs[v as usize].optional,
        );
        let decl = self.vs[v as usize].decl_span;
        let mut flat = Vec::new();
        flatten_alts(alts, false, &mut flat);
        if flat.len() > MAX_ALTS {
            let d = Diagnostic::error(
                codes::LIMIT,
                format!("a disjunction of more than {MAX_ALTS} alternatives"),
            )
            .primary(*span, "this disjunction");
            self.vx(v).errors.push(d);
            return;
        }
        let mut ok: Vec<(VertexId, bool)> = Vec::new();
        let mut failures: Vec<Diagnostic> = Vec::new();
        for (alt, default) in flat {
            let t = self.new_vertex(parent, label.clone());
            {
                let tv = self.vx(t);
                (tv.regular, tv.required, tv.optional) = flags;
                tv.decl_span = decl;
            }
            for c in &others {
                self.add_conj(t, *c);
            }
            self.add_conj(
                t,
                Conj {
                    src: Src::Expr(alt),
                    env: d.env,
                    close: d.close,
                },
            );
            self.expand(t);
            match self.first_error(t, 0) {
                None => ok.push((t, default)),
                Some(e) => failures.push(e),
            }
        }
        let chosen = match ok.len() {
            0 => None,
            1 => Some(ok[0].0),
            _ => {
                let defaults: Vec<VertexId> = ok.iter().filter(|x| x.1).map(|x| x.0).collect();
                if defaults.len() == 1 {
                    Some(defaults[0])
                } else {
                    let d = Diagnostic::error(
                        codes::AMBIGUOUS,
                        format!(
                            "{} alternatives of a disjunction fit `{}` and none is the default",
                            ok.len(),
                            self.path(v)
                        ),
                    )
                    .primary(*span, "this disjunction")
                    .help(
                        "mark one alternative as the default with `*`, or give more of the value",
                    );
                    self.vx(v).errors.push(d);
                    Some(ok[0].0)
                }
            }
        };
        match chosen {
            Some(t) => {
                let errs = std::mem::take(&mut self.vx(v).errors);
                self.vx(t).errors.extend(errs);
                self.vx(v).redirect = Some(t);
            }
            None => {
                let mut diag = Diagnostic::error(
                    codes::CONFLICT,
                    format!("no alternative of the disjunction fits `{}`", self.path(v)),
                )
                .primary(*span, "none of these alternatives");
                for f in failures.iter().take(4) {
                    if let Some(s) = f.primary_span() {
                        diag = diag.secondary(s, f.message.clone());
                    }
                }
                self.vx(v).errors.push(diag.clone());
                self.vx(v).value = Some(Val::bottom(diag));
                self.vx(v).es = Phase::Done;
            }
        }
    }

    /// The first conflict in a vertex and its regular descendants (incomplete values pass).
    fn first_error(&mut self, v: VertexId, depth: usize) -> Option<Diagnostic> {
        if depth > 64 {
            return None;
        }
        self.expand(v);
        let v = self.res(v);
        if let Some(e) = self.vs[v as usize].errors.first() {
            return Some(e.clone());
        }
        let val = self.value(v);
        if let K::Bottom(d) = &val.k {
            return Some((**d).clone());
        }
        let kids: Vec<VertexId> = {
            let vert = &self.vs[v as usize];
            vert.arcs
                .iter()
                .filter(|(l, a)| !is_def(l) && self.vs[**a as usize].regular)
                .map(|(_, a)| *a)
                .chain(vert.elems.iter().copied())
                .collect()
        };
        for k in kids {
            if let Some(e) = self.first_error(k, depth + 1) {
                return Some(e);
            }
        }
        None
    }

    // ---------------------------------------------------------------- comprehensions

    fn run_comprehension(
        &mut self,
        v: VertexId,
        c: &'a Comprehension,
        env: EnvId,
        close: Option<CloseId>,
    ) {
        let mut outs = Vec::new();
        if let Err(d) = self.clauses(&c.clauses, 0, env, &mut outs) {
            self.vx(v).errors.push(d);
        }
        for e in outs {
            self.add_conj(
                v,
                Conj {
                    src: Src::Yield(&c.body),
                    env: e,
                    close,
                },
            );
        }
    }

    /// Runs the clauses from `i` on, pushing the environment of every yield.
    pub(crate) fn clauses(
        &mut self,
        cl: &'a [Clause],
        i: usize,
        env: EnvId,
        out: &mut Vec<EnvId>,
    ) -> Result<(), Diagnostic> {
        if i == cl.len() {
            if out.len() >= self.prog.limits.values {
                let d = Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "a comprehension yields more than {} values",
                        self.prog.limits.values
                    ),
                )
                .primary(clause_span(&cl[0]), "this comprehension")
                .help("nested `for` clauses multiply: the limit is `Limits::values`");
                self.halt(d.clone());
                return Err(d);
            }
            out.push(env);
            return Ok(());
        }
        if let Some(d) = self.guard(clause_span(&cl[i])) {
            return Err(d);
        }
        self.depth += 1;
        let r = grow(|| self.clause(cl, i, env, out));
        self.depth -= 1;
        r
    }

    fn clause(
        &mut self,
        cl: &'a [Clause],
        i: usize,
        env: EnvId,
        out: &mut Vec<EnvId>,
    ) -> Result<(), Diagnostic> {
        match &cl[i] {
            Clause::If(cond) => {
                let c = self.eval_expr(cond, env).default_value();
                match c.k {
                    K::Bool(true) => self.clauses(cl, i + 1, env, out),
                    K::Bool(false) => Ok(()),
                    K::Bottom(d) => Err((*d).clone()),
                    _ => Err(Diagnostic::error(
                        codes::INCOMPLETE,
                        format!("the condition of `if` must be a concrete bool, not {}", c),
                    )
                    .primary(cond.span, "this condition")),
                }
            }
            Clause::Let(l) => {
                let env = self.push_env(env, Frame::LetBind { clause: l });
                self.clauses(cl, i + 1, env, out)
            }
            Clause::For {
                key, value, source, ..
            } => {
                let w = self.resolve_value_vertex(source, env)?;
                let (is_list, fields) = self.items(w);
                let items: Vec<(Val, VertexId)> = fields
                    .into_iter()
                    .enumerate()
                    .map(|(i, (label, a))| {
                        let k = if is_list {
                            K::Int(i as i64)
                        } else {
                            K::Str(label)
                        };
                        (Val::new(k, source.span), a)
                    })
                    .collect();
                for (k, a) in items {
                    let mut e = env;
                    if let Some(kid) = key {
                        e = self.push_env(
                            e,
                            Frame::Bind {
                                name: &kid.name,
                                target: Target::Value(k),
                            },
                        );
                    }
                    e = self.push_env(
                        e,
                        Frame::Bind {
                            name: &value.name,
                            target: Target::Vertex(a),
                        },
                    );
                    self.clauses(cl, i + 1, e, out)?;
                }
                Ok(())
            }
        }
    }

    /// Resolves an expression that must be a struct or list (a comprehension source).
    fn resolve_value_vertex(&mut self, e: &'a Expr, env: EnvId) -> Result<VertexId, Diagnostic> {
        let val = match &e.kind {
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                match self.resolve(e, env)? {
                    Target::Vertex(w) => {
                        let w = self.res(w);
                        self.expand(w);
                        let w = self.res(w);
                        if self.vs[w as usize].is_struct || self.vs[w as usize].is_list {
                            return Ok(w);
                        }
                        self.value(w)
                    }
                    Target::Value(v) => v,
                }
            }
            _ => self.eval_expr(e, env),
        };
        match val.k {
            K::Vertex(w) => Ok(w),
            K::Bottom(d) => Err((*d).clone()),
            _ => Err(Diagnostic::error(
                codes::NOT_ITERABLE,
                format!("cannot iterate over {val}: not a struct or list"),
            )
            .primary(e.span, "this value")),
        }
    }

    // ---------------------------------------------------------------- references

    fn resolve(&mut self, e: &'a Expr, env: EnvId) -> Result<Target, Diagnostic> {
        match &e.kind {
            ExprKind::Ident(name) => self.lookup(name, e.span, env),
            ExprKind::Select(base, id) => {
                let w = self.base_vertex(base, env)?;
                self.field_of(w, &id.name, id.span)
            }
            ExprKind::Index(base, idx) => {
                let w = self.base_vertex(base, env)?;
                let i = self.eval_expr(idx, env).default_value();
                match &i.k {
                    K::Str(s) => self.field_of(w, s, idx.span),
                    K::Int(n) => {
                        self.expand(w);
                        let w = self.res(w);
                        let vert = &self.vs[w as usize];
                        if !vert.is_list {
                            return Err(Diagnostic::error(
                                codes::BAD_OPERAND,
                                "only a list can be indexed with an int",
                            )
                            .primary(idx.span, "an int index"));
                        }
                        if *n < 0 || *n as usize >= vert.elems.len() {
                            return Err(Diagnostic::error(
                                codes::LIST_LENGTH,
                                format!(
                                    "index {n} is out of range for a list of {}",
                                    vert.elems.len()
                                ),
                            )
                            .primary(idx.span, "this index"));
                        }
                        Ok(Target::Vertex(vert.elems[*n as usize]))
                    }
                    K::Bottom(d) => Err((**d).clone()),
                    _ => Err(Diagnostic::error(
                        codes::BAD_OPERAND,
                        format!("an index must be a concrete int or string, not {i}"),
                    )
                    .primary(idx.span, "this index")),
                }
            }
            _ => Ok(Target::Value(self.eval_expr(e, env))),
        }
    }

    fn base_vertex(&mut self, base: &'a Expr, env: EnvId) -> Result<VertexId, Diagnostic> {
        match self.resolve(base, env)? {
            Target::Vertex(w) => Ok(w),
            Target::Value(v) => match v.k {
                K::Vertex(w) => Ok(w),
                K::Bottom(d) => Err((*d).clone()),
                _ => Err(
                    Diagnostic::error(codes::BAD_OPERAND, format!("{v} has no fields"))
                        .primary(base.span, "not a struct"),
                ),
            },
        }
    }

    fn field_of(&mut self, w: VertexId, name: &str, span: Span) -> Result<Target, Diagnostic> {
        let w = self.res(w);
        self.expand(w);
        let w = self.res(w);
        let vert = &self.vs[w as usize];
        if let Some(&a) = vert.arcs.get(name) {
            let av = &self.vs[a as usize];
            if av.regular || is_def(name) || av.required {
                return Ok(Target::Vertex(a));
            }
            return Err(Diagnostic::error(
                codes::UNDEFINED,
                format!(
                    "field `{name}` of `{}` is optional and not present",
                    self.path(w)
                ),
            )
            .primary(span, "not present")
            .help(format!("test for it first: `if {name} != _|_ {{ … }}`")));
        }
        if !vert.is_struct && !vert.is_list {
            let val = self.value(w);
            if let K::Bottom(d) = &val.k {
                return Err((**d).clone());
            }
            return Err(Diagnostic::error(
                codes::BAD_OPERAND,
                format!("`{}` is {val}, which has no field `{name}`", self.path(w)),
            )
            .primary(span, "no such field"));
        }
        let vert = &self.vs[w as usize];
        let mut d = Diagnostic::error(
            codes::UNDEFINED,
            format!("undefined field `{name}` in `{}`", self.path(w)),
        )
        .primary(span, "no such field");
        if let Some(s) = crate::did_you_mean(name, vert.arcs.keys().map(|k| k.as_ref())) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        if let Some(ss) = vert.struct_span {
            d = d.secondary(ss, "the struct");
        }
        Err(d)
    }

    fn let_vertex(&mut self, key_env: EnvId, clause: &'a LetClause, eval_env: EnvId) -> VertexId {
        let key = (key_env, clause as *const LetClause as usize);
        if let Some(&v) = self.lets.get(&key) {
            return v;
        }
        let v = self.new_vertex(None, Rc::from(clause.name.name.as_str()));
        self.vx(v).regular = true;
        self.lets.insert(key, v);
        self.add_conj(
            v,
            Conj {
                src: Src::Expr(&clause.value),
                env: eval_env,
                close: None,
            },
        );
        v
    }

    fn declares(&mut self, lit: &'a StructLit, name: &str) -> bool {
        if lit.decls.len() < 16 {
            return lit.declares(name);
        }
        let key = lit as *const StructLit as usize;
        let set = self.label_sets.entry(key).or_insert_with(|| {
            lit.decls
                .iter()
                .filter_map(|d| match d {
                    Decl::Field(f) if !f.label.quoted => f.label.name(),
                    _ => None,
                })
                .collect()
        });
        set.contains(name)
    }

    fn lookup(&mut self, name: &str, span: Span, env: EnvId) -> Result<Target, Diagnostic> {
        let mut cur = Some(env);
        while let Some(e) = cur {
            let frame = self.envs[e as usize].frame.clone();
            match frame {
                Frame::Struct { lit, vertex } => {
                    if self.declares(lit, name) {
                        let v = self.res(vertex);
                        let a = match self.vs[v as usize].arcs.get(name) {
                            Some(&a) => a,
                            None => self.arc(v, name),
                        };
                        return Ok(Target::Vertex(a));
                    }
                    if let Some(l) = lit.let_decl(name) {
                        return Ok(Target::Vertex(self.let_vertex(e, l, e)));
                    }
                }
                Frame::Bind { name: n, target } => {
                    if n == name {
                        return Ok(target);
                    }
                }
                Frame::LetBind { clause } => {
                    if clause.name.name == name {
                        let parent = self.envs[e as usize].parent.unwrap_or(0);
                        return Ok(Target::Vertex(self.let_vertex(e, clause, parent)));
                    }
                }
                Frame::File { file, pkg } => {
                    if let Some(l) = file.body.let_decl(name) {
                        return Ok(Target::Vertex(self.let_vertex(e, l, e)));
                    }
                    if let Some(&p) = self.prog.imports.get(&(file.id, name.to_string())) {
                        let r = self.root(p);
                        return Ok(Target::Vertex(r));
                    }
                    if self.pkg_labels[pkg].contains(name) {
                        let r = self.root(pkg);
                        let r = self.res(r);
                        let a = match self.vs[r as usize].arcs.get(name) {
                            Some(&a) => a,
                            None => {
                                self.expand(r);
                                self.arc(r, name)
                            }
                        };
                        return Ok(Target::Vertex(a));
                    }
                }
                Frame::Root => {}
            }
            cur = self.envs[e as usize].parent;
        }
        if let Some(k) = predeclared(name) {
            return Ok(Target::Value(Val::kind(k, span)));
        }
        let mut d = Diagnostic::error(codes::UNDEFINED, format!("undefined reference `{name}`"))
            .primary(span, "not found in scope");
        let visible = self.visible_names(env);
        if let Some(s) = crate::did_you_mean(name, visible.iter().map(|s| s.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        } else {
            d = d.help("a reference names a field of an enclosing struct, a `let`, a `for` variable, an import or a field at the top level of the package");
        }
        Err(d)
    }

    fn visible_names(&self, env: EnvId) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = Some(env);
        while let Some(e) = cur {
            match &self.envs[e as usize].frame {
                Frame::Struct { lit, .. } => {
                    for d in &lit.decls {
                        match d {
                            Decl::Field(f) => out.extend(f.label.name().map(String::from)),
                            Decl::Let(l) => out.push(l.name.name.clone()),
                            _ => {}
                        }
                    }
                }
                Frame::Bind { name, .. } => out.push(name.to_string()),
                Frame::LetBind { clause } => out.push(clause.name.name.clone()),
                Frame::File { file, pkg } => {
                    out.extend(self.pkg_labels[*pkg].iter().map(|s| s.to_string()));
                    out.extend(file.imports.iter().map(|i| i.name.name.clone()));
                }
                Frame::Root => {}
            }
            cur = self.envs[e as usize].parent;
        }
        out.sort();
        out
    }

    // ---------------------------------------------------------------- values

    /// The value of a vertex: the unification of its scalar conjuncts, or the vertex itself for
    /// a struct or list.
    pub(crate) fn value(&mut self, v: VertexId) -> Val {
        grow(|| self.value_inner(v))
    }

    fn value_inner(&mut self, v: VertexId) -> Val {
        let v0 = self.res(v);
        if let Some(val) = &self.vs[v0 as usize].value {
            return val.clone();
        }
        self.expand(v0);
        let v = self.res(v0);
        if let Some(val) = &self.vs[v as usize].value {
            return val.clone();
        }
        let first_span = self.vs[v as usize]
            .conjs
            .first()
            .map(|c| c.src.span())
            .unwrap_or_default();
        if self.vs[v as usize].es == Phase::Busy {
            let stack = self.active.clone();
            return Val::bottom(self.cycle_diag(&stack, v, first_span));
        }
        if let Some(d) = self.guard(first_span) {
            return Val::bottom(d);
        }
        self.depth += 1;
        self.vx(v).es = Phase::Busy;
        self.active.push(v);
        let mut acc: Option<Val> = None;
        let scalars = self.vs[v as usize].scalars.clone();
        for c in scalars {
            let Src::Expr(e) = c.src else { continue };
            let x = self.eval_expr(e, c.env);
            acc = Some(match acc {
                None => x,
                Some(a) => self.unify(&a, &x),
            });
        }
        let refs = self.vs[v as usize].ref_vals.clone();
        for x in refs {
            acc = Some(match acc {
                None => x,
                Some(a) => self.unify(&a, &x),
            });
        }
        let vert = &self.vs[v as usize];
        let structural = vert.is_struct || vert.is_list;
        let result = if structural {
            let span = vert.struct_span.unwrap_or(first_span);
            if vert.is_list && vert.is_struct {
                Val::bottom(
                    Diagnostic::error(
                        codes::CONFLICT,
                        format!("`{}` is given both as a struct and as a list", self.path(v)),
                    )
                    .primary(span, "conflicting structure"),
                )
            } else {
                match acc {
                    None => Val::new(K::Vertex(v), span),
                    Some(a) => self.unify_structural(&a, v, span),
                }
            }
        } else {
            acc.unwrap_or_else(|| Val::top(first_span))
        };
        self.active.pop();
        self.depth -= 1;
        let vert = self.vx(v);
        vert.es = Phase::Done;
        vert.value = Some(result.clone());
        result
    }

    /// Unifies a value with the struct or list of vertex `v`.
    fn unify_structural(&mut self, a: &Val, v: VertexId, span: Span) -> Val {
        let v = self.res(v);
        let kind = if self.vs[v as usize].is_list {
            Kinds::LIST
        } else {
            Kinds::STRUCT
        };
        let me = Val::new(K::Vertex(v), span);
        match &a.k {
            K::Top | K::Incomplete(_) => me,
            K::Bottom(_) => a.clone(),
            K::Vertex(w) if self.res(*w) == v => me,
            K::Cons(c) if c.kinds.has(kind) => me,
            K::Disj(alts) => {
                if alts
                    .iter()
                    .any(|x| x.v.kinds().has(kind) || matches!(x.v.k, K::Top | K::Vertex(_)))
                {
                    me
                } else {
                    self.conflict(a, &me)
                }
            }
            _ => self.conflict(a, &me),
        }
    }

    fn conflict(&mut self, a: &Val, b: &Val) -> Val {
        let (ka, kb) = (a.kinds(), b.kinds());
        let desc = |v: &Val| match &v.k {
            K::Vertex(_) => "a struct or list".to_string(),
            _ => v.to_string(),
        };
        let d = if ka == kb
            || (a.is_concrete_scalar()
                && b.is_concrete_scalar()
                && forms_unify(a, b)
                && common(a, b).is_some())
        {
            Diagnostic::error(
                codes::CONFLICT,
                format!("conflicting values {} and {}", desc(b), desc(a)),
            )
        } else {
            Diagnostic::error(
                codes::KIND_MISMATCH,
                format!(
                    "conflicting values {} ({}) and {} ({})",
                    desc(b),
                    kb.name(),
                    desc(a),
                    ka.name()
                ),
            )
        };
        let d = d
            .primary(b.span, format!("{} is from here", desc(b)))
            .secondary(a.span, format!("{} is from here", desc(a)));
        Val::bottom(d)
    }

    /// Unification of two values.
    pub(crate) fn unify(&mut self, a: &Val, b: &Val) -> Val {
        match (&a.k, &b.k) {
            (K::Bottom(_), _) => a.clone(),
            (_, K::Bottom(_)) => b.clone(),
            (K::Top, _) => b.clone(),
            (_, K::Top) => a.clone(),
            (K::Incomplete(_), _) => a.clone(),
            (_, K::Incomplete(_)) => b.clone(),
            (K::Disj(_), _) | (_, K::Disj(_)) => self.unify_disj(a, b),
            (K::Vertex(x), K::Vertex(y)) => {
                let (x, y) = (self.res(*x), self.res(*y));
                if x == y {
                    return a.clone();
                }
                let t = self.new_vertex(None, Rc::from("&"));
                self.vx(t).regular = true;
                for src in [x, y] {
                    let conjs = self.vs[src as usize].conjs.clone();
                    for c in conjs {
                        self.add_conj(t, c);
                    }
                    let vals = self.vs[src as usize].ref_vals.clone();
                    self.vx(t).ref_vals.extend(vals);
                }
                self.expand(t);
                if let Some(e) = self.first_error(t, 0) {
                    return Val::bottom(e);
                }
                Val::new(K::Vertex(t), a.span)
            }
            (K::Vertex(w), _) => self.unify_structural(b, *w, a.span),
            (_, K::Vertex(w)) => self.unify_structural(a, *w, b.span),
            (K::Cons(x), K::Cons(y)) => {
                let kinds = x.kinds.and(y.kinds);
                let mut bounds = x.bounds.clone();
                for bd in &y.bounds {
                    if !bounds
                        .iter()
                        .any(|o| o.op == bd.op && equal(&o.limit, &bd.limit))
                    {
                        bounds.push(bd.clone());
                    }
                }
                if kinds.0 == 0 {
                    return self.conflict(a, b);
                }
                let kind_span =
                    if y.kinds != Kinds::ALL && (x.kinds == Kinds::ALL || y.kinds.0 < x.kinds.0) {
                        y.kind_span
                    } else {
                        x.kind_span.or(y.kind_span)
                    };
                Val::new(
                    K::Cons(Rc::new(Cons {
                        kinds,
                        kind_span,
                        bounds,
                    })),
                    a.span,
                )
            }
            (K::Cons(c), _) => self.apply_cons(c, a.span, b),
            (_, K::Cons(c)) => self.apply_cons(c, b.span, a),
            _ => {
                if let (K::Finding(..), K::Finding(..)) = (&a.k, &b.k) {
                    return a.clone();
                }
                match common(a, b).filter(|_| forms_unify(a, b)) {
                    Some((x, y)) if compare(&x, &y) == Some(std::cmp::Ordering::Equal) => {
                        // Keep the richer kind (a quantity over an int) and the later span.
                        let mut keep_kind = if x.kinds() != a.kinds() { x } else { y };
                        if let (K::Quantity(p), K::Quantity(q), K::Quantity(k)) =
                            (&a.k, &b.k, &mut keep_kind.k)
                        {
                            // `Nm` stays ambiguous only where both sides are.
                            k.minutes = p.minutes && q.minutes;
                        }
                        let span = if self.user_file(b.span) || !self.user_file(a.span) {
                            b.span
                        } else {
                            a.span
                        };
                        Val::new(keep_kind.k, span)
                    }
                    _ => self.conflict(a, b),
                }
            }
        }
    }

    fn apply_cons(&mut self, c: &Cons, cspan: Span, v: &Val) -> Val {
        let fitted = match admit(v, c.kinds) {
            Some(f) => f,
            None => {
                let mut d = Diagnostic::error(
                    codes::KIND_MISMATCH,
                    format!("{v} is not of kind {}", c.kinds.name()),
                )
                .primary(v.span, {
                    let k = v.kinds().name();
                    let an = if k.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    format!("{an} {k}")
                })
                .secondary(
                    c.kind_span.unwrap_or(cspan),
                    format!("{} is required here", c.kinds.name()),
                );
                if let Some(h) = quoted_number_help(v, c.kinds) {
                    d = d.help(h);
                }
                return Val::bottom(d);
            }
        };
        for b in &c.bounds {
            if let Some(d) = check_bound(&fitted, b) {
                return Val::bottom(d);
            }
        }
        fitted
    }

    fn unify_disj(&mut self, a: &Val, b: &Val) -> Val {
        let alts_of = |v: &Val| -> (Vec<Alt>, bool) {
            match &v.k {
                K::Disj(d) => (d.alts.clone(), d.marked),
                _ => (
                    vec![Alt {
                        v: v.clone(),
                        default: false,
                    }],
                    false,
                ),
            }
        };
        let ((xa, a_has_def), (xb, b_has_def)) = (alts_of(a), alts_of(b));
        if xa.len() * xb.len() > MAX_ALTS * 4 {
            return Val::bottom(
                Diagnostic::error(
                    codes::LIMIT,
                    "unifying these disjunctions gives too many alternatives",
                )
                .primary(b.span, "this disjunction")
                .secondary(a.span, "and this one"),
            );
        }
        let mut out: Vec<Alt> = Vec::new();
        let mut first_err: Option<Val> = None;
        for x in &xa {
            for y in &xb {
                let r = self.unify(&x.v, &y.v);
                if let K::Bottom(e) = &r.k {
                    let telling = e.code == codes::OUT_OF_BOUND || e.code == codes::NO_MATCH;
                    if first_err.is_none() || telling {
                        first_err = Some(r.clone());
                    }
                    continue;
                }
                let default = (x.default || !a_has_def)
                    && (y.default || !b_has_def)
                    && (a_has_def || b_has_def);
                if let Some(o) = out.iter_mut().find(|o| {
                    o.v.is_concrete_scalar()
                        && r.is_concrete_scalar()
                        && o.v.kinds() == r.kinds()
                        && equal(&o.v, &r)
                }) {
                    o.default |= default;
                    continue;
                }
                out.push(Alt { v: r, default });
            }
        }
        match out.len() {
            0 => {
                let mut d = Diagnostic::error(
                    codes::CONFLICT,
                    format!(
                        "{} matches no alternative of {}",
                        disj_other(a, b),
                        disj_of(a, b)
                    ),
                )
                .primary(non_disj(a, b).span, "this value")
                .secondary(disj_span(a, b), "the alternatives");
                let wanted = if matches!(a.k, K::Disj(_)) { a } else { b };
                if let Some(h) = quoted_number_help(non_disj(a, b), wanted.kinds()) {
                    d = d.help(h);
                }
                if let Some(Val {
                    k: K::Bottom(e), ..
                }) = first_err
                {
                    if e.code == codes::OUT_OF_BOUND || e.code == codes::NO_MATCH {
                        d = d.note(e.message.clone());
                    }
                }
                Val::bottom(d)
            }
            1 => out.pop().expect("one").v,
            _ => Val::new(
                K::Disj(Rc::new(Disj {
                    alts: out,
                    marked: a_has_def || b_has_def,
                })),
                a.span,
            ),
        }
    }

    /// Evaluates an expression to a value (the expression is not a struct being expanded).
    pub(crate) fn eval_expr(&mut self, e: &'a Expr, env: EnvId) -> Val {
        if let Some(d) = self.guard(e.span) {
            return Val::bottom(d);
        }
        self.depth += 1;
        let r = grow(|| self.eval_expr_inner(e, env));
        self.depth -= 1;
        r
    }

    fn eval_expr_inner(&mut self, e: &'a Expr, env: EnvId) -> Val {
        let span = e.span;
        match &e.kind {
            ExprKind::Lit(l) => lit_val(l, span),
            ExprKind::Top => Val::top(span),
            ExprKind::Bottom => Val::bottom(
                Diagnostic::error(codes::CONFLICT, "explicit `_|_`").primary(span, "bottom"),
            ),
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                match self.resolve(e, env) {
                    Ok(Target::Vertex(w)) => {
                        let mut v = self.value(w);
                        if !matches!(v.k, K::Vertex(_)) && v.span == Span::default() {
                            v.span = span;
                        }
                        v
                    }
                    Ok(Target::Value(v)) => v,
                    Err(d) => Val::bottom(d),
                }
            }
            ExprKind::Call(name, args) => crate::builtins::call(self, name, args, env, span),
            ExprKind::Unary(op, x) => {
                let v = match self.concrete(x, env) {
                    Ok(v) => v,
                    Err(v) => return v,
                };
                let k = match (op, &v.k) {
                    (UnOp::Neg, K::Int(i)) => i.checked_neg().map(K::Int),
                    (UnOp::Neg, K::Float(f)) => Some(K::Float(-f)),
                    (UnOp::Neg, K::Percent(f)) => Some(K::Percent(-f)),
                    (UnOp::Neg, K::Quantity(q)) => Some(K::Quantity(Quantity {
                        nanos: -q.nanos,
                        ..*q
                    })),
                    (UnOp::Neg, K::Duration(d)) => Some(K::Duration(Duration(-d.0))),
                    (
                        UnOp::Plus,
                        k @ (K::Int(_)
                        | K::Float(_)
                        | K::Percent(_)
                        | K::Quantity(_)
                        | K::Duration(_)),
                    ) => Some(k.clone()),
                    (UnOp::Not, K::Bool(b)) => Some(K::Bool(!b)),
                    _ => None,
                };
                match k {
                    Some(k) => Val::new(k, span),
                    None => Val::bottom(
                        Diagnostic::error(
                            codes::BAD_OPERAND,
                            format!(
                                "invalid operand {v} ({}) for unary {}",
                                v.kinds().name(),
                                match op {
                                    UnOp::Neg => "-",
                                    UnOp::Plus => "+",
                                    UnOp::Not => "!",
                                }
                            ),
                        )
                        .primary(x.span, "this operand"),
                    ),
                }
            }
            ExprKind::Bound(op, x) => {
                let lim = match self.concrete(x, env) {
                    Ok(v) => v,
                    Err(v) => return v,
                };
                if matches!(op, BoundOp::Match | BoundOp::NotMatch) {
                    match &lim.k {
                        K::Str(re) => {
                            if let Err(msg) = regex_match(re, "") {
                                return Val::bottom(
                                    Diagnostic::error(
                                        codes::BAD_REGEX,
                                        format!("invalid regular expression: {msg}"),
                                    )
                                    .primary(x.span, "this pattern"),
                                );
                            }
                        }
                        _ => {
                            return Val::bottom(
                                Diagnostic::error(
                                    codes::BAD_OPERAND,
                                    format!("{} needs a string pattern, not {lim}", op.symbol()),
                                )
                                .primary(x.span, "not a string"),
                            )
                        }
                    }
                }
                let b = Bound {
                    op: *op,
                    limit: lim,
                    span,
                };
                let kinds = bound_kinds(&b);
                Val::new(
                    K::Cons(Rc::new(Cons {
                        kinds,
                        kind_span: Some(span),
                        bounds: vec![b],
                    })),
                    span,
                )
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r, env, span),
            ExprKind::Unify(parts) => {
                let mut acc = Val::top(span);
                for p in parts {
                    let x = self.eval_expr(p, env);
                    acc = self.unify(&acc, &x);
                }
                acc
            }
            ExprKind::Disj(alts) => {
                let mut flat = Vec::new();
                flatten_alts(alts, false, &mut flat);
                if flat.len() > MAX_ALTS {
                    return Val::bottom(
                        Diagnostic::error(
                            codes::LIMIT,
                            format!("a disjunction of more than {MAX_ALTS} alternatives"),
                        )
                        .primary(span, "this disjunction"),
                    );
                }
                let mut out: Vec<Alt> = Vec::new();
                let mut marked = false;
                let mut poisoned: Option<Val> = None;
                for (x, d) in flat {
                    marked |= d;
                    let v = self.eval_expr(x, env);
                    if let K::Bottom(diag) = &v.k {
                        // A default that refers to a field in error: keep the error, so that
                        // this field does not report a second, derived one.
                        let is_ref = matches!(x.kind, ExprKind::Ident(_) | ExprKind::Select(..));
                        if d && is_ref && diag.code != codes::UNDEFINED && poisoned.is_none() {
                            poisoned = Some(v.clone());
                        }
                        continue;
                    }
                    match v.k {
                        K::Disj(inner) => {
                            let has = inner.marked;
                            marked |= has;
                            for a in inner.iter() {
                                out.push(Alt {
                                    v: a.v.clone(),
                                    default: a.default || (d && !has),
                                });
                            }
                        }
                        _ => {
                            if let Some(o) = out.iter_mut().find(|o| {
                                o.v.is_concrete_scalar()
                                    && v.is_concrete_scalar()
                                    && equal(&o.v, &v)
                                    && o.v.kinds() == v.kinds()
                            }) {
                                o.default |= d;
                            } else {
                                out.push(Alt { v, default: d });
                            }
                        }
                    }
                }
                if let Some(p) = poisoned {
                    if !out.iter().any(|a| a.default) {
                        return p;
                    }
                }
                match out.len() {
                    0 => Val::bottom(
                        Diagnostic::error(
                            codes::CONFLICT,
                            "every alternative of this disjunction is an error",
                        )
                        .primary(span, "here"),
                    ),
                    1 if !out[0].default => out.pop().expect("one").v,
                    _ => Val::new(K::Disj(Rc::new(Disj { alts: out, marked })), span),
                }
            }
            ExprKind::Interp(parts) => {
                let mut s = String::new();
                for p in parts {
                    match p {
                        StrPart::Text(t) => s.push_str(t),
                        StrPart::Expr(x) => {
                            let v = match self.concrete(x, env) {
                                Ok(v) => v,
                                Err(v) => return v,
                            };
                            match to_text(&v) {
                                Some(t) => s.push_str(&t),
                                None => {
                                    return Val::bottom(
                                        Diagnostic::error(
                                            codes::BAD_OPERAND,
                                            format!("{v} cannot be interpolated into a string"),
                                        )
                                        .primary(x.span, "this value"),
                                    )
                                }
                            }
                        }
                    }
                }
                if let Some(e) = self.account_string(s.len(), span) {
                    return e;
                }
                Val::new(K::Str(Rc::from(s.as_str())), span)
            }
            ExprKind::Struct(_) | ExprKind::List(_) => {
                let label = if matches!(e.kind, ExprKind::List(_)) {
                    "[…]"
                } else {
                    "{…}"
                };
                let t = self.new_vertex(None, Rc::from(label));
                self.vx(t).regular = true;
                self.add_conj(
                    t,
                    Conj {
                        src: Src::Expr(e),
                        env,
                        close: None,
                    },
                );
                self.expand(t);
                let t = self.res(t);
                Val::new(K::Vertex(t), span)
            }
        }
    }

    /// Evaluates to a concrete value (defaults applied), or returns the bottom / incomplete value.
    pub(crate) fn concrete(&mut self, e: &'a Expr, env: EnvId) -> Result<Val, Val> {
        let v = self.eval_expr(e, env).default_value();
        match &v.k {
            K::Bottom(_) | K::Incomplete(_) => Err(v),
            K::Top | K::Cons(_) | K::Disj(_) => Err(Val::incomplete(
                format!("{} is not concrete", describe_operand(&v)),
                e.span,
            )),
            _ => Ok(v),
        }
    }

    fn binary(&mut self, op: BinOp, l: &'a Expr, r: &'a Expr, env: EnvId, span: Span) -> Val {
        // `x == _|_` / `x != _|_`: whether x is an error or absent.
        if matches!(op, BinOp::Eq | BinOp::Ne)
            && (matches!(r.kind, ExprKind::Bottom) || matches!(l.kind, ExprKind::Bottom))
        {
            let other = if matches!(r.kind, ExprKind::Bottom) {
                l
            } else {
                r
            };
            // A field that is only optional (`x?: int`) and was never set is absent, as a
            // selection of it (`s.x`) already is.
            let absent_optional = match &other.kind {
                ExprKind::Ident(name) => match self.lookup(name, other.span, env) {
                    Ok(Target::Vertex(a)) => {
                        let a = self.res(a);
                        let av = &self.vs[a as usize];
                        av.optional && !av.regular && !av.required && !is_def(name)
                    }
                    _ => false,
                },
                _ => false,
            };
            let is_bottom = absent_optional || self.eval_expr(other, env).is_bottom();
            return Val::new(
                K::Bool(if op == BinOp::Eq {
                    is_bottom
                } else {
                    !is_bottom
                }),
                span,
            );
        }
        if matches!(op, BinOp::And | BinOp::Or) {
            let a = match self.concrete(l, env) {
                Ok(v) => v,
                Err(v) => return v,
            };
            let K::Bool(ab) = a.k else {
                return Val::bottom(
                    Diagnostic::error(
                        codes::BAD_OPERAND,
                        format!("{} needs bool operands, not {a}", op.symbol()),
                    )
                    .primary(l.span, "not a bool"),
                );
            };
            if (op == BinOp::Or && ab) || (op == BinOp::And && !ab) {
                return Val::new(K::Bool(ab), span);
            }
            let b = match self.concrete(r, env) {
                Ok(v) => v,
                Err(v) => return v,
            };
            return match b.k {
                K::Bool(_) | K::Finding(..) => b,
                _ => Val::bottom(
                    Diagnostic::error(
                        codes::BAD_OPERAND,
                        format!("{} needs bool operands, not {b}", op.symbol()),
                    )
                    .primary(r.span, "not a bool"),
                ),
            };
        }
        let a = match self.concrete(l, env) {
            Ok(v) => v,
            Err(v) => return v,
        };
        let b = match self.concrete(r, env) {
            Ok(v) => v,
            Err(v) => return v,
        };
        match crate::arith::binary(op, &a, &b, span) {
            Ok(v) => {
                if let K::Str(s) = &v.k {
                    if let Some(e) = self.account_string(s.len(), span) {
                        return e;
                    }
                }
                v
            }
            Err(d) => Val::bottom(
                d.primary(span, "in this expression")
                    .secondary(l.span, format!("{a}"))
                    .secondary(r.span, format!("{b}")),
            ),
        }
    }

    // ---------------------------------------------------------------- export

    /// Exports a vertex as plain data, reporting every error and incomplete value under it.
    /// A scalar's span is where its value was written; a struct's or list's, its label.
    pub(crate) fn export(&mut self, v: VertexId) -> Option<Node> {
        let span = self.vs[v as usize].decl_span.unwrap_or_default();
        if let Some(d) = self.guard(span) {
            self.report(d);
            return None;
        }
        self.depth += 1;
        let r = grow(|| self.export_inner(v));
        self.depth -= 1;
        r
    }

    fn export_inner(&mut self, v: VertexId) -> Option<Node> {
        self.exported += 1;
        if self.exported > self.prog.limits.exported {
            let span = self.vs[v as usize].decl_span.unwrap_or(self.last_span);
            let d = Diagnostic::error(
                codes::LIMIT,
                format!(
                    "the value written out has more than {} parts",
                    self.prog.limits.exported
                ),
            )
            .primary(span, "while writing out this")
            .help("a value referred to twice is written out twice: references that double at each level grow exponentially; the limit is `Limits::exported`");
            self.halt(d.clone());
            self.report(d);
            return None;
        }
        let v = self.res(v);
        self.expand(v);
        let v = self.res(v);
        if !self.vs[v as usize].reported {
            self.vx(v).reported = true;
            let errs = self.vs[v as usize].errors.clone();
            for e in errs {
                self.report(e);
            }
        }
        let val = self.value(v);
        match &val.k {
            K::Vertex(w) => {
                let w = self.res(*w);
                if w != v {
                    return self.export(w);
                }
                // A struct or list is known by where its field was written (the label).
                let span = self.vs[v as usize]
                    .decl_span
                    .filter(|s| self.user_file(*s))
                    .unwrap_or(val.span);
                self.export_structure(v, span)
            }
            K::Bottom(d) => {
                self.report((**d).clone());
                None
            }
            _ => {
                let c = val.default_value();
                match scalar_node(&c) {
                    Some(k) => Some(Node {
                        kind: k,
                        span: c.span,
                    }),
                    None => {
                        self.report_incomplete(v, &c);
                        None
                    }
                }
            }
        }
    }

    fn export_structure(&mut self, v: VertexId, span: Span) -> Option<Node> {
        if self.vs[v as usize].is_list {
            let elems = self.vs[v as usize].elems.clone();
            let mut out = Vec::new();
            let mut ok = true;
            for e in elems {
                match self.export(e) {
                    Some(n) => out.push(n),
                    None => ok = false,
                }
            }
            return ok.then_some(Node {
                kind: NodeKind::List(out),
                span,
            });
        }
        let arcs = self.arc_list(v);
        let mut map = IndexMap::new();
        let mut ok = true;
        for (label, a) in arcs {
            if is_def(&label) || is_hidden(&label) {
                continue;
            }
            let (regular, required) = (self.vs[a as usize].regular, self.vs[a as usize].required);
            if !regular {
                if required {
                    let decl = self.vs[a as usize].decl_span.unwrap_or(span);
                    let at = self.user_span(v).unwrap_or(decl);
                    let d = Diagnostic::error(
                        codes::REQUIRED,
                        format!("required field `{label}` is missing in `{}`", self.path(v)),
                    )
                    .primary(at, format!("`{label}` must be given here"))
                    .secondary(decl, "required by this declaration")
                    .help(format!("add `{label}: …` to `{}`", self.path(v)));
                    self.report(d);
                    ok = false;
                }
                continue;
            }
            match self.export(a) {
                Some(n) => {
                    map.insert(label.to_string(), n);
                }
                None => ok = false,
            }
        }
        ok.then_some(Node {
            kind: NodeKind::Map(map),
            span,
        })
    }

    /// The span of the nearest struct (this vertex or an ancestor) written in a user file.
    fn user_span(&self, v: VertexId) -> Option<Span> {
        let mut cur = Some(v);
        while let Some(c) = cur {
            let vert = &self.vs[c as usize];
            for s in [vert.decl_span, vert.struct_span].into_iter().flatten() {
                if self.user_file(s) {
                    return Some(s);
                }
            }
            cur = vert.parent;
        }
        None
    }

    fn report_incomplete(&mut self, v: VertexId, c: &Val) {
        let path = self.path(v);
        let name = self.vs[v as usize].label.to_string();
        let (msg, help) = match &c.k {
            K::Incomplete(why) => (
                format!("`{path}` cannot be computed: {why}"),
                "give the value it depends on a concrete value".to_string(),
            ),
            K::Disj(alts) => {
                let n = alts.iter().filter(|a| a.default).count();
                (
                    format!(
                        "`{path}` is one of {c}, and {}",
                        if n == 0 {
                            "none is the default".to_string()
                        } else {
                            format!("{n} are defaults")
                        }
                    ),
                    format!("choose one: `{name}: …`"),
                )
            }
            _ => (
                format!("`{path}` has no concrete value: it is {c}"),
                format!(
                    "give it a value, for example `{name}: {}`",
                    example_for(c.kinds())
                ),
            ),
        };
        let mut d = Diagnostic::error(codes::INCOMPLETE, format!("incomplete value: {msg}"));
        let user = self.user_span(v);
        match user {
            Some(u) if !self.user_file(c.span) || c.span == Span::default() => {
                d = d.primary(u, format!("`{name}` is not set here"));
                if c.span != Span::default() {
                    d = d.secondary(c.span, format!("`{name}` is declared as {c}"));
                }
            }
            _ => {
                d = d.primary(c.span, format!("not concrete: {c}"));
                if let Some(ds) = self.vs[v as usize].decl_span {
                    d = d.secondary(ds, format!("`{name}` is declared here"));
                }
            }
        }
        self.report(d.help(help));
    }
}

/// Runs `f` with at least 128 KiB of stack left, growing the stack when it runs short.
fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}

fn clause_span(c: &Clause) -> Span {
    match c {
        Clause::For { span, .. } => *span,
        Clause::If(e) => e.span,
        Clause::Let(l) => l.span,
    }
}

/// A sample literal of the first kind in `k`, for a `help:` line.
fn example_for(k: Kinds) -> &'static str {
    const EXAMPLES: &[(Kinds, &str)] = &[
        (Kinds::STRING, "\"…\""),
        (Kinds::INT, "1"),
        (Kinds::QUANTITY, "500m"),
        (Kinds::DURATION, "30s"),
        (Kinds::PERCENT, "70%"),
        (Kinds::BOOL, "true"),
        (Kinds::FLOAT, "1.5"),
    ];
    EXAMPLES
        .iter()
        .find(|(kind, _)| k.has(*kind))
        .map(|(_, e)| *e)
        .unwrap_or("…")
}

/// A string that holds a number, where a number is wanted (`cpu: "500m"`, `port: "5432"`):
/// the help says to remove the quotes.
fn quoted_number_help(v: &Val, wanted: Kinds) -> Option<String> {
    let K::Str(s) = &v.k else { return None };
    let numeric = Kinds(Kinds::NUMBER.0 | Kinds::QUANTITY.0 | Kinds::DURATION.0 | Kinds::PERCENT.0);
    if wanted.has(Kinds::STRING) || !wanted.has(numeric) {
        return None;
    }
    let t = s.trim();
    let starts_numeric = t.starts_with(|c: char| c.is_ascii_digit());
    (starts_numeric && meshc_syntax::lit::decode_number(t).is_ok())
        .then(|| format!("remove the quotes: `{t}` is a number in msh, `\"{s}\"` a string"))
}

fn flatten_alts<'a>(
    alts: &'a [(Expr, bool)],
    outer_default: bool,
    out: &mut Vec<(&'a Expr, bool)>,
) {
    for (e, d) in alts {
        match &e.kind {
            ExprKind::Disj(inner) => flatten_alts(inner, *d || outer_default, out),
            _ => out.push((e, *d || outer_default)),
        }
    }
}

fn disj_of(a: &Val, b: &Val) -> String {
    if matches!(a.k, K::Disj(_)) {
        a.to_string()
    } else {
        b.to_string()
    }
}
fn disj_other(a: &Val, b: &Val) -> String {
    if matches!(a.k, K::Disj(_)) {
        b.to_string()
    } else {
        a.to_string()
    }
}
fn non_disj<'v>(a: &'v Val, b: &'v Val) -> &'v Val {
    if matches!(a.k, K::Disj(_)) {
        b
    } else {
        a
    }
}
fn disj_span(a: &Val, b: &Val) -> Span {
    if matches!(a.k, K::Disj(_)) {
        a.span
    } else {
        b.span
    }
}

fn describe_operand(v: &Val) -> String {
    match &v.k {
        K::Top => "`_` (any value)".into(),
        _ => format!("`{v}`"),
    }
}

/// Where `target` is written in `lit`: `Some(true)` when on a path of regular fields, list
/// elements and embeddings only (it is part of every value of `lit`), `Some(false)` when under
/// something conditional, `None` when not in `lit`.
fn always_present(lit: &StructLit, target: &Expr) -> Option<bool> {
    fn in_lit(lit: &StructLit, target: &Expr, always: bool) -> Option<bool> {
        lit.decls.iter().find_map(|d| match d {
            Decl::Field(f) => {
                let regular =
                    f.label.opt == Opt::Regular && matches!(f.label.kind, LabelKind::Name(_));
                in_expr(&f.value, target, always && regular)
            }
            Decl::Embed(e) => in_expr(e, target, always),
            Decl::Let(l) => in_expr(&l.value, target, false),
            Decl::Comprehension(c) => in_lit(&c.body, target, false),
            Decl::Check(c) => in_lit(&c.body, target, false),
            Decl::Ellipsis(_) => None,
        })
    }
    fn in_expr(e: &Expr, target: &Expr, always: bool) -> Option<bool> {
        if std::ptr::eq(e, target) {
            return Some(always);
        }
        match &e.kind {
            ExprKind::Struct(l) => in_lit(l, target, always),
            ExprKind::Unify(parts) => parts.iter().find_map(|p| in_expr(p, target, always)),
            // An alternative that contains itself is an error that removes it from the
            // disjunction (`x: s | 1` inside `s` is 1).
            ExprKind::Disj(alts) => alts.iter().find_map(|(p, _)| in_expr(p, target, always)),
            ExprKind::List(l) => l
                .elems
                .iter()
                .find_map(|el| match el {
                    ListElem::Expr(x) => in_expr(x, target, always),
                    ListElem::Comprehension(c) => in_lit(&c.body, target, false),
                })
                .or_else(|| l.tail.as_deref().and_then(|t| in_expr(t, target, false))),
            _ => None,
        }
    }
    in_lit(lit, target, true)
}

fn ref_is_def(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Ident(n) => is_def(n),
        ExprKind::Select(b, id) => is_def(&id.name) || ref_is_def(b),
        ExprKind::Index(b, _) => ref_is_def(b),
        _ => false,
    }
}

fn ref_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ident(n) => n.clone(),
        ExprKind::Select(b, id) => format!("{}.{}", ref_name(b), id.name),
        ExprKind::Index(b, _) => format!("{}[…]", ref_name(b)),
        _ => "…".into(),
    }
}

fn predeclared(name: &str) -> Option<Kinds> {
    Some(match name {
        "bool" => Kinds::BOOL,
        "int" => Kinds::INT,
        "float" => Kinds::FLOAT,
        "number" => Kinds::NUMBER,
        "string" => Kinds::STRING,
        "quantity" => Kinds::QUANTITY,
        "duration" => Kinds::DURATION,
        "percent" => Kinds::PERCENT,
        _ => return None,
    })
}

pub(crate) fn lit_val(l: &Lit, span: Span) -> Val {
    let k = match l {
        Lit::Null => K::Null,
        Lit::Bool(b) => K::Bool(*b),
        Lit::Int(i) => K::Int(*i),
        Lit::Float(f) => K::Float(*f),
        Lit::Str(s) => K::Str(Rc::from(s.as_str())),
        Lit::Quantity(q) => K::Quantity(*q),
        Lit::Duration(d) => K::Duration(*d),
        Lit::Percent(p) => K::Percent(*p),
    };
    Val::new(k, span)
}

/// Text of a concrete scalar inside an interpolation.
pub(crate) fn to_text(v: &Val) -> Option<String> {
    Some(match &v.k {
        K::Str(s) => s.to_string(),
        K::Int(i) => i.to_string(),
        K::Float(f) => format_float(*f),
        K::Bool(b) => b.to_string(),
        K::Null => "null".into(),
        K::Quantity(q) => q.canonical(),
        K::Duration(d) => d.canonical(),
        K::Percent(p) => format!("{}%", format_percent(*p)),
        _ => return None,
    })
}

fn scalar_node(v: &Val) -> Option<NodeKind> {
    Some(match &v.k {
        K::Null => NodeKind::Null,
        K::Bool(b) => NodeKind::Bool(*b),
        K::Int(i) => NodeKind::Int(*i),
        K::Float(f) => NodeKind::Float(*f),
        K::Str(s) => NodeKind::Str(s.to_string()),
        K::Quantity(q) => NodeKind::Quantity(*q),
        K::Duration(d) => NodeKind::Duration(*d),
        K::Percent(p) => NodeKind::Percent(*p),
        _ => return None,
    })
}

impl<'a> Evaluator<'a> {
    /// The vertices of a list or struct value, for builtins.
    pub(crate) fn items(&mut self, v: VertexId) -> (bool, Vec<(Rc<str>, VertexId)>) {
        let v = self.res(v);
        self.expand(v);
        let v = self.res(v);
        let vert = &self.vs[v as usize];
        if vert.is_list {
            (
                true,
                vert.elems
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (Rc::from(i.to_string().as_str()), *e))
                    .collect(),
            )
        } else {
            (
                false,
                vert.arcs
                    .iter()
                    .filter(|(l, a)| !is_def(l) && !is_hidden(l) && self.vs[**a as usize].regular)
                    .map(|(l, a)| (l.clone(), *a))
                    .collect(),
            )
        }
    }

    /// Resolves the first reference in an expression to the vertex it names (for check spans).
    pub(crate) fn first_ref_span(&mut self, e: &'a Expr, env: EnvId) -> Option<Span> {
        match &e.kind {
            ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                match self.resolve(e, env) {
                    Ok(Target::Vertex(w)) => {
                        let v = self.value(w);
                        if matches!(v.k, K::Vertex(_) | K::Bottom(_)) || v.span == Span::default() {
                            None
                        } else {
                            Some(v.span)
                        }
                    }
                    _ => None,
                }
            }
            ExprKind::Binary(_, l, r) => self
                .first_ref_span(l, env)
                .or_else(|| self.first_ref_span(r, env)),
            ExprKind::Unary(_, x) => self.first_ref_span(x, env),
            ExprKind::Call(_, args) => args.iter().find_map(|a| self.first_ref_span(a, env)),
            _ => None,
        }
    }

    pub(crate) fn struct_env(&mut self, env: EnvId, lit: &'a StructLit) -> EnvId {
        let v = self.new_vertex(None, Rc::from("check"));
        self.vx(v).xs = Phase::Done;
        self.push_env(env, Frame::Struct { lit, vertex: v })
    }
}
