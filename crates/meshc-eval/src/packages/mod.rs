//! CUE's standard packages, as msh imports them (`import "strings"`, `import "encoding/json"`):
//! the functions configuration authors reach for, with CUE's names and semantics. A function
//! returning a bool is also a validator: given every argument but the first, it constrains the
//! value it is unified with (`name: strings.MinRunes(3)`; `ip: net.IPv4` without arguments).
//! docs/language.md lists every function.

mod encoding;
mod list;
mod math;
mod net;
mod regexp;
mod strconv;
mod strings;
mod time;

use crate::eval::Evaluator;
use crate::value::*;
use meshc_syntax::codes;
use meshc_syntax::{Diagnostic, Span};
use std::rc::Rc;

/// The standard packages msh provides.
pub const PACKAGES: &[&str] = &[
    "encoding/base64",
    "encoding/json",
    "encoding/yaml",
    "list",
    "math",
    "net",
    "regexp",
    "strconv",
    "strings",
    "struct",
    "time",
];

/// Whether `path` names a standard package.
pub fn is_package(path: &str) -> bool {
    PACKAGES.contains(&path)
}

/// A function: its package, name, fewest and most arguments, whether it returns a bool (and
/// so is a validator too), and the kind of value its first argument checks.
pub(crate) struct Func {
    pub pkg: &'static str,
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    pub validator: bool,
    pub first: Kinds,
}

const fn f(pkg: &'static str, name: &'static str, min: usize, max: usize) -> Func {
    Func {
        pkg,
        name,
        min,
        max,
        validator: false,
        first: Kinds::ALL,
    }
}

const fn v(pkg: &'static str, name: &'static str, max: usize, first: Kinds) -> Func {
    Func {
        pkg,
        name,
        min: max,
        max,
        validator: true,
        first,
    }
}

const S: Kinds = Kinds::STRING;
const N: Kinds = Kinds::NUMBER;
const L: Kinds = Kinds::LIST;

