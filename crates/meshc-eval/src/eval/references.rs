//! References: lexical lookup, selectors and indexes, `let` bindings.

use super::*;

impl<'a> Evaluator<'a> {
    /// Resolves an expression that must be a struct or list (a comprehension source).
    pub(super) fn resolve_value_vertex(
        &mut self,
        e: &'a Expr,
        env: EnvId,
    ) -> Result<VertexId, Diagnostic> {
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

    pub(super) fn resolve(&mut self, e: &'a Expr, env: EnvId) -> Result<Target, Diagnostic> {
        match &e.kind {
            ExprKind::Ident(name) => self.lookup(name, e.span, env),
            ExprKind::OptionalRef(inner) => self.resolve(inner, env),
            ExprKind::Select(base, id) => {
                if let ExprKind::Ident(alias) = &base.kind {
                    if let Some(pkg) = self.builtin_import(base.span.file, alias) {
                        return match crate::packages::constant(pkg, &id.name, e.span) {
                            Some(v) => Ok(Target::Value(v)),
                            None => Err(crate::builtins::unknown_in_package(pkg, &id.name, e.span)),
                        };
                    }
                }
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

    pub(super) fn base_vertex(
        &mut self,
        base: &'a Expr,
        env: EnvId,
    ) -> Result<VertexId, Diagnostic> {
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

    pub(super) fn field_of(
        &mut self,
        w: VertexId,
        name: &str,
        span: Span,
    ) -> Result<Target, Diagnostic> {
        let w = self.res(w);
        self.expand(w);
        let w = self.res(w);
        // A pending optional field gets its vertex when it is reached.
        let found = match self.vs[w as usize].arcs.slot(name) {
            Slot::Vertex(a) => Some(a),
            Slot::Pending(_) => Some(self.arc(w, name)),
            Slot::Absent => None,
        };
        let vert = &self.vs[w as usize];
        if let Some(a) = found {
            let av = &self.vs[a as usize];
            if av.regular || is_def(name) || av.required {
                return Ok(Target::Vertex(a));
            }
            return Err(absent_diag(name, &self.path(w), span));
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

    pub(super) fn let_vertex(
        &mut self,
        key_env: EnvId,
        clause: &'a LetClause,
        eval_env: EnvId,
    ) -> VertexId {
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

    /// The names of a large literal's fields, indexed once (`None` for a small one, which is
    /// scanned), each with whether one declaration of it is unquoted: a lookup through a file
    /// of 10,000 services does not scan it, nor does closedness scan `#Service`.
    pub(super) fn scope(&mut self, lit: &'a StructLit) -> Option<&HashMap<&'a str, bool>> {
        if lit.decls.len() < 16 {
            return None;
        }
        let key = lit as *const StructLit as usize;
        Some(self.scopes.entry(key).or_insert_with(|| {
            let mut names: HashMap<&'a str, bool> = HashMap::default();
            for d in &lit.decls {
                if let Decl::Field(f) = d {
                    if let Some(n) = f.label.name() {
                        *names.entry(n).or_default() |= !f.label.quoted;
                    }
                }
            }
            names
        }))
    }

    /// Whether `lit` declares a field `name` (unquoted).
    pub(super) fn declares(&mut self, lit: &'a StructLit, name: &str) -> bool {
        match self.scope(lit) {
            Some(names) => names.get(name) == Some(&true),
            None => lit.declares(name),
        }
    }

    pub(super) fn lookup(
        &mut self,
        name: &str,
        span: Span,
        env: EnvId,
    ) -> Result<Target, Diagnostic> {
        let mut cur = Some(env);
        while let Some(e) = cur {
            let frame = match &self.envs[e as usize].frame {
                // A binding's value is cloned only when it is the one named.
                Frame::Bind { name: n, target } => {
                    if *n == name {
                        return Ok(target.clone());
                    }
                    cur = self.envs[e as usize].parent;
                    continue;
                }
                f => f.clone(),
            };
            match frame {
                Frame::Struct { lit, vertex } => {
                    if self.declares(lit, name) {
                        let v = self.res(vertex);
                        let a = self.arc(v, name);
                        if let Some(d) = self.optional_only(v, a, name, span) {
                            return Err(d);
                        }
                        return Ok(Target::Vertex(a));
                    }
                    if lit.binds(name) {
                        if let Some(l) = lit.let_decl(name) {
                            // `let s = self`: a name for this struct, as an alias is.
                            if matches!(&l.value.kind, ExprKind::Ident(n) if n == "self")
                                && !self.declares(lit, "self")
                            {
                                return Ok(Target::Vertex(self.res(vertex)));
                            }
                            return Ok(Target::Vertex(self.let_vertex(e, l, e)));
                        }
                        if let Some(label) = lit.aliased(name) {
                            let v = self.res(vertex);
                            return Ok(Target::Vertex(self.arc(v, label)));
                        }
                        if lit.embeds_alias(name) {
                            return Ok(Target::Vertex(self.res(vertex)));
                        }
                    }
                }
                Frame::LetBind { clause } => {
                    if clause.name.name == name {
                        let parent = self.envs[e as usize].parent.unwrap_or(0);
                        return Ok(Target::Vertex(self.let_vertex(e, clause, parent)));
                    }
                }
                Frame::File { file, pkg } => {
                    if file.body.binds(name) {
                        if let Some(l) = file.body.let_decl(name) {
                            return Ok(Target::Vertex(self.let_vertex(e, l, e)));
                        }
                        if let Some(label) = file.body.aliased(name) {
                            let r = self.root(pkg);
                            let r = self.res(r);
                            return Ok(Target::Vertex(self.arc(r, label)));
                        }
                    }
                    // The file's own list first: most names are not imports, and the map's
                    // key is an owned string.
                    if file.imports.iter().any(|i| i.name.name == name) {
                        if let Some(&p) = self.prog.imports.get(&(file.id, name.to_string())) {
                            let r = self.root(p);
                            return Ok(Target::Vertex(r));
                        }
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
                        if let Some(d) = self.optional_only(r, a, name, span) {
                            return Err(d);
                        }
                        return Ok(Target::Vertex(a));
                    }
                }
                // A binding was looked at above.
                Frame::Root | Frame::Bind { .. } => {}
            }
            cur = self.envs[e as usize].parent;
        }
        if name == "self" {
            // `self`: the innermost enclosing struct (CUE), unless a name shadows it.
            let mut cur = Some(env);
            while let Some(e) = cur {
                match self.envs[e as usize].frame {
                    Frame::Struct { vertex, .. } => return Ok(Target::Vertex(self.res(vertex))),
                    Frame::File { pkg, .. } => {
                        let r = self.root(pkg);
                        return Ok(Target::Vertex(self.res(r)));
                    }
                    _ => {}
                }
                cur = self.envs[e as usize].parent;
            }
        }
        if let Some(k) = predeclared(name) {
            return Ok(Target::Value(Val::kind(k, span)));
        }
        if let Some(v) = predeclared_range(name, span) {
            return Ok(Target::Value(v));
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

    /// A field that is only optional, in a struct whose fields are all known, has no value to
    /// refer to (as in CUE): the error for a reference to it.
    fn optional_only(
        &self,
        v: VertexId,
        a: VertexId,
        name: &str,
        span: Span,
    ) -> Option<Diagnostic> {
        let av = &self.vs[a as usize];
        let absent = av.optional
            && !av.regular
            && !av.required
            && !is_def(name)
            && self.vs[v as usize].xs == Phase::Done
            // The standard library tests its optional fields with comprehensions over them.
            && self.user_file(span);
        absent.then(|| absent_diag(name, &self.path(v), span))
    }

    pub(super) fn visible_names(&self, env: EnvId) -> Vec<String> {
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
}

/// Where `target` is written in `lit`: `Some(true)` when on a path of regular fields, list
/// elements and embeddings only (it is part of every value of `lit`), `Some(false)` when under
/// something conditional, `None` when not in `lit`.
pub(super) fn always_present(lit: &StructLit, target: &Expr) -> Option<bool> {
    pub(super) fn in_lit(lit: &StructLit, target: &Expr, always: bool) -> Option<bool> {
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
            Decl::Ellipsis(_) | Decl::Attr(_) => None,
        })
    }
    pub(super) fn in_expr(e: &Expr, target: &Expr, always: bool) -> Option<bool> {
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

pub(super) fn ref_is_def(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Ident(n) => is_def(n),
        ExprKind::Select(b, id) => is_def(&id.name) || ref_is_def(b),
        ExprKind::Index(b, _) => ref_is_def(b),
        _ => false,
    }
}

pub(super) fn ref_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Ident(n) => n.clone(),
        ExprKind::Select(b, id) => format!("{}.{}", ref_name(b), id.name),
        ExprKind::Index(b, _) => format!("{}[…]", ref_name(b)),
        _ => "…".into(),
    }
}

/// A reference to field `name` of `path` that is only optional: it has no value.
fn absent_diag(name: &str, path: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        codes::UNDEFINED,
        format!("field `{name}` of `{path}` is optional and not present"),
    )
    .primary(span, "not present")
    .help(format!(
        "test for it first: `if {name} != _|_ {{ … }}`, or make it a regular field: `{name}: …`"
    ))
}
