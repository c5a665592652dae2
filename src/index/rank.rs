//! A set of node ids that knows each member's rank (how many members come before it): a bit
//! per node and a count per 64 nodes. A table kept for some nodes only, the directories, then
//! needs a slot per member where a slot per node would cost a few bytes for each of a million
//! files.

#[derive(Debug, Clone)]
pub struct Ranked {
    /// Bit `n % 64` of word `n / 64`: node `n` is a member.
    bits: Vec<u64>,
    /// Per word of `bits` up to the last member's: the members in the words before it.
    before: Vec<u32>,
    len: u32,
}

impl Ranked {
    /// An empty set of nodes below `nodes`.
    pub fn new(nodes: usize) -> Ranked {
        Ranked { bits: vec![0; nodes.div_ceil(64)], before: Vec::new(), len: 0 }
    }

    /// Adds `node`, larger than every member before it; returns its rank.
    pub fn push(&mut self, node: u32) -> usize {
        let w = node as usize / 64;
        while self.before.len() <= w {
            let k = self.before.len();
            let count = k.checked_sub(1).map_or(0, |p| self.before[p] + self.bits[p].count_ones());
            self.before.push(count);
        }
        debug_assert!(self.bits[w] >> (node % 64) == 0, "pushed out of order");
        self.bits[w] |= 1 << (node % 64);
        self.len += 1;
        self.len as usize - 1
    }

    pub fn contains(&self, node: u32) -> bool {
        self.bits.get(node as usize / 64).is_some_and(|w| w >> (node % 64) & 1 == 1)
    }

    /// `node`'s rank, if it is a member.
    pub fn rank(&self, node: u32) -> Option<usize> {
        let (w, bit) = (node as usize / 64, node % 64);
        let word = *self.bits.get(w)?;
        if word >> bit & 1 == 0 {
            return None;
        }
        let below = word & ((1u64 << bit) - 1);
        Some((self.before[w] + below.count_ones()) as usize)
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_across_word_boundaries() {
        let members = [0u32, 1, 63, 64, 65, 127, 128, 300, 999];
        let mut set = Ranked::new(1000);
        for (i, &m) in members.iter().enumerate() {
            assert_eq!(set.push(m), i);
        }
        for n in 0..1000u32 {
            assert_eq!(set.rank(n), members.iter().position(|&m| m == n), "node {n}");
            assert_eq!(set.contains(n), members.contains(&n), "node {n}");
        }
        assert_eq!(set.rank(5000), None);
        assert_eq!(set.len(), members.len());
    }
}