/// Every function of every package.
pub(crate) const FUNCS: &[Func] = &[
    // strings
    f("strings", "ByteAt", 2, 2),
    f("strings", "Compare", 2, 2),
    v("strings", "Contains", 2, S),
    v("strings", "ContainsAny", 2, S),
    f("strings", "Count", 2, 2),
    v("strings", "EqualFold", 2, S),
    f("strings", "Fields", 1, 1),
    v("strings", "HasPrefix", 2, S),
    v("strings", "HasSuffix", 2, S),
    f("strings", "Index", 2, 2),
    f("strings", "IndexAny", 2, 2),
    f("strings", "Join", 2, 2),
    f("strings", "LastIndex", 2, 2),
    f("strings", "LastIndexAny", 2, 2),
    v("strings", "MaxRunes", 2, S),
    v("strings", "MinRunes", 2, S),
    f("strings", "Repeat", 2, 2),
    f("strings", "Replace", 4, 4),
    f("strings", "Runes", 1, 1),
    f("strings", "SliceRunes", 3, 3),
    f("strings", "Split", 2, 2),
    f("strings", "SplitAfter", 2, 2),
    f("strings", "SplitN", 3, 3),
    f("strings", "ToCamel", 1, 1),
    f("strings", "Title", 1, 1),
    f("strings", "ToLower", 1, 1),
    f("strings", "ToTitle", 1, 1),
    f("strings", "ToUpper", 1, 1),
    f("strings", "Trim", 2, 2),
    f("strings", "TrimLeft", 2, 2),
    f("strings", "TrimPrefix", 2, 2),
    f("strings", "TrimRight", 2, 2),
    f("strings", "TrimSpace", 1, 1),
    f("strings", "TrimSuffix", 2, 2),
    // list
    f("list", "Avg", 1, 1),
    f("list", "Concat", 1, 1),
    v("list", "Contains", 2, L),
    f("list", "Drop", 2, 2),
    f("list", "FlattenN", 2, 2),
    v("list", "IsSorted", 2, L),
    v("list", "IsSortedStrings", 1, L),
    f("list", "Max", 1, 1),
    v("list", "MaxItems", 2, L),
    f("list", "Min", 1, 1),
    v("list", "MinItems", 2, L),
    f("list", "Product", 1, 1),
    f("list", "Range", 3, 3),
    f("list", "Repeat", 2, 2),
    f("list", "Reverse", 1, 1),
    f("list", "Slice", 3, 3),
    f("list", "Sort", 2, 2),
    f("list", "SortStable", 2, 2),
    f("list", "SortStrings", 1, 1),
    f("list", "Sum", 1, 1),
    f("list", "Take", 2, 2),
    v("list", "UniqueItems", 1, L),
    // math
    f("math", "Abs", 1, 1),
    f("math", "Acos", 1, 1),
    f("math", "Asin", 1, 1),
    f("math", "Atan", 1, 1),
    f("math", "Atan2", 2, 2),
    f("math", "Cbrt", 1, 1),
    f("math", "Ceil", 1, 1),
    f("math", "Cos", 1, 1),
    f("math", "Exp", 1, 1),
    f("math", "Exp2", 1, 1),
    f("math", "Floor", 1, 1),
    f("math", "Hypot", 2, 2),
    f("math", "Log", 1, 1),
    f("math", "Log10", 1, 1),
    f("math", "Log2", 1, 1),
    v("math", "MultipleOf", 2, N),
    f("math", "Pow", 2, 2),
    f("math", "Pow10", 1, 1),
    f("math", "Round", 1, 1),
    f("math", "RoundToEven", 1, 1),
    v("math", "Signbit", 1, N),
    f("math", "Sin", 1, 1),
    f("math", "Sqrt", 1, 1),
    f("math", "Tan", 1, 1),
    f("math", "Trunc", 1, 1),
    // strconv
    f("strconv", "Atoi", 1, 1),
    f("strconv", "FormatBool", 1, 1),
    f("strconv", "FormatFloat", 4, 4),
    f("strconv", "FormatInt", 2, 2),
    f("strconv", "Itoa", 1, 1),
    f("strconv", "ParseBool", 1, 1),
    f("strconv", "ParseFloat", 2, 2),
    f("strconv", "ParseInt", 3, 3),
    f("strconv", "ParseUint", 3, 3),
    f("strconv", "Quote", 1, 1),
    f("strconv", "Unquote", 1, 1),
    // regexp
    f("regexp", "Find", 2, 2),
    f("regexp", "FindAll", 3, 3),
    f("regexp", "FindAllNamedSubmatch", 3, 3),
    f("regexp", "FindAllSubmatch", 3, 3),
    f("regexp", "FindNamedSubmatch", 2, 2),
    f("regexp", "FindSubmatch", 2, 2),
    v("regexp", "Match", 2, S),
    f("regexp", "QuoteMeta", 1, 1),
    f("regexp", "ReplaceAll", 3, 3),
    f("regexp", "ReplaceAllLiteral", 3, 3),
    v("regexp", "Valid", 1, S),
    // struct
    v("struct", "MaxFields", 2, Kinds::STRUCT),
    v("struct", "MinFields", 2, Kinds::STRUCT),
    // encoding
    f("encoding/json", "Compact", 1, 1),
    f("encoding/json", "Indent", 3, 3),
    f("encoding/json", "Marshal", 1, 1),
    f("encoding/json", "MarshalStream", 1, 1),
    f("encoding/json", "Unmarshal", 1, 1),
    v("encoding/json", "Valid", 1, S),
    v("encoding/json", "Validate", 2, S),
    f("encoding/yaml", "Marshal", 1, 1),
    f("encoding/yaml", "MarshalStream", 1, 1),
    f("encoding/yaml", "Unmarshal", 1, 1),
    v("encoding/yaml", "Validate", 2, S),
    v("encoding/yaml", "ValidatePartial", 2, S),
    f("encoding/base64", "Decode", 2, 2),
    f("encoding/base64", "DecodedLen", 2, 2),
    f("encoding/base64", "Encode", 2, 2),
    f("encoding/base64", "EncodedLen", 2, 2),
    // net
    v("net", "FQDN", 1, S),
    v("net", "GlobalUnicastIP", 1, S),
    v("net", "InCIDR", 2, S),
    v("net", "IP", 1, S),
    v("net", "IPCIDR", 1, S),
    f("net", "IPString", 1, 1),
    v("net", "IPv4", 1, S),
    v("net", "IPv6", 1, S),
    v("net", "LinkLocalUnicastIP", 1, S),
    v("net", "LoopbackIP", 1, S),
    v("net", "MulticastIP", 1, S),
    f("net", "ToIP16", 1, 1),
    f("net", "ToIP4", 1, 1),
    v("net", "UnspecifiedIP", 1, S),
    // time
    v("time", "Duration", 1, S),
    f("time", "FormatDuration", 1, 1),
    f("time", "ParseDuration", 1, 1),
    v("time", "Time", 1, S),
    f("time", "Unix", 2, 2),
];

