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
//!
//! Code map: this file holds the evaluator's state and its limits; `vertex` the vertices and
//! their conjuncts; `expand` expansion and cycle detection; `lists`, `closedness` (definitions and
//! pattern constraints), `disjunction`, `comprehension` and `references` the concepts expansion
//! relies on; `valuation` unification of scalars; `expr` expressions; `export` the final value.

mod arcs;
mod chunked;
mod closedness;
mod comprehension;
mod disjunction;
mod expand;
mod export;
mod expr;
mod lists;
mod references;
mod sharing;
mod valuation;
mod vertex;

use arcs::{Arcs, Slot};
use chunked::Chunked;
use disjunction::flatten_alts;
use expr::{example_for, predeclared, predeclared_range, quoted_number_help};
pub(crate) use expr::{lit_val, to_text};
use references::{always_present, ref_is_def, ref_name};

use crate::value::*;
use crate::{Node, NodeKind, Program};
use meshc_syntax::ast::*;
use meshc_syntax::codes;
use meshc_syntax::lit::{format_float, Duration, Lit, Quantity};
use meshc_syntax::{Diagnostic, FileId, Span};
use std::rc::Rc;
use thin_vec::ThinVec;

/// The evaluator's own maps hash with foldhash (seeded per process, several times faster than
/// SipHash on short labels); nothing depends on their order.
type Hasher = foldhash::fast::RandomState;
type HashMap<K, V> = std::collections::HashMap<K, V, Hasher>;
type HashSet<K> = std::collections::HashSet<K, Hasher>;

pub type EnvId = u32;
pub type CloseId = std::num::NonZeroU32;

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

/// What one closedness id allows in one vertex: the fields the struct literals closed by it
/// name (each literal once, not each label: the label sets of every service were the
/// evaluator's largest hash tables), dynamic labels and embedded references' fields by name,
/// and pattern constraints.
#[derive(Clone, Debug)]
struct Closer<'a> {
    id: CloseId,
    lits: ThinVec<&'a StructLit>,
    labels: HashSet<Rc<str>>,
    patterns: Vec<usize>,
    open: bool,
    /// Closes a package's top level by an embedding in one of its files: the fields every
    /// file declares are its own.
    files: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Phase {
    #[default]
    Fresh,
    Busy,
    Done,
}

/// What makes two conjuncts the same: where the expression is, its environment, its closedness.
type ConjKey = (usize, EnvId, Option<CloseId>);

/// A vertex: one field, list element or anonymous value. What most vertices never need is in
/// `rare`, allocated on first use, so that a vertex stays small (the peers' mesh of 10,000
/// services holds half a million of them).
#[derive(Debug, Default)]
struct Vertex<'a> {
    parent: Option<VertexId>,
    label: Rc<str>,
    conjs: ThinVec<Conj<'a>>,
    arcs: Arcs,
    elems: ThinVec<VertexId>,
    struct_span: Option<Span>,
    decl_span: Option<Span>,
    closers: ThinVec<Closer<'a>>,
    scalars: ThinVec<Conj<'a>>,
    ref_vals: ThinVec<Val>,
    value: Option<Val>,
    redirect: Option<VertexId>,
    rare: Option<Box<Rare<'a>>>,
    cursor: u32,
    is_struct: bool,
    is_list: bool,
    regular: bool,
    required: bool,
    optional: bool,
    xs: Phase,
    es: Phase,
    /// `redirect` forwards to the canonical vertex of this field's conjuncts (`sharing`).
    sharer: bool,
    /// Fields forward to this vertex (they are listed in `Evaluator::sharers`).
    shared: bool,
    reported: bool,
    /// Its scalar conjuncts were freed once its value was written out (`export`): the value
    /// stands for them.
    released: bool,
}

