//! Vertices: creating them, following forwarding, their arcs, elements and conjuncts.

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn push_env(&mut self, parent: EnvId, frame: Frame<'a>) -> EnvId {
        if self.envs.len() >= self.prog.limits.values && self.halted.is_none() {
            self.halt(
                Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "the program binds more than {} names (comprehension variables, lets)",
                        self.prog.limits.values
                    ),
                )
                .primary(self.last_span, "while evaluating this")
                .help(
                    "nested comprehensions multiply their bindings; the limit is `Limits::values`",
                ),
            );
        }
        self.envs.push(Env {
            parent: Some(parent),
            frame,
        });
        (self.envs.len() - 1) as EnvId
    }

    pub(super) fn new_vertex(&mut self, parent: Option<VertexId>, label: Rc<str>) -> VertexId {
        if self.vs.len() >= self.prog.limits.values && self.halted.is_none() {
            self.halt(
                Diagnostic::error(
                    codes::LIMIT,
                    format!(
                        "the program builds more than {} values (struct fields and list elements)",
                        self.prog.limits.values
                    ),
                )
                .primary(self.last_span, "while evaluating this")
                .help("a comprehension or a chain of references multiplies values; the limit is `Limits::values`"),
            );
        }
        self.vs.push(Vertex {
            parent,
            label,
            ..Default::default()
        });
        (self.vs.len() - 1) as VertexId
    }

    pub(super) fn res(&self, mut v: VertexId) -> VertexId {
        while let Some(r) = self.vs[v as usize].redirect {
            v = r;
        }
        v
    }

    pub(super) fn vx(&mut self, v: VertexId) -> &mut Vertex<'a> {
        &mut self.vs[v as usize]
    }

    pub(super) fn arc(&mut self, v: VertexId, label: &str) -> VertexId {
        let slot = self.vs[v as usize].arcs.slot(label);
        if let Slot::Vertex(a) = slot {
            return a;
        }
        let l = self.intern(label);
        let a = self.new_vertex(Some(v), l.clone());
        self.vx(v).arcs.fill(slot, l, a);
        if let Slot::Pending(_) = slot {
            self.materialize(v, a, label);
        }
        a
    }

    /// Gives a pending optional field (`add_field`) the conjuncts it was declared with, now
    /// that it has a vertex: as if it had had one from the start.
    fn materialize(&mut self, v: VertexId, a: VertexId, label: &str) {
        let deferred = match self.vx(v).rare.as_mut() {
            Some(r) => {
                let (mine, rest) = std::mem::take(&mut r.deferred)
                    .into_iter()
                    .partition(|(l, ..)| l.as_ref() == label);
                r.deferred = rest;
                mine
            }
            None => Vec::new(),
        };
        for (_, f, env, close) in deferred {
            let av = self.vx(a);
            av.optional = true;
            if av.decl_span.is_none() {
                av.decl_span = Some(f.label.span);
            }
            let src = Src::Expr(&f.value);
            let close = close.map(|c| self.child_close(c, label));
            self.add_conj(a, Conj { src, env, close });
        }
        // Patterns already applied to the other fields apply to this one.
        if self.vs[v as usize].xs == Phase::Done {
            self.apply_patterns(v);
        }
    }

    pub(super) fn elem(&mut self, v: VertexId, i: usize) -> VertexId {
        while self.vs[v as usize].elems.len() <= i {
            let n = self.vs[v as usize].elems.len();
            let e = self.new_vertex(Some(v), Rc::from(n.to_string().as_str()));
            self.vx(v).elems.push(e);
        }
        self.vs[v as usize].elems[i]
    }

    pub(super) fn add_conj(&mut self, v: VertexId, c: Conj<'a>) {
        let key = (c.src.key(), c.env, c.close);
        let vert = &mut self.vs[v as usize];
        let seen = match vert.rare.as_mut().and_then(|r| r.conj_keys.as_mut()) {
            Some(keys) => !keys.insert(key),
            None => {
                let seen = vert
                    .conjs
                    .iter()
                    .any(|x| (x.src.key(), x.env, x.close) == key);
                if !seen && vert.conjs.len() >= 16 {
                    let mut keys: HashSet<_> = vert
                        .conjs
                        .iter()
                        .map(|x| (x.src.key(), x.env, x.close))
                        .collect();
                    keys.insert(key);
                    vert.rare_mut().conj_keys = Some(keys);
                }
                seen
            }
        };
        if seen {
            return;
        }
        self.unshare(v);
        let vert = &mut self.vs[v as usize];
        // Most vertices have one or two conjuncts: grow one at a time up to four (a vector
        // starts at four), then double.
        if vert.conjs.len() == vert.conjs.capacity() && vert.conjs.len() < 4 {
            vert.conjs.reserve_exact(1);
        }
        vert.conjs.push(c);
        if vert.xs == Phase::Done {
            // A conjunct that arrives after expansion (a late pattern): expand it now.
            let old = vert.value.take();
            if std::mem::take(&mut vert.released) {
                // The conjuncts valued before were freed: their value stands for them.
                vert.ref_vals.extend(old);
            }
            vert.es = Phase::Fresh;
            self.expand_conj(v, c);
            self.apply_patterns(v);
        }
    }

    /// The fields of a vertex, copied so that the vertex may change while they are visited.
    pub(super) fn arc_list(&self, v: VertexId) -> Vec<(Rc<str>, VertexId)> {
        self.vs[v as usize]
            .arcs
            .iter()
            .map(|(k, a)| (k.clone(), *a))
            .collect()
    }

    /// Path of a vertex for messages: `services.checkout.port`.
    pub(crate) fn path(&self, v: VertexId) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(v);
        while let Some(c) = cur {
            let vert = &self.vs[c as usize];
            if vert.parent.is_some() || !vert.label.is_empty() {
                let l = &vert.label;
                if (l
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '#' || c == '$')
                    && !l.is_empty())
                    || vert.parent.is_none()
                {
                    parts.push(l.to_string());
                } else {
                    parts.push(format!("{:?}", l.as_ref()));
                }
            }
            cur = vert.parent;
        }
        parts.reverse();
        parts.join(".")
    }

    /// The vertices of a list or struct value, for builtins.
    pub(crate) fn items(&mut self, v: VertexId) -> (bool, Vec<(Rc<str>, VertexId)>) {
        let v = self.res(v);
        self.expand(v);
        let v = self.res(v);
        let vert = &self.vs[v as usize];
        if vert.is_list {
            (
                true,
                vert.elems
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (Rc::from(i.to_string().as_str()), *e))
                    .collect(),
            )
        } else {
            (
                false,
                vert.arcs
                    .iter()
                    .filter(|(l, a)| !is_def(l) && !is_hidden(l) && self.vs[**a as usize].regular)
                    .map(|(l, a)| (l.clone(), *a))
                    .collect(),
            )
        }
    }

    pub(crate) fn struct_env(&mut self, env: EnvId, lit: &'a StructLit) -> EnvId {
        let v = self.new_vertex(None, Rc::from("check"));
        self.vx(v).xs = Phase::Done;
        self.push_env(env, Frame::Struct { lit, vertex: v })
    }
}

