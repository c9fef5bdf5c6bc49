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

/// The vertex of a field that is declared optional and that nothing has set or read yet: it
/// keeps the field's place in the order of fields, and gets a vertex when something reaches
/// it (`Evaluator::arc`).
const PENDING: VertexId = VertexId::MAX;

/// Where a field stands in a vertex (`Arcs::slot`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Slot {
    Vertex(VertexId),
    Pending(usize),
    Absent,
}

#[derive(Debug, Default)]
pub(super) struct Arcs {
    list: ThinVec<(Rc<str>, VertexId, u32)>,
    /// Label → position in `list`, once it is long.
    index: Option<Box<HashMap<Rc<str>, u32>>>,
}

/// The hash of a label kept beside it (fixed: it is compared, never iterated).
fn tag(label: &str) -> u32 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one(label) as u32
}

impl Arcs {
    /// The position of `label` in the list, pending or not.
    fn position(&self, label: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(label).map(|&i| i as usize),
            None if self.list.is_empty() => None,
            None => {
                let t = tag(label);
                self.list
                    .iter()
                    .position(|(l, _, u)| *u == t && l.as_ref() == label)
            }
        }
    }

    /// The vertex of the field `label`, if it has one (not if it is pending).
    pub(super) fn get(&self, label: &str) -> Option<&VertexId> {
        let i = self.position(label)?;
        let a = &self.list[i].1;
        (*a != PENDING).then_some(a)
    }

    /// Keeps the place of an optional field that has no vertex yet, where [`Arcs::slot`]
    /// said it stands (a reserved place is kept as it is).
    pub(super) fn reserve(&mut self, slot: Slot, label: Rc<str>) {
        if slot == Slot::Absent {
            self.push(label, PENDING);
        }
    }

    /// Where the field `label` stands, in one search: its vertex, its reserved place, or
    /// nowhere yet.
    pub(super) fn slot(&self, label: &str) -> Slot {
        match self.position(label) {
            Some(i) if self.list[i].1 == PENDING => Slot::Pending(i),
            Some(i) => Slot::Vertex(self.list[i].1),
            None => Slot::Absent,
        }
    }

    /// Gives a field its vertex where [`Arcs::slot`] said: in its reserved place, or last.
    pub(super) fn fill(&mut self, slot: Slot, label: Rc<str>, a: VertexId) {
        match slot {
            Slot::Pending(i) => self.list[i].1 = a,
            Slot::Absent => self.push(label, a),
            Slot::Vertex(_) => unreachable!("a field with a vertex gets no other"),
        }
    }

    fn push(&mut self, label: Rc<str>, a: VertexId) {
        let pos = self.list.len() as u32;
        match &mut self.index {
            Some(index) => {
                index.insert(label.clone(), pos);
            }
            None if self.list.len() >= LINEAR => {
                let mut index: HashMap<Rc<str>, u32> = self
                    .list
                    .iter()
                    .enumerate()
                    .map(|(i, (l, _, _))| (l.clone(), i as u32))
                    .collect();
                index.insert(label.clone(), pos);
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

    /// Every label, pending ones too (for suggestions).
    pub(super) fn keys(&self) -> impl Iterator<Item = &Rc<str>> {
        self.list.iter().map(|(l, _, _)| l)
    }

    /// The fields that have a vertex, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = (&Rc<str>, &VertexId)> {
        self.into_iter()
    }
}

type Entry = (Rc<str>, VertexId, u32);

impl<'s> IntoIterator for &'s Arcs {
    type Item = (&'s Rc<str>, &'s VertexId);
    type IntoIter = std::iter::FilterMap<
        std::slice::Iter<'s, Entry>,
        fn(&'s Entry) -> Option<(&'s Rc<str>, &'s VertexId)>,
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.list
            .iter()
            .filter_map(|(l, a, _)| (*a != PENDING).then_some((l, a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Arcs {
        fn insert(&mut self, label: Rc<str>, a: VertexId) {
            let slot = self.slot(&label);
            self.fill(slot, label, a);
        }
    }

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

    #[test]
    fn a_pending_field_keeps_its_place_and_is_absent_until_given_a_vertex() {
        for n in [3, 70] {
            let mut arcs = Arcs::default();
            let labels: Vec<Rc<str>> = (0..n).map(|i| Rc::from(format!("f{i}"))).collect();
            for (i, l) in labels.iter().enumerate() {
                if i % 2 == 0 {
                    arcs.reserve(arcs.slot(l), l.clone());
                } else {
                    arcs.insert(l.clone(), i as VertexId);
                }
            }
            for (i, l) in labels.iter().enumerate() {
                assert_eq!(matches!(arcs.slot(l), Slot::Pending(_)), i % 2 == 0);
                assert_eq!(arcs.get(l).is_some(), i % 2 == 1);
            }
            assert_eq!(arcs.iter().count(), n / 2);
            assert_eq!(arcs.keys().count(), n);
            arcs.insert(labels[0].clone(), 1000);
            assert_eq!(arcs.get(&labels[0]), Some(&1000));
            // It took its reserved place, the first.
            assert_eq!(arcs.iter().next().map(|(l, _)| l.as_ref()), Some("f0"));
        }
    }
}
