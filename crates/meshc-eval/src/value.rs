//! Values of the evaluator: concrete scalars, constraints (kinds, bounds, patterns),
//! disjunctions with defaults, and references to struct and list vertices.

use meshc_syntax::ast::BoundOp;
use meshc_syntax::codes;
use meshc_syntax::lit::{format_float, Decimal, Duration, Quantity};
use meshc_syntax::{Diagnostic, Severity, Span};
use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

pub type VertexId = u32;

/// A set of kinds, as bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Kinds(pub u16);

impl Kinds {
    pub const NULL: Kinds = Kinds(1);
    pub const BOOL: Kinds = Kinds(2);
    pub const INT: Kinds = Kinds(4);
    pub const FLOAT: Kinds = Kinds(8);
    pub const STRING: Kinds = Kinds(16);
    pub const QUANTITY: Kinds = Kinds(32);
    pub const DURATION: Kinds = Kinds(64);
    pub const PERCENT: Kinds = Kinds(128);
    pub const STRUCT: Kinds = Kinds(256);
    pub const LIST: Kinds = Kinds(512);
    pub const NUMBER: Kinds = Kinds(4 | 8);
    pub const ALL: Kinds = Kinds(1023);
    pub fn has(self, k: Kinds) -> bool {
        self.0 & k.0 != 0
    }
    /// The kinds both sets admit. `int` and `float` are distinct, as in CUE; `quantity`
    /// admits every number (an int or a float is a quantity, as `cpu: 2`), so `int & quantity`
    /// is `int` and `float & quantity` is `float`. The other kinds are disjoint.
    pub fn and(self, k: Kinds) -> Kinds {
        let both = Kinds(self.widened().0 & k.widened().0);
        if both.has(Kinds::QUANTITY) {
            Kinds(both.0 & !Kinds::NUMBER.0)
        } else {
            both
        }
    }
    /// The set with the numbers a `quantity` admits made explicit.
    fn widened(self) -> Kinds {
        if self.has(Kinds::QUANTITY) {
            Kinds(self.0 | Kinds::NUMBER.0)
        } else {
            self
        }
    }
    pub fn name(self) -> String {
        if self == Kinds::ALL {
            return "_".into();
        }
        if self == Kinds::NUMBER {
            return "number".into();
        }
        let names = [
            (Kinds::NULL, "null"),
            (Kinds::BOOL, "bool"),
            (Kinds::INT, "int"),
            (Kinds::FLOAT, "float"),
            (Kinds::STRING, "string"),
            (Kinds::QUANTITY, "quantity"),
            (Kinds::DURATION, "duration"),
            (Kinds::PERCENT, "percent"),
            (Kinds::STRUCT, "struct"),
            (Kinds::LIST, "list"),
        ];
        let v: Vec<&str> = names
            .iter()
            .filter(|(k, _)| self.has(*k))
            .map(|(_, n)| *n)
            .collect();
        if v.is_empty() {
            "no kind".into()
        } else {
            v.join(" | ")
        }
    }
}

