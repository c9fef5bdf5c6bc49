//! Lists: expanding list literals and closing their length.

use super::*;

impl<'a> Evaluator<'a> {
    pub(super) fn expand_list(&mut self, v: VertexId, l: &'a ListLit, c: Conj<'a>) {
        self.vx(v).is_list = true;
        let elem_close = c.close.map(|cl| self.child_close(cl, "[]"));
        let mut idx = 0;
        for el in &l.elems {
            match el {
                ListElem::Expr(e) => {
                    let ev = self.elem(v, idx);
                    self.vx(ev).regular = true;
                    self.add_conj(
                        ev,
                        Conj {
                            src: Src::Expr(e),
                            env: c.env,
                            close: elem_close,
                        },
                    );
                    idx += 1;
                }
                ListElem::Comprehension(comp) => {
                    let mut outs = Vec::new();
                    if let Err(d) = self.yields(comp, c.env, &mut outs) {
                        self.vx(v).rare_mut().errors.push(d);
                    }
                    let body = match &comp.fallback {
                        Some(f) if outs.is_empty() => {
                            outs.push(c.env);
                            &f.body
                        }
                        _ => &comp.body,
                    };
                    for env in outs {
                        let ev = self.elem(v, idx);
                        self.vx(ev).regular = true;
                        let src = match body.decls.as_slice() {
                            [Decl::Embed(e)] => Src::Expr(e),
                            _ => Src::Struct(body),
                        };
                        self.add_conj(
                            ev,
                            Conj {
                                src,
                                env,
                                close: elem_close,
                            },
                        );
                        idx += 1;
                    }
                }
            }
        }
        match &l.tail {
            Some(t) => self.vx(v).rare_mut().tails.push((
                idx,
                Conj {
                    src: Src::Expr(t),
                    env: c.env,
                    close: elem_close,
                },
            )),
            None => self.close_list(v, idx, l.span),
        }
    }

    /// Fixes the length of list `v` at `len` (written at `span`): a different length fixed by
    /// another conjunct is a conflict.
    pub(super) fn close_list(&mut self, v: VertexId, len: usize, span: Span) {
        match self.vs[v as usize].list_len() {
            Some((n, pspan)) if n != len => {
                let d = Diagnostic::error(
                    codes::LIST_LENGTH,
                    format!("conflicting list lengths {len} and {n}"),
                )
                .primary(span, format!("a list of {len}"))
                .secondary(pspan, format!("a list of {n}"));
                self.vx(v).rare_mut().errors.push(d);
            }
            Some(_) => {}
            None => self.vx(v).rare_mut().list_len = Some((len, span)),
        }
    }

    pub(super) fn finish_list(&mut self, v: VertexId) {
        let vert = &self.vs[v as usize];
        if !vert.is_list {
            return;
        }
        let conflicted = vert.errors().iter().any(|e| e.code == codes::LIST_LENGTH);
        if let Some((n, span)) = vert.list_len() {
            if vert.elems.len() > n && !conflicted {
                let d = Diagnostic::error(
                    codes::LIST_LENGTH,
                    format!(
                        "a list of {n} elements cannot hold {} elements",
                        vert.elems.len()
                    ),
                )
                .primary(span, format!("a closed list of {n}"));
                self.vx(v).rare_mut().errors.push(d);
            }
        }
        let tails = self.vs[v as usize].tails().to_vec();
        let elems = self.vs[v as usize].elems.clone();
        for (i, e) in elems.into_iter().enumerate() {
            for (start, t) in &tails {
                if i >= *start {
                    self.add_conj(e, *t);
                }
            }
        }
    }
}
