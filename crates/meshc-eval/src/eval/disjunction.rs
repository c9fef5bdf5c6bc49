//! Disjunctions: of structs resolved by trial, of scalars by unification of alternatives.

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn is_structural_disj(&mut self, alts: &'a [(Expr, bool)], env: EnvId) -> bool {
        alts.iter().any(|(e, _)| self.is_structural(e, env))
    }

    pub(super) fn is_structural(&mut self, e: &'a Expr, env: EnvId) -> bool {
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
    pub(super) fn resolve_struct_disj(&mut self, v: VertexId) {
        let d = self.vx(v).rare_mut().sdisj.remove(0);
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
            self.vx(v).rare_mut().errors.push(d);
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
            // The trial holds one alternative of this disjunction: the disjunction reached
            // again through a reference (`e: #d`, where `#d` is it) adds nothing to it.
            self.trial_of.insert(t, v);
            self.trials.push((d.src.key(), t, alt));
            self.expand(t);
            self.trials.pop();
            match self.first_error(t, 0) {
                None => ok.push((t, default)),
                Some(e) => failures.push(e),
            }
        }
        let chosen = match ok.len() {
            0 => None,
            1 => Some(ok[0].0),
            _ => {
                // The defaults decide; without any, every alternative that fits.
                let mut candidates: Vec<VertexId> =
                    ok.iter().filter(|x| x.1).map(|x| x.0).collect();
                if candidates.is_empty() {
                    candidates = ok.iter().map(|x| x.0).collect();
                }
                if candidates.len() == 1 {
                    Some(candidates[0])
                } else if candidates[1..]
                    .iter()
                    .all(|&t| self.same_data(candidates[0], t, 0))
                {
                    // Alternatives that give the same data are one answer (CUE:
                    // `{value?: string} | {other?: string}` with `a: "hello"` is `{a: "hello"}`).
                    Some(candidates[0])
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
                    // The value stays undecided: a reference to it unifies the whole
                    // disjunction again (and may decide it); exported as is, it is an error.
                    self.vx(v).value = Some(Val::incomplete(d.message.clone(), *span));
                    self.vx(v).es = Phase::Done;
                    self.vx(v).rare_mut().ambiguous = Some(Box::new(d));
                    None
                }
            }
        };
        match chosen {
            Some(t) => {
                let errs = self.vx(v).take_rare(|r| &mut r.errors);
                if !errs.is_empty() {
                    self.vx(t).rare_mut().errors.extend(errs);
                }
                self.vx(v).redirect = Some(t);
            }
            None if self.vs[v as usize].ambiguous().is_some() => {}
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
                self.vx(v).rare_mut().errors.push(diag.clone());
                self.vx(v).value = Some(Val::bottom(diag));
                self.vx(v).es = Phase::Done;
            }
        }
    }

    /// Whether two vertices are the same concrete data: the same regular fields (no required
    /// one missing), list elements and concrete scalars (defaults taken). Anything not concrete
    /// is not the same.
    pub(super) fn same_data(&mut self, a: VertexId, b: VertexId, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        let (a, b) = (self.res(a), self.res(b));
        self.expand(a);
        self.expand(b);
        let (a, b) = (self.res(a), self.res(b));
        if a == b {
            return true;
        }
        if self.vs[a as usize].ambiguous().is_some() || self.vs[b as usize].ambiguous().is_some() {
            return false;
        }
        let (va, vb) = (self.value(a), self.value(b));
        match (&va.k, &vb.k) {
            (K::Vertex(x), K::Vertex(y)) => {
                let (x, y) = (self.res(*x), self.res(*y));
                if (x, y) != (a, b) {
                    return self.same_data(x, y, depth + 1);
                }
                let (la, lb) = (self.vs[a as usize].is_list, self.vs[b as usize].is_list);
                if la != lb {
                    return false;
                }
                if la {
                    let (ea, eb) = (
                        self.vs[a as usize].elems.clone(),
                        self.vs[b as usize].elems.clone(),
                    );
                    return ea.len() == eb.len()
                        && ea
                            .iter()
                            .zip(&eb)
                            .all(|(&x, &y)| self.same_data(x, y, depth + 1));
                }
                let fields = |ev: &Self, v: VertexId| -> Option<Vec<(Rc<str>, VertexId)>> {
                    let mut out = Vec::new();
                    for (l, &x) in &ev.vs[v as usize].arcs {
                        if is_def(l) || is_hidden(l) {
                            continue;
                        }
                        let xv = &ev.vs[x as usize];
                        if xv.regular {
                            out.push((l.clone(), x));
                        } else if xv.required {
                            return None;
                        }
                    }
                    Some(out)
                };
                let (Some(fa), Some(fb)) = (fields(self, a), fields(self, b)) else {
                    return false;
                };
                fa.len() == fb.len()
                    && fa.iter().all(|(l, x)| {
                        fb.iter()
                            .find(|(m, _)| m == l)
                            .is_some_and(|&(_, y)| self.same_data(*x, y, depth + 1))
                    })
            }
            (K::Vertex(_), _) | (_, K::Vertex(_)) => false,
            _ => {
                let (ca, cb) = (va.default_value(), vb.default_value());
                super::export::scalar_node(&ca).is_some()
                    && super::export::scalar_node(&cb).is_some()
                    && ca.kinds() == cb.kinds()
                    && equal(&ca, &cb)
            }
        }
    }

    /// The alternative that the disjunction `key` takes in `v`: where `v` is a trial of it, or
    /// a trial of another disjunction inside such a trial.
    pub(super) fn trial_alt(&self, key: usize, v: VertexId) -> Option<&'a Expr> {
        self.trials.iter().find_map(|&(k, t, alt)| {
            let mut x = v;
            loop {
                if x == t {
                    return (k == key).then_some(alt);
                }
                x = *self.trial_of.get(&x)?;
            }
        })
    }

    /// The first conflict in a vertex and its regular descendants (incomplete values pass).
    pub(super) fn first_error(&mut self, v: VertexId, depth: usize) -> Option<Diagnostic> {
        if depth > 64 {
            return None;
        }
        self.expand(v);
        let v = self.res(v);
        if let Some(e) = self.vs[v as usize].errors().first() {
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

    pub(super) fn unify_disj(&mut self, a: &Val, b: &Val) -> Val {
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
        // Whether each alternative comes from a default of either side: the defaults where no
        // pair of defaults unifies (CUE: `(string | *null) & (string | *"str")` defaults to
        // "str"; `(*vb1 | vb2) & (*vc | vd)` to what survives of vc).
        let mut either: Vec<bool> = Vec::new();
        let mut first_err: Option<Val> = None;
        for x in &xa {
            for y in &xb {
                // Two different plain scalars: the alternative fails, and its error (never
                // a telling one) is not needed.
                if distinct_plain_scalars(&x.v, &y.v) {
                    continue;
                }
                // A conflict of two scalars only rules the pair out (its message is never
                // shown: the note below takes a bound's or a pattern's, not a conflict's).
                let scalar = |v: &Val| !matches!(v.k, K::Vertex(_) | K::Disj(_));
                let quiet = scalar(&x.v) && scalar(&y.v);
                self.quiet_conflicts += u32::from(quiet);
                let r = self.unify(&x.v, &y.v);
                self.quiet_conflicts -= u32::from(quiet);
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
                let from_default = x.default || y.default;
                if let Some(i) = out.iter().position(|o| {
                    o.v.is_concrete_scalar()
                        && r.is_concrete_scalar()
                        && o.v.kinds() == r.kinds()
                        && equal(&o.v, &r)
                }) {
                    out[i].default |= default;
                    either[i] |= from_default;
                    continue;
                }
                out.push(Alt { v: r, default });
                either.push(from_default);
            }
        }
        if !out.iter().any(|o| o.default) {
            for (o, e) in out.iter_mut().zip(either) {
                o.default = e;
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
}

/// Whether `a` and `b` are null, booleans, integers or strings (each concrete) and not the same
/// value: their unification is certainly a conflict.
fn distinct_plain_scalars(a: &Val, b: &Val) -> bool {
    let plain = |v: &Val| matches!(v.k, K::Null | K::Bool(_) | K::Int(_) | K::Str(_));
    plain(a)
        && plain(b)
        && match (&a.k, &b.k) {
            (K::Null, K::Null) => false,
            (K::Bool(x), K::Bool(y)) => x != y,
            (K::Int(x), K::Int(y)) => x != y,
            (K::Str(x), K::Str(y)) => x != y,
            _ => true,
        }
}

pub(super) fn flatten_alts<'a>(
    alts: &'a [(Expr, bool)],
    outer_default: bool,
    out: &mut Vec<(&'a Expr, bool)>,
) {
    // Where this level marks a default, the defaults of its unmarked nested disjunctions do
    // not count (CUE: `*a | (*b | c)` defaults to `a`, and to nothing if `a` fails).
    let marked_here = alts.iter().any(|(_, d)| *d);
    for (e, d) in alts {
        match &e.kind {
            ExprKind::Disj(inner) if !*d && !outer_default && marked_here => {
                let start = out.len();
                flatten_alts(inner, false, out);
                for alt in &mut out[start..] {
                    alt.1 = false;
                }
            }
            // A marked disjunction's own marks choose its defaults (`*(*2 | 3)` is `*2 | 3`).
            ExprKind::Disj(inner) => {
                let own = inner.iter().any(|(_, m)| *m);
                flatten_alts(inner, (*d || outer_default) && !own, out)
            }
            _ => out.push((e, *d || outer_default)),
        }
    }
}

pub(super) fn disj_of(a: &Val, b: &Val) -> String {
    if matches!(a.k, K::Disj(_)) {
        a.to_string()
    } else {
        b.to_string()
    }
}

pub(super) fn disj_other(a: &Val, b: &Val) -> String {
    if matches!(a.k, K::Disj(_)) {
        b.to_string()
    } else {
        a.to_string()
    }
}

pub(super) fn non_disj<'v>(a: &'v Val, b: &'v Val) -> &'v Val {
    if matches!(a.k, K::Disj(_)) {
        b
    } else {
        a
    }
}

pub(super) fn disj_span(a: &Val, b: &Val) -> Span {
    if matches!(a.k, K::Disj(_)) {
        a.span
    } else {
        b.span
    }
}
