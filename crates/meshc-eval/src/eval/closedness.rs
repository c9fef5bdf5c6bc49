//! Closedness and pattern constraints: which fields a definition allows.

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn new_close(&mut self, name: String, span: Span) -> CloseId {
        self.push_close(CloseName::Root(name), span)
    }

    fn push_close(&mut self, name: CloseName, span: Span) -> CloseId {
        self.close_meta.push(CloseMeta { name, span });
        CloseId::new(self.close_meta.len() as u32).expect("one past an index is not zero")
    }

    /// What the closedness id `c` stands for (ids count from one: `Option<CloseId>` is as
    /// small as an id, in each of the million conjuncts of a large mesh).
    fn close_meta(&self, c: CloseId) -> &CloseMeta {
        &self.close_meta[c.get() as usize - 1]
    }

    /// The closedness id of the reference `e` to a definition: one for each place a reference
    /// is written, shared by every value it closes (what a definition allows does not depend
    /// on the value; each vertex keeps its own record of the fields it saw). `target`: the
    /// definition's vertex, where a definition used by the stdlib (the prelude's
    /// `m.#Service`) is shown, named as a user knows it: the prelude's import alias is not
    /// the user's.
    pub(super) fn def_close(&mut self, e: &'a Expr, target: Option<VertexId>) -> CloseId {
        let key = e as *const Expr as usize;
        if let Some(&id) = self.def_closes.get(&key) {
            return id;
        }
        let (name, span) = match target {
            Some(w) if !self.user_file(e.span) => {
                let n = ref_name(e);
                let short = n.rsplit('.').next().unwrap_or(&n).to_string();
                (short, self.vs[w as usize].decl_span.unwrap_or(e.span))
            }
            _ => (ref_name(e), e.span),
        };
        let id = self.new_close(name, span);
        self.def_closes.insert(key, id);
        id
    }

    /// The name of a closedness id, as diagnostics give it: `#Service.probes`.
    fn close_name(&self, mut c: CloseId) -> String {
        let mut labels: Vec<&str> = Vec::new();
        loop {
            match &self.close_meta(c).name {
                CloseName::Root(name) => {
                    let mut out = name.clone();
                    for l in labels.iter().rev() {
                        out.push('.');
                        out.push_str(l);
                    }
                    return out;
                }
                CloseName::Child(parent, label) => {
                    labels.push(label);
                    c = *parent;
                }
            }
        }
    }

    /// One shared `Rc<str>` per distinct label.
    pub(super) fn intern(&mut self, s: &str) -> Rc<str> {
        if let Some(r) = self.interned.get(s) {
            return r.clone();
        }
        let r: Rc<str> = Rc::from(s);
        self.interned.insert(r.clone());
        r
    }

    pub(super) fn child_close(&mut self, c: CloseId, label: &str) -> CloseId {
        let key = (c, self.intern(label));
        if let Some(&id) = self.close_children.get(&key) {
            return id;
        }
        let span = self.close_meta(c).span;
        let id = self.push_close(CloseName::Child(c, key.1.clone()), span);
        self.close_children.insert(key, id);
        id
    }

    pub(super) fn closer(&mut self, v: VertexId, id: CloseId) -> usize {
        if let Some(i) = self.vs[v as usize].closers.iter().position(|c| c.id == id) {
            return i;
        }
        let closers = &mut self.vx(v).closers;
        // Most vertices have one closer: room for one at a time, not the four a first push
        // makes room for.
        closers.reserve_exact(1);
        closers.push(Closer {
            id,
            lits: ThinVec::new(),
            labels: HashSet::default(),
            patterns: Vec::new(),
            open: false,
            files: false,
        });
        self.vs[v as usize].closers.len() - 1
    }

    pub(super) fn apply_patterns(&mut self, v: VertexId) {
        let npat = self.vs[v as usize].patterns().len();
        if npat == 0 {
            return;
        }
        let arcs = self.arc_list(v);
        for (label, a) in arcs {
            if is_def(&label) {
                continue;
            }
            let from = self.vs[a as usize].pats_applied();
            if from >= npat {
                continue;
            }
            self.vx(a).rare_mut().pats_applied = npat;
            for pi in from..npat {
                if self.pattern_matches(v, pi, &label) {
                    let p = self.vs[v as usize].patterns()[pi].clone();
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
                    let close = p.close.map(|c| self.child_close(c, &label));
                    self.add_conj(
                        a,
                        Conj {
                            src: Src::Expr(p.value),
                            env,
                            close,
                        },
                    );
                }
            }
        }
    }

    pub(super) fn pattern_val(&mut self, v: VertexId, pi: usize) -> Val {
        if let Some(val) = &self.vs[v as usize].patterns()[pi].val {
            return val.clone();
        }
        let p = self.vs[v as usize].patterns()[pi].clone();
        let val = self.eval_expr(p.pattern, p.env);
        self.vx(v).rare_mut().patterns[pi].val = Some(val.clone());
        val
    }

    pub(super) fn pattern_matches(&mut self, v: VertexId, pi: usize, label: &Rc<str>) -> bool {
        let pv = self.pattern_val(v, pi);
        if matches!(pv.k, K::Top) {
            return true;
        }
        let lv = Val::new(K::Str(label.clone()), pv.span);
        !self.unify(&pv, &lv).is_bottom()
    }

    /// Whether the literal `lit` has a field named `label` (quoted or not; not a pattern or a
    /// dynamic label).
    fn names_field(&mut self, lit: &'a StructLit, label: &str) -> bool {
        match self.scope(lit) {
            Some(names) => names.contains_key(label),
            None => lit
                .decls
                .iter()
                .any(|d| matches!(d, Decl::Field(f) if f.label.name() == Some(label))),
        }
    }

    /// Whether the closer `ci` of `v` allows the field `label` by its name or a pattern.
    fn allows(
        &mut self,
        v: VertexId,
        ci: usize,
        label: &Rc<str>,
        file_labels: &HashSet<&str>,
    ) -> bool {
        let cl = &self.vs[v as usize].closers[ci];
        if cl.open || cl.labels.contains(label) || (cl.files && file_labels.contains(&**label)) {
            return true;
        }
        for j in 0..self.vs[v as usize].closers[ci].lits.len() {
            let lit = self.vs[v as usize].closers[ci].lits[j];
            if self.names_field(lit, label) {
                return true;
            }
        }
        let patterns = self.vs[v as usize].closers[ci].patterns.clone();
        patterns
            .into_iter()
            .any(|pi| self.pattern_matches(v, pi, label))
    }

    pub(super) fn check_closed(&mut self, v: VertexId) {
        let ncl = self.vs[v as usize].closers.len();
        if ncl == 0 {
            return;
        }
        let arcs = self.arc_list(v);
        // The fields the files of a package declare at the top (for a closer that says so).
        let mut file_labels: HashSet<&'a str> = HashSet::default();
        if self.vs[v as usize].closers.iter().any(|c| c.files) {
            for c in &self.vs[v as usize].conjs {
                if let Src::File(f) = c.src {
                    file_labels.extend(f.body.decls.iter().filter_map(|d| match d {
                        Decl::Field(x) => x.label.name(),
                        _ => None,
                    }));
                }
            }
        }
        for (label, a) in arcs {
            if is_def(&label) || is_hidden(&label) {
                continue;
            }
            for ci in 0..ncl {
                if self.allows(v, ci, &label, &file_labels) {
                    continue;
                }
                let cl = &self.vs[v as usize].closers[ci];
                let known = closer_names(cl);
                let def_name = self.close_name(cl.id);
                let def_span = self.close_meta(cl.id).span;
                let span = self.vs[a as usize].decl_span.unwrap_or(def_span);
                let mut d = Diagnostic::error(
                    codes::NOT_ALLOWED,
                    format!("field `{label}` is not allowed in `{def_name}`"),
                )
                .primary(span, "not declared by the definition")
                .secondary(def_span, format!("`{def_name}` is closed"));
                if let Some(s) = crate::did_you_mean(&label, known.iter().map(|s| s.as_ref())) {
                    d = d.help(format!("did you mean `{s}`?"));
                } else {
                    let mut k = known.clone();
                    k.sort();
                    k.truncate(12);
                    if !k.is_empty() {
                        d = d.help(format!("the fields it declares: {}", k.join(", ")));
                    }
                }
                // The field itself is the error: a reference to it meets it.
                let av = self.vx(a);
                av.value = Some(Val::bottom(d.clone()));
                av.es = Phase::Done;
                self.vx(v).rare_mut().errors.push(d);
                break;
            }
        }
    }
}

/// The fields a closer allows by name, for a diagnostic: its literals' in the order they are
/// declared, then the others sorted (the same list whatever the hash seed).
fn closer_names(cl: &Closer<'_>) -> Vec<Rc<str>> {
    let mut out: Vec<Rc<str>> = Vec::new();
    for lit in &cl.lits {
        for d in &lit.decls {
            if let Decl::Field(f) = d {
                if let Some(n) = f.label.name() {
                    if !is_def(n) && !out.iter().any(|o| o.as_ref() == n) {
                        out.push(Rc::from(n));
                    }
                }
            }
        }
    }
    let mut rest: Vec<Rc<str>> = cl
        .labels
        .iter()
        .filter(|l| !is_def(l) && !out.contains(l))
        .cloned()
        .collect();
    rest.sort();
    out.extend(rest);
    out
}