/// The function `name` of package `pkg`.
pub(crate) fn func(pkg: &str, name: &str) -> Option<&'static Func> {
    FUNCS.iter().find(|f| f.pkg == pkg && f.name == name)
}

/// The names of a package's functions and constants, for "did you mean".
pub(crate) fn names(pkg: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = FUNCS
        .iter()
        .filter(|f| f.pkg == pkg)
        .map(|f| f.name)
        .collect();
    out.extend(CONSTANTS.iter().filter(|c| c.0 == pkg).map(|c| c.1));
    out
}

/// `(package, name, value)`: the constants.
const CONSTANTS: &[(&str, &str, Const)] = &[
    ("math", "E", Const::F(std::f64::consts::E)),
    ("math", "Pi", Const::F(std::f64::consts::PI)),
    ("math", "Phi", Const::F(1.618_033_988_749_895)),
    ("math", "Sqrt2", Const::F(std::f64::consts::SQRT_2)),
    ("math", "SqrtE", Const::F(1.648_721_270_700_128_1)),
    ("math", "SqrtPi", Const::F(1.772_453_850_905_516)),
    ("math", "SqrtPhi", Const::F(1.272_019_649_514_069)),
    ("math", "Ln2", Const::F(std::f64::consts::LN_2)),
    ("math", "Log2E", Const::F(std::f64::consts::LOG2_E)),
    ("math", "Ln10", Const::F(std::f64::consts::LN_10)),
    ("math", "Log10E", Const::F(std::f64::consts::LOG10_E)),
    ("math", "MaxFloat64", Const::F(f64::MAX)),
    ("math", "SmallestNonzeroFloat64", Const::F(5e-324)),
    ("math", "MaxInt8", Const::I(i8::MAX as i64)),
    ("math", "MinInt8", Const::I(i8::MIN as i64)),
    ("math", "MaxInt16", Const::I(i16::MAX as i64)),
    ("math", "MinInt16", Const::I(i16::MIN as i64)),
    ("math", "MaxInt32", Const::I(i32::MAX as i64)),
    ("math", "MinInt32", Const::I(i32::MIN as i64)),
    ("math", "MaxInt64", Const::I(i64::MAX)),
    ("math", "MinInt64", Const::I(i64::MIN)),
    ("math", "MaxUint8", Const::I(u8::MAX as i64)),
    ("math", "MaxUint16", Const::I(u16::MAX as i64)),
    ("math", "MaxUint32", Const::I(u32::MAX as i64)),
    ("time", "Nanosecond", Const::I(1)),
    ("time", "Microsecond", Const::I(1_000)),
    ("time", "Millisecond", Const::I(1_000_000)),
    ("time", "Second", Const::I(1_000_000_000)),
    ("time", "Minute", Const::I(60_000_000_000)),
    ("time", "Hour", Const::I(3_600_000_000_000)),
    ("time", "RFC3339", Const::S("2006-01-02T15:04:05Z07:00")),
    (
        "time",
        "RFC3339Nano",
        Const::S("2006-01-02T15:04:05.999999999Z07:00"),
    ),
    ("list", "Ascending", Const::S("\u{0}list.Ascending")),
    ("list", "Descending", Const::S("\u{0}list.Descending")),
];