/// A value, with the span of the source that produced it.
#[derive(Clone, Debug)]
pub struct Val {
    pub k: K,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum K {
    Top,
    Bottom(Rc<Diagnostic>),
    /// Not yet concrete, for a reason (a non-concrete operand): an error only where a concrete
    /// value is required.
    Incomplete(Rc<str>),
    Null,
    Bool(bool),
    Int(i64),
    Float(Decimal),
    Str(Rc<str>),
    Quantity(Quantity),
    Duration(Duration),
    Percent(Decimal),
    Cons(Rc<Cons>),
    Disj(Rc<Disj>),
    /// A struct or list: the vertex that holds its fields or elements.
    Vertex(VertexId),
    /// `warn("…")` / `error("…")` in a check.
    Finding(Severity, Rc<str>),
}

/// A disjunction: a value and its default, as in CUE's value/default pairs. With `marked`
/// false no alternative was marked and the default is the whole disjunction; with `marked`
/// true the default is the alternatives flagged `default` — none when unification
/// eliminated every marked one (`(*1 | 2) & (1 | *2)` has no default, and keeps none when
/// unified again).
#[derive(Clone, Debug)]
pub struct Disj {
    pub alts: Vec<Alt>,
    pub marked: bool,
}

impl std::ops::Deref for Disj {
    type Target = Vec<Alt>;
    fn deref(&self) -> &Vec<Alt> {
        &self.alts
    }
}

#[derive(Clone, Debug)]
pub struct Alt {
    pub v: Val,
    pub default: bool,
}

/// A non-concrete constraint: allowed kinds and bounds.
#[derive(Clone, Debug)]
pub struct Cons {
    pub kinds: Kinds,
    /// Where the kind restriction came from.
    pub kind_span: Option<Span>,
    pub bounds: Vec<Bound>,
    /// Functions of the standard packages the value must satisfy (`strings.MinRunes(3)`).
    pub validators: Vec<Rc<Validator>>,
}

/// A validator: a function of a standard package returning a bool, given every argument but
/// the value it checks (`strings.MinRunes(3)` checks `strings.MinRunes(x, 3)`).
#[derive(Clone, Debug)]
pub struct Validator {
    /// The package path (`strings`).
    pub pkg: &'static str,
    /// The function (`MinRunes`).
    pub func: &'static str,
    /// The other arguments.
    pub args: Vec<Val>,
    /// Where it was written.
    pub span: Span,
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pkg = self.pkg.rsplit('/').next().unwrap_or(self.pkg);
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        if pkg.is_empty() {
            return write!(f, "{}({})", self.func, args.join(", "));
        }
        write!(f, "{pkg}.{}({})", self.func, args.join(", "))
    }
}

#[derive(Clone, Debug)]
pub struct Bound {
    pub op: BoundOp,
    pub limit: Val,
    pub span: Span,
}

impl Val {
    pub fn new(k: K, span: Span) -> Val {
        Val { k, span }
    }
    pub fn top(span: Span) -> Val {
        Val { k: K::Top, span }
    }
    pub fn bottom(d: Diagnostic) -> Val {
        let span = d.primary_span().unwrap_or_default();
        Val {
            k: K::Bottom(Rc::new(d)),
            span,
        }
    }
    pub fn incomplete(msg: impl Into<String>, span: Span) -> Val {
        Val {
            k: K::Incomplete(Rc::from(msg.into().as_str())),
            span,
        }
    }
    pub fn kind(k: Kinds, span: Span) -> Val {
        Val {
            k: K::Cons(Rc::new(Cons {
                kinds: k,
                kind_span: Some(span),
                bounds: Vec::new(),
                validators: Vec::new(),
            })),
            span,
        }
    }
    pub fn is_bottom(&self) -> bool {
        matches!(self.k, K::Bottom(_))
    }
    pub fn is_concrete_scalar(&self) -> bool {
        matches!(
            self.k,
            K::Null
                | K::Bool(_)
                | K::Int(_)
                | K::Float(_)
                | K::Str(_)
                | K::Quantity(_)
                | K::Duration(_)
                | K::Percent(_)
                | K::Finding(..)
        )
    }
    /// The kind of a concrete value, or the allowed kinds of a constraint.
    pub fn kinds(&self) -> Kinds {
        match &self.k {
            K::Null => Kinds::NULL,
            K::Bool(_) => Kinds::BOOL,
            K::Int(_) => Kinds::INT,
            K::Float(_) => Kinds::FLOAT,
            K::Str(_) => Kinds::STRING,
            K::Quantity(_) => Kinds::QUANTITY,
            K::Duration(_) => Kinds::DURATION,
            K::Percent(_) => Kinds::PERCENT,
            K::Cons(c) => c.kinds,
            K::Disj(alts) => Kinds(alts.iter().fold(0, |a, x| a | x.v.kinds().0)),
            _ => Kinds::ALL,
        }
    }
    /// The value a disjunction stands for when a concrete one is needed: its only alternative,
    /// or its only default. Other values are returned as they are.
    pub fn default_value(&self) -> Val {
        match &self.k {
            K::Disj(alts) => {
                if alts.len() == 1 {
                    return alts[0].v.default_value();
                }
                let defaults: Vec<&Alt> = alts.iter().filter(|a| a.default).collect();
                if defaults.len() == 1 {
                    return defaults[0].v.default_value();
                }
                self.clone()
            }
            _ => self.clone(),
        }
    }
}