impl<'a> Evaluator<'a> {
    /// A new closed list of the given values (for the standard packages' results).
    pub(crate) fn list_of(&mut self, vals: Vec<Val>, span: Span) -> Val {
        let t = self.new_vertex(None, Rc::from("[…]"));
        {
            let tv = self.vx(t);
            tv.regular = true;
            tv.is_list = true;
            tv.struct_span = Some(span);
            tv.rare_mut().list_len = Some((vals.len(), span));
        }
        for (i, x) in vals.into_iter().enumerate() {
            let e = self.elem(t, i);
            self.fill(e, x);
        }
        Val::new(K::Vertex(t), span)
    }

    /// A new struct of the given fields (for the standard packages' results).
    pub(crate) fn struct_of(&mut self, fields: Vec<(String, Val)>, span: Span) -> Val {
        let t = self.new_vertex(None, Rc::from("{…}"));
        {
            let tv = self.vx(t);
            tv.regular = true;
            tv.is_struct = true;
            tv.struct_span = Some(span);
        }
        for (label, x) in fields {
            let a = self.arc(t, &label);
            self.fill(a, x);
        }
        Val::new(K::Vertex(t), span)
    }

    fn fill(&mut self, v: VertexId, x: Val) {
        self.vx(v).regular = true;
        match x.k {
            K::Vertex(w) => self.vx(v).redirect = Some(w),
            _ => self.vx(v).ref_vals.push(x),
        }
    }
}
