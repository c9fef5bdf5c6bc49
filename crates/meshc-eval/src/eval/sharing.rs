//! Structure sharing: a field whose conjuncts are expressions that refer to nothing between
//! themselves and their file (no field, `let`, alias or binding of an enclosing struct or
//! comprehension) has the same value wherever those conjuncts land together. Every service
//! unified with `#Service` gets `security`, `lifecycle`, `retries`… from such conjuncts (the
//! schema's, and a platform policy's written for every service): the first field to be expanded
//! with them is evaluated (the *canonical* vertex), and every later one forwards to it
//! (`redirect`) instead of building a copy of its own.
//!
//! A shared field stops sharing (it is expanded on its own, from the conjuncts it kept) when:
//! - it, or its canonical vertex, receives another conjunct (a late pattern, a comprehension);
//! - its canonical value is not clean — an error, an incomplete or ambiguous value, a missing
//!   required field — because a diagnostic must name the field where the user meets it, not the
//!   canonical one.
//!
//! Nothing is shared while a disjunction is being tried (a trial takes its alternative where the
//! disjunction is reached again), nor when tags are set (they add values to fields by
//! attribute, after the conjunct).

use super::*;

/// What makes two fields of self-contained conjuncts the same: each conjunct's expression (by
/// address) and closedness, in order (the order of the fields they declare).
pub(super) type ShareKey = Box<[(usize, Option<CloseId>)]>;

impl<'a> Evaluator<'a> {
    /// The canonical vertex `v` forwards to, if `v` (fresh, not yet expanded) may share one;
    /// `v` becomes the canonical vertex of its conjuncts when none exists yet.
    pub(super) fn share(&mut self, v: VertexId) -> Option<VertexId> {
        if !self.trials.is_empty() || !self.prog.tags.is_empty() {
            return None;
        }
        let vert = &self.vs[v as usize];
        if vert.conjs.is_empty()
            || vert.conjs.len() > 8
            || !vert.ref_vals.is_empty()
            || vert.redirect.is_some()
            || vert.sharer
        {
            return None;
        }
        // The parent is complete: no conjunct of it is still to add fields here.
        let p = vert.parent?;
        let pv = &self.vs[p as usize];
        if pv.xs != Phase::Done || pv.redirect.is_some() || pv.has_comps() {
            return None;
        }
        // A field of literals gains nothing from sharing (its value is at hand), and most are
        // written once (a service's own `port: 8080`): no key is made or kept for it.
        if vert.conjs.iter().all(|c| {
            matches!(
                c.src,
                Src::Expr(Expr {
                    kind: ExprKind::Lit(_),
                    ..
                })
            )
        }) {
            return None;
        }
        let mut key = Vec::with_capacity(vert.conjs.len());
        for i in 0..self.vs[v as usize].conjs.len() {
            let c = self.vs[v as usize].conjs[i];
            let Src::Expr(e) = c.src else { return None };
            if !self.self_contained(e, c.env) {
                return None;
            }
            key.push((c.src.key(), c.close));
        }
        let key: ShareKey = key.into_boxed_slice();
        match self.canon.get(&key) {
            Some(&s) if s != v => {
                let sv = &self.vs[s as usize];
                // A canonical vertex that got another conjunct no longer stands for the key.
                if sv.conjs.len() != key.len() || sv.redirect.is_some() {
                    self.canon.insert(key, v);
                    return None;
                }
                let vx = self.vx(v);
                vx.redirect = Some(s);
                vx.sharer = true;
                self.vx(s).shared = true;
                self.sharers.entry(s).or_default().push(v);
                Some(s)
            }
            Some(_) => None,
            None => {
                self.canon.insert(key, v);
                None
            }
        }
    }

    /// Ends sharing for `v` before it changes: a field that forwards to a canonical vertex is
    /// expanded on its own again, and the fields forwarding to `v` likewise.
    pub(super) fn unshare(&mut self, v: VertexId) {
        self.stop_sharing(v);
        if std::mem::take(&mut self.vx(v).shared) {
            for a in self.sharers.remove(&v).unwrap_or_default() {
                self.stop_sharing(a);
            }
        }
    }

    /// A field that forwards to a canonical vertex forwards no more: it is expanded on its own,
    /// from the conjuncts it kept.
    fn stop_sharing(&mut self, a: VertexId) {
        let ax = self.vx(a);
        if ax.sharer {
            ax.sharer = false;
            ax.redirect = None;
        }
    }

    /// Before `v` is exported: a field that forwards to a canonical vertex whose value is not
    /// clean is expanded on its own, so that its diagnostics name it.
    pub(super) fn unshare_unclean(&mut self, v: VertexId) {
        let Some(s) = self.vs[v as usize]
            .redirect
            .filter(|_| self.vs[v as usize].sharer)
        else {
            return;
        };
        let clean = match self.clean.get(&s) {
            Some(&c) => c,
            None => {
                let c = self.is_clean(s, 0);
                self.clean.insert(s, c);
                c
            }
        };
        if !clean {
            self.stop_sharing(v);
        }
    }

    /// Whether exporting `v` reports nothing: no error, no ambiguity, every regular field
    /// concrete, every required one given. (Conservative: anything unusual is unclean.)
    fn is_clean(&mut self, v: VertexId, depth: usize) -> bool {
        if depth > 64 || self.halted.is_some() {
            return false;
        }
        grow(|| {
            self.expand(v);
            let v = self.res(v);
            if !self.vs[v as usize].errors().is_empty() || self.vs[v as usize].ambiguous().is_some()
            {
                return false;
            }
            let val = self.value(v);
            match &val.k {
                K::Vertex(w) if self.res(*w) == v => {
                    let vert = &self.vs[v as usize];
                    let mut kids = Vec::new();
                    for (l, &a) in &vert.arcs {
                        if is_def(l) || is_hidden(l) {
                            continue;
                        }
                        let av = &self.vs[a as usize];
                        if av.regular {
                            kids.push(a);
                        } else if av.required {
                            return false;
                        }
                    }
                    kids.extend(vert.elems.iter().copied());
                    kids.into_iter().all(|k| self.is_clean(k, depth + 1))
                }
                K::Vertex(_) => false,
                K::Bottom(_) => false,
                _ => export::scalar_node(&val.default_value()).is_some(),
            }
        })
    }

