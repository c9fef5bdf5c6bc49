//! Expansion: fixing a vertex's structure from its conjuncts (struct literals, references,
//! embeddings), with cycle detection.

use super::*;

impl<'a> Evaluator<'a> {
    pub(crate) fn expand(&mut self, v: VertexId) {
        let v = self.res(v);
        if self.vs[v as usize].xs != Phase::Fresh || self.share(v).is_some() {
            return;
        }
        let span = self.vs[v as usize]
            .conjs
            .first()
            .map(|c| c.src.span())
            .unwrap_or_default();
        if let Some(d) = self.guard(span) {
            self.vx(v).rare_mut().errors.push(d.clone());
            self.vx(v).value = Some(Val::bottom(d));
            self.vx(v).xs = Phase::Done;
            return;
        }
        grow(|| self.expand_body(v));
    }

    pub(super) fn expand_body(&mut self, v: VertexId) {
        self.depth += 1;
        self.vx(v).xs = Phase::Busy;
        self.active.push(v);
        self.expand_pending(v);
        if self.vs[v as usize].sdisj().is_empty() {
            self.apply_patterns(v);
            loop {
                let comps = self.vx(v).take_rare(|r| &mut r.comps);
                if comps.is_empty() || !self.vs[v as usize].sdisj().is_empty() {
                    break;
                }
                for (c, env, close) in comps {
                    self.run_comprehension(v, c, env, close);
                }
                self.expand_pending(v);
                self.apply_patterns(v);
            }
        }
        let vert = &self.vs[v as usize];
        if !vert.is_struct
            && !vert.is_list
            && vert.struct_span.is_some()
            && vert.scalars.is_empty()
            && vert.ref_vals.is_empty()
            && vert.sdisj().is_empty()
        {
            // Comprehensions that yielded no value to embed: a struct.
            self.vx(v).is_struct = true;
        }
        // A disjunction of structs, written here or yielded by a comprehension: each
        // alternative is tried with the rest (a trial runs the comprehensions again).
        if !self.vs[v as usize].sdisj().is_empty() {
            self.resolve_struct_disj(v);
        } else {
            self.finish_list(v);
            self.check_closed(v);
        }
        self.active.pop();
        self.vx(v).xs = Phase::Done;
        self.depth -= 1;
    }

    /// Expands the conjuncts not yet expanded (the list grows while it runs).
    pub(super) fn expand_pending(&mut self, v: VertexId) {
        let mut i = self.vs[v as usize].cursor as usize;
        while i < self.vs[v as usize].conjs.len() {
            let c = self.vs[v as usize].conjs[i];
            self.expand_conj(v, c);
            i += 1;
            self.vx(v).cursor = i as u32;
        }
    }

