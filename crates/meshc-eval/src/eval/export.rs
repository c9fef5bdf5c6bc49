//! Export: the final value as plain data, and incompleteness diagnostics.

use super::*;

impl<'a> Evaluator<'a> {
    /// Exports a vertex as plain data, reporting every error and incomplete value under it.
    /// A scalar's span is where its value was written; a struct's or list's, its label.
    pub(crate) fn export(&mut self, v: VertexId) -> Option<Node> {
        let span = self.vs[v as usize].decl_span.unwrap_or_default();
        if let Some(d) = self.guard(span) {
            self.report(d);
            return None;
        }
        self.depth += 1;
        let r = grow(|| self.export_inner(v));
        self.depth -= 1;
        r
    }

    pub(super) fn export_inner(&mut self, v: VertexId) -> Option<Node> {
        if self.over_export_limit(v, 1) {
            return None;
        }
        // Expanding a field decides whether it forwards to a canonical vertex (`sharing`; one
        // that forwards was expanded already): a field that does, and whose canonical value is
        // not clean, stops.
        if self.vs[v as usize].redirect.is_none() {
            self.expand(v);
        }
        self.unshare_unclean(v);
        // A canonical vertex, and each field that forwards to it, export what it exported the
        // first time: the same node (a map is shared, not copied), its parts counted again as
        // if written out again.
        let v_res = self.res(v);
        if self.vs[v_res as usize].shared {
            if let Some((node, parts)) = self.export_cache.get(&v_res) {
                let (node, parts) = (node.clone(), *parts);
                if self.over_export_limit(v, parts) {
                    return None;
                }
                return Some(node);
            }
            let before = self.exported;
            let node = self.export_own(v_res);
            if let Some(n) = &node {
                self.export_cache
                    .insert(v_res, (n.clone(), self.exported - before));
            }
            return node;
        }
        self.export_own(v)
    }

    /// Counts `parts` more parts of the exported value; `true` (with the diagnostic reported
    /// and evaluation halted) past `Limits::exported`.
    fn over_export_limit(&mut self, v: VertexId, parts: usize) -> bool {
        self.exported += parts;
        if self.exported <= self.prog.limits.exported {
            return false;
        }
        let span = self.vs[v as usize].decl_span.unwrap_or(self.last_span);
        let d = Diagnostic::error(
            codes::LIMIT,
            format!(
                "the value written out has more than {} parts",
                self.prog.limits.exported
            ),
        )
        .primary(span, "while writing out this")
        .help("a value referred to twice is written out twice: references that double at each level grow exponentially; the limit is `Limits::exported`");
        self.halt(d.clone());
        self.report(d);
        true
    }

    /// Exports `v` itself (not through the cache of shared vertices).
    fn export_own(&mut self, v: VertexId) -> Option<Node> {
        let v = self.res(v);
        self.expand(v);
        let v = self.res(v);
        if !self.vs[v as usize].reported {
            self.vx(v).reported = true;
            let errs = self.vs[v as usize].errors().to_vec();
            for e in errs {
                self.report(e);
            }
        }
        if let Some(d) = self.vs[v as usize].ambiguous().cloned() {
            self.report(d);
            return None;
        }
        let val = self.value(v);
        match &val.k {
            K::Vertex(w) => {
                let w = self.res(*w);
                if w != v {
                    return self.export(w);
                }
                // A struct or list is known by where its field was written (the label).
                let span = self.vs[v as usize]
                    .decl_span
                    .filter(|s| self.user_file(*s))
                    .unwrap_or(val.span);
                self.export_structure(v, span)
            }
            K::Bottom(d) => {
                self.report((**d).clone());
                None
            }
            _ => {
                self.release_scalar_conjuncts(v);
                let c = val.default_value();
                match scalar_node(&c) {
                    Some(k) => Some(Node {
                        kind: k,
                        span: c.span,
                    }),
                    None => {
                        self.report_incomplete(v, &c);
                        None
                    }
                }
            }
        }
    }

    /// Frees what a scalar field's valuation read (its scalar conjuncts and the values of its
    /// references) once it is written out: its value is final by then, and a late conjunct
    /// still finds it (`add_conj`). At 10,000 services, ~50 MB less at the peak.
    fn release_scalar_conjuncts(&mut self, v: VertexId) {
        let vert = self.vx(v);
        if vert.es != Phase::Done || vert.value.is_none() {
            return;
        }
        if !vert.scalars.is_empty() || !vert.ref_vals.is_empty() {
            vert.scalars = ThinVec::new();
            vert.ref_vals = ThinVec::new();
            vert.released = true;
        }
    }