/// Converts a concrete value to the kind `want` where msh allows it: int → float,
/// int/float → quantity, a `Nm` quantity → minutes.
pub fn coerce(v: &Val, want: Kinds) -> Option<Val> {
    let k = match (&v.k, want) {
        (K::Int(i), w) if w == Kinds::FLOAT => K::Float(Decimal::from(*i)),
        (K::Int(i), w) if w == Kinds::QUANTITY => K::Quantity(Quantity::from_int(*i)),
        (K::Float(f), w) if w == Kinds::QUANTITY => K::Quantity(Quantity::from_decimal(*f)?),
        (K::Quantity(q), w) if w == Kinds::DURATION && q.minutes => {
            K::Duration(Duration(q.nanos / 1_000_000 * 60_000_000_000))
        }
        _ => return None,
    };
    Some(Val { k, span: v.span })
}

/// The concrete value `v` as a member of the kinds `allowed`, or None. A number keeps its
/// form: an int or a float stays one under `quantity`, and a quantity with an integral value
/// is admitted by `int` (`2Gi & int`), so that unification does not depend on the order of
/// its operands. `Nm` is settled by the first kind it meets: milli units under a number kind,
/// N minutes under `duration`.
pub fn admit(v: &Val, allowed: Kinds) -> Option<Val> {
    let wide = allowed.widened();
    if let K::Quantity(q) = &v.k {
        if wide.has(Kinds::QUANTITY) || (wide.has(Kinds::INT) && q.nanos % 1_000_000_000 == 0) {
            // Under a number kind, `Nm` is settled: milli units, no longer minutes.
            let q = Quantity {
                minutes: false,
                ..*q
            };
            return Some(Val::new(K::Quantity(q), v.span));
        }
    } else if wide.has(v.kinds()) {
        return Some(v.clone());
    }
    if allowed.has(Kinds::DURATION) {
        coerce(v, Kinds::DURATION)
    } else {
        None
    }
}

/// Whether two concrete numbers of different forms may unify (when equal): an int with a
/// quantity, a `Nm` quantity with a duration; never an int with a float, as in CUE, nor a
/// float with a quantity (which would make `1.0 & 1Gi`-like chains depend on their order).
pub fn forms_unify(a: &Val, b: &Val) -> bool {
    let (ka, kb) = (a.kinds(), b.kinds());
    if ka == kb {
        return true;
    }
    let pair = Kinds(ka.0 | kb.0);
    pair != Kinds::NUMBER && pair != Kinds(Kinds::FLOAT.0 | Kinds::QUANTITY.0)
}

/// Brings a concrete value into the kinds `allowed`, coercing where possible.
pub fn fit_kind(v: &Val, allowed: Kinds) -> Option<Val> {
    if allowed.has(v.kinds()) {
        return Some(v.clone());
    }
    for k in [Kinds::INT, Kinds::FLOAT, Kinds::QUANTITY, Kinds::DURATION] {
        if allowed.has(k) {
            if let Some(c) = coerce(v, k) {
                return Some(c);
            }
        }
    }
    None
}

/// Brings two concrete values to a common kind, if one exists.
pub fn common(a: &Val, b: &Val) -> Option<(Val, Val)> {
    if a.kinds() == b.kinds() {
        return Some((a.clone(), b.clone()));
    }
    if let Some(b2) = fit_kind(b, a.kinds()) {
        return Some((a.clone(), b2));
    }
    if let Some(a2) = fit_kind(a, b.kinds()) {
        return Some((a2, b.clone()));
    }
    None
}