    /// Whether `e`, written in `env`, refers to nothing bound between it and its file: its
    /// value is then the same wherever it is evaluated. Decided once per expression (its
    /// enclosing scopes are where it is written).
    fn self_contained(&mut self, e: &'a Expr, env: EnvId) -> bool {
        // A literal refers to nothing: most of what a user writes in a service.
        if matches!(e.kind, ExprKind::Lit(_) | ExprKind::Top | ExprKind::Bottom) {
            return true;
        }
        let key = e as *const Expr as usize;
        if let Some(&ok) = self.contained.get(&key) {
            return ok;
        }
        let mut names: HashSet<&'a str> = HashSet::default();
        idents(e, &mut names);
        let mut ok = !names.contains("self");
        let mut cur = Some(env);
        while let (true, Some(at)) = (ok, cur) {
            let env = &self.envs[at as usize];
            match &env.frame {
                Frame::Root | Frame::File { .. } => break,
                Frame::Struct { lit, .. } => ok = !binds_any(lit, &names),
                Frame::Bind { name, .. } => ok = !names.contains(name),
                Frame::LetBind { clause } => ok = !names.contains(clause.name.name.as_str()),
            }
            cur = env.parent;
        }
        self.contained.insert(key, ok);
        ok
    }
}

/// Whether `lit` binds one of `names`: a field, a field alias, a `let` or an embedded alias.
fn binds_any(lit: &StructLit, names: &HashSet<&str>) -> bool {
    lit.decls.iter().any(|d| match d {
        Decl::Field(f) => {
            (!f.label.quoted && f.label.name().is_some_and(|n| names.contains(n)))
                || f.label
                    .alias
                    .as_ref()
                    .is_some_and(|a| names.contains(a.name.as_str()))
        }
        Decl::Let(l) => names.contains(l.name.name.as_str()),
        Decl::Embed(Expr {
            kind: ExprKind::Alias(a, _),
            ..
        }) => names.contains(a.name.as_str()),
        _ => false,
    })
}

/// Every identifier `e` refers to, bound inside it or not (a name bound inside that is also
/// bound outside only makes the answer conservative).
fn idents<'a>(e: &'a Expr, out: &mut HashSet<&'a str>) {
    match &e.kind {
        ExprKind::Lit(_) | ExprKind::Top | ExprKind::Bottom => {}
        ExprKind::Ident(n) => {
            out.insert(n);
        }
        ExprKind::Select(b, _) => idents(b, out),
        ExprKind::Index(b, i) => {
            idents(b, out);
            idents(i, out);
        }
        ExprKind::Alias(_, x)
        | ExprKind::OptionalRef(x)
        | ExprKind::Unary(_, x)
        | ExprKind::Bound(_, x) => idents(x, out),
        ExprKind::Slice(b, lo, hi) => {
            idents(b, out);
            for x in [lo, hi].into_iter().flatten() {
                idents(x, out);
            }
        }
        ExprKind::Call(_, args) | ExprKind::Unify(args) => {
            for a in args {
                idents(a, out);
            }
        }
        ExprKind::Binary(_, a, b) => {
            idents(a, out);
            idents(b, out);
        }
        ExprKind::Disj(alts) => {
            for (a, _) in alts {
                idents(a, out);
            }
        }
        ExprKind::Interp(parts) => {
            for p in parts {
                if let StrPart::Expr(x) = p {
                    idents(x, out);
                }
            }
        }
        ExprKind::Struct(lit) => struct_idents(lit, out),
        ExprKind::List(l) => {
            for el in &l.elems {
                match el {
                    ListElem::Expr(x) => idents(x, out),
                    ListElem::Comprehension(c) => comprehension_idents(c, out),
                }
            }
            if let Some(t) = &l.tail {
                idents(t, out);
            }
        }
    }
}

fn struct_idents<'a>(lit: &'a StructLit, out: &mut HashSet<&'a str>) {
    for d in &lit.decls {
        match d {
            Decl::Field(f) => {
                match &f.label.kind {
                    LabelKind::Name(_) => {}
                    LabelKind::Dynamic(x) => idents(x, out),
                    LabelKind::Pattern { pattern, .. } => idents(pattern, out),
                }
                idents(&f.value, out);
            }
            Decl::Let(l) => idents(&l.value, out),
            Decl::Comprehension(c) => comprehension_idents(c, out),
            Decl::Embed(x) => idents(x, out),
            Decl::Check(c) => struct_idents(&c.body, out),
            Decl::Ellipsis(_) | Decl::Attr(_) => {}
        }
    }
}

fn comprehension_idents<'a>(c: &'a Comprehension, out: &mut HashSet<&'a str>) {
    for cl in &c.clauses {
        match cl {
            Clause::For { source, .. } => idents(source, out),
            Clause::If(x) => idents(x, out),
            Clause::Let(l) => idents(&l.value, out),
            Clause::Try { binding, .. } => {
                if let Some(l) = binding {
                    idents(&l.value, out);
                }
            }
        }
    }
    struct_idents(&c.body, out);
    if let Some(f) = &c.fallback {
        struct_idents(&f.body, out);
    }
}