    pub(super) fn export_structure(&mut self, v: VertexId, span: Span) -> Option<Node> {
        if self.vs[v as usize].is_list {
            let elems = self.vs[v as usize].elems.clone();
            let mut out = Vec::new();
            let mut ok = true;
            for e in elems {
                match self.export(e) {
                    Some(n) => out.push(n),
                    None => ok = false,
                }
            }
            return ok.then_some(Node {
                kind: NodeKind::List(out),
                span,
            });
        }
        let arcs = self.arc_list(v);
        // Sized for the fields it will hold: an exported value lives until the end.
        let fields = arcs
            .iter()
            .filter(|(l, a)| !is_def(l) && !is_hidden(l) && self.vs[*a as usize].regular)
            .count();
        let mut map = crate::Fields::with_capacity_and_hasher(fields, Default::default());
        let mut ok = true;
        for (label, a) in arcs {
            if is_def(&label) || is_hidden(&label) {
                continue;
            }
            let (regular, required) = (self.vs[a as usize].regular, self.vs[a as usize].required);
            if !regular {
                if required {
                    let decl = self.vs[a as usize].decl_span.unwrap_or(span);
                    let at = self.user_span(v).unwrap_or(decl);
                    let d = Diagnostic::error(
                        codes::REQUIRED,
                        format!("required field `{label}` is missing in `{}`", self.path(v)),
                    )
                    .primary(at, format!("`{label}` must be given here"))
                    .secondary(decl, "required by this declaration")
                    .help(format!("add `{label}: …` to `{}`", self.path(v)));
                    self.report(d);
                    ok = false;
                }
                continue;
            }
            match self.export(a) {
                Some(n) => {
                    let key = self.export_key(&label);
                    map.insert(key, n);
                }
                None => ok = false,
            }
        }
        ok.then_some(Node {
            kind: NodeKind::Map(std::sync::Arc::new(map)),
            span,
        })
    }

    /// The key of an exported field labelled `label`: the text exported for that label
    /// before, or a new one.
    fn export_key(&mut self, label: &Rc<str>) -> std::sync::Arc<str> {
        let at = Rc::as_ptr(label) as *const u8 as usize;
        match self.export_keys.get(&at) {
            Some(key) if **key == **label => key.clone(),
            _ => {
                let key: std::sync::Arc<str> = std::sync::Arc::from(&**label);
                self.export_keys.insert(at, key.clone());
                key
            }
        }
    }

    /// The span of the nearest struct (this vertex or an ancestor) written in a user file.
    pub(super) fn user_span(&self, v: VertexId) -> Option<Span> {
        let mut cur = Some(v);
        while let Some(c) = cur {
            let vert = &self.vs[c as usize];
            for s in [vert.decl_span, vert.struct_span].into_iter().flatten() {
                if self.user_file(s) {
                    return Some(s);
                }
            }
            cur = vert.parent;
        }
        None
    }

    pub(super) fn report_incomplete(&mut self, v: VertexId, c: &Val) {
        let path = self.path(v);
        let name = self.vs[v as usize].label.to_string();
        let (msg, help) = match &c.k {
            K::Incomplete(why) => (
                format!("`{path}` cannot be computed: {why}"),
                "give the value it depends on a concrete value".to_string(),
            ),
            K::Disj(alts) => {
                let n = alts.iter().filter(|a| a.default).count();
                (
                    format!(
                        "`{path}` is one of {c}, and {}",
                        if n == 0 {
                            "none is the default".to_string()
                        } else {
                            format!("{n} are defaults")
                        }
                    ),
                    format!("choose one: `{name}: …`"),
                )
            }
            _ => (
                format!("`{path}` has no concrete value: it is {c}"),
                format!(
                    "give it a value, for example `{name}: {}`",
                    example_for(c.kinds())
                ),
            ),
        };
        let mut d = Diagnostic::error(codes::INCOMPLETE, format!("incomplete value: {msg}"));
        let user = self.user_span(v);
        match user {
            Some(u) if !self.user_file(c.span) || c.span == Span::default() => {
                d = d.primary(u, format!("`{name}` is not set here"));
                if c.span != Span::default() {
                    d = d.secondary(c.span, format!("`{name}` is declared as {c}"));
                }
            }
            _ => {
                d = d.primary(c.span, format!("not concrete: {c}"));
                if let Some(ds) = self.vs[v as usize].decl_span {
                    d = d.secondary(ds, format!("`{name}` is declared here"));
                }
            }
        }
        self.report(d.help(help));
    }
}

pub(super) fn scalar_node(v: &Val) -> Option<NodeKind> {
    Some(match &v.k {
        K::Null => NodeKind::Null,
        K::Bool(b) => NodeKind::Bool(*b),
        K::Int(i) => NodeKind::Int(*i),
        K::Float(f) => NodeKind::Float(*f),
        K::Str(s) => NodeKind::Str(s.to_string()),
        K::Quantity(q) => NodeKind::Quantity(*q),
        K::Duration(d) => NodeKind::Duration(*d),
        K::Percent(p) => NodeKind::Percent(*p),
        _ => return None,
    })
}