enum Const {
    I(i64),
    F(f64),
    S(&'static str),
}

/// The constant `pkg.name`, or, for a validator of one argument (`net.IPv4`), the validator.
pub(crate) fn constant(pkg: &str, name: &str, span: Span) -> Option<Val> {
    if let Some((_, _, c)) = CONSTANTS.iter().find(|c| c.0 == pkg && c.1 == name) {
        return Some(Val::new(
            match c {
                Const::I(i) => K::Int(*i),
                Const::F(x) => match meshc_syntax::lit::decimal_from_f64(*x) {
                    Some(d) => K::Float(d),
                    None => {
                        return Some(Val::bottom(
                            Diagnostic::error(
                                codes::ARITHMETIC,
                                format!("`{pkg}.{name}` is beyond the range of a decimal"),
                            )
                            .primary(span, "this constant"),
                        ))
                    }
                },
                Const::S(s) => K::Str(Rc::from(*s)),
            },
            span,
        ));
    }
    let f = func(pkg, name)?;
    (f.validator && f.max == 1).then(|| validator(f, Vec::new(), span))
}

/// `f` given every argument but the first: a constraint on the value it is unified with.
pub(crate) fn validator(f: &'static Func, args: Vec<Val>, span: Span) -> Val {
    Val::new(
        K::Cons(Rc::new(Cons {
            kinds: f.first,
            kind_span: Some(span),
            bounds: Vec::new(),
            validators: vec![Rc::new(Validator {
                pkg: f.pkg,
                func: f.name,
                args,
                span,
            })],
        })),
        span,
    )
}

/// Calls `pkg.name` with concrete arguments (their number checked against [`FUNCS`]).
pub(crate) fn call(
    ev: &mut Evaluator<'_>,
    pkg: &str,
    name: &str,
    args: Vec<Val>,
    span: Span,
) -> Val {
    let mut cx = Cx {
        ev,
        args,
        span,
        name: format!("{}.{name}", pkg.rsplit('/').next().unwrap_or(pkg)),
    };
    let r = match pkg {
        "" => matches(&mut cx, name),
        "strings" => strings::call(&mut cx, name),
        "list" => list::call(&mut cx, name),
        "math" => math::call(&mut cx, name),
        "strconv" => strconv::call(&mut cx, name),
        "regexp" => regexp::call(&mut cx, name),
        "struct" => structs(&mut cx, name),
        "encoding/json" | "encoding/yaml" | "encoding/base64" => encoding::call(&mut cx, pkg, name),
        "net" => net::call(&mut cx, name),
        "time" => time::call(&mut cx, name),
        _ => Err(cx.fail("no such package")),
    };
    match r {
        Ok(k) => Val::new(k, span),
        Err(e) => e,
    }
}

/// The builtin validators `matchN(n, [schemas])` (the value matches as many of the schemas
/// as `n` allows: a number or a constraint such as `>0`) and `matchIf(if, then, else)`.
fn matches(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    let v = cx.args[0].clone();
    let fits = |cx: &mut Cx<'_, '_>, schema: &Val| -> bool {
        let r = cx.ev.unify(&v, schema);
        match &r.k {
            K::Bottom(_) => false,
            K::Vertex(w) => cx.ev.first_error_of(*w).is_none(),
            _ => true,
        }
    };
    if name == "matchIf" {
        let (cond, then, other) = (cx.args[1].clone(), cx.args[2].clone(), cx.args[3].clone());
        let branch = if fits(cx, &cond) { then } else { other };
        return Ok(K::Bool(fits(cx, &branch)));
    }
    let n = cx.args[1].clone();
    let K::Vertex(w) = cx.args[2].k else {
        return Err(cx.fail("the schemas must be a list"));
    };
    let (_, items) = cx.ev.items(w);
    let mut count = 0;
    for (_, e) in items {
        let schema = cx.ev.value(e);
        if fits(cx, &schema) {
            count += 1;
        }
    }
    let got = cx.ev.unify(&Val::new(K::Int(count), cx.span), &n);
    Ok(K::Bool(!matches!(got.k, K::Bottom(_))))
}

/// `matchN` and `matchIf` as validators (they always are: the value checked comes first).
pub(crate) const MATCH_N: Func = Func {
    pkg: "",
    name: "matchN",
    min: 3,
    max: 3,
    validator: true,
    first: Kinds::ALL,
};

/// See [`MATCH_N`].
pub(crate) const MATCH_IF: Func = Func {
    pkg: "",
    name: "matchIf",
    min: 4,
    max: 4,
    validator: true,
    first: Kinds::ALL,
};

fn structs(cx: &mut Cx<'_, '_>, name: &str) -> Result<K, Val> {
    let n = cx.struct_len(0)?;
    let bound = cx.int(1)?;
    Ok(K::Bool(match name {
        "MinFields" => n as i64 >= bound,
        _ => n as i64 <= bound,
    }))
}

/// A call in progress: the arguments and helpers that read them.
pub(crate) struct Cx<'e, 'a> {
    pub ev: &'e mut Evaluator<'a>,
    pub args: Vec<Val>,
    pub span: Span,
    pub name: String,
}

impl<'e, 'a> Cx<'e, 'a> {
    /// An error of this call.
    pub fn fail(&self, msg: impl std::fmt::Display) -> Val {
        Val::bottom(
            Diagnostic::error(codes::BAD_CALL, format!("{}: {msg}", self.name))
                .primary(self.span, "in this call"),
        )
    }

