//! The fields (arcs) of a vertex: a list in the order they were added, each with a 32-bit
//! hash of its label, searched by that hash; indexed by a hash map once it is long. Most
//! vertices have a handful of fields or a few dozen (a service has ~50): a list of hashes
//! scanned in place is as fast as a hash map there, is built without one, and takes one word
//! in the vertex (an `IndexMap` allocated two tables for each vertex that had a field).

use super::{HashMap, VertexId};
use std::rc::Rc;
use thin_vec::ThinVec;

/// Fields beyond this many are found through the index.
const LINEAR: usize = 64;

#[derive(Debug, Default)]
pub(super) struct Arcs {
    list: ThinVec<(Rc<str>, VertexId, u32)>,
    index: Option<Box<HashMap<Rc<str>, VertexId>>>,
}

/// The hash of a label kept beside it (fixed: it is compared, never iterated).
fn tag(label: &str) -> u32 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(label) as u32
}

impl Arcs {
    pub(super) fn get(&self, label: &str) -> Option<&VertexId> {
        match &self.index {
            Some(index) => index.get(label),
            None if self.list.is_empty() => None,
            None => {
                let t = tag(label);
                self.list
                    .iter()
                    .find(|(l, _, u)| *u == t && l.as_ref() == label)
                    .map(|(_, a, _)| a)
            }
        }
    }

    /// Adds a field the vertex does not have (`get` is `None` for its label).
    pub(super) fn insert(&mut self, label: Rc<str>, a: VertexId) {
        debug_assert!(self.get(&label).is_none());
        match &mut self.index {
            Some(index) => {
                index.insert(label.clone(), a);
            }
            None if self.list.len() >= LINEAR => {
                let mut index: HashMap<Rc<str>, VertexId> =
                    self.list.iter().map(|(l, a, _)| (l.clone(), *a)).collect();
                index.insert(label.clone(), a);
                self.index = Some(Box::new(index));
            }
            None => {
                // Grow one at a time up to four fields, then double (as `Vertex::conjs`).
                if self.list.len() == self.list.capacity() && self.list.len() < 4 {
                    self.list.reserve_exact(1);
                }
            }
        }
        let t = tag(&label);
        self.list.push((label, a, t));
    }

    pub(super) fn keys(&self) -> impl Iterator<Item = &Rc<str>> {
        self.list.iter().map(|(l, _, _)| l)
    }

    /// The fields in the order they were added.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &VertexId)> {
        self.list.iter().map(|(l, a, _)| (l, a))
    }
}

impl<'s> IntoIterator for &'s Arcs {
    type Item = (&'s Rc<str>, &'s VertexId);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'s, (Rc<str>, VertexId, u32)>,
        fn(&'s (Rc<str>, VertexId, u32)) -> (&'s Rc<str>, &'s VertexId),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter().map(|(l, a, _)| (l, a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_found_and_kept_in_order_below_and_above_the_index() {
        let mut arcs = Arcs::default();
        let labels: Vec<Rc<str>> = (0..100).map(|i| Rc::from(format!("f{i}"))).collect();
        for (i, l) in labels.iter().enumerate() {
            assert_eq!(arcs.get(l), None);
            arcs.insert(l.clone(), i as VertexId);
            for (j, m) in labels[..=i].iter().enumerate() {
                assert_eq!(arcs.get(m), Some(&(j as VertexId)), "{m} after {i}");
            }
            assert_eq!(arcs.get("absent"), None);
        }
        let order: Vec<&str> = arcs.keys().map(|l| l.as_ref()).collect();
        let expected: Vec<&str> = labels.iter().map(|l| l.as_ref()).collect();
        assert_eq!(order, expected);
        assert!(arcs.iter().map(|(_, a)| *a).eq(0..100));
    }
}
