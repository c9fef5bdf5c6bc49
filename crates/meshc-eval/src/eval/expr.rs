//! Expressions: literals, operators, calls.

use super::*;

impl<'a> Evaluator<'a> {
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

    pub(super) fn eval_expr_inner(&mut self, e: &'a Expr, env: EnvId) -> Val {
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
            ExprKind::Call(name, args)
                if args.len() == 1 && matches!(name.name.as_str(), "and" | "or" | "close") =>
            {
                self.call_logic(&name.name, &args[0], env, span)
            }
            // `*x` outside a disjunction's alternatives: x, marked as the default.
            ExprKind::Call(name, args) if name.name == "*default" && args.len() == 1 => {
                let v = self.eval_expr(&args[0], env);
                if v.is_bottom() || matches!(v.k, K::Disj(_)) {
                    return v;
                }
                Val::new(
                    K::Disj(Rc::new(Disj {
                        alts: vec![Alt { v, default: true }],
                        marked: true,
                    })),
                    span,
                )
            }
            ExprKind::Call(name, args) => crate::builtins::call(self, name, args, env, span),
            ExprKind::Alias(_, inner) | ExprKind::OptionalRef(inner) => self.eval_expr(inner, env),
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
                        validators: Vec::new(),
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
                // An alternative caught in a reference cycle is not known to fail: the
                // disjunction stays unresolved (CUE: `z1: z2+1 | z3+5` while z2 is evaluated).
                let mut in_cycle = false;
                // Where this disjunction marks a default, the defaults of its unmarked
                // alternatives do not count (`*1 | ((*2 | 3) & (*2 | 3))` defaults to 1).
                let marked_here = flat.iter().any(|(_, d)| *d);
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
                        in_cycle |= diag.code == codes::CYCLE;
                        continue;
                    }
                    match v.k {
                        K::Disj(inner) => {
                            let has = inner.marked;
                            marked |= has;
                            for a in inner.iter() {
                                let default = (a.default && (d || !marked_here)) || (d && !has);
                                push_alt(&mut out, a.v.clone(), default);
                            }
                        }
                        _ => push_alt(&mut out, v, d),
                    }
                    if out.len() > MAX_ALTS {
                        return Val::bottom(
                            Diagnostic::error(
                                codes::LIMIT,
                                format!("a disjunction of more than {MAX_ALTS} alternatives"),
                            )
                            .primary(
                                span,
                                "this disjunction (with the disjunctions it refers to)",
                            ),
                        );
                    }
                }
                if let Some(p) = poisoned {
                    if !out.iter().any(|a| a.default) {
                        return p;
                    }
                }
                if in_cycle && !out.is_empty() {
                    return Val::incomplete(
                        "an alternative of this disjunction is in an unresolved reference cycle",
                        span,
                    );
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
            ExprKind::Struct(_) | ExprKind::List(_) | ExprKind::Slice(..) => {
                let label = if !matches!(e.kind, ExprKind::Struct(_)) {
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

    pub(super) fn binary(
        &mut self,
        op: BinOp,
        l: &'a Expr,
        r: &'a Expr,
        env: EnvId,
        span: Span,
    ) -> Val {
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
        if matches!(op, BinOp::Eq | BinOp::Ne)
            && (matches!(a.k, K::Vertex(_)) || matches!(b.k, K::Vertex(_)))
        {
            return match self.equal(&a, &b, span) {
                Ok(same) => Val::new(K::Bool(same == (op == BinOp::Eq)), span),
                Err(e) => e,
            };
        }
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
}

impl<'a> Evaluator<'a> {
    /// `and(list)`, `or(list)` and `close(x)` as values: the unification of the list's
    /// elements, their disjunction, and `x` itself (closedness is structural: a struct passed
    /// to `close` is closed where it is expanded, in `expand_conj`).
    fn call_logic(&mut self, name: &str, arg: &'a Expr, env: EnvId, span: Span) -> Val {
        let v = self.eval_expr(arg, env);
        if name == "close" {
            return v;
        }
        let items = match &v.k {
            K::Vertex(w) => match self.items(*w) {
                (true, items) => items,
                (false, _) => {
                    return Val::bottom(
                        Diagnostic::error(
                            codes::BAD_CALL,
                            format!("{name}: needs a list, not a struct"),
                        )
                        .primary(arg.span, "this argument"),
                    )
                }
            },
            K::Bottom(_) | K::Incomplete(_) => return v,
            _ => {
                return Val::bottom(
                    Diagnostic::error(codes::BAD_CALL, format!("{name}: needs a list, not {v}"))
                        .primary(arg.span, "this argument"),
                )
            }
        };
        if name == "and" {
            let mut acc = Val::top(span);
            for (_, e) in items {
                let x = self.value(e);
                acc = self.unify(&acc, &x);
            }
            return acc;
        }
        let mut alts: Vec<Alt> = Vec::new();
        for (_, e) in items {
            let x = self.value(e);
            match &x.k {
                K::Bottom(_) => continue,
                K::Disj(d) => alts.extend(d.iter().map(|a| Alt {
                    v: a.v.clone(),
                    default: false,
                })),
                _ => {
                    if !alts.iter().any(|o| {
                        o.v.is_concrete_scalar() && x.is_concrete_scalar() && equal(&o.v, &x)
                    }) {
                        alts.push(Alt {
                            v: x,
                            default: false,
                        })
                    }
                }
            }
        }
        match alts.len() {
            0 => Val::bottom(
                Diagnostic::error(
                    codes::CONFLICT,
                    "or: no alternative (the list is empty or every element is an error)",
                )
                .primary(span, "here"),
            ),
            1 => alts.pop().expect("one").v,
            _ => Val::new(
                K::Disj(Rc::new(Disj {
                    alts,
                    marked: false,
                })),
                span,
            ),
        }
    }

    /// Whether two concrete values are equal, as CUE's `==`: lists element by element (their
    /// open tails aside), structs field by field (regular fields only), scalars by value; values
    /// of different kinds are unequal. An element that is not concrete makes the comparison
    /// incomplete.
    fn equal(&mut self, a: &Val, b: &Val, span: Span) -> Result<bool, Val> {
        let (K::Vertex(x), K::Vertex(y)) = (&a.k, &b.k) else {
            if matches!(a.k, K::Vertex(_)) || matches!(b.k, K::Vertex(_)) {
                return Ok(false);
            }
            return match crate::arith::binary(BinOp::Eq, a, b, span) {
                Ok(Val {
                    k: K::Bool(same), ..
                }) => Ok(same),
                Ok(_) => Ok(false),
                Err(d) => Err(Val::bottom(d.primary(span, "in this comparison"))),
            };
        };
        let (xl, xs) = self.items(*x);
        let (yl, ys) = self.items(*y);
        if xl != yl || xs.len() != ys.len() {
            return Ok(false);
        }
        for (i, (xlab, xv)) in xs.iter().enumerate() {
            let yv = if xl {
                ys[i].1
            } else {
                match ys.iter().find(|(l, _)| l == xlab) {
                    Some((_, v)) => *v,
                    None => return Ok(false),
                }
            };
            let (p, q) = (
                self.value(*xv).default_value(),
                self.value(yv).default_value(),
            );
            for side in [&p, &q] {
                match &side.k {
                    K::Bottom(_) | K::Incomplete(_) => return Err(side.clone()),
                    K::Top | K::Cons(_) | K::Disj(_) => {
                        return Err(Val::incomplete(
                            format!("cannot compare: {} is not concrete", describe_operand(side)),
                            span,
                        ))
                    }
                    _ => {}
                }
            }
            if !self.equal(&p, &q, span)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// A sample literal of the first kind in `k`, for a `help:` line.
pub(super) fn example_for(k: Kinds) -> &'static str {
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
pub(super) fn quoted_number_help(v: &Val, wanted: Kinds) -> Option<String> {
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

pub(super) fn describe_operand(v: &Val) -> String {
    match &v.k {
        K::Top => "`_` (any value)".into(),
        _ => format!("`{v}`"),
    }
}

pub(super) fn predeclared(name: &str) -> Option<Kinds> {
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

/// CUE's predeclared sized types: `int8` … `uint128`, `uint`, `rune`, `float32`, `float64`,
/// as a kind with bounds (`int8` is `int & >=-128 & <=127`). The bounds of the 128-bit types
/// that do not fit msh's 64-bit ints are those of int64 (so every int satisfies them).
pub(super) fn predeclared_range(name: &str, span: Span) -> Option<Val> {
    let (kinds, lo, hi): (Kinds, Option<i64>, Option<i64>) = match name {
        "int8" => (Kinds::INT, Some(i8::MIN.into()), Some(i8::MAX.into())),
        "int16" => (Kinds::INT, Some(i16::MIN.into()), Some(i16::MAX.into())),
        "int32" => (Kinds::INT, Some(i32::MIN.into()), Some(i32::MAX.into())),
        "rune" => (Kinds::INT, Some(0), Some(0x10FFFF)),
        "int64" | "int128" => (Kinds::INT, None, None),
        "uint8" => (Kinds::INT, Some(0), Some(u8::MAX.into())),
        "uint16" => (Kinds::INT, Some(0), Some(u16::MAX.into())),
        "uint32" => (Kinds::INT, Some(0), Some(u32::MAX.into())),
        "uint" | "uint64" | "uint128" => (Kinds::INT, Some(0), None),
        "float32" | "float64" => (Kinds::NUMBER, None, None),
        _ => return None,
    };
    let bound = |op, n: i64| Bound {
        op,
        limit: Val::new(K::Int(n), span),
        span,
    };
    let mut bounds = Vec::new();
    bounds.extend(lo.map(|n| bound(BoundOp::Ge, n)));
    bounds.extend(hi.map(|n| bound(BoundOp::Le, n)));
    Some(Val::new(
        K::Cons(Rc::new(Cons {
            kinds,
            kind_span: Some(span),
            bounds,
            validators: Vec::new(),
        })),
        span,
    ))
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
        K::Percent(p) => crate::value::percent_text(*p),
        _ => return None,
    })
}

/// Adds an alternative to a disjunction being built: equal concrete alternatives are one, and
/// so are incomplete ones (each says only that it is not known yet).
fn push_alt(out: &mut Vec<Alt>, v: Val, default: bool) {
    if let Some(o) = out.iter_mut().find(|o| {
        (o.v.is_concrete_scalar()
            && v.is_concrete_scalar()
            && equal(&o.v, &v)
            && o.v.kinds() == v.kinds())
            || (matches!(o.v.k, K::Incomplete(_)) && matches!(v.k, K::Incomplete(_)))
    }) {
        o.default |= default;
    } else {
        out.push(Alt { v, default });
    }
}