// What an evaluation holds half a million of at 10,000 services stays this small (see
// ARCHITECTURE.md, Performance): a vertex, an evaluator's value, an exported value.
const _: () = assert!(std::mem::size_of::<Vertex<'static>>() <= 256);
const _: () = assert!(std::mem::size_of::<Conj<'static>>() <= 24);
const _: () = assert!(std::mem::size_of::<Val>() <= 48);
const _: () = assert!(std::mem::size_of::<Node>() <= 48);

/// The parts of a vertex that few vertices have.
#[derive(Debug, Default)]
struct Rare<'a> {
    /// For vertices with many conjuncts, the keys of `conjs` (smaller ones scan the list).
    conj_keys: Option<HashSet<ConjKey>>,
    list_len: Option<(usize, Span)>,
    tails: Vec<(usize, Conj<'a>)>,
    patterns: Vec<Pattern<'a>>,
    pats_applied: usize,
    sdisj: Vec<Conj<'a>>,
    comps: Vec<(&'a Comprehension, EnvId, Option<CloseId>)>,
    errors: Vec<Diagnostic>,
    /// Several alternatives of a disjunction of structs fit and none is the default: the
    /// error to report if the value is exported.
    ambiguous: Option<Box<Diagnostic>>,
    /// While the vertex is valued: the concrete value of its conjuncts valued so far.
    partial: Option<Val>,
    /// The optional fields that have no vertex yet (their label is reserved in `arcs`): its
    /// name, and the declaration with the environment of its conjunct and the closedness of
    /// the struct that declares it (the field's own is derived when it gets a vertex).
    deferred: Vec<(Rc<str>, &'a Field, EnvId, Option<CloseId>)>,
    /// A value computed while a cycle through an enclosing evaluation (the vertex, still busy)
    /// was unresolved: it stands while that vertex is busy, and is computed again after.
    provisional: Option<(VertexId, u64, Val)>,
}

impl<'a> Vertex<'a> {
    fn rare_mut(&mut self) -> &mut Rare<'a> {
        self.rare.get_or_insert_with(Default::default)
    }
    /// Takes a part of `rare` out (its default when the vertex has none), allocating nothing.
    fn take_rare<T: Default>(
        &mut self,
        part: impl for<'r> FnOnce(&'r mut Rare<'a>) -> &'r mut T,
    ) -> T {
        self.rare
            .as_mut()
            .map(|r| std::mem::take(part(r)))
            .unwrap_or_default()
    }
    fn errors(&self) -> &[Diagnostic] {
        self.rare.as_ref().map_or(&[], |r| &r.errors)
    }
    fn sdisj(&self) -> &[Conj<'a>] {
        self.rare.as_ref().map_or(&[], |r| &r.sdisj)
    }
    fn has_comps(&self) -> bool {
        self.rare.as_ref().is_some_and(|r| !r.comps.is_empty())
    }
    fn tails(&self) -> &[(usize, Conj<'a>)] {
        self.rare.as_ref().map_or(&[], |r| &r.tails)
    }
    fn patterns(&self) -> &[Pattern<'a>] {
        self.rare.as_ref().map_or(&[], |r| &r.patterns)
    }
    fn pats_applied(&self) -> usize {
        self.rare.as_ref().map_or(0, |r| r.pats_applied)
    }
    fn list_len(&self) -> Option<(usize, Span)> {
        self.rare.as_ref().and_then(|r| r.list_len)
    }
    fn ambiguous(&self) -> Option<&Diagnostic> {
        self.rare.as_ref().and_then(|r| r.ambiguous.as_deref())
    }
    fn partial(&self) -> Option<&Val> {
        self.rare.as_ref().and_then(|r| r.partial.as_ref())
    }
    fn provisional(&self) -> Option<&(VertexId, u64, Val)> {
        self.rare.as_ref().and_then(|r| r.provisional.as_ref())
    }
}

/// What a closedness id stands for: a definition (by name), or a field of another one (the
/// name is built when a diagnostic needs it: `#Service.probes`).
struct CloseMeta {
    name: CloseName,
    span: Span,
}

enum CloseName {
    Root(String),
    Child(CloseId, Rc<str>),
}

pub struct Evaluator<'a> {
    prog: &'a Program<'a>,
    vs: Chunked<Vertex<'a>>,
    envs: Chunked<Env<'a>>,
    roots: Vec<Option<VertexId>>,
    pkg_labels: Vec<HashSet<&'a str>>,
    file_envs: HashMap<FileId, EnvId>,
    lets: HashMap<(EnvId, usize), VertexId>,
    close_children: HashMap<(CloseId, Rc<str>), CloseId>,
    /// The closedness id of each reference to a definition, by the reference's address.
    def_closes: HashMap<usize, CloseId>,
    /// The closedness ids of embedded references to closed values (`{c1, age: 5}`).
    embed_scopes: HashSet<CloseId>,
    close_meta: Vec<CloseMeta>,
    /// Large struct literals indexed by address: the names of their fields, each with
    /// whether one is unquoted (`references::scope`; whether a literal has a `let` or an alias
    /// is `StructLit::binds_others`).
    scopes: HashMap<usize, HashMap<&'a str, bool>>,
    interned: HashSet<Rc<str>>,
    /// The disjunctions being tried, each with the trial vertex holding one alternative.
    trials: Vec<(usize, VertexId, &'a Expr)>,
    /// Each trial vertex, and the vertex it is a trial for.
    trial_of: HashMap<VertexId, VertexId>,
    /// The validators being checked (by where they are written).
    validating: Vec<Span>,
    /// Vertices being expanded or valued, innermost last: the path of a cycle.
    active: Vec<VertexId>,
    /// The outermost position in `active` that a reference cycle met since it was last reset
    /// (`usize::MAX`: none): a conjunct that fails on a cycle through its own vertex or an
    /// enclosing one is set aside until the others are known.
    cycle_floor: usize,
    /// Bumped when a field in a cycle gets a value to resolve it with: provisional values
    /// from before are stale.
    epoch: u64,
    /// Above zero while two scalar alternatives of a disjunction are unified: a conflict
    /// between them only rules the pair out, and its message, never shown, is not written.
    quiet_conflicts: u32,
    depth: usize,
    steps: u64,
    /// The span of the last step, for limits reached where no span is at hand.
    last_span: Span,
    /// Bytes of strings built so far.
    string_bytes: usize,
    /// Parts of the value exported so far.
    exported: usize,
    halted: Option<Diagnostic>,
    /// Structure sharing (`sharing`): the canonical vertex of each self-contained conjunct,
    /// the fields forwarding to each canonical vertex, which expressions are self-contained,
    /// and which canonical values export without a diagnostic.
    canon: HashMap<sharing::ShareKey, VertexId>,
    /// What each canonical vertex exported, and how many parts that was (`export`).
    export_cache: HashMap<VertexId, (Node, usize)>,
    /// The keys of the exported maps, one shared text per label (by the address of the
    /// evaluator's label, its text compared on a hit): a key costs no allocation.
    export_keys: HashMap<usize, std::sync::Arc<str>>,
    sharers: HashMap<VertexId, Vec<VertexId>>,
    contained: HashMap<usize, bool>,
    clean: HashMap<VertexId, bool>,
    pub(crate) diags: Vec<Diagnostic>,
    seen: HashSet<(&'static str, String, Option<Span>)>,
}

fn is_def(label: &str) -> bool {
    label.starts_with('#') || label.starts_with("_#")
}
fn is_hidden(label: &str) -> bool {
    label.starts_with('_')
}

impl<'a> Evaluator<'a> {
    pub fn new(prog: &'a Program<'a>) -> Self {
        let mut ev = Evaluator {
            prog,
            vs: Chunked::default(),
            envs: Chunked::default(),
            roots: vec![None; prog.packages.len()],
            pkg_labels: Vec::new(),
            file_envs: HashMap::default(),
            lets: HashMap::default(),
            close_children: HashMap::default(),
            def_closes: HashMap::default(),
            embed_scopes: HashSet::default(),
            close_meta: Vec::new(),
            scopes: HashMap::default(),
            interned: HashSet::default(),
            trials: Vec::new(),
            trial_of: HashMap::default(),
            validating: Vec::new(),
            active: Vec::new(),
            cycle_floor: usize::MAX,
            epoch: 0,
            quiet_conflicts: 0,
            depth: 0,
            steps: 0,
            last_span: Span::default(),
            string_bytes: 0,
            exported: 0,
            halted: None,
            canon: HashMap::default(),
            export_cache: HashMap::default(),
            export_keys: HashMap::default(),
            sharers: HashMap::default(),
            contained: HashMap::default(),
            clean: HashMap::default(),
            diags: Vec::new(),
            seen: HashSet::default(),
        };
        // Environment 0: the root.
        ev.envs.push(Env {
            parent: None,
            frame: Frame::Root,
        });
        for (i, p) in prog.packages.iter().enumerate() {
            let mut labels = HashSet::default();
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

    /// `Some(error)` when evaluation must stop: too deep, too many steps, or stopped before.
    /// The first such error halts the whole evaluation (and is always reported).
    #[inline]
    fn guard(&mut self, span: Span) -> Option<Diagnostic> {
        if self.halted.is_none() && self.steps < MAX_STEPS && self.depth <= MAX_DEPTH {
            self.steps += 1;
            self.last_span = span;
            return None;
        }
        self.guard_failed(span)
    }

    /// `guard` when evaluation stops: kept out of the hot path.
    #[cold]
    #[inline(never)]
    fn guard_failed(&mut self, span: Span) -> Option<Diagnostic> {
        if let Some(h) = &self.halted {
            return Some(h.clone());
        }
        let d = if self.steps >= MAX_STEPS {
            Diagnostic::error(codes::LIMIT, format!("evaluation took more than {MAX_STEPS} steps"))
                .primary(span, "while evaluating this")
                .help("the program is too large or builds values exponentially (for example through nested references that double at every level)")
        } else {
            Diagnostic::error(
                codes::LIMIT,
                format!("evaluation nested more than {MAX_DEPTH} levels deep"),
            )
            .primary(span, "while evaluating this")
            .help("a chain of references, nested values or comprehensions is too long; shorten it")
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

    /// The standard package that `alias` imports in `file`, if any.
    pub(crate) fn builtin_import(&self, file: FileId, alias: &str) -> Option<&'a str> {
        self.prog
            .builtin_imports
            .get(&(file, alias.to_string()))
            .map(|s| s.as_str())
    }

    /// The YAML reader the program was given.
    pub(crate) fn yaml_reader(&self) -> Option<crate::YamlReader> {
        self.prog.yaml_reader
    }

    /// The first conflict in a vertex and its regular descendants.
    pub(crate) fn first_error_of(&mut self, v: VertexId) -> Option<Diagnostic> {
        self.first_error(v, 0)
    }

    pub(crate) fn file_env(&self, f: FileId) -> EnvId {
        self.file_envs[&f]
    }
}

/// Runs `f` with at least 128 KiB of stack left, growing the stack when it runs short.
pub(super) fn grow<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Package, Program};
    use meshc_syntax::parse_file;

    /// A conjunct that reaches a field after its value was written out (and its conjuncts
    /// freed) is unified with that value: `x: 5` and a late `6` conflict.
    #[test]
    fn a_late_conjunct_meets_the_value_of_freed_conjuncts() {
        let (file, diags) = parse_file(0, "x: 5\ny: x + 1\n");
        assert!(diags.is_empty());
        let (late, _) = parse_file(1, "z: 6\n");
        let prog = Program {
            packages: vec![Package { files: vec![&file] }],
            ..Program::default()
        };
        let mut ev = Evaluator::new(&prog);
        let root = ev.root(0);
        let node = ev.export(root).expect("a value");
        assert_eq!(
            node.get("y").map(|n| n.kind.clone()),
            Some(NodeKind::Int(6))
        );
        let x = ev.arc(root, "x");
        assert!(ev.vs[x as usize].released && ev.vs[x as usize].scalars.is_empty());
        let Decl::Field(f) = &late.body.decls[0] else {
            panic!("a field")
        };
        let env = ev.file_env(0);
        ev.add_conj(
            x,
            Conj {
                src: Src::Expr(&f.value),
                env,
                close: None,
            },
        );
        let v = ev.value(x);
        assert!(v.is_bottom(), "5 & 6 is an error, got {v}");
    }
}