    /// Argument `i`, concrete (defaults applied).
    pub fn arg(&self, i: usize) -> Result<Val, Val> {
        let v = self.args[i].default_value();
        match &v.k {
            K::Bottom(_) | K::Incomplete(_) => Err(v),
            K::Top | K::Cons(_) | K::Disj(_) => Err(Val::incomplete(
                format!("{}: argument {} is not concrete: {v}", self.name, i + 1),
                self.span,
            )),
            _ => Ok(v),
        }
    }

    pub fn str(&self, i: usize) -> Result<Rc<str>, Val> {
        match self.arg(i)?.k {
            K::Str(s) => Ok(s),
            other => Err(self.fail(format!(
                "argument {} must be a string, not {}",
                i + 1,
                Val::new(other, self.span)
            ))),
        }
    }

    pub fn int(&self, i: usize) -> Result<i64, Val> {
        let k = self.arg(i)?.k;
        let n = match &k {
            K::Int(n) => Some(*n),
            K::Float(x) if x.fract().is_zero() => meshc_syntax::lit::ToPrimitive::to_i64(x),
            _ => None,
        };
        n.ok_or_else(|| {
            self.fail(format!(
                "argument {} must be an int, not {}",
                i + 1,
                Val::new(k, self.span)
            ))
        })
    }

    /// A number argument as a 64-bit float, for functions computed in floating point.
    pub fn num(&self, i: usize) -> Result<f64, Val> {
        self.dec(i).map(meshc_syntax::lit::decimal_to_f64)
    }

    /// A number argument, exactly.
    pub fn dec(&self, i: usize) -> Result<meshc_syntax::lit::Decimal, Val> {
        match self.arg(i)?.k {
            K::Int(n) => Ok(n.into()),
            K::Float(x) => Ok(x),
            other => Err(self.fail(format!(
                "argument {} must be a number, not {}",
                i + 1,
                Val::new(other, self.span)
            ))),
        }
    }

    pub fn bool(&self, i: usize) -> Result<bool, Val> {
        match self.arg(i)?.k {
            K::Bool(b) => Ok(b),
            other => Err(self.fail(format!(
                "argument {} must be a bool, not {}",
                i + 1,
                Val::new(other, self.span)
            ))),
        }
    }

    /// Argument `i` as a list of values (each with its default).
    pub fn list(&mut self, i: usize) -> Result<Vec<Val>, Val> {
        let v = self.arg(i)?;
        let K::Vertex(w) = v.k else {
            return Err(self.fail(format!("argument {} must be a list, not {v}", i + 1)));
        };
        let (is_list, items) = self.ev.items(w);
        if !is_list {
            return Err(self.fail(format!("argument {} must be a list, not a struct", i + 1)));
        }
        Ok(items
            .into_iter()
            .map(|(_, e)| self.ev.value(e).default_value())
            .collect())
    }

    /// Argument `i` as a list of concrete values.
    pub fn concrete_list(&mut self, i: usize) -> Result<Vec<Val>, Val> {
        let items = self.list(i)?;
        for x in &items {
            match &x.k {
                K::Bottom(_) | K::Incomplete(_) => return Err(x.clone()),
                K::Top | K::Cons(_) | K::Disj(_) => {
                    return Err(Val::incomplete(
                        format!("{}: an element is not concrete: {x}", self.name),
                        self.span,
                    ))
                }
                _ => {}
            }
        }
        Ok(items)
    }

    pub fn strs(&mut self, i: usize) -> Result<Vec<Rc<str>>, Val> {
        let items = self.concrete_list(i)?;
        items
            .into_iter()
            .map(|x| match x.k {
                K::Str(s) => Ok(s),
                _ => Err(self.fail(format!("argument {} must be a list of strings", i + 1))),
            })
            .collect()
    }

    pub fn nums(&mut self, i: usize) -> Result<Vec<Val>, Val> {
        let items = self.concrete_list(i)?;
        for x in &items {
            if !matches!(x.k, K::Int(_) | K::Float(_)) {
                return Err(self.fail(format!("argument {} must be a list of numbers", i + 1)));
            }
        }
        Ok(items)
    }

