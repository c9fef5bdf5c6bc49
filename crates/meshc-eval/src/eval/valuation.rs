//! Valuation: unifying a vertex's scalar conjuncts into one value.

use super::*;

impl<'a> Evaluator<'a> {
    /// The value of a vertex: the unification of its scalar conjuncts, or the vertex itself for
    /// a struct or list.
    pub(crate) fn value(&mut self, v: VertexId) -> Val {
        grow(|| self.value_inner(v))
    }

    pub(super) fn value_inner(&mut self, v: VertexId) -> Val {
        let v0 = self.res(v);
        if let Some(val) = &self.vs[v0 as usize].value {
            return val.clone();
        }
        self.expand(v0);
        let v = self.res(v0);
        if let Some(val) = &self.vs[v as usize].value {
            return val.clone();
        }
        if let Some(p) = &self.vs[v as usize].provisional() {
            let (w, epoch, val) = (p.0, p.1, p.2.clone());
            if self.vs[w as usize].es == Phase::Busy && epoch == self.epoch {
                self.met_cycle(w);
                return val;
            }
            self.vx(v).rare_mut().provisional = None;
        }
        let first_span = self.vs[v as usize]
            .conjs
            .first()
            .map(|c| c.src.span())
            .unwrap_or_default();
        if self.vs[v as usize].es == Phase::Busy {
            // A cycle through a field that already has a concrete value resolves to it
            // (`a: b + 100, b: a - 100, a: 200`), as in CUE.
            if let Some(p) = &self.vs[v as usize].partial() {
                return (**p).clone();
            }
            self.met_cycle(v);
            let stack = self.active.clone();
            return Val::bottom(self.cycle_diag(&stack, v, first_span));
        }
        if let Some(d) = self.guard(first_span) {
            return Val::bottom(d);
        }
        self.depth += 1;
        self.vx(v).es = Phase::Busy;
        self.active.push(v);
        let me = self.active.len() - 1;
        let mut acc: Option<Val> = None;
        // Literals first: cheap, and a conflict reads as the literal against the rest.
        let mut scalars = self.vs[v as usize].scalars.clone();
        scalars.sort_by_key(|c| {
            !matches!(
                c.src,
                Src::Expr(Expr {
                    kind: ExprKind::Lit(_),
                    ..
                })
            )
        });
        // A conjunct that fails on a cycle through this field or an enclosing one is set aside
        // and valued again once the others are known (CUE: `d: e - 1, e: 1 + d, e: *2 | 0`
        // gives d: 1, e: 2).
        let mut deferred = Vec::new();
        for c in scalars {
            let Src::Expr(e) = c.src else { continue };
            let (x, floor) = self.eval_tracking_cycles(e, c.env);
            if floor <= me {
                deferred.push((c, e));
                continue;
            }
            acc = Some(match acc {
                None => x,
                Some(a) => self.unify(&a, &x),
            });
        }
        // Which enclosing vertex, still busy, this value leaves a conjunct unresolved for.
        let mut waits_for: Option<usize> = None;
        if !deferred.is_empty() {
            if let Some(a) = &acc {
                // Only a concrete value resolves a cycle: CUE leaves a disjunction in one
                // unresolved (`a1: *0 | 1, a1: a3 - a2, a2: *0 | 1, a2: a3 - a1` is an error).
                if a.is_concrete_scalar() {
                    self.vx(v).rare_mut().partial = Some(a.clone());
                    // Values computed while this field had no value are computed again.
                    self.epoch += 1;
                }
            }
            for (c, e) in deferred {
                let (x, floor) = self.eval_tracking_cycles(e, c.env);
                if floor < me {
                    waits_for = Some(waits_for.map_or(floor, |f| f.min(floor)));
                }
                acc = Some(match acc {
                    None => x,
                    // Still unresolved: the other conjuncts stand (CUE drops a cyclic conjunct
                    // that other conjuncts make concrete).
                    Some(a)
                        if floor <= me && (x.is_bottom() || matches!(x.k, K::Incomplete(_))) =>
                    {
                        a
                    }
                    // A disjunction cannot be chosen by a value that depends on it.
                    Some(a) if floor <= me && !a.is_concrete_scalar() && !a.is_bottom() => {
                        let d = Diagnostic::error(
                            codes::CYCLE,
                            format!(
                                "reference cycle: `{}` is one of {a}, and which one depends on itself",
                                self.path(v)
                            ),
                        )
                        .primary(e.span, "this refers back to it")
                        .help("give it a concrete value, or compute one of the fields in the cycle without the others");
                        Val::bottom(d)
                    }
                    Some(a) => self.unify(&a, &x),
                });
            }
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
        if let Some(floor) = waits_for {
            let w = self.active[floor];
            self.met_cycle(w);
            let epoch = self.epoch;
            let vert = self.vx(v);
            vert.es = Phase::Fresh;
            let rare = vert.rare_mut();
            rare.partial = None;
            rare.provisional = Some((w, epoch, result.clone()));
            return result;
        }
        let vert = self.vx(v);
        vert.es = Phase::Done;
        vert.value = Some(result.clone());
        result
    }

    /// Values `e`, and says the outermost position in `active` a reference cycle met on the
    /// way (`usize::MAX`: none).
    fn eval_tracking_cycles(&mut self, e: &'a Expr, env: EnvId) -> (Val, usize) {
        let outer = std::mem::replace(&mut self.cycle_floor, usize::MAX);
        let x = self.eval_expr(e, env);
        let floor = self.cycle_floor;
        self.cycle_floor = outer.min(floor);
        (x, floor)
    }

    /// Notes that a reference cycle came back to `w`, a vertex being expanded or valued.
    pub(super) fn met_cycle(&mut self, w: VertexId) {
        if let Some(i) = self.active.iter().rposition(|&x| x == w) {
            self.cycle_floor = self.cycle_floor.min(i);
        }
    }

    /// Unifies a value with the struct or list of vertex `v`.
    pub(super) fn unify_structural(&mut self, a: &Val, v: VertexId, span: Span) -> Val {
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
            K::Cons(c) if c.kinds.has(kind) => {
                if c.validators.is_empty() {
                    return me;
                }
                match self.check_validators(&c.validators, &me) {
                    Some(d) => Val::bottom(d),
                    None => me,
                }
            }
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

    pub(super) fn conflict(&mut self, a: &Val, b: &Val) -> Val {
        let (ka, kb) = (a.kinds(), b.kinds());
        let desc = |v: &Val| match &v.k {
            K::Vertex(_) => "a struct or list".to_string(),
            _ => v.to_string(),
        };
        let same_kind = ka == kb
            || (a.is_concrete_scalar()
                && b.is_concrete_scalar()
                && forms_unify(a, b)
                && common(a, b).is_some());
        if self.quiet_conflicts > 0 {
            let code = if same_kind {
                codes::CONFLICT
            } else {
                codes::KIND_MISMATCH
            };
            let d = Diagnostic::error(code, "conflicting values").primary(b.span, "");
            return Val::bottom(d.secondary(a.span, ""));
        }
        let d = if same_kind {
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
                        validators: merge_validators(&x.validators, &y.validators),
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

    pub(super) fn apply_cons(&mut self, c: &Cons, cspan: Span, v: &Val) -> Val {
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
        if let Some(d) = self.check_validators(&c.validators, &fitted) {
            return Val::bottom(d);
        }
        fitted
    }

    /// Checks a concrete value against validators (`strings.MinRunes(3)`): the first one it
    /// fails, as a diagnostic.
    pub(super) fn check_validators(&mut self, vs: &[Rc<Validator>], v: &Val) -> Option<Diagnostic> {
        for vd in vs {
            // A validator checking a value that holds it (matchN unifies the value with its
            // schemas, the validator included) does not check it again.
            if self.validating.contains(&vd.span) {
                continue;
            }
            let mut args = vec![v.clone()];
            args.extend(vd.args.iter().cloned());
            self.validating.push(vd.span);
            let r = crate::packages::call(self, vd.pkg, vd.func, args, vd.span);
            self.validating.pop();
            match r.k {
                K::Bool(true) => {}
                K::Bool(false) => {
                    return Some(
                        Diagnostic::error(
                            codes::OUT_OF_BOUND,
                            format!("{v} does not satisfy {vd}"),
                        )
                        .primary(v.span, "this value")
                        .secondary(vd.span, "the validator is from here"),
                    )
                }
                K::Bottom(d) => return Some((*d).clone()),
                _ => {}
            }
        }
        None
    }
}

/// The validators of two constraints unified: both sets, each once.
fn merge_validators(a: &[Rc<Validator>], b: &[Rc<Validator>]) -> Vec<Rc<Validator>> {
    let mut out = a.to_vec();
    for v in b {
        if !out.iter().any(|o| o.to_string() == v.to_string()) {
            out.push(v.clone());
        }
    }
    out
}