/// Orders two concrete values of one kind (after [`common`]).
pub fn compare(a: &Val, b: &Val) -> Option<Ordering> {
    match (&a.k, &b.k) {
        (K::Int(x), K::Int(y)) => Some(x.cmp(y)),
        (K::Float(x), K::Float(y)) => Some(x.cmp(y)),
        (K::Percent(x), K::Percent(y)) => Some(x.cmp(y)),
        (K::Quantity(x), K::Quantity(y)) => Some({ x.nanos }.cmp(&{ y.nanos })),
        (K::Duration(x), K::Duration(y)) => Some(x.cmp(y)),
        (K::Str(x), K::Str(y)) => Some(x.cmp(y)),
        (K::Bool(x), K::Bool(y)) => Some(x.cmp(y)),
        (K::Null, K::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

/// Equality of two concrete scalars, across coercible kinds.
pub fn equal(a: &Val, b: &Val) -> bool {
    match common(a, b) {
        Some((x, y)) => compare(&x, &y) == Some(Ordering::Equal),
        None => false,
    }
}

/// A compiled pattern and the strings already matched against it.
struct Compiled {
    regex: Result<regex_lite::Regex, String>,
    matched: std::collections::HashMap<Box<str>, bool, foldhash::fast::RandomState>,
}

/// Patterns kept compiled; beyond, the cache starts again (a long-lived embedder — the
/// language server, the playground — compiles one program after another).
const REGEX_CACHE_PATTERNS: usize = 256;
/// Results kept for one pattern: the same names, namespaces and labels are checked against
/// the same patterns in every service, and a match costs thousands of steps.
const REGEX_CACHE_RESULTS: usize = 4096;

thread_local! {
    static REGEX_CACHE: std::cell::RefCell<std::collections::HashMap<String, Compiled, foldhash::fast::RandomState>> =
        Default::default();
}

/// Matches `s` against the regular expression `re` (linear time; compiled once per pattern,
/// each result remembered).
pub fn regex_match(re: &str, s: &str) -> Result<bool, String> {
    REGEX_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if !c.contains_key(re) {
            if c.len() >= REGEX_CACHE_PATTERNS {
                c.clear();
            }
            let regex = regex_lite::Regex::new(re).map_err(|e| e.to_string());
            c.insert(
                re.to_string(),
                Compiled {
                    regex,
                    matched: Default::default(),
                },
            );
        }
        let entry = c.get_mut(re).expect("inserted above");
        let regex = match &entry.regex {
            Ok(r) => r,
            Err(e) => return Err(e.clone()),
        };
        if let Some(&m) = entry.matched.get(s) {
            return Ok(m);
        }
        let m = regex.is_match(s);
        if entry.matched.len() >= REGEX_CACHE_RESULTS {
            entry.matched.clear();
        }
        entry.matched.insert(Box::from(s), m);
        Ok(m)
    })
}

/// Checks a concrete value against one bound. `Ok(None)` is satisfied; `Ok(Some(d))` a
/// violation; an invalid regex is an error diagnostic too.
pub fn check_bound(v: &Val, b: &Bound) -> Option<Diagnostic> {
    match b.op {
        BoundOp::Match | BoundOp::NotMatch => {
            let (K::Str(s), K::Str(re)) = (&v.k, &b.limit.k) else {
                return Some(
                    Diagnostic::error(
                        codes::KIND_MISMATCH,
                        format!("{} is not a string, so it cannot match a pattern", show(v)),
                    )
                    .primary(v.span, "this value")
                    .secondary(b.span, "the pattern"),
                );
            };
            match regex_match(re, s) {
                Ok(m) if m == (b.op == BoundOp::Match) => None,
                Ok(_) => Some(violation(
                    codes::NO_MATCH,
                    "does not satisfy",
                    v,
                    b,
                    "the pattern",
                )),
                Err(e) => Some(
                    Diagnostic::error(codes::BAD_REGEX, format!("invalid regular expression: {e}"))
                        .primary(b.limit.span, "this pattern"),
                ),
            }
        }
        BoundOp::Ne => {
            if equal(v, &b.limit) {
                Some(
                    Diagnostic::error(
                        codes::OUT_OF_BOUND,
                        format!("{} is excluded by !={}", show(v), show(&b.limit)),
                    )
                    .primary(v.span, "this value")
                    .secondary(b.span, "the constraint is from here"),
                )
            } else {
                None
            }
        }
        _ => {
            // A percent is compared with a number bound by its number (`70%` is 70).
            let limit = match (&v.k, &b.limit.k) {
                (K::Percent(_), K::Int(i)) => Val::new(K::Percent(Decimal::from(*i)), b.limit.span),
                (K::Percent(_), K::Float(f)) => Val::new(K::Percent(*f), b.limit.span),
                _ => b.limit.clone(),
            };
            let Some((x, y)) = common(v, &limit) else {
                return Some(
                    Diagnostic::error(
                        codes::KIND_MISMATCH,
                        format!(
                            "{} ({}) cannot be compared with {} ({})",
                            show(v),
                            v.kinds().name(),
                            show(&b.limit),
                            b.limit.kinds().name()
                        ),
                    )
                    .primary(v.span, "this value")
                    .secondary(b.span, "the bound is from here"),
                );
            };
            let ord = compare(&x, &y)?;
            let ok = match b.op {
                BoundOp::Lt => ord == Ordering::Less,
                BoundOp::Le => ord != Ordering::Greater,
                BoundOp::Gt => ord == Ordering::Greater,
                BoundOp::Ge => ord != Ordering::Less,
                _ => true,
            };
            if ok {
                None
            } else {
                Some(violation(
                    codes::OUT_OF_BOUND,
                    "is out of bound",
                    v,
                    b,
                    "the bound",
                ))
            }
        }
    }
}

/// `v` violates bound `b`: "V <verb> OPLIMIT", at the value, with the bound's origin.
fn violation(code: &'static str, verb: &str, v: &Val, b: &Bound, what: &str) -> Diagnostic {
    Diagnostic::error(
        code,
        format!("{} {verb} {}{}", show(v), b.op.symbol(), show(&b.limit)),
    )
    .primary(v.span, "this value")
    .secondary(b.span, format!("{what} is from here"))
}

/// The kinds a bound can apply to.
pub fn bound_kinds(b: &Bound) -> Kinds {
    match b.op {
        BoundOp::Match | BoundOp::NotMatch => Kinds::STRING,
        BoundOp::Ne => Kinds::ALL,
        _ => match b.limit.k {
            // A number bounds numbers, quantities and percents (`70% & <=100`).
            K::Int(_) | K::Float(_) => {
                Kinds(Kinds::NUMBER.0 | Kinds::QUANTITY.0 | Kinds::PERCENT.0)
            }
            K::Quantity(q) if q.minutes => Kinds(Kinds::QUANTITY.0 | Kinds::DURATION.0),
            _ => b.limit.kinds(),
        },
    }
}

/// Short text for a value in a message.
pub fn show(v: &Val) -> String {
    v.to_string()
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.k {
            K::Top => f.write_str("_"),
            K::Bottom(_) => f.write_str("_|_"),
            K::Incomplete(why) => write!(f, "(incomplete: {why})"),
            K::Null => f.write_str("null"),
            K::Bool(b) => write!(f, "{b}"),
            K::Int(i) => write!(f, "{i}"),
            K::Float(x) => f.write_str(&format_float(*x)),
            K::Str(s) => write!(f, "{:?}", s.as_ref()),
            K::Quantity(q) => f.write_str(&q.canonical()),
            K::Duration(d) => f.write_str(&d.canonical()),
            K::Percent(p) => f.write_str(&percent_text(*p)),
            K::Cons(c) => {
                let mut parts = Vec::new();
                if c.kinds != Kinds::ALL {
                    parts.push(c.kinds.name());
                }
                for b in &c.bounds {
                    parts.push(format!("{}{}", b.op.symbol(), b.limit));
                }
                for v in &c.validators {
                    parts.push(v.to_string());
                }
                if parts.is_empty() {
                    f.write_str("_")
                } else {
                    f.write_str(&parts.join(" & "))
                }
            }
            K::Disj(alts) => {
                let parts: Vec<String> = alts
                    .iter()
                    .map(|a| format!("{}{}", if a.default { "*" } else { "" }, a.v))
                    .collect();
                f.write_str(&parts.join(" | "))
            }
            K::Vertex(_) => f.write_str("{…}"),
            K::Finding(s, m) => write!(
                f,
                "{}({:?})",
                if *s == Severity::Error {
                    "error"
                } else {
                    "warn"
                },
                m.as_ref()
            ),
        }
    }
}

/// A percent value as text, exactly: `70%`, `63.6%` (no trailing zeros).
pub fn percent_text(p: Decimal) -> String {
    format!("{}%", p.normalize())
}

/// A computed percent's number as text: `70`, `63.6`, at most 4 decimals, no trailing zeros.
pub fn format_percent(p: f64) -> String {
    let s = format!("{:.4}", p);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}