    /// The number of regular fields of a struct argument.
    pub fn struct_len(&mut self, i: usize) -> Result<usize, Val> {
        let v = self.arg(i)?;
        let K::Vertex(w) = v.k else {
            return Err(self.fail(format!("argument {} must be a struct, not {v}", i + 1)));
        };
        let (is_list, items) = self.ev.items(w);
        if is_list {
            return Err(self.fail(format!("argument {} must be a struct, not a list", i + 1)));
        }
        Ok(items.len())
    }

    /// A string result, counted against the string limit.
    pub fn string(&mut self, s: String) -> Result<K, Val> {
        if let Some(e) = self.ev.account_string(s.len(), self.span) {
            return Err(e);
        }
        Ok(K::Str(Rc::from(s.as_str())))
    }

    pub fn list_of(&mut self, vals: Vec<Val>) -> Result<K, Val> {
        Ok(self.ev.list_of(vals, self.span).k)
    }

    pub fn strings_of(&mut self, items: Vec<String>) -> Result<K, Val> {
        let span = self.span;
        let mut vals = Vec::with_capacity(items.len());
        for s in items {
            vals.push(Val::new(self.string(s)?, span));
        }
        self.list_of(vals)
    }

    /// A number result: an int when it is integral and fits, else a float.
    pub fn number(&self, x: f64) -> Result<K, Val> {
        match meshc_syntax::lit::decimal_from_f64(x) {
            Some(d) => Ok(K::Float(d)),
            None => {
                Err(self.fail("the result is not a finite number within the range of a decimal"))
            }
        }
    }

    /// The value as plain JSON data (every part concrete).
    pub fn plain(&mut self, v: &Val, depth: usize) -> Result<serde_json::Value, Val> {
        use serde_json::Value as J;
        if depth > 200 {
            return Err(self.fail("the value is nested too deeply"));
        }
        let v = v.default_value();
        Ok(match &v.k {
            K::Null => J::Null,
            K::Bool(b) => J::Bool(*b),
            K::Int(i) => J::from(*i),
            K::Float(x) => serde_json::Number::from_f64(meshc_syntax::lit::decimal_to_f64(*x))
                .map_or(J::Null, J::Number),
            K::Str(s) => J::String(s.to_string()),
            K::Quantity(_) | K::Duration(_) | K::Percent(_) => J::String(v.to_string()),
            K::Vertex(w) => {
                let (is_list, items) = self.ev.items(*w);
                let mut vals = Vec::with_capacity(items.len());
                for (l, e) in items {
                    let x = self.ev.value(e);
                    vals.push((l, self.plain(&x, depth + 1)?));
                }
                if is_list {
                    J::Array(vals.into_iter().map(|(_, x)| x).collect())
                } else {
                    J::Object(vals.into_iter().map(|(l, x)| (l.to_string(), x)).collect())
                }
            }
            K::Bottom(_) | K::Incomplete(_) => return Err(v.clone()),
            _ => {
                return Err(Val::incomplete(
                    format!("{}: the value is not concrete: {v}", self.name),
                    self.span,
                ))
            }
        })
    }

    /// A value from plain JSON data.
    pub fn value_of_plain(&mut self, j: &serde_json::Value) -> Val {
        use serde_json::Value as J;
        let span = self.span;
        match j {
            J::Null => Val::new(K::Null, span),
            J::Bool(b) => Val::new(K::Bool(*b), span),
            J::Number(n) => match n.as_i64() {
                Some(i) => Val::new(K::Int(i), span),
                None => match meshc_syntax::lit::parse_decimal(&n.to_string()) {
                    Some(d) => Val::new(K::Float(d), span),
                    None => self.fail(format!("{n} is beyond the range of a decimal")),
                },
            },
            J::String(s) => Val::new(K::Str(Rc::from(s.as_str())), span),
            J::Array(items) => {
                let vals = items.iter().map(|x| self.value_of_plain(x)).collect();
                self.ev.list_of(vals, span)
            }
            J::Object(m) => {
                let fields = m
                    .iter()
                    .map(|(k, x)| (k.clone(), self.value_of_plain(x)))
                    .collect();
                self.ev.struct_of(fields, span)
            }
        }
    }
}