    pub(super) fn expand_conj(&mut self, v: VertexId, c: Conj<'a>) {
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
                // `close(x)`: x, closed as a definition is (allowing only the fields it
                // declares); `and([a, b])`: a & b.
                ExprKind::Call(name, args) if args.len() == 1 && name.name == "close" => {
                    let close = match c.close {
                        Some(id) => id,
                        None => self.new_close("close()".to_string(), e.span),
                    };
                    self.add_conj(
                        v,
                        Conj {
                            src: Src::Expr(&args[0]),
                            close: Some(close),
                            ..c
                        },
                    );
                }
                ExprKind::Call(name, args) if args.len() == 1 && name.name == "and" => {
                    match &args[0].kind {
                        ExprKind::List(l)
                            if l.tail.is_none()
                                && l.elems.iter().all(|x| matches!(x, ListElem::Expr(_))) =>
                        {
                            for x in &l.elems {
                                let ListElem::Expr(x) = x else { continue };
                                self.add_conj(
                                    v,
                                    Conj {
                                        src: Src::Expr(x),
                                        ..c
                                    },
                                );
                            }
                        }
                        _ => self.vx(v).scalars.push(c),
                    }
                }
                ExprKind::Slice(base, lo, hi) => self.expand_slice(v, e, base, lo, hi, c),
                // `X=value`: X names the vertex the value is unified into.
                ExprKind::Alias(name, inner) => {
                    let env = self.push_env(
                        c.env,
                        Frame::Bind {
                            name: &name.name,
                            target: Target::Vertex(v),
                        },
                    );
                    self.add_conj(
                        v,
                        Conj {
                            src: Src::Expr(inner),
                            env,
                            close: c.close,
                        },
                    );
                }
                // The disjunction being tried, reached again within the trial (through a
                // reference or a copy of the struct embedding it): it takes the trial's
                // alternative.
                ExprKind::Disj(alts) => match self.trial_alt(c.src.key(), v) {
                    Some(alt) => self.add_conj(
                        v,
                        Conj {
                            src: Src::Expr(alt),
                            ..c
                        },
                    ),
                    None if self.is_structural_disj(alts, c.env) => {
                        self.vx(v).rare_mut().sdisj.push(c)
                    }
                    None => self.vx(v).scalars.push(c),
                },
                ExprKind::Ident(_) | ExprKind::Select(..) | ExprKind::Index(..) => {
                    self.expand_ref(v, e, c)
                }
                ExprKind::OptionalRef(inner) => self.add_conj(
                    v,
                    Conj {
                        src: Src::Expr(inner),
                        ..c
                    },
                ),
                _ => self.vx(v).scalars.push(c),
            },
        }
    }

    pub(super) fn expand_ref(&mut self, v: VertexId, e: &'a Expr, c: Conj<'a>) {
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
        let orig = w;
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
        let resolved_disj = w != orig && self.trial_of.get(&w) == Some(&orig);
        // So would a copy of it (`r: a` where `a: {x: a}`): the reference is written inside
        // one of `w`'s own struct literals.
        if self.written_inside(c.env, w, e) {
            return structural_cycle(self);
        }
        if self.vs[w as usize].xs == Phase::Busy {
            // A cycle through a field that is also given a literal resolves to the literal
            // (`a: b, b: a, a: 1`), as in CUE; unification then checks the rest.
            let lit = self.vs[w as usize].conjs.iter().find_map(|c| match c.src {
                Src::Expr(Expr {
                    kind: ExprKind::Lit(l),
                    span,
                }) => Some(lit_val(l, *span)),
                _ => None,
            });
            if let Some(val) = lit {
                self.vx(v).ref_vals.push(val);
                return;
            }
            self.met_cycle(w);
            let d = self.cycle_diag(&self.active.clone(), w, e.span);
            self.vx(v).ref_vals.push(Val::bottom(d));
            return;
        }
        let wv = &self.vs[w as usize];
        // A disjunction of structs that `w` decided by itself is decided again here, with this
        // vertex's conjuncts, where this vertex is (or may be) a struct: `{y: *1 | {a: 2}, y}` is
        // `{y: 1, a: 2}`, and `#A: {*{} | {c?: int}}`, `a: #A & {c: 3}` takes the second.
        let redecide = resolved_disj
            && (wv.is_struct
                || wv.is_list
                || self.vs[v as usize].is_struct
                || !self.vs[v as usize].sdisj().is_empty());
        if wv.is_struct || wv.is_list || wv.ambiguous().is_some() || redecide {
            let def = ref_is_def(e);
            let close = if def {
                Some(c.close.unwrap_or_else(|| self.def_close(e, Some(w))))
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
            let from = if redecide { orig } else { w };
            let conjs = self.vs[from as usize].conjs.clone();
            for wc in conjs {
                if matches!(wc.src, Src::Yield(_)) {
                    continue;
                }
                // Embedded where it closes the struct: everything it allows, under the one id
                // the struct's own fields are recorded in.
                let scoped = close.filter(|c| self.embed_scopes.contains(c));
                // A definition that is the conjunction of others (`#C: #A & #B`) is closed by
                // each of them: their references keep their own closedness (CUE: a field
                // must be allowed by #A and by #B).
                // (Not one embedded in its own struct: `#S: {#W, extra: int}` allows both.)
                let conjoined_def = def
                    && wc.close.is_none()
                    && matches!(wc.src, Src::Expr(x) if ref_is_def(x))
                    && !matches!(self.envs[wc.env as usize].frame,
                        Frame::Struct { vertex, .. } if self.res(vertex) == from);
                let nc = Conj {
                    close: if conjoined_def {
                        None
                    } else if def || scoped.is_some() {
                        close
                    } else {
                        wc.close.or(close)
                    },
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
    pub(super) fn written_inside(&self, env: EnvId, w: VertexId, reference: &Expr) -> bool {
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

    pub(super) fn cycle_diag(&self, stack: &[VertexId], w: VertexId, span: Span) -> Diagnostic {
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

    pub(super) fn expand_decls(
        &mut self,
        v: VertexId,
        lit: &'a StructLit,
        env: EnvId,
        close: Option<CloseId>,
    ) {
        // A literal that only embeds values (and declares definitions, hidden fields or
        // lets) is what it embeds: `{"hello"}` is a string, as in CUE.
        match makes_struct(lit) {
            Some(true) => {
                let vert = self.vx(v);
                vert.is_struct = true;
                if vert.struct_span.is_none() {
                    vert.struct_span = Some(lit.span);
                }
            }
            // Only comprehensions: a struct unless they yield a value to embed (see
            // `expand_body`); the span marks it.
            None => {
                let vert = self.vx(v);
                if vert.struct_span.is_none() {
                    vert.struct_span = Some(lit.span);
                }
            }
            Some(false) => {}
        }
        // A struct that embeds a definition is closed by it, and allows the fields it
        // declares itself besides (its own fields' values stay open): `{#A, leaf: "v"}`.
        let embed_close = match close {
            Some(_) => None,
            None => lit.decls.iter().find_map(|d| match d {
                Decl::Embed(e) if self.user_file(e.span) => {
                    embedded_def(e).map(|r| self.def_close(r, None))
                }
                _ => None,
            }),
        };
        let ci = close.or(embed_close).map(|c| self.closer(v, c));
        if let Some(ci) = ci {
            // The fields this literal names are allowed (`Closer::lits`).
            let lits = &mut self.vx(v).closers[ci].lits;
            if !lits.iter().any(|l| std::ptr::eq(*l, lit)) {
                lits.push(lit);
            }
        }
        let top = self.vs[v as usize].parent.is_none();
        if let (Some(ci), Some(_), true) = (ci, embed_close, top) {
            self.vx(v).closers[ci].files = true;
        }
        // An embedded reference to a value that something closes (`{c1, age: 5}`, where `c1:
        // #C1 & {…}`) closes the struct the same way, besides the fields it declares itself:
        // decided once those fields are in (the reference may name one of them).
        let scan_embeds = close.is_none()
            && embed_close.is_none()
            && lit.decls.iter().any(|d| {
                matches!(d, Decl::Embed(e) if matches!(e.kind, ExprKind::Ident(_) | ExprKind::Select(..)))
            })
            && self.user_file(lit.span);
        let mut ref_embeds: Vec<&'a Expr> = Vec::new();
        let mut own: Vec<Rc<str>> = Vec::new();
        let pats_before = self.vs[v as usize].patterns().len();
        let mut open = false;
        if scan_embeds {
            for d in &lit.decls {
                match d {
                    Decl::Field(f) => match &f.label.kind {
                        LabelKind::Name(n) => own.push(self.intern(n)),
                        LabelKind::Dynamic(le) => {
                            if let K::Str(s) = &self.eval_expr(le, env).default_value().k {
                                own.push(s.clone());
                            }
                        }
                        LabelKind::Pattern { .. } => {}
                    },
                    Decl::Ellipsis(_) => open = true,
                    _ => {}
                }
            }
        }
        for d in &lit.decls {
            if let Decl::Embed(e) = d {
                if scan_embeds && matches!(e.kind, ExprKind::Ident(_) | ExprKind::Select(..)) {
                    ref_embeds.push(e);
                    continue;
                }
            }
            match d {
                Decl::Field(f) => match &f.label.kind {
                    LabelKind::Name(n) => self.add_field(v, n, f, env, close, None),
                    LabelKind::Dynamic(le) => {
                        let lv = self.eval_expr(le, env).default_value();
                        let name = match &lv.k {
                            K::Str(s) => s.clone(),
                            K::Bottom(d) => {
                                let d = (**d).clone();
                                self.vx(v).rare_mut().errors.push(d);
                                continue;
                            }
                            _ => {
                                let d = Diagnostic::error(
                                    codes::BAD_OPERAND,
                                    format!("a field label must be a concrete string, not {lv}"),
                                )
                                .primary(le.span, "this label");
                                self.vx(v).rare_mut().errors.push(d);
                                continue;
                            }
                        };
                        self.add_field(v, &name, f, env, close, ci);
                    }
                    LabelKind::Pattern { alias, pattern } => {
                        // A pattern's value is closed as a field of the same definition
                        // is (`#D: {l2: {a: int}, [string]: {b: int}}` allows both in l2).
                        let pclose = close;
                        let vert = self.vx(v);
                        vert.rare_mut().patterns.push(Pattern {
                            alias: alias.as_ref().map(|a| a.name.as_str()),
                            pattern,
                            value: &f.value,
                            env,
                            close: pclose,
                            val: None,
                        });
                        let pi = vert.patterns().len() - 1;
                        if let Some(ci) = ci {
                            vert.closers[ci].patterns.push(pi);
                        }
                    }
                },
                Decl::Let(_) | Decl::Check(_) => {}
                Decl::Comprehension(c) => {
                    self.vx(v)
                        .rare_mut()
                        .comps
                        .push((c, env, close.or(embed_close)))
                }
                // `#A & x` embedded: #A closes the struct; `x` is checked against it, not
                // added to what it allows.
                Decl::Embed(Expr {
                    kind: ExprKind::Unify(parts),
                    ..
                }) if close.is_none() && embed_close.is_some() => {
                    for p in parts {
                        let pc = if embedded_def(p).is_some() {
                            embed_close
                        } else {
                            None
                        };
                        self.add_conj(
                            v,
                            Conj {
                                src: Src::Expr(p),
                                env,
                                close: pc,
                            },
                        );
                    }
                }
                Decl::Embed(e) => self.add_conj(
                    v,
                    Conj {
                        src: Src::Expr(e),
                        env,
                        close: close.or(embed_close),
                    },
                ),
                Decl::Ellipsis(_) => {
                    if let Some(ci) = ci {
                        self.vx(v).closers[ci].open = true;
                    }
                }
                Decl::Attr(_) => {}
            }
        }
        for e in ref_embeds {
            let closed = match self.resolve(e, env) {
                Ok(Target::Vertex(w)) => {
                    let w = self.res(w);
                    let mut anc = Some(v);
                    let mut inside = false;
                    while let Some(a) = anc {
                        inside |= a == w;
                        anc = self.vs[a as usize].parent;
                    }
                    if inside || self.vs[w as usize].xs == Phase::Busy {
                        false
                    } else {
                        self.expand(w);
                        let w = self.res(w);
                        !self.vs[w as usize].closers.is_empty()
                    }
                }
                _ => false,
            };
            let close = if closed {
                let id = self.def_close(e, None);
                self.embed_scopes.insert(id);
                let ci = self.closer(v, id);
                let npats = self.vs[v as usize].patterns().len();
                let cl = &mut self.vx(v).closers[ci];
                cl.labels.extend(own.iter().cloned());
                cl.patterns.extend(pats_before..npats);
                cl.open |= open;
                cl.files |= top;
                Some(id)
            } else {
                None
            };
            self.add_conj(
                v,
                Conj {
                    src: Src::Expr(e),
                    env,
                    close,
                },
            );
        }
    }

    /// `base[lo:hi]` into `v`: a list of the elements of `base` from `lo` up to `hi`.
    pub(super) fn expand_slice(
        &mut self,
        v: VertexId,
        e: &'a Expr,
        base: &'a Expr,
        lo: &'a Option<Box<Expr>>,
        hi: &'a Option<Box<Expr>>,
        c: Conj<'a>,
    ) {
        let w = match self.base_vertex(base, c.env) {
            Ok(w) => w,
            Err(d) => return self.vx(v).ref_vals.push(Val::bottom(d)),
        };
        self.expand(w);
        let w = self.res(w);
        if !self.vs[w as usize].is_list {
            let d = Diagnostic::error(codes::BAD_OPERAND, "only a list can be sliced")
                .primary(base.span, "not a list");
            return self.vx(v).ref_vals.push(Val::bottom(d));
        }
        let n = self.vs[w as usize].elems.len();
        let bound = |ev: &mut Self, x: &'a Option<Box<Expr>>, dflt: usize| match x {
            None => Ok(dflt),
            Some(x) => match ev.concrete(x, c.env) {
                Ok(Val { k: K::Int(i), .. }) if i >= 0 && i as usize <= n => Ok(i as usize),
                Ok(other) => Err(Val::bottom(
                    Diagnostic::error(
                        codes::LIST_LENGTH,
                        format!("slice bound {other} is out of range for a list of {n}"),
                    )
                    .primary(x.span, "this bound"),
                )),
                Err(bad) => Err(bad),
            },
        };
        let (from, to) = match (bound(self, lo, 0), bound(self, hi, n)) {
            (Ok(a), Ok(b)) if a <= b => (a, b),
            (Ok(a), Ok(b)) => {
                let d = Diagnostic::error(
                    codes::LIST_LENGTH,
                    format!("invalid slice: {a} is after {b}"),
                )
                .primary(e.span, "this slice");
                return self.vx(v).ref_vals.push(Val::bottom(d));
            }
            (Err(bad), _) | (_, Err(bad)) => return self.vx(v).ref_vals.push(bad),
        };
        self.vx(v).is_list = true;
        let elems = self.vs[w as usize].elems.clone();
        for (k, &src) in elems[from..to].iter().enumerate() {
            let ev = self.elem(v, k);
            self.vx(ev).regular = true;
            let src = self.res(src);
            for wc in self.vs[src as usize].conjs.clone() {
                self.add_conj(ev, wc);
            }
        }
        self.close_list(v, to - from, e.span);
    }

    /// Adds the field `f`, named `name`, of a struct literal expanded into `v`.
    pub(super) fn add_field(
        &mut self,
        v: VertexId,
        name: &str,
        f: &'a Field,
        env: EnvId,
        close: Option<CloseId>,
        ci: Option<usize>,
    ) {
        // A dynamic field's label is allowed by name (a named one by its literal).
        if let Some(ci) = ci {
            let l = self.intern(name);
            self.vx(v).closers[ci].labels.insert(l);
        }
        // An optional field that nothing has set yet gets no vertex: its label keeps its place
        // and its conjunct waits (`arc` makes the vertex when something reaches the field).
        // Most of `#Service`'s optional fields are absent from most services.
        if f.label.opt == Opt::Optional && (self.prog.tags.is_empty() || f.attrs.is_empty()) {
            let slot = self.vs[v as usize].arcs.slot(name);
            if !matches!(slot, Slot::Vertex(_)) {
                let l = self.intern(name);
                let vert = self.vx(v);
                vert.arcs.reserve(slot, l.clone());
                vert.rare_mut().deferred.push((l, f, env, close));
                return;
            }
        }
        let child_close = close.map(|c| self.child_close(c, name));
        let a = self.arc(v, name);
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
        if !self.prog.tags.is_empty() {
            for attr in f.attrs.iter().filter(|a| a.name == "tag") {
                if let Some(val) = self.tag_value(attr) {
                    self.vx(a).ref_vals.push(val);
                }
            }
        }
    }

    /// The value given on the command line to the tag `@tag(name)` or `@tag(name, type=T)`
    /// (T: string, the default, int, number or bool), if one was given.
    fn tag_value(&self, attr: &Attr) -> Option<Val> {
        let args = attr.arg_list();
        let name = args.first()?;
        let raw = self.prog.tags.get(*name)?;
        let ty = args
            .iter()
            .skip(1)
            .find_map(|a| a.strip_prefix("type="))
            .map(str::trim)
            .unwrap_or("string");
        let span = attr.span;
        let k = match ty {
            "string" => Some(K::Str(Rc::from(raw.as_str()))),
            "int" => raw.trim().parse::<i64>().ok().map(K::Int),
            "number" => match raw.trim().parse::<i64>() {
                Ok(i) => Some(K::Int(i)),
                Err(_) => match meshc_syntax::lit::decode_number(raw.trim()) {
                    Ok(Lit::Float(d)) => Some(K::Float(d)),
                    _ => None,
                },
            },
            "bool" => match raw.trim() {
                "true" => Some(K::Bool(true)),
                "false" => Some(K::Bool(false)),
                _ => None,
            },
            other => {
                return Some(Val::bottom(
                    Diagnostic::error(
                        codes::BAD_TAG,
                        format!("tag `{name}`: unknown type `{other}`"),
                    )
                    .primary(span, "this attribute")
                    .help("a tag's type is string (the default), int, number or bool"),
                ))
            }
        };
        let a = if ty == "int" { "an" } else { "a" };
        Some(match k {
            Some(k) => Val::new(k, span),
            None => Val::bottom(
                Diagnostic::error(
                    codes::BAD_TAG,
                    format!("tag `{name}`: \"{raw}\" is not {a} {ty}"),
                )
                .primary(span, format!("the tag is declared {a} {ty} here"))
                .help(format!("give it as `-t {name}=…` with {a} {ty} value")),
            ),
        })
    }
}

/// Whether a struct literal is a struct by itself: it declares a regular field, a pattern or
/// `...`, or embeds nothing (`{}`). `{"hello"}` and `{#A}` are what they embed. `None`: it
/// only has comprehensions (besides definitions, hidden fields and lets), and is a struct
/// unless they yield a value to embed (`{for k in keys {k}}`); yielding nothing, it is `{}`.
fn makes_struct(lit: &StructLit) -> Option<bool> {
    let (mut embeds, mut comps) = (false, false);
    for d in &lit.decls {
        match d {
            Decl::Field(f) => match &f.label.kind {
                LabelKind::Name(n)
                    if !f.label.quoted && (n.starts_with('#') || n.starts_with('_')) => {}
                _ => return Some(true),
            },
            Decl::Ellipsis(_) => return Some(true),
            Decl::Comprehension(_) => comps = true,
            Decl::Embed(_) => embeds = true,
            Decl::Let(_) | Decl::Check(_) | Decl::Attr(_) => {}
        }
    }
    match (embeds, comps) {
        (false, false) => Some(true),
        (false, true) => None,
        (true, _) => Some(false),
    }
}

/// The definition an embedding closes its struct with: `#A`, or `#A & {…}`.
fn embedded_def(e: &Expr) -> Option<&Expr> {
    match &e.kind {
        _ if ref_is_def(e) => Some(e),
        ExprKind::Unify(parts) => parts.iter().find_map(embedded_def),
        _ => None,
    }
}
